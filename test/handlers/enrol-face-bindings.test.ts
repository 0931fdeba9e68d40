// ENROL_FACE's bindings, each a check whose removal no other test noticed (docs/mutation-testing.md):
// no enrolment challenge for an unknown user, a key outside the user's own enrol/ prefix refused
// even when its verdict names the user, a user without a record, and no notice without an address.
import './handler-test-environment.js';
import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { VerifyAuthChallengeResponseTriggerEvent } from 'aws-lambda';
import { DeleteFacesCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { createChallenge } from '../../handlers/challenges/enrol-face.js';
import { handler } from '../../handlers/verify-auth-challenge-response.js';
import { holdPendingFace } from '../../handlers/users-table.js';
import { createEvent, entry, getItem, invoke, newUser, putItem, verifyEvent, type TestUser } from './trigger-events.js';

const s3 = mockClient(S3Client);
const rekognition = mockClient(RekognitionClient);
const ses = mockClient(SESv2Client);

const FACE = 'dddddddd-0000-4000-8000-000000000004';
const enrolKeyOf = (sub: string) => `enrol/${sub}/${randomBytes(16).toString('hex')}`;
/** As the face-indexer records an indexed face: held as the user's pending face, then the verdict. */
async function indexedVerdict(key: string, sub: string): Promise<void> {
  await holdPendingFace(sub, FACE, key);
  await putItem({ pk: `UPLOAD#${key}`, sub, status: 'INDEXED', faceId: FACE, expiresAt: Math.floor(Date.now() / 1000) + 3600 });
}
const verify = async (event: VerifyAuthChallengeResponseTriggerEvent) =>
  (await invoke<VerifyAuthChallengeResponseTriggerEvent, VerifyAuthChallengeResponseTriggerEvent>(handler, event)).response.answerCorrect;
const deletedFaceIds = () => rekognition.commandCalls(DeleteFacesCommand).flatMap((call) => call.args[0].input.FaceIds ?? []);

beforeEach(() => {
  s3.reset();
  rekognition.reset();
  ses.reset();
  s3.on(DeleteObjectCommand).resolves({});
  rekognition.on(DeleteFacesCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'message-1' });
});

describe('ENROL_FACE bindings', () => {
  it('builds no enrolment challenge for an email without an account', async () => {
    const stranger = newUser();
    const event = createEvent(undefined, [entry('FACE_MATCH', false), entry('MAILBOX_PROOF', true)]);

    await expect(createChallenge(event, { sub: stranger.sub, userNotFound: true, readUser: async () => undefined, now: Date.now() })).rejects.toThrow(
      'ENROL_FACE for a user that does not exist',
    );
    expect(event.response.privateChallengeParameters).toEqual({});
  });

  it('refuses a key under another user’s enrol/ prefix even when its verdict names this user', async () => {
    const user: TestUser = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, email: user.email });
    const key = enrolKeyOf(newUser().sub);
    await indexedVerdict(key, user.sub);

    expect(await verify(verifyEvent(user, { challenge: 'ENROL_FACE', key }))).toBe(false);
    expect((await getItem(`USER#${user.sub}`))?.faceId).toBeUndefined();
  });

  it('binds the face of a user whose record is missing (PostConfirmation failed), creating the record', async () => {
    const user: TestUser = newUser();
    const key = enrolKeyOf(user.sub);
    await indexedVerdict(key, user.sub);

    expect(await verify(verifyEvent(user, { challenge: 'ENROL_FACE', key }))).toBe(true);
    expect(await getItem(`USER#${user.sub}`)).toMatchObject({ faceId: FACE });
    expect(deletedFaceIds()).toEqual([]);
  });

  it('binds the face of a user without an email address, and sends no notice to nobody', async () => {
    const user: TestUser = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub });
    const key = enrolKeyOf(user.sub);
    await indexedVerdict(key, user.sub);
    const event = verifyEvent(user, { challenge: 'ENROL_FACE', key });
    delete event.request.userAttributes.email;

    expect(await verify(event)).toBe(true);
    expect((await getItem(`USER#${user.sub}`))?.faceId).toBe(FACE);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});
