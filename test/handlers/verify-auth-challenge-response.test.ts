import './handler-test-environment.js';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DefineAuthChallengeTriggerEvent, VerifyAuthChallengeResponseTriggerEvent } from 'aws-lambda';
import {
  DeleteFacesCommand,
  ImageTooLargeException,
  InvalidImageFormatException,
  InvalidParameterException,
  RekognitionClient,
  SearchFacesByImageCommand,
  ThrottlingException,
  type FaceMatch,
} from '@aws-sdk/client-rekognition';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, NotFound, S3Client } from '@aws-sdk/client-s3';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { AdminUserGlobalSignOutCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/verify-auth-challenge-response.js';
import { handler as defineHandler } from '../../handlers/define-auth-challenge.js';
import { BUCKET, COLLECTION, SENDER } from './handler-test-environment.js';
import { dynamoDbCommandsOf } from './dynamodb-calls.js';
import { captureLogs } from './log-capture.js';
import { defineEvent, entry, getItem, invoke, newUser, putItem, verifyEvent, type TestUser } from './trigger-events.js';

const s3 = mockClient(S3Client);
const rekognition = mockClient(RekognitionClient);
const ses = mockClient(SESv2Client);
const cognito = mockClient(CognitoIdentityProviderClient);
const logs = captureLogs();
const verify = async (event: VerifyAuthChallengeResponseTriggerEvent) =>
  (await invoke<VerifyAuthChallengeResponseTriggerEvent, VerifyAuthChallengeResponseTriggerEvent>(handler, event)).response.answerCorrect;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hexKey = () => createHash('md5').update(Math.random().toString()).digest('hex');

const FACE = 'aaaaaaaa-0000-4000-8000-000000000001';
const OTHER_FACE = 'bbbbbbbb-0000-4000-8000-000000000002';
const LOOK_ALIKE = 'cccccccc-0000-4000-8000-000000000003';
const match = (faceId: string, similarity: number): FaceMatch => ({ Similarity: similarity, Face: { FaceId: faceId } });

beforeEach(() => {
  s3.reset();
  rekognition.reset();
  ses.reset();
  cognito.reset();
  cognito.on(AdminUserGlobalSignOutCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'message-1' });
  s3.on(HeadObjectCommand).resolves({ ContentLength: 48_000, ContentType: 'image/jpeg' });
  s3.on(DeleteObjectCommand).resolves({});
  s3.on(ListObjectsV2Command).resolves({ KeyCount: 0 }); // nothing stored under the listed prefix
  rekognition.on(DeleteFacesCommand).resolves({});
});

const deletedKeys = () => s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key);
const signOuts = () => cognito.commandCalls(AdminUserGlobalSignOutCommand).map((call) => call.args[0].input);
const searches = () => rekognition.commandCalls(SearchFacesByImageCommand);

describe('Verify MAILBOX_PROOF with the enrolment secret', () => {
  const secret = 'a-one-time-secret-of-at-least-32-characters';

  async function userWithSecret(expiresAt = Date.now() + 60_000): Promise<TestUser> {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, email: user.email, enrolSecretHash: sha256(secret), enrolSecretExpiresAt: expiresAt });
    return user;
  }
  const privateParameters = { challenge: 'MAILBOX_PROOF', method: 'ENROL_SECRET' };

  it('accepts the secret given as the answer, and removes it', async () => {
    const user = await userWithSecret();

    const correct = await verify(verifyEvent(user, privateParameters, secret));

    expect(correct).toBe(true);
    const record = await getItem(`USER#${user.sub}`);
    expect(record?.enrolSecretHash).toBeUndefined();
    expect(record?.enrolSecretExpiresAt).toBeUndefined();
  });

  it('accepts the secret given in ClientMetadata', async () => {
    const user = await userWithSecret();

    const correct = await verify(verifyEvent(user, privateParameters, 'see-client-metadata', { enrolSecret: secret }));

    expect(correct).toBe(true);
  });

  it('takes the secret from the answer when ClientMetadata holds an empty one', async () => {
    const user = await userWithSecret();

    const correct = await verify(verifyEvent(user, privateParameters, secret, { enrolSecret: '' }));

    expect(correct).toBe(true);
  });

  it('refuses a wrong secret and keeps the right one usable', async () => {
    const user = await userWithSecret();

    const wrong = await verify(verifyEvent(user, privateParameters, `${secret}x`));
    const right = await verify(verifyEvent(user, privateParameters, secret));

    expect(wrong).toBe(false);
    expect(right).toBe(true);
  });

  it('refuses an expired secret', async () => {
    const user = await userWithSecret(Date.now() - 1000);

    const correct = await verify(verifyEvent(user, privateParameters, secret));

    expect(correct).toBe(false);
  });

  it('refuses the right secret under a method it did not create', async () => {
    const user = await userWithSecret();

    expect(await verify(verifyEvent(user, { challenge: 'MAILBOX_PROOF', method: 'SMS_CODE' }, secret))).toBe(false);
    expect((await getItem(`USER#${user.sub}`))?.enrolSecretHash).toBe(sha256(secret));
  });

  it('refuses an unknown email, and an empty secret, under ENROL_SECRET', async () => {
    const user = await userWithSecret();

    expect(await verify(verifyEvent(undefined, privateParameters, secret))).toBe(false);
    expect(await verify(verifyEvent(user, privateParameters, '   '))).toBe(false);
  });

  it('refuses a secret for a user without a record, without throwing', async () => {
    expect(await verify(verifyEvent(newUser(), privateParameters, secret))).toBe(false);
    expect(await verify(verifyEvent(newUser(), { ...privateParameters, proofId: 'proof-a' }, secret))).toBe(false);
  });

  it('refuses a secret the second time it is used', async () => {
    const user = await userWithSecret();
    await verify(verifyEvent(user, privateParameters, secret));

    const reused = await verify(verifyEvent(user, privateParameters, secret));

    expect(reused).toBe(false);
  });

  it('accepts exactly one of two concurrent answers with the same enrolment secret (single use under concurrency)', async () => {
    // Both answers read the live secret before either removes it; only the conditional removal
    // can tell them apart. Ten users, so a loose condition shows as a double acceptance.
    const users = await Promise.all(Array.from({ length: 10 }, () => userWithSecret()));

    const outcomes = await Promise.all(
      users.map((user) => Promise.all([verify(verifyEvent(user, privateParameters, secret)), verify(verifyEvent(user, privateParameters, secret))])),
    );

    expect(outcomes.map((pair) => pair.filter(Boolean).length)).toEqual(users.map(() => 1));
  });

  describe('when Cognito retries an answer it stopped waiting for (5 seconds), with the same event', () => {
    const challenge = (proofId: string) => ({ ...privateParameters, proofId });

    it('accepts the retry of the answer that took the secret, and refuses the same secret in another challenge', async () => {
      const user = await userWithSecret();
      const event = verifyEvent(user, challenge('proof-a'), secret);
      expect(await verify(structuredClone(event))).toBe(true);

      expect(await verify(structuredClone(event))).toBe(true);
      expect(logs.text()).toContain('accepted again (Cognito retried)');
      expect(await verify(verifyEvent(user, challenge('proof-b'), secret))).toBe(false);
    });

    it('refuses the same challenge with another secret once the secret was taken', async () => {
      const user = await userWithSecret();
      expect(await verify(verifyEvent(user, challenge('proof-a'), secret))).toBe(true);

      expect(await verify(verifyEvent(user, challenge('proof-a'), `${secret}x`))).toBe(false);
    });

    it('accepts the retry up to 30 seconds after the answer that took the secret began, not after', async () => {
      const user = await userWithSecret();
      const start = Date.now();
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(start);
        expect(await verify(verifyEvent(user, challenge('proof-a'), secret))).toBe(true);
        vi.setSystemTime(start + 30_000);
        expect(await verify(verifyEvent(user, challenge('proof-a'), secret))).toBe(true);
        vi.setSystemTime(start + 30_001);
        expect(await verify(verifyEvent(user, challenge('proof-a'), secret))).toBe(false);
      } finally {
        vi.useRealTimers();
      }
    });

    it('accepts both runs of one answer racing on the secret, and one of two challenges', async () => {
      // Both runs read the live secret before either removes it: the loser of the conditional
      // removal reads again and finds its own answer took it. Ten users, as above.
      const users = await Promise.all(Array.from({ length: 10 }, () => userWithSecret()));

      const sameAnswer = await Promise.all(users.slice(0, 5).map((user) => {
        const event = verifyEvent(user, challenge(`proof-${user.sub}`), secret);
        return Promise.all([verify(structuredClone(event)), verify(structuredClone(event))]);
      }));
      const twoChallenges = await Promise.all(users.slice(5).map((user) =>
        Promise.all([verify(verifyEvent(user, challenge('proof-a'), secret)), verify(verifyEvent(user, challenge('proof-b'), secret))])));

      expect(sameAnswer.map((pair) => pair.filter(Boolean).length)).toEqual([2, 2, 2, 2, 2]);
      expect(twoChallenges.map((pair) => pair.filter(Boolean).length)).toEqual([1, 1, 1, 1, 1]);
    });
  });

  it('never logs the secret', async () => {
    const user = await userWithSecret();

    await verify(verifyEvent(user, privateParameters, secret));

    expect(logs.text()).toContain('answer verified');
    expect(logs.text()).not.toContain(secret);
    expect(logs.text()).not.toContain(sha256(secret));
  });
});

describe('Verify MAILBOX_PROOF with an emailed code', () => {
  const privateParameters = { challenge: 'MAILBOX_PROOF', method: 'EMAIL_CODE', codeHash: sha256('04291735') };

  it('accepts the emailed code', async () => {
    expect(await verify(verifyEvent(newUser(), privateParameters, ' 04291735 '))).toBe(true);
  });

  it.each(['04291736', '4291735', '', '04291735x', '042917'])('refuses the wrong code "%s"', async (answer) => {
    expect(await verify(verifyEvent(newUser(), privateParameters, answer))).toBe(false);
  });

  it('never logs the code or its hash', async () => {
    await verify(verifyEvent(newUser(), privateParameters, '04291735'));

    expect(logs.text()).not.toContain('04291735');
    expect(logs.text()).not.toContain(privateParameters.codeHash);
  });
});

describe('Verify FACE_MATCH', () => {
  async function enrolledUser(): Promise<{ user: TestUser; key: string; privateParameters: Record<string, string> }> {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, email: user.email, faceId: FACE });
    const key = `signin/${hexKey()}`;
    return { user, key, privateParameters: { challenge: 'FACE_MATCH', key } };
  }

  it('accepts the user’s own face at or above the threshold, and records the face factor', async () => {
    const { user, key, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 99.1)] });

    const correct = await verify(verifyEvent(user, privateParameters));

    expect(correct).toBe(true);
    expect(searches()[0].args[0].input).toEqual({
      CollectionId: COLLECTION,
      Image: { S3Object: { Bucket: BUCKET, Name: key } },
      FaceMatchThreshold: 95,
      MaxFaces: 4096,
    });
    expect(s3.commandCalls(HeadObjectCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: BUCKET, Key: key }]);
    expect((await getItem(`USER#${user.sub}`))?.lastFactor).toBe('face');
    expect(deletedKeys()).toEqual([key]);
  });

  it('uses only the key it chose, whatever object the answer names', async () => {
    const { user, key, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 99)] });

    await verify(verifyEvent(user, privateParameters, `signin/${hexKey()}`));

    expect(searches()[0].args[0].input.Image?.S3Object?.Name).toBe(key);
  });

  it('refuses another user’s face ranked first when the user’s own face is not among the matches', async () => {
    const { user, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(OTHER_FACE, 99.9)] });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
  });

  it('accepts a look-alike ranked first when the user’s own face follows above the threshold', async () => {
    const { user, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(LOOK_ALIKE, 99.5), match(FACE, 97.2)] });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
  });

  it('asks for Rekognition’s 4096 matches, and warns when they are all other faces (crowding)', async () => {
    const { user, privateParameters } = await enrolledUser();
    const others = Array.from({ length: 4096 }, (_, index) => match(`dddddddd-0000-4000-8000-${index.toString(16).padStart(12, '0')}`, 99.9));
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: others });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
    expect(searches()[0].args[0].input.MaxFaces).toBe(4096);
    expect(logs.text()).toContain('possible crowding');
  });

  it('accepts the user’s own face at exactly the threshold', async () => {
    const { user, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 95)] });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
  });

  it('refuses when Rekognition matches nothing and leaves out the empty FaceMatches list', async () => {
    const { user, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).resolves({});

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
  });

  it('refuses the user’s own face below the threshold', async () => {
    const { user, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 94.9)] });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
  });

  it.each([
    ['no face in the photo', new InvalidParameterException({ message: 'There are no faces in the image. Should be at least 1.', $metadata: {} }), 'NO_FACE'],
    ['a photo that is not an image', new InvalidImageFormatException({ message: 'Request has invalid image format.', $metadata: {} }), 'NOT_AN_IMAGE'],
    ['an image too large for Rekognition', new ImageTooLargeException({ message: 'Image size is too large.', $metadata: {} }), 'TOO_LARGE'],
  ])('refuses %s without throwing, logs why (%s) and deletes it', async (_, error, reason) => {
    const { user, key, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).rejects(error);

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
    expect(deletedKeys()).toEqual([key]);
    expect(logs.text()).toContain(`"reason":"${reason}"`);
  });

  it('refuses when nothing was uploaded, without asking Rekognition', async () => {
    const { user, key, privateParameters } = await enrolledUser();
    s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
    expect(searches()).toHaveLength(0);
    expect(deletedKeys()).toEqual([key]);
  });

  it('reads a 403 on HeadObject of its own key as nothing uploaded (listing is limited to the photo prefixes)', async () => {
    const { user, key, privateParameters } = await enrolledUser();
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } }));

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
    expect(searches()).toHaveLength(0);
    expect(deletedKeys()).toEqual([key]);
  });

  it.each([
    ['NotFound without a status', Object.assign(new Error('Not Found'), { name: 'NotFound' })],
    ['NoSuchKey without a status', Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' })],
    ['Forbidden without a status', Object.assign(new Error('Forbidden'), { name: 'Forbidden' })],
    ['an unnamed 404', Object.assign(new Error('UnknownError'), { name: 'UnknownError', $metadata: { httpStatusCode: 404 } })],
    ['an unnamed 403', Object.assign(new Error('UnknownError'), { name: 'UnknownError', $metadata: { httpStatusCode: 403 } })],
  ])('reads %s on HeadObject as nothing uploaded', async (_, error) => {
    const { user, privateParameters } = await enrolledUser();
    s3.on(HeadObjectCommand).rejects(error);

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
    expect(searches()).toHaveLength(0);
  });

  it('throws when HeadObject fails for another reason, rather than calling the photo missing', async () => {
    const { user, key, privateParameters } = await enrolledUser();
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } }));

    await expect(verify(verifyEvent(user, privateParameters))).rejects.toThrow('internal error, please try again');
    expect(await getItem(`FAILURES#${user.sub}`)).toBeUndefined();
    expect(deletedKeys()).toEqual([key]);
  });

  it.each([
    ['of exactly 5 MB', { ContentLength: 5_242_880, ContentType: 'image/jpeg' }],
    ['typed with capitals and a parameter', { ContentLength: 48_000, ContentType: 'Image/JPEG ; charset=binary' }],
    ['typed binary/octet-stream', { ContentLength: 48_000, ContentType: 'binary/octet-stream' }],
    ['typed application/octet-stream', { ContentLength: 48_000, ContentType: 'application/octet-stream' }],
    // What `curl --data-binary @photo.jpg -X PUT` and Python's urllib send when not told a type.
    ['typed as a form, as curl and urllib do by default', { ContentLength: 48_000, ContentType: 'application/x-www-form-urlencoded' }],
  ])('gives Rekognition a photo %s', async (_, head) => {
    const { user, privateParameters } = await enrolledUser();
    s3.on(HeadObjectCommand).resolves(head);
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 99)] });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
    expect(searches()).toHaveLength(1);
  });

  it.each([
    ['that is empty', { ContentLength: 0, ContentType: 'image/jpeg' }],
    ['larger than 5 MB', { ContentLength: 5_242_881, ContentType: 'image/jpeg' }],
    ['not a JPEG or PNG', { ContentLength: 48_000, ContentType: 'text/html' }],
  ])('refuses a photo %s without asking Rekognition, and deletes it', async (_, head) => {
    const { user, key, privateParameters } = await enrolledUser();
    s3.on(HeadObjectCommand).resolves(head);

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
    expect(searches()).toHaveLength(0);
    expect(deletedKeys()).toEqual([key]);
  });

  it('accepts a PNG, and a photo uploaded without a content type', async () => {
    const { user, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 99)] });
    s3.on(HeadObjectCommand).resolvesOnce({ ContentLength: 1000, ContentType: 'image/png' }).resolvesOnce({ ContentLength: 1000 });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
    expect(await verify(verifyEvent(user, { ...privateParameters, key: `signin/${hexKey()}` }))).toBe(true);
  });

  it('counts failures and blocks after the fourth: the fifth failure blocks for 30 seconds', async () => {
    const { user, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [] });

    for (let attempt = 0; attempt < 4; attempt++) await verify(verifyEvent(user, privateParameters));
    expect(await getItem(`FAILURES#${user.sub}`)).toMatchObject({ count: 4 });
    expect((await getItem(`FAILURES#${user.sub}`))?.blockedUntil).toBeUndefined();
    const before = Date.now();
    await verify(verifyEvent(user, privateParameters));

    const failures = await getItem(`FAILURES#${user.sub}`);
    expect(failures?.count).toBe(5);
    expect(failures?.blockedUntil).toBeGreaterThanOrEqual(before + 30_000);
    expect(failures?.blockedUntil).toBeLessThanOrEqual(Date.now() + 30_000);
    expect(failures?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 86_000);
  });

  it('lets at most five of 30 answers sent at once with a stranger’s face reach Rekognition, and blocks the rest', async () => {
    const { user, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(OTHER_FACE, 99.9)] });

    const answers = await Promise.all(Array.from({ length: 30 }, () => verify(verifyEvent(user, { ...privateParameters, key: `signin/${hexKey()}` }))));

    expect(answers.every((answer) => answer === false)).toBe(true);
    expect(searches().length).toBeGreaterThanOrEqual(1);
    expect(searches().length).toBeLessThanOrEqual(5);
    expect((await getItem(`FAILURES#${user.sub}`))?.count).toBe(searches().length);
  });

  it('refuses a blocked user without asking Rekognition, even with the right face, and deletes the photo', async () => {
    const { user, key, privateParameters } = await enrolledUser();
    await putItem({ pk: `FAILURES#${user.sub}`, count: 6, blockedUntil: Date.now() + 60_000 });
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 99.9)] });

    const commands = await dynamoDbCommandsOf(async () => expect(await verify(verifyEvent(user, privateParameters))).toBe(false));
    expect(searches()).toHaveLength(0);
    expect(deletedKeys()).toEqual([key]);
    // Refused on what it read: no reservation written, none retried.
    expect(commands.filter((command) => command === 'UpdateCommand')).toEqual([]);
  });

  it('lets the user in once the block has passed, and clears the count', async () => {
    const { user, privateParameters } = await enrolledUser();
    await putItem({ pk: `FAILURES#${user.sub}`, count: 6, blockedUntil: Date.now() - 1 });
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 99.9)] });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
    expect(await getItem(`FAILURES#${user.sub}`)).toBeUndefined();
  });

  it('refuses an unknown user after the same checks as a known one (Rekognition asked, failure counted), and deletes the photo', async () => {
    const key = `signin/${hexKey()}`;
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 99.9)] });

    expect(await verify(verifyEvent(undefined, { challenge: 'FACE_MATCH', key }))).toBe(false);
    expect(searches()).toHaveLength(1);
    expect(deletedKeys()).toEqual([key]);
    expect((await getItem(`UPLOAD#${key}`))?.status).toBe('USED');
  });

  it('checks no face and counts no failure when the answer asks to enrol instead', async () => {
    const { user, key, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 99.9)] });

    expect(await verify(verifyEvent(user, privateParameters, 'ENROL', { intent: 'ENROL' }))).toBe(false);
    expect(searches()).toHaveLength(0);
    expect(await getItem(`FAILURES#${user.sub}`)).toBeUndefined();
    expect(deletedKeys()).toEqual([key]);
  });

  it('refuses a FACE_MATCH whose private key is not a sign-in key (another user’s enrol/ photo showing this face), and leaves that photo alone', async () => {
    // The photo behind the key shows the user's face, so only the signin/ key check refuses it.
    const { user } = await enrolledUser();
    const otherUsersPhoto = `enrol/${newUser().sub}/${hexKey()}`;
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 99.9)] });

    expect(await verify(verifyEvent(user, { challenge: 'FACE_MATCH', key: otherUsersPhoto }))).toBe(false);
    expect(searches()).toHaveLength(0);
    expect(deletedKeys()).toEqual([]);
    expect(await getItem(`UPLOAD#${otherUsersPhoto}`)).toBeUndefined();
  });

  it('keeps the owner’s trusted device signing in while a stranger fails once a second for 10 minutes', async () => {
    const { user, privateParameters } = await enrolledUser();
    const deviceKey = 'the-owners-device-key-of-32-characters-or-more';
    rekognition.on(SearchFacesByImageCommand).callsFake((input: { Image: { S3Object: { Name: string } } }) =>
      ({ FaceMatches: input.Image.S3Object.Name.startsWith('signin/0') ? [match(FACE, 99.9)] : [match(OTHER_FACE, 99.9)] }),
    );
    const ownerKey = () => `signin/0${hexKey().slice(1)}`;
    const strangerKey = () => `signin/f${hexKey().slice(1)}`;
    // The owner signs in once from this device: it becomes trusted.
    expect(await verify(verifyEvent(user, { ...privateParameters, key: ownerKey() }, 'uploaded', { deviceKey }))).toBe(true);
    const start = Date.now();
    let ownerSignIns = 0;
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      for (let second = 0; second < 600; second++) {
        vi.setSystemTime(start + second * 1000);
        // The stranger: someone else's face, no device key (or a guessed one), once a second.
        await verify(verifyEvent(user, { ...privateParameters, key: strangerKey() }, 'uploaded', second % 2 ? { deviceKey: `guess-${second}-`.padEnd(40, 'x') } : undefined));
        if (second % 60 === 30) {
          if (await verify(verifyEvent(user, { ...privateParameters, key: ownerKey() }, 'uploaded', { deviceKey }))) ownerSignIns++;
        }
      }
      // The stranger is held back: their bucket is blocked, and most attempts never reached Rekognition.
      const strangerFailures = await getItem(`FAILURES#${user.sub}`);
      expect(strangerFailures?.blockedUntil).toBeGreaterThan(start + 599_000);
      expect(searches().length).toBeLessThan(40);
    } finally {
      vi.useRealTimers();
    }
    expect(ownerSignIns).toBe(10);
    expect(logs.text()).not.toContain(deviceKey);
  }, 120_000);

  it('counts the check before it runs and clears it on a match; writes the record only when a sign-in changes it', async () => {
    const { user, privateParameters } = await enrolledUser();
    const deviceKey = 'a-device-key-of-at-least-32-characters';
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 99.9)] });
    const commandsOfOneSignIn = async () => (await dynamoDbCommandsOf(async () => {
      expect(await verify(verifyEvent(user, { ...privateParameters, key: `signin/${hexKey()}` }, 'uploaded', { deviceKey }))).toBe(true);
    })).sort();

    // The first from this device: reserve, clear, mark the photo used, remember the device.
    expect(await commandsOfOneSignIn()).toEqual(['BatchGetCommand', 'DeleteCommand', 'PutCommand', 'UpdateCommand', 'UpdateCommand']);
    expect(await commandsOfOneSignIn()).toEqual(['BatchGetCommand', 'DeleteCommand', 'PutCommand', 'UpdateCommand']);
    await putItem({ pk: `FAILURES#${user.sub}#device#${sha256(deviceKey).slice(0, 32)}`, count: 2 });
    expect(await commandsOfOneSignIn()).toEqual(['BatchGetCommand', 'DeleteCommand', 'PutCommand', 'UpdateCommand']);
    expect(await getItem(`USER#${user.sub}`)).toMatchObject({ lastFactor: 'face', trustedDevices: [sha256(deviceKey)] });
    expect(await getItem(`FAILURES#${user.sub}#device#${sha256(deviceKey).slice(0, 32)}`)).toBeUndefined();
  });

  it('writes back no device list over a face bound during the check: the owner’s take-back keeps only the owner’s device, and the old face’s match is refused', async () => {
    const { user, privateParameters } = await enrolledUser();
    const ownerDevice = sha256('the-owner-device-key-of-at-least-32-characters');
    await putItem({ ...(await getItem(`USER#${user.sub}`)), lastFactor: 'face', trustedDevices: [sha256('an-attacker-device-of-at-least-32-characters')] });
    // The old face matches; while Rekognition searches, the owner's re-enrolment binds a new face
    // and trusts the owner's device alone (what bindFace writes).
    rekognition.on(SearchFacesByImageCommand).callsFake(async () => {
      await putItem({ ...(await getItem(`USER#${user.sub}`)), faceId: OTHER_FACE, lastFactor: 'face-enrolment', trustedDevices: [ownerDevice] });
      return { FaceMatches: [match(FACE, 99.9)] };
    });

    const correct = await verify(verifyEvent(user, privateParameters, 'uploaded', { deviceKey: 'another-attacker-device-of-at-least-32-chars' }));

    expect(correct).toBe(false);
    expect(await getItem(`USER#${user.sub}`)).toMatchObject({ faceId: OTHER_FACE, lastFactor: 'face-enrolment', trustedDevices: [ownerDevice] });
  });

  it('remembers no device whose key is shorter than 32 characters', async () => {
    const { user, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 99.9)] });

    expect(await verify(verifyEvent(user, privateParameters, 'uploaded', { deviceKey: 'k'.repeat(31) }))).toBe(true);
    expect(await verify(verifyEvent(user, { ...privateParameters, key: `signin/${hexKey()}` }, 'uploaded', { deviceKey: 'k'.repeat(513) }))).toBe(true);
    expect(await verify(verifyEvent(user, { ...privateParameters, key: `signin/${hexKey()}` }, 'uploaded', { deviceKey: 'k'.repeat(32) }))).toBe(true);

    expect((await getItem(`USER#${user.sub}`))?.trustedDevices).toEqual([sha256('k'.repeat(32))]);
  });

  it('throws on an infrastructure error (Cognito then refuses the attempt) and still deletes the photo', async () => {
    const { user, key, privateParameters } = await enrolledUser();
    rekognition.on(SearchFacesByImageCommand).rejects(new ThrottlingException({ message: 'Slow down', $metadata: {} }));

    await expect(verify(verifyEvent(user, privateParameters))).rejects.toThrow('internal error');
    expect(deletedKeys()).toEqual([key]);
    expect(logs.text()).toContain('ThrottlingException');
  });

  describe('when Cognito retries a run it stopped waiting for (5 seconds), with the same event', () => {
    const photoGone = () => s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));

    it('answers the first run’s match once that run deleted the photo, asking Rekognition once and counting nothing', async () => {
      const { user, key, privateParameters } = await enrolledUser();
      rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(FACE, 99.1)] });
      const event = verifyEvent(user, privateParameters);
      expect(await verify(structuredClone(event))).toBe(true);
      expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'USED', sub: user.sub, matched: true });

      photoGone();
      expect(await verify(structuredClone(event))).toBe(true);

      expect(searches()).toHaveLength(1);
      expect(await getItem(`FAILURES#${user.sub}`)).toBeUndefined();
      expect(logs.text()).toContain('its verdict stands');
      expect(deletedKeys()).toEqual([key, key]);
      // Cognito's third attempt: the second left the first run's verdict as it was.
      expect(await verify(structuredClone(event))).toBe(true);
    });

    it('answers the first run’s refusal without counting the failure twice', async () => {
      const { user, key, privateParameters } = await enrolledUser();
      rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [match(OTHER_FACE, 99.9)] });
      const event = verifyEvent(user, privateParameters);
      expect(await verify(structuredClone(event))).toBe(false);
      expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'USED', sub: user.sub, matched: false });

      photoGone();
      expect(await verify(structuredClone(event))).toBe(false);

      expect(searches()).toHaveLength(1);
      expect((await getItem(`FAILURES#${user.sub}`))?.count).toBe(1);
    });

    it('answers a match recorded by a run that was still searching when the retry read the photo', async () => {
      const { user, key, privateParameters } = await enrolledUser();
      await putItem({ pk: `UPLOAD#${key}`, status: 'USED', sub: user.sub, matched: true, checkedAt: Date.now() });
      rekognition.on(SearchFacesByImageCommand).rejects(Object.assign(new Error('Unable to get object metadata from S3.'), { name: 'InvalidS3ObjectException' }));

      expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
      // This run counted its attempt before searching; the match clears it.
      expect(await getItem(`FAILURES#${user.sub}`)).toBeUndefined();
    });

    it('throws on another Rekognition error, even with an earlier run’s verdict recorded: only a vanished photo is answered by it', async () => {
      const { user, key, privateParameters } = await enrolledUser();
      await putItem({ pk: `UPLOAD#${key}`, status: 'USED', sub: user.sub, matched: true, checkedAt: Date.now() });
      rekognition.on(SearchFacesByImageCommand).rejects(new ThrottlingException({ message: 'Slow down', $metadata: {} }));

      await expect(verify(verifyEvent(user, privateParameters))).rejects.toThrow('internal error');
    });

    it('throws when the photo vanishes during the search and no run recorded a verdict (Cognito refuses the attempt)', async () => {
      const { user, privateParameters } = await enrolledUser();
      rekognition.on(SearchFacesByImageCommand).rejects(Object.assign(new Error('Unable to get object metadata from S3.'), { name: 'InvalidS3ObjectException' }));

      await expect(verify(verifyEvent(user, privateParameters))).rejects.toThrow('internal error');
    });

    it.each([
      ['a verdict recorded for another user', (sub: string) => ({ sub: `${sub}-other`, matched: true, checkedAt: Date.now() })],
      ['a verdict older than the retry window', (sub: string) => ({ sub, matched: true, checkedAt: Date.now() - 30_001 })],
      ['a mark without a verdict (a run that threw)', (sub: string) => ({ sub, checkedAt: Date.now() })],
      ['a verdict without the time its check began', (sub: string) => ({ sub, matched: true })],
      ['a mark of an older version, with nothing but its status', () => ({})],
    ])('refuses a missing photo as nothing uploaded, counting it, despite %s', async (_, verdictOf) => {
      const { user, key, privateParameters } = await enrolledUser();
      await putItem({ pk: `UPLOAD#${key}`, status: 'USED', ...verdictOf(user.sub) });
      photoGone();

      expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
      expect(logs.text()).toContain('"reason":"NOT_UPLOADED"');
      expect((await getItem(`FAILURES#${user.sub}`))?.count).toBe(1);
    });

    it('takes a verdict exactly at the edge of the retry window', async () => {
      const { user, key, privateParameters } = await enrolledUser();
      const now = Date.now();
      await putItem({ pk: `UPLOAD#${key}`, status: 'USED', sub: user.sub, matched: true, checkedAt: now - 30_000 });
      photoGone();
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(now);
        expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
      } finally {
        vi.useRealTimers();
      }
    });

  });
});

describe('Verify ENROL_FACE', () => {
  async function enrollingUser(faceId?: string): Promise<{ user: TestUser; key: string; privateParameters: Record<string, string> }> {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, email: user.email, ...(faceId ? { faceId } : {}) });
    const key = `enrol/${user.sub}/${hexKey()}`;
    return { user, key, privateParameters: { challenge: 'ENROL_FACE', key } };
  }
  /** A verdict as the face-indexer records it: an indexed face is first held as the user's pending face. */
  async function verdict(key: string, sub: string, result: Record<string, string>): Promise<void> {
    if (result.status === 'INDEXED') await holdAsPending(sub, result.faceId!);
    await putItem({ pk: `UPLOAD#${key}`, sub, ...result, expiresAt: Math.floor(Date.now() / 1000) + 3600 });
  }
  async function holdAsPending(sub: string, faceId: string): Promise<void> {
    await putItem({ pk: `USER#${sub}`, sub, ...(await getItem(`USER#${sub}`)), pendingFaceId: faceId });
  }

  it('binds only the pending face: one a later enrolment photo replaced is refused and leaves the collection', async () => {
    const { user, key, privateParameters } = await enrollingUser();
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });
    // The user uploaded again under another ENROL_FACE challenge before this answer arrived.
    await holdAsPending(user.sub, OTHER_FACE);

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(await getItem(`USER#${user.sub}`)).toMatchObject({ pendingFaceId: OTHER_FACE });
    expect((await getItem(`USER#${user.sub}`))?.faceId).toBeUndefined();
    expect(rekognition.commandCalls(DeleteFacesCommand).map((call) => call.args[0].input.FaceIds)).toEqual([[FACE]]);
  });

  it('answers true to both of two runs racing on one answer (Cognito retrying), binding the face once and deleting none', async () => {
    const { user, key, privateParameters } = await enrollingUser();
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });

    const answers = await Promise.all([verify(verifyEvent(user, privateParameters)), verify(verifyEvent(user, privateParameters))]);

    expect(answers).toEqual([true, true]);
    expect(await getItem(`USER#${user.sub}`)).toMatchObject({ faceId: FACE });
    expect(rekognition.commandCalls(DeleteFacesCommand)).toHaveLength(0);
  });

  it('clears the pending face when it binds it', async () => {
    const { user, key, privateParameters } = await enrollingUser();
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
    expect(await getItem(`USER#${user.sub}`)).not.toHaveProperty('pendingFaceId');
  });

  it('binds the indexed face of exactly this key to the user', async () => {
    const { user, key, privateParameters } = await enrollingUser();
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
    expect(await getItem(`USER#${user.sub}`)).toMatchObject({ faceId: FACE, lastFactor: 'face-enrolment', enrolledAt: expect.any(String) });
  });

  it('tells the mailbox that a face was enrolled', async () => {
    const { user, key, privateParameters } = await enrollingUser();
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });
    const before = Date.now();

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);

    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0].args[0].input;
    expect(input.FromEmailAddress).toBe(SENDER);
    expect(input.Destination?.ToAddresses).toEqual([user.email]);
    expect(input.Content?.Simple?.Subject?.Data).toBe('Face Kit <Test>: a face was enrolled');
    const at = /at (\S+)\.\n/.exec(input.Content?.Simple?.Body?.Text?.Data ?? '')?.[1];
    expect(Date.parse(at ?? '')).toBeGreaterThanOrEqual(before - 1000);
  });

  it('binds the face even when the notice cannot be sent', async () => {
    const { user, key, privateParameters } = await enrollingUser();
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Daily message quota exceeded'), { name: 'LimitExceededException' }));

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
    expect((await getItem(`USER#${user.sub}`))?.faceId).toBe(FACE);
    expect(logs.text()).toContain('enrolment notice not sent');
  });

  it('waits for a verdict that arrives while it polls', async () => {
    const { user, key, privateParameters } = await enrollingUser();
    setTimeout(() => void verdict(key, user.sub, { status: 'INDEXED', faceId: FACE }), 250);

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
  });

  it('refuses a rejected photo and binds nothing', async () => {
    const { user, key, privateParameters } = await enrollingUser();
    await verdict(key, user.sub, { status: 'REJECTED', reason: 'MULTIPLE_FACES' });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
    expect((await getItem(`USER#${user.sub}`))?.faceId).toBeUndefined();
  });

  it('ignores a verdict on a different key, and records NOT_UPLOADED for its own when time runs out', async () => {
    const { user, key, privateParameters } = await enrollingUser();
    await verdict(`enrol/${user.sub}/${hexKey()}`, user.sub, { status: 'INDEXED', faceId: FACE });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
    expect((await getItem(`USER#${user.sub}`))?.faceId).toBeUndefined();
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'REJECTED', reason: 'NOT_UPLOADED', sub: user.sub });
    expect(deletedKeys()).toEqual([key]);
  });

  it('records NOT_CHECKED_IN_TIME, not NOT_UPLOADED, when the photo is still stored as time runs out (the indexer has not finished with it)', async () => {
    const { user, key, privateParameters } = await enrollingUser();
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: key }] });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
    expect(s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([{ Bucket: BUCKET, Prefix: key, MaxKeys: 1 }]);
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'REJECTED', reason: 'NOT_CHECKED_IN_TIME', sub: user.sub });
    expect(logs.text()).toContain('"reason":"NOT_CHECKED_IN_TIME"');
    // The indexer ignores the photo once a verdict exists, so it goes now.
    expect(deletedKeys()).toEqual([key]);
  });

  it('records NOT_UPLOADED when only a longer key is listed under the photo’s key', async () => {
    const { user, key, privateParameters } = await enrollingUser();
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: `${key}0` }] });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'REJECTED', reason: 'NOT_UPLOADED' });
  });

  it('refuses a key that is not under the user’s own enrol/ prefix', async () => {
    const { user } = await enrollingUser();
    const stranger = newUser();
    const key = `enrol/${stranger.sub}/${hexKey()}`;
    await verdict(key, stranger.sub, { status: 'INDEXED', faceId: FACE });

    expect(await verify(verifyEvent(user, { challenge: 'ENROL_FACE', key }))).toBe(false);
    expect((await getItem(`USER#${user.sub}`))?.faceId).toBeUndefined();
  });

  it('refuses an enrolment verdict recorded for another user, even under the user’s own key, and binds nothing', async () => {
    const { user, key, privateParameters } = await enrollingUser();
    const stranger = newUser();
    await verdict(key, stranger.sub, { status: 'INDEXED', faceId: FACE });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(false);
    expect((await getItem(`USER#${user.sub}`))?.faceId).toBeUndefined();
    // Nor does it touch the stranger's pending face.
    expect(rekognition.commandCalls(DeleteFacesCommand)).toHaveLength(0);
    expect(await getItem(`USER#${stranger.sub}`)).toMatchObject({ pendingFaceId: FACE });
  });

  it('replaces a previously bound face and removes the old one from the collection', async () => {
    const { user, key, privateParameters } = await enrollingUser(OTHER_FACE);
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
    expect((await getItem(`USER#${user.sub}`))?.faceId).toBe(FACE);
    expect(rekognition.commandCalls(DeleteFacesCommand).map((call) => call.args[0].input)).toEqual([
      { CollectionId: COLLECTION, FaceIds: [OTHER_FACE] },
    ]);
  });

  it('ends every session of the user when a face replaces another, so whoever enrolled the old face keeps no tokens', async () => {
    const { user, key, privateParameters } = await enrollingUser(OTHER_FACE);
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });
    const event = verifyEvent(user, privateParameters);

    expect(await verify(event)).toBe(true);
    expect(signOuts()).toEqual([{ UserPoolId: event.userPoolId, Username: event.userName }]);
  });

  it('dates the new face from its bind, not from when the answer began waiting for the indexer: a sign-in with the old face issued during that wait gets no tokens', async () => {
    const { user, key, privateParameters } = await enrollingUser(OTHER_FACE);
    const takeBack = verify(verifyEvent(user, privateParameters)); // polls for the indexer's verdict
    await sleep(20);
    // Meanwhile whoever holds the old face begins a sign-in (Create records when it issued the
    // FACE_MATCH) and Verify matches the old face, still bound...
    const issuedAt = Date.now();
    await sleep(20);
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });
    expect(await takeBack).toBe(true);
    expect(signOuts()).toHaveLength(1);

    // ...and Define, which runs after the bind and its sign-out, must not issue tokens that outlive them.
    const next = await invoke<DefineAuthChallengeTriggerEvent, DefineAuthChallengeTriggerEvent>(
      defineHandler,
      defineEvent(user, [entry(`FACE_MATCH:${issuedAt}`, true)]),
    );
    expect(next.response).toMatchObject({ issueTokens: false, failAuthentication: true });
  });

  it('ends no session on a first enrolment', async () => {
    const { user, key, privateParameters } = await enrollingUser();
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
    expect(signOuts()).toEqual([]);
  });

  it('throws when the sessions cannot be ended (Cognito refuses the answer), keeping the new face, removing the old and leaving the sign-out on the record', async () => {
    const { user, key, privateParameters } = await enrollingUser(OTHER_FACE);
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });
    cognito.on(AdminUserGlobalSignOutCommand).rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));

    await expect(verify(verifyEvent(user, privateParameters))).rejects.toThrow('internal error, please try again');
    expect(await getItem(`USER#${user.sub}`)).toMatchObject({ faceId: FACE, followUp: { signOut: true, retiredFaceId: OTHER_FACE } });
    expect(rekognition.commandCalls(DeleteFacesCommand).map((call) => call.args[0].input.FaceIds)).toEqual([[OTHER_FACE]]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('clears what the bind left to do once it is done', async () => {
    const { user, key, privateParameters } = await enrollingUser(OTHER_FACE);
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
    expect(await getItem(`USER#${user.sub}`)).not.toHaveProperty('followUp');
  });

  it('answers true again when Cognito retries after the face was bound, and ends the sessions, removes the old face and tells the mailbox if the first try did not', async () => {
    const { user, key, privateParameters } = await enrollingUser(OTHER_FACE);
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });
    cognito.on(AdminUserGlobalSignOutCommand).rejectsOnce(Object.assign(new Error('timed out'), { name: 'TimeoutError' })).resolves({});
    await expect(verify(verifyEvent(user, privateParameters))).rejects.toThrow();

    const retry = verifyEvent(user, privateParameters);
    expect(await verify(retry)).toBe(true);
    expect(signOuts()).toEqual([{ UserPoolId: retry.userPoolId, Username: retry.userName }, { UserPoolId: retry.userPoolId, Username: retry.userName }]);
    expect(rekognition.commandCalls(DeleteFacesCommand).map((call) => call.args[0].input.FaceIds)).toEqual([[OTHER_FACE], [OTHER_FACE]]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(await getItem(`USER#${user.sub}`)).not.toHaveProperty('followUp');
  });

  it('answers true again when Cognito retries after a first try that finished, doing nothing twice', async () => {
    const { user, key, privateParameters } = await enrollingUser(OTHER_FACE);
    await verdict(key, user.sub, { status: 'INDEXED', faceId: FACE });
    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);

    expect(await verify(verifyEvent(user, privateParameters))).toBe(true);
    expect(signOuts()).toHaveLength(1);
    expect(rekognition.commandCalls(DeleteFacesCommand)).toHaveLength(1);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });
});

describe('Verify with unusable private parameters', () => {
  it('answers false, without throwing, when the private parameters are missing', async () => {
    const event = verifyEvent(newUser(), {});
    delete (event.request as { privateChallengeParameters?: unknown }).privateChallengeParameters;

    expect(await verify(event)).toBe(false);
  });

  it('answers false for a challenge it does not know', async () => {
    expect(await verify(verifyEvent(newUser(), { challenge: 'toString' }))).toBe(false);
  });
});
