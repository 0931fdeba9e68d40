// End to end: the embedded cloud runs the synthesized stack's own handler bundles; these tests
// drive it only from outside, with the AWS SDK, presigned URLs and the kit's client, as a user would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { request } from 'node:http';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { generateFixture } from '../../sim/faces/generate-face.js';
import { decodeJwtClaims, uploadFormOf, uploadKeyOf, uploadPhoto } from '../../cli/face-auth-client.js';
import { latestCode, startHarness, type Harness } from './embedded-cloud-harness.js';
import { LOCAL_CREDENTIALS } from '../../sim/embedded-cloud.js';

let harness: Harness;
const face = (seed: string, variant = 0) => generateFixture('face', seed, variant);

/** Signs up, confirms with the emailed code and enrols `seed`'s face; returns the user's sub. */
async function enrolledUser(email: string, seed: string): Promise<string> {
  const { userSub } = await harness.client.signUp(email);
  const enrolSecret = await harness.client.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);
  const outcome = await harness.client.authenticate(email, { photo: await face(seed), enrolSecret });
  expect(outcome.kind).toBe('signed-in');
  return userSub;
}

async function initiate(email: string): Promise<InitiateAuthCommandOutput> {
  return harness.cognito.send(
    new InitiateAuthCommand({ ClientId: harness.outputs.UserPoolClientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }),
  );
}

async function answer(previous: InitiateAuthCommandOutput, email: string, photo?: Buffer) {
  if (photo) await uploadPhoto(previous.ChallengeParameters!, photo);
  return harness.cognito.send(
    new RespondToAuthChallengeCommand({
      ClientId: harness.outputs.UserPoolClientId,
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: previous.Session,
      ChallengeResponses: { USERNAME: previous.ChallengeParameters?.USERNAME ?? email, ANSWER: 'uploaded' },
    }),
  );
}

async function objectsUnder(prefix: string): Promise<string[]> {
  const listed = await harness.s3.send(new ListObjectsV2Command({ Bucket: harness.outputs.BucketName, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key!);
}

async function userRecord(sub: string) {
  return (await harness.dynamo.send(new GetCommand({ TableName: harness.outputs.UsersTableName, Key: { pk: `USER#${sub}` } }))).Item;
}

beforeAll(async () => {
  harness = await startHarness();
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

describe('sign-up and enrolment', () => {
  it('emails the code in the message the CustomMessage trigger wrote, and PostConfirmation creates an unenrolled record', async () => {
    const { userSub } = await harness.client.signUp('carol@example.com');
    const email = await latestCode(harness.endpoint, 'carol@example.com');
    await harness.client.confirmSignUp('carol@example.com', email.code);

    expect(email.body).toContain(email.code);
    expect(email.subject.length).toBeGreaterThan(0);
    const record = await userRecord(userSub);
    expect(record).toMatchObject({ email: 'carol@example.com' });
    expect(record?.faceId).toBeUndefined();
  });

  it('enrols a face and signs in with the face factor claimed in a token aws-jwt-verify accepts', async () => {
    const sub = await enrolledUser('alice@example.com', 'alice');

    const outcome = await harness.client.authenticate('alice@example.com', { photo: await face('alice', 3) });

    expect(outcome.kind).toBe('signed-in');
    if (outcome.kind !== 'signed-in') return;
    expect(outcome.challenges).toEqual(['FACE_MATCH']);
    // Configured as for AWS (the tokens carry AWS's issuer), plus the JWKS the kit serves: docs/cognito.md.
    const { UserPoolId: userPoolId, UserPoolClientId: clientId } = harness.outputs;
    const verifier = CognitoJwtVerifier.create({ userPoolId, clientId, tokenUse: 'id' });
    verifier.cacheJwks((await (await fetch(`${harness.endpoint}/${userPoolId}/.well-known/jwks.json`)).json()) as Parameters<typeof verifier.cacheJwks>[0]);
    const claims = await verifier.verify(outcome.tokens.IdToken!);
    expect(claims).toMatchObject({ sub, email: 'alice@example.com', token_use: 'id', face_factor: 'face' });
    expect(claims.iss).toBe(`https://cognito-idp.us-east-1.amazonaws.com/${userPoolId}`);
    // The kit's example backend route accepts the access token only after the same verification.
    const me = await fetch(`${harness.endpoint}/_sim/example/me`, { headers: { authorization: `Bearer ${outcome.tokens.AccessToken}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ sub, clientId });
    const withIdToken = await fetch(`${harness.endpoint}/_sim/example/me`, { headers: { authorization: `Bearer ${outcome.tokens.IdToken}` } });
    expect(withIdToken.status).toBe(401);
    expect((await userRecord(sub))?.lastSignInAt).toBeDefined();
  });

  it.each([
    ['no-face', 'NO_FACE'],
    ['two-faces', 'MULTIPLE_FACES'],
    ['corrupt', 'NOT_AN_IMAGE'],
  ] as const)('tells the user why a %s photo was refused, and keeps nothing', async (kind, reason) => {
    const email = `refused-${kind}@example.com`;
    const { userSub } = await harness.client.signUp(email);
    const enrolSecret = await harness.client.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);

    const outcome = await harness.client.authenticate(email, { photo: await generateFixture(kind, 'refused'), enrolSecret });

    expect(outcome).toMatchObject({ kind: 'enrolment-rejected', reason });
    expect((await userRecord(userSub))?.faceId).toBeUndefined();
    expect(await objectsUnder(`enrol/${userSub}/`)).toEqual([]);
  });

  it('lets a user whose photo was refused enrol later with a code emailed to them', async () => {
    const email = 'retry@example.com';
    const { userSub } = await harness.client.signUp(email);
    const enrolSecret = await harness.client.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);
    const refused = await harness.client.authenticate(email, { photo: await generateFixture('blank', 'retry'), enrolSecret });
    expect(refused.kind).toBe('enrolment-rejected');
    expect(enrolSecret).toBeDefined();
    const emailed: string[] = [];

    const outcome = await harness.client.authenticate(email, {
      photo: await face('retry'),
      enrol: true,
      emailCode: async () => {
        const { code, body } = await latestCode(harness.endpoint, email);
        emailed.push(body);
        return code;
      },
    });

    expect(outcome).toMatchObject({ kind: 'signed-in', challenges: ['FACE_MATCH', 'MAILBOX_PROOF', 'ENROL_FACE'] });
    expect(emailed).toHaveLength(1);
    expect(emailed[0]).toMatch(/\b\d{8}\b/);
    expect((await userRecord(userSub))?.faceId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('has S3 refuse an enrolment photo over 5 MB, by the upload form’s policy, and stores nothing', async () => {
    const email = 'big@example.com';
    const { userSub } = await harness.client.signUp(email);
    const enrolSecret = await harness.client.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);
    const huge = Buffer.concat([await face('big'), Buffer.alloc(5_300_000, 7)]);

    await expect(harness.client.authenticate(email, { photo: huge, enrolSecret })).rejects.toThrow(
      /^photo upload refused: HTTP 400, EntityTooLarge: Your proposed upload exceeds the maximum allowed size \(\d+ bytes; at most 5242880\)$/,
    );

    expect(await objectsUnder(`enrol/${userSub}/`)).toEqual([]);
    expect((await userRecord(userSub))?.faceId).toBeUndefined();
  });

  it('does not let a stranger who knows the email enrol a face', async () => {
    const email = 'victim@example.com';
    await harness.client.signUp(email);
    await harness.client.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);

    const first = await initiate(email);
    expect(first.ChallengeParameters).toMatchObject({ challenge: 'FACE_MATCH' });
    const respond = (previous: { Session?: string; ChallengeParameters?: Record<string, string> }, answer: string, metadata?: Record<string, string>) =>
      harness.cognito.send(
        new RespondToAuthChallengeCommand({
          ClientId: harness.outputs.UserPoolClientId,
          ChallengeName: 'CUSTOM_CHALLENGE',
          Session: previous.Session,
          ChallengeResponses: { USERNAME: previous.ChallengeParameters!.USERNAME!, ANSWER: answer },
          ClientMetadata: metadata,
        }),
      );
    const proof = await respond(first, 'ENROL', { intent: 'ENROL', enrolSecret: 'a-guessed-secret-that-is-long-enough' });
    expect(proof.ChallengeParameters).toMatchObject({ challenge: 'MAILBOX_PROOF', method: 'ENROL_SECRET' });
    expect(proof.ChallengeParameters?.uploadFormUrl).toBeUndefined();
    const guessed = await respond(proof, 'a-guessed-secret-that-is-long-enough');
    expect(guessed.ChallengeParameters).toMatchObject({ challenge: 'MAILBOX_PROOF' });
  });
});

describe('sign-in', () => {
  let bobSub: string;
  beforeAll(async () => {
    bobSub = await enrolledUser('bob@example.com', 'bob');
    await enrolledUser('dave@example.com', 'dave');
  });

  it('refuses a wrong face, and another enrolled user’s face, then fails the flow on the third wrong answer', async () => {
    const first = await initiate('bob@example.com');
    const second = await answer(first, 'bob@example.com', await face('mallory'));
    expect(second.ChallengeParameters).toMatchObject({ challenge: 'FACE_MATCH' });
    const third = await answer(second as InitiateAuthCommandOutput, 'bob@example.com', await face('dave', 2));
    expect(third.AuthenticationResult).toBeUndefined();

    await expect(answer(third as InitiateAuthCommandOutput, 'bob@example.com', await face('eve'))).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
    const failures = await harness.dynamo.send(new GetCommand({ TableName: harness.outputs.UsersTableName, Key: { pk: `FAILURES#${bobSub}` } }));
    expect(failures.Item?.count).toBe(3);
    expect(await objectsUnder('signin/')).toEqual([]);
  });

  it('deletes the sign-in photo, so answering a new challenge without uploading is refused', async () => {
    const first = await initiate('bob@example.com');
    const signedIn = await answer(first, 'bob@example.com', await face('bob', 1));
    expect(signedIn.AuthenticationResult?.IdToken).toBeDefined();
    expect(await objectsUnder('signin/')).toEqual([]);

    const again = await initiate('bob@example.com');
    const replayed = await answer(again, 'bob@example.com');

    expect(replayed.AuthenticationResult).toBeUndefined();
    expect(replayed.ChallengeParameters).toMatchObject({ challenge: 'FACE_MATCH' });
  });

  /** Posts a photo with a challenge's upload form, with some of its fields changed. */
  async function postForm(parameters: Record<string, string>, photo: Buffer, changed: Record<string, string> = {}): Promise<Response> {
    const { url, fields } = uploadFormOf(parameters);
    const form = new FormData();
    for (const [name, value] of Object.entries({ ...fields, 'Content-Type': 'image/jpeg', ...changed })) form.append(name, value);
    form.append('file', new Blob([photo]), 'photo.jpg');
    return fetch(url, { method: 'POST', body: form });
  }

  it('refuses a tampered upload form and an expired one with S3’s errors', async () => {
    const challenge = await initiate('bob@example.com');
    const parameters = challenge.ChallengeParameters!;

    const otherKey = await postForm(parameters, await face('bob'), { key: `signin/${'0'.repeat(32)}` });
    expect(otherKey.status).toBe(403);
    expect(await otherKey.text()).toMatch(/<Code>AccessDenied<\/Code>[\s\S]*Invalid according to Policy: Policy Condition failed/);
    const policy = JSON.parse(Buffer.from(uploadFormOf(parameters).fields.Policy!, 'base64').toString('utf8')) as { conditions: unknown[] };
    const widened = { ...policy, conditions: policy.conditions.map((condition) => (Array.isArray(condition) && condition[0] === 'content-length-range' ? ['content-length-range', 1, 5e9] : condition)) };
    const tampered = await postForm(parameters, await face('bob'), { Policy: Buffer.from(JSON.stringify(widened)).toString('base64') });
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(await objectsUnder('signin/')).toEqual([]);

    harness.clock.advance(10 * 60_000);
    try {
      const expired = await postForm(parameters, await face('bob'));
      expect(expired.status).toBe(403);
      expect(await expired.text()).toMatch(/<Code>AccessDenied<\/Code>[\s\S]*Invalid according to Policy: Policy expired\./);
      await expect(answer(challenge, 'bob@example.com')).rejects.toMatchObject({
        name: 'NotAuthorizedException',
        message: 'Invalid session for the user, session is expired.',
      });
    } finally {
      harness.clock.advance(-10 * 60_000);
    }
  });

  it('takes a form posted virtual-hosted, to <bucket>.localhost (createPresignedPost’s URL for a localhost endpoint), not as a JSON API call', async () => {
    const port = new URL(harness.endpoint).port;
    const byName = new S3Client({ region: 'us-east-1', endpoint: `http://localhost:${port}`, credentials: LOCAL_CREDENTIALS });
    const { url, fields } = await createPresignedPost(byName, { Bucket: harness.outputs.BucketName, Key: 'stock-tools/virtual-hosted', Expires: 60 });
    expect(url).toBe(`http://${harness.outputs.BucketName}.localhost:${port}/`);
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([Buffer.from('hello')]), 'hello.txt');
    const encoded = new Response(form);
    const body = Buffer.from(await encoded.arrayBuffer());
    // Node does not resolve *.localhost as browsers do: the same request to the address, naming the bucket's host.
    const status = await new Promise<number>((resolve, reject) => {
      const headers = { host: new URL(url).host, 'content-type': encoded.headers.get('content-type')!, 'content-length': body.length };
      const sent = request(`http://127.0.0.1:${port}/`, { method: 'POST', headers }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      });
      sent.on('error', reject);
      sent.end(body);
    });

    expect(status).toBe(204);
    expect(await objectsUnder('stock-tools/virtual-hosted')).toEqual(['stock-tools/virtual-hosted']);
  });

  it('caps the photo at the challenge’s maxBytes: a bigger one is refused by S3 and nothing is stored', async () => {
    const challenge = await initiate('bob@example.com');
    const parameters = challenge.ChallengeParameters!;
    const tooBig = Buffer.concat([await face('bob'), Buffer.alloc(Number(parameters.maxBytes))]);

    const refused = await postForm(parameters, tooBig);

    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/<Code>EntityTooLarge<\/Code>[\s\S]*<MaxSizeAllowed>5242880<\/MaxSizeAllowed>/);
    expect(await objectsUnder(uploadKeyOf(parameters))).toEqual([]);
    // The challenge is not used up: the right photo still signs in with the same form.
    const signedIn = await answer(challenge, 'bob@example.com', await face('bob', 1));
    expect(signedIn.AuthenticationResult?.IdToken).toBeDefined();
  });

  it('gives an unknown email the same challenge shape and the same failure as a known one', async () => {
    const known = await initiate('bob@example.com');
    const unknown = await initiate('nobody@example.com');

    expect(unknown.ChallengeName).toBe(known.ChallengeName);
    expect(Object.keys(unknown.ChallengeParameters!).sort()).toEqual(Object.keys(known.ChallengeParameters!).sort());
    expect(uploadKeyOf(unknown.ChallengeParameters!)).toMatch(/^signin\/[0-9a-f]{32}$/);
    expect(uploadKeyOf(known.ChallengeParameters!)).toMatch(/^signin\/[0-9a-f]{32}$/);
    expect(uploadFormOf(unknown.ChallengeParameters!).url).toBe(uploadFormOf(known.ChallengeParameters!).url);
    expect(unknown.ChallengeParameters!.USERNAME).toMatch(/^[0-9a-f-]{36}$/);
    let step = unknown;
    for (let round = 0; round < 2; round++) step = (await answer(step, 'nobody@example.com', await face('bob'))) as InitiateAuthCommandOutput;
    await expect(answer(step, 'nobody@example.com', await face('bob'))).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
  });

  it('refreshes tokens, and refuses the refresh token after a global sign-out', async () => {
    const outcome = await harness.client.authenticate('bob@example.com', { photo: await face('bob', 4) });
    if (outcome.kind !== 'signed-in') throw new Error('sign-in failed');
    const refresh = () =>
      harness.cognito.send(
        new InitiateAuthCommand({
          ClientId: harness.outputs.UserPoolClientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: outcome.tokens.RefreshToken! },
        }),
      );

    const refreshed = await refresh();
    expect(decodeJwtClaims(refreshed.AuthenticationResult!.IdToken!)).toMatchObject({ sub: bobSub, face_enrolled: 'true' });
    // The stack gives access and ID tokens Cognito's shortest life, 5 minutes, at sign-in and at
    // refresh alike: an API that only verifies JWTs accepts a revoked one that long at most.
    for (const tokens of [outcome.tokens, refreshed.AuthenticationResult!]) {
      expect(tokens.ExpiresIn).toBe(300);
      for (const token of [tokens.AccessToken!, tokens.IdToken!]) {
        const { iat, exp } = decodeJwtClaims(token) as { iat: number; exp: number };
        expect(exp - iat).toBe(300);
      }
    }

    await harness.cognito.send(new GlobalSignOutCommand({ AccessToken: refreshed.AuthenticationResult!.AccessToken! }));
    await expect(refresh()).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('signs in from a backend with IAM credentials (AdminInitiateAuth, AdminRespondToAuthChallenge) through the same triggers', async () => {
    const { UserPoolId: userPoolId, UserPoolClientId: clientId } = harness.outputs;
    const respond = async (previous: { Session?: string; ChallengeParameters?: Record<string, string> }, photo: Buffer) => {
      await uploadPhoto(previous.ChallengeParameters!, photo);
      return harness.cognito.send(new AdminRespondToAuthChallengeCommand({
        UserPoolId: userPoolId, ClientId: clientId, ChallengeName: 'CUSTOM_CHALLENGE', Session: previous.Session,
        ChallengeResponses: { USERNAME: previous.ChallengeParameters!.USERNAME!, ANSWER: 'uploaded' },
      }));
    };

    const first = await harness.cognito.send(new AdminInitiateAuthCommand({
      UserPoolId: userPoolId, ClientId: clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'bob@example.com' },
    }));
    expect(first.ChallengeParameters).toMatchObject({ challenge: 'FACE_MATCH', USERNAME: bobSub });
    const refused = await respond(first, await face('mallory'));
    expect(refused.AuthenticationResult).toBeUndefined();
    expect(refused.ChallengeParameters).toMatchObject({ challenge: 'FACE_MATCH' });
    const signedIn = await respond(refused, await face('bob', 5));

    const verifier = CognitoJwtVerifier.create({ userPoolId, clientId, tokenUse: 'id' });
    verifier.cacheJwks((await (await fetch(`${harness.endpoint}/${userPoolId}/.well-known/jwks.json`)).json()) as Parameters<typeof verifier.cacheJwks>[0]);
    expect(await verifier.verify(signedIn.AuthenticationResult!.IdToken!)).toMatchObject({ sub: bobSub, face_factor: 'face' });
    expect(await objectsUnder('signin/')).toEqual([]);
  });
});

describe('restart', () => {
  it('keeps users, faces, tables and emails across a restart', async () => {
    await enrolledUser('frank@example.com', 'frank');

    await harness.restart();

    const outcome = await harness.client.authenticate('frank@example.com', { photo: await face('frank', 2) });
    expect(outcome.kind).toBe('signed-in');
    const emails = (await (await fetch(`${harness.endpoint}/_sim/emails?to=frank%40example.com`)).json()) as Array<{ subject: string }>;
    expect(emails.map((email) => email.subject)).toEqual(expect.arrayContaining([expect.stringMatching(/verification code/), expect.stringMatching(/a face was enrolled/)]));
    expect(await objectsUnder('signin/')).toEqual([]);
  });
});
