// Issue 10's attacks on the handlers and the stack, written as the attacker would run them: raw
// SDK calls and presigned-URL PUTs against the embedded cloud running the synthesized stack.
// Cognito's own limits (ConfirmSignUp attempts and the like) are the sim's business and are
// tested with it; what is shown here must hold without them.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
  type InitiateAuthCommandOutput,
  type RespondToAuthChallengeCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { ListFacesCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ownerOfFace } from '../../handlers/face-tags.js';
import { generateFace, generateFixture } from '../../sim/faces/generate-face.js';
import { FaceAuthClient, decodeJwtClaims, uploadKeyOf, uploadPhoto } from '../../cli/face-auth-client.js';
import { LOCAL_CREDENTIALS } from '../../sim/embedded-cloud.js';
import { latestCode, startHarness, type Harness } from '../e2e/embedded-cloud-harness.js';

let harness: Harness;
const face = (seed: string, variant = 0) => generateFixture('face', seed, variant);
type Step = InitiateAuthCommandOutput | RespondToAuthChallengeCommandOutput;

beforeAll(async () => {
  harness = await startHarness();
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

/** A client on a device of its own (its own device key). */
function newDevice(): FaceAuthClient {
  return new FaceAuthClient({ region: harness.outputs.Region, userPoolClientId: harness.outputs.UserPoolClientId, endpoint: harness.endpoint });
}

async function emailsTo(to: string): Promise<Array<{ subject: string; body: string }>> {
  return (await (await fetch(`${harness.endpoint}/_sim/emails?to=${encodeURIComponent(to)}`)).json()) as Array<{ subject: string; body: string }>;
}

async function confirmedUser(email: string, client = harness.client): Promise<{ sub: string; enrolSecret: string }> {
  const { userSub } = await client.signUp(email);
  const enrolSecret = await client.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);
  return { sub: userSub, enrolSecret };
}

async function enrolledUser(email: string, photo: Buffer, client = harness.client): Promise<string> {
  const { sub, enrolSecret } = await confirmedUser(email, client);
  let outcome = await client.authenticate(email, { photo, enrolSecret });
  // On a loaded machine the indexer may miss Verify's wait (NOT_UPLOADED): enrol again by email.
  if (outcome.kind === 'enrolment-rejected' && outcome.reason === 'NOT_UPLOADED') {
    outcome = await client.authenticate(email, { photo, enrol: true, emailCode: async () => (await latestCode(harness.endpoint, email)).code });
  }
  expect(outcome).toMatchObject({ kind: 'signed-in' });
  return sub;
}

function initiate(email: string): Promise<InitiateAuthCommandOutput> {
  return harness.cognito.send(
    new InitiateAuthCommand({ ClientId: harness.outputs.UserPoolClientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }),
  );
}

function respond(previous: Step, answer: string, clientMetadata?: Record<string, string>): Promise<RespondToAuthChallengeCommandOutput> {
  return harness.cognito.send(
    new RespondToAuthChallengeCommand({
      ClientId: harness.outputs.UserPoolClientId,
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: previous.Session,
      ChallengeResponses: { USERNAME: previous.ChallengeParameters!.USERNAME!, ANSWER: answer },
      ClientMetadata: clientMetadata,
    }),
  );
}

async function objectsUnder(prefix: string): Promise<string[]> {
  const listed = await harness.s3.send(new ListObjectsV2Command({ Bucket: harness.outputs.BucketName, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key!);
}

/** What an observer sees of a step, with the values that must differ (session, key) replaced by their shape. */
function shapeOf(step: Step): Record<string, unknown> {
  const parameters = step.ChallengeParameters ?? {};
  return {
    ChallengeName: step.ChallengeName,
    keys: Object.keys(parameters).sort(),
    challenge: parameters.challenge,
    method: parameters.method,
    USERNAME: parameters.USERNAME?.replace(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, '<uuid v4>'),
    uploadKey: parameters.uploadFormFields && uploadKeyOf(parameters).replace(/[0-9a-f]{32}$/, '<32 hex>'),
    maxBytes: parameters.maxBytes,
    tokens: step.AuthenticationResult !== undefined,
  };
}

/** One probe of an email, the way an enumerating attacker would run it, as a list of shapes. */
async function probe(email: string): Promise<unknown[]> {
  const seen: unknown[] = [];
  try {
    const first = await initiate(email);
    seen.push(shapeOf(first));
    const wrongFace = await respond(first, 'uploaded'); // nothing uploaded: a wrong face
    seen.push(shapeOf(wrongFace));
    const proof = await respond(wrongFace, 'ENROL', { intent: 'ENROL' });
    seen.push(shapeOf(proof));
    const wrongCode = await respond(proof, '00000000');
    seen.push(shapeOf(wrongCode));
    await respond(wrongCode, '00000001');
    seen.push('no failure after three wrong answers');
  } catch (error) {
    seen.push({ error: (error as Error).name, message: (error as Error).message });
  }
  return seen;
}

describe('finding 2: no enumeration through the face flow', () => {
  it('answers an enrolled, a confirmed but not enrolled, and an unknown email alike, step by step', async () => {
    await enrolledUser('enum-enrolled@example.com', await face('enum-enrolled'));
    await confirmedUser('enum-fresh@example.com');

    const enrolled = await probe('enum-enrolled@example.com');
    const fresh = await probe('enum-fresh@example.com');
    const unknown = await probe('enum-nobody@example.com');

    expect(enrolled).toHaveLength(5);
    expect(enrolled[0]).toMatchObject({ challenge: 'FACE_MATCH', USERNAME: '<uuid v4>', uploadKey: 'signin/<32 hex>' });
    expect(enrolled[2]).toMatchObject({ challenge: 'MAILBOX_PROOF', method: 'EMAIL_CODE' });
    expect(enrolled[4]).toEqual({ error: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    expect(fresh).toEqual(enrolled);
    expect(unknown).toEqual(enrolled);
  });

  it('keeps the stand-in USERNAME of an unknown email stable, as a real one is', async () => {
    const first = await initiate('enum-stable@example.com');
    const second = await initiate('ENUM-STABLE@example.com');
    expect(second.ChallengeParameters!.USERNAME).toBe(first.ChallengeParameters!.USERNAME);
  });

  it('answers a USERNAME given back with itself, for a known email and an unknown one alike', async () => {
    await confirmedUser('enum-echo@example.com');
    for (const email of ['enum-echo@example.com', 'enum-echo-nobody@example.com']) {
      const username = (await initiate(email)).ChallengeParameters!.USERNAME!;
      expect((await initiate(username)).ChallengeParameters!.USERNAME, email).toBe(username);
    }
  });

  it('still tells an unconfirmed email apart, as Cognito itself does (residual, documented)', async () => {
    await harness.client.signUp('enum-pending@example.com');
    await expect(initiate('enum-pending@example.com')).rejects.toMatchObject({ name: 'UserNotConfirmedException' });
  });
});

describe('finding 1: enrolment does not fall to code guessing', () => {
  it('emails at most 10 enrolment codes a day to an account, then tells the owner once, and never lets a guesser enrol', async () => {
    const email = 'guessed@example.com';
    await enrolledUser(email, await face('guessed'));
    const before = (await emailsTo(email)).length;
    let reachedEnrolFace = false;

    for (let session = 0; session < 4; session++) {
      let step: Step = await respond(await initiate(email), 'ENROL', { intent: 'ENROL' });
      try {
        for (let guess = 0; guess < 3; guess++) {
          expect(step.ChallengeParameters).toMatchObject({ challenge: 'MAILBOX_PROOF', method: 'EMAIL_CODE' });
          step = await respond(step, String(12_345_678 + guess));
          if (step.ChallengeParameters?.challenge === 'ENROL_FACE') reachedEnrolFace = true;
        }
      } catch (error) {
        expect(error).toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
      }
    }

    const sent = (await emailsTo(email)).slice(before);
    expect(reachedEnrolFace).toBe(false);
    expect(sent.filter((message) => /enrolment code$/.test(message.subject))).toHaveLength(10);
    expect(sent.filter((message) => /enrolment codes paused/.test(message.subject))).toHaveLength(1);
    expect(sent).toHaveLength(11);
  });

  it('leaves a stranger who signed up first with the victim’s email nothing: the victim confirms a new code and enrols', async () => {
    const email = 'first-come@example.com';
    const attacker = newDevice();
    await attacker.signUp(email); // the attacker never sees the code, which goes to the victim
    await expect(initiate(email)).rejects.toMatchObject({ name: 'UserNotConfirmedException' });

    const victim = newDevice();
    expect(await victim.signUpOrResend(email)).toEqual({ resent: true });
    const enrolSecret = await victim.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);
    const enrolled = await victim.authenticate(email, { photo: await face('first-come'), enrolSecret });

    expect(enrolled.kind).toBe('signed-in');
    // The attacker's only way in would be an emailed enrolment code.
    const intent = await respond(await initiate(email), 'ENROL', { intent: 'ENROL' });
    expect(intent.ChallengeParameters).toMatchObject({ challenge: 'MAILBOX_PROOF', method: 'EMAIL_CODE' });
  });

  it('lets a stranger who signed up first with the victim’s email put nothing of theirs in the owner’s ID token', async () => {
    const email = 'first-come-attributes@example.com';
    // Raw SignUp, as an attacker sends it: the victim's email plus profile attributes of the attacker's choosing.
    const stranger = harness.cognito.send(
      new SignUpCommand({
        ClientId: harness.outputs.UserPoolClientId,
        Username: email,
        Password: 'Known-to-the-attacker-1!',
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'name', Value: 'Mallory' },
          { Name: 'preferred_username', Value: 'admin' },
          { Name: 'phone_number', Value: '+15550001111' },
        ],
      }),
    );
    // The app client may write the email only (its WriteAttributes), so Cognito refuses the rest
    // before PreSignUp, which refuses them too (test/handlers/pre-sign-up.test.ts) if a client ever may.
    await expect(stranger).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'A client attempted to write unauthorized attribute' });

    // Whatever the stranger managed to sign up, the owner's take-over leaves only the email in the token.
    const victim = newDevice();
    await victim.signUpOrResend(email);
    const enrolSecret = await victim.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);
    const enrolled = await victim.authenticate(email, { photo: await face('first-come-attributes'), enrolSecret });
    if (enrolled.kind !== 'signed-in') throw new Error(`the owner did not enrol: ${enrolled.kind}`);
    const claims = decodeJwtClaims(enrolled.tokens.IdToken!);
    expect(claims).toMatchObject({ email, email_verified: true });
    for (const name of ['name', 'preferred_username', 'phone_number']) expect(claims).not.toHaveProperty(name);
  });

  it('tells the mailbox when a face is enrolled, and lets its owner take the account back with an emailed code', async () => {
    const email = 'taken@example.com';
    const attacker = newDevice();
    // The attacker signed up with the victim's email and (say) guessed Cognito's sign-up code.
    await enrolledUser(email, await face('taken-attacker'), attacker);
    expect((await emailsTo(email)).map((message) => message.subject)).toContainEqual(expect.stringMatching(/a face was enrolled/));
    const held = await attacker.authenticate(email, { photo: await face('taken-attacker', 2) });
    if (held.kind !== 'signed-in') throw new Error(`the attacker's face did not sign in: ${held.kind}`);

    const victim = newDevice();
    const takeBack = await victim.authenticate(email, {
      photo: await face('taken-victim'),
      enrol: true,
      emailCode: async () => (await latestCode(harness.endpoint, email)).code,
    });

    expect(takeBack).toMatchObject({ kind: 'signed-in', challenges: ['FACE_MATCH', 'MAILBOX_PROOF', 'ENROL_FACE'] });
    expect((await attacker.authenticate(email, { photo: await face('taken-attacker', 1) })).kind).toBe('face-not-recognised');
    expect((await victim.authenticate(email, { photo: await face('taken-victim', 1) })).kind).toBe('signed-in');

    // Taking the account back also takes back what the old face got: its refresh and access tokens.
    const refresh = (refreshToken: string) => harness.cognito.send(new InitiateAuthCommand({
      ClientId: harness.outputs.UserPoolClientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken },
    }));
    await expect(refresh(held.tokens.RefreshToken!)).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    await expect(harness.cognito.send(new GetUserCommand({ AccessToken: held.tokens.AccessToken! }))).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    if (takeBack.kind !== 'signed-in') throw new Error('unreachable');
    expect((await refresh(takeBack.tokens.RefreshToken!)).AuthenticationResult?.AccessToken).toBeDefined();
    expect((await harness.cognito.send(new GetUserCommand({ AccessToken: takeBack.tokens.AccessToken! }))).UserAttributes).toContainEqual({ Name: 'email', Value: email });
  });
});

describe('a holder of the user’s access token cannot take the account’s email or write its ID token’s claims', () => {
  it('refuses UpdateUserAttributes of the email (immutable) and of every other attribute (outside the client’s WriteAttributes), and changes nothing', async () => {
    const email = 'email-change@example.com';
    await enrolledUser(email, await face('email-change'));
    const signedIn = await harness.client.authenticate(email, { photo: await face('email-change', 1) });
    if (signedIn.kind !== 'signed-in') throw new Error(`the owner's face did not sign in: ${signedIn.kind}`);
    const update = (Name: string, Value: string) =>
      harness.cognito.send(new UpdateUserAttributesCommand({ AccessToken: signedIn.tokens.AccessToken!, UserAttributes: [{ Name, Value }] }));

    await expect(update('email', 'attacker@example.com')).rejects.toMatchObject({
      name: 'InvalidParameterException', message: 'user.email: Attribute cannot be updated.\n',
    });
    for (const name of ['name', 'preferred_username', 'picture', 'locale', 'email_verified']) {
      await expect(update(name, 'x'), name).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'A client attempted to write unauthorized attribute' });
    }
    const { UserAttributes } = await harness.cognito.send(new GetUserCommand({ AccessToken: signedIn.tokens.AccessToken! }));
    expect(UserAttributes).toContainEqual({ Name: 'email', Value: email });
    expect(UserAttributes!.map((attribute) => attribute.Name)).not.toContain('name');
    expect(await emailsTo('attacker@example.com')).toEqual([]);
  });
});

describe('finding 3: a stranger cannot lock the owner out', () => {
  it('keeps the owner’s device signing in while a stranger’s failures block every other attempt', async () => {
    const email = 'besieged@example.com';
    const owner = newDevice();
    const sub = await enrolledUser(email, await face('besieged'), owner);

    // The stranger fails 8 times (no photo, no device key): the untrusted bucket is blocked.
    for (let session = 0; session < 3; session++) {
      let step: Step = await initiate(email);
      try {
        for (let round = 0; round < 3; round++) step = await respond(step, 'uploaded');
      } catch {
        // the third wrong answer ends the session
      }
    }
    const failures = await harness.dynamo.send(new GetCommand({ TableName: harness.outputs.UsersTableName, Key: { pk: `FAILURES#${sub}` } }));
    expect(failures.Item?.blockedUntil).toBeGreaterThan(Date.now());

    // Even the owner's own face is refused from a device the account has never signed in from...
    expect((await newDevice().authenticate(email, { photo: await face('besieged', 2) })).kind).toBe('face-not-recognised');
    // ...but not from the owner's device.
    expect((await owner.authenticate(email, { photo: await face('besieged', 3) })).kind).toBe('signed-in');
  });
});

describe('finding 4: no crowding of the owner’s face', () => {
  it('signs the owner in although 20 other accounts enrolled copies and look-alikes of the same face first', async () => {
    const victimPhoto = await face('crowded');
    const attackerAccounts = Array.from({ length: 20 }, (_, index) => index);
    for (let batch = 0; batch < attackerAccounts.length; batch += 3) {
      await Promise.all(
        attackerAccounts.slice(batch, batch + 3).map(async (index) => {
          // Half exact copies of the photo the victim will enrol, half other shots of the same face.
          const photo = index % 2 === 0 ? victimPhoto : await face('crowded', 1 + (index % 5));
          await enrolledUser(`crowder-${index}@example.com`, photo, newDevice());
        }),
      );
    }

    await enrolledUser('crowded@example.com', victimPhoto);
    const outcome = await harness.client.authenticate('crowded@example.com', { photo: victimPhoto });

    expect(outcome.kind).toBe('signed-in');
  }, 240_000);
});

describe('finding 5: no photo outlives its purpose', () => {
  it('deletes a photo posted again with a sign-in form after the sign-in succeeded', async () => {
    await enrolledUser('reput@example.com', await face('reput'));
    const challenge = await initiate('reput@example.com');
    await uploadPhoto(challenge.ChallengeParameters!, await face('reput', 1));
    const signedIn = await respond(challenge, 'uploaded');
    expect(signedIn.AuthenticationResult).toBeDefined();

    await uploadPhoto(challenge.ChallengeParameters!, await face('reput', 2));

    const key = uploadKeyOf(challenge.ChallengeParameters!);
    await expect.poll(() => objectsUnder(key), { timeout: 10_000, interval: 200 }).toEqual([]);
  });

  it('deletes the photo of an unknown email once answered, like any other', async () => {
    const challenge = await initiate('reput-nobody@example.com');
    await uploadPhoto(challenge.ChallengeParameters!, await face('reput-nobody'));
    const key = uploadKeyOf(challenge.ChallengeParameters!);

    await respond(challenge, 'uploaded');

    expect(await objectsUnder(key)).toEqual([]);
  });
});

describe('finding 5: the lifecycle rule, for photos of sessions nobody answers', () => {
  it('keeps such a photo past one day and removes it by the second midnight UTC after its upload', async () => {
    const challenge = await initiate('abandoned@example.com');
    await uploadPhoto(challenge.ChallengeParameters!, await face('abandoned'));
    const key = uploadKeyOf(challenge.ChallengeParameters!);
    const uploadedAt = harness.clock.now();
    const secondMidnight = Math.ceil(uploadedAt / 86_400_000) * 86_400_000 + 86_400_000;
    let advanced = 0;
    const advanceTo = (time: number) => {
      const step = time - harness.clock.now();
      harness.clock.advance(step);
      advanced += step;
    };
    try {
      advanceTo(secondMidnight - 60_000);
      expect(await objectsUnder(key)).toEqual([key]);
      advanceTo(secondMidnight + 61_000); // the sim sweeps on requests at most once a minute
      expect(await objectsUnder(key)).toEqual([]);
    } finally {
      harness.clock.advance(-advanced);
    }
  });
});

describe('finding 6: enrolment quality, and a way back', () => {
  it('refuses a heavily blurred face at enrolment', async () => {
    const email = 'blurred@example.com';
    const { enrolSecret } = await confirmedUser(email);
    const blurred = await generateFace({ seed: 'blurred', camera: { blur: 9 } });

    const outcome = await harness.client.authenticate(email, { photo: blurred, enrolSecret });

    expect(outcome).toMatchObject({ kind: 'enrolment-rejected', reason: 'LOW_QUALITY' });
  });

  it('lets a user whose face no longer matches enrol a new one after proving the mailbox', async () => {
    const email = 'changed@example.com';
    await enrolledUser(email, await face('changed-before'));
    expect((await harness.client.authenticate(email, { photo: await face('changed-after') })).kind).toBe('face-not-recognised');

    const reEnrolled = await harness.client.authenticate(email, {
      photo: await face('changed-after'),
      enrol: true,
      emailCode: async () => (await latestCode(harness.endpoint, email)).code,
    });

    expect(reEnrolled.kind).toBe('signed-in');
    expect((await harness.client.authenticate(email, { photo: await face('changed-after', 1) })).kind).toBe('signed-in');
    expect((await harness.client.authenticate(email, { photo: await face('changed-before', 1) })).kind).toBe('face-not-recognised');
  });
});

describe('abandoned enrolments: faces bound to nobody', () => {
  const rekognition = () => new RekognitionClient({ region: harness.outputs.Region, endpoint: harness.endpoint, credentials: LOCAL_CREDENTIALS });
  async function facesIndexedFor(sub: string): Promise<string[]> {
    const faceIds: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await rekognition().send(new ListFacesCommand({ CollectionId: harness.outputs.CollectionId, NextToken, MaxResults: 4096 }));
      faceIds.push(...(page.Faces ?? []).filter((listed) => ownerOfFace(listed.ExternalImageId!) === sub).map((listed) => listed.FaceId!));
      NextToken = page.NextToken;
    } while (NextToken);
    return faceIds;
  }
  async function pendingFaceOf(sub: string): Promise<unknown> {
    const { Item } = await harness.dynamo.send(new GetCommand({ TableName: harness.outputs.UsersTableName, Key: { pk: `USER#${sub}` }, ConsistentRead: true }));
    return Item?.pendingFaceId;
  }

  it('keeps at most one unbound face per account however many enrolment photos are left unanswered, and none once one is bound', async () => {
    const email = 'abandons@example.com';
    const { sub } = await confirmedUser(email);
    for (let attempt = 0; attempt < 3; attempt++) {
      const proof = await respond(await initiate(email), 'ENROL', { intent: 'ENROL' });
      const enrolFace = await respond(proof, (await latestCode(harness.endpoint, email)).code);
      expect(enrolFace.ChallengeParameters?.challenge).toBe('ENROL_FACE');
      await uploadPhoto(enrolFace.ChallengeParameters!, await face(`abandons-${attempt}`));
      // The indexer runs on the upload and deletes the photo; the challenge is never answered.
      await expect.poll(() => objectsUnder(`enrol/${sub}/`), { timeout: 10_000 }).toEqual([]);
      const unbound = await facesIndexedFor(sub);
      expect(unbound).toHaveLength(1);
      expect(unbound).toEqual([await pendingFaceOf(sub)]);
    }

    const enrolled = await harness.client.authenticate(email, {
      photo: await face('abandons-kept'),
      enrol: true,
      emailCode: async () => (await latestCode(harness.endpoint, email)).code,
    });

    expect(enrolled.kind).toBe('signed-in');
    const { Item } = await harness.dynamo.send(new GetCommand({ TableName: harness.outputs.UsersTableName, Key: { pk: `USER#${sub}` }, ConsistentRead: true }));
    expect(Item?.pendingFaceId).toBeUndefined();
    expect(await facesIndexedFor(sub)).toEqual([Item?.faceId]);
  });
});

describe('DNS rebinding: a page on an outsider\'s domain re-pointed at the kit', () => {
  /** node:http, since fetch will not send a Host header of the caller's choosing. */
  const getWithHost = (path: string, host: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(path, harness.endpoint);
      const request = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, headers: { host } }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject).end();
    });

  it('reads no emailed code: a Host an outsider can point at 127.0.0.1 is refused, the kit\'s own is answered', async () => {
    const port = new URL(harness.endpoint).port;
    const rebound = await getWithHost('/_sim/emails', `attacker.example:${port}`);
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toMatch(/code/i);
    expect((await getWithHost('/_sim/emails', `127.0.0.1:${port}`)).status).toBe(200);
    expect((await getWithHost('/_sim/emails', `localhost:${port}`)).status).toBe(200);
  });
});

