// A matched face's writes (the failure count cleared, the record updated) and the photo's USED
// mark go out together: one round trip on every sign-in's path instead of two. The photo is
// deleted only once all of them are done, since the mark must be there before it goes.
import './handler-test-environment.js';
import { createHash } from 'node:crypto';
import { beforeEach, expect, it, vi } from 'vitest';
import type { VerifyAuthChallengeResponseTriggerEvent } from 'aws-lambda';
import { RekognitionClient, SearchFacesByImageCommand } from '@aws-sdk/client-rekognition';
import { DeleteObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { documentClient } from '../../handlers/aws-clients/dynamodb.js';
import { handler } from '../../handlers/verify-auth-challenge-response.js';
import { getItem, invoke, newUser, putItem, verifyEvent } from './trigger-events.js';

const s3 = mockClient(S3Client);
const rekognition = mockClient(RekognitionClient);
const FACE = 'aaaaaaaa-0000-4000-8000-000000000001';

beforeEach(() => {
  s3.reset();
  rekognition.reset();
  s3.on(HeadObjectCommand).resolves({ ContentLength: 48_000, ContentType: 'image/jpeg' });
  s3.on(DeleteObjectCommand).resolves({});
  rekognition.on(SearchFacesByImageCommand).resolves({ FaceMatches: [{ Similarity: 99.9, Face: { FaceId: FACE } }] });
});

it('marks the photo used while the failure count is still being cleared, and deletes the photo after both', async () => {
  const user = newUser();
  await putItem({ pk: `USER#${user.sub}`, sub: user.sub, email: user.email, faceId: FACE, lastFactor: 'face' });
  const key = `signin/${createHash('md5').update(Math.random().toString()).digest('hex')}`;
  const send = documentClient.send.bind(documentClient) as (command: unknown) => Promise<unknown>;
  let releaseClear!: () => void;
  const clearHeld = new Promise<void>((release) => (releaseClear = release));
  const sentWhileClearHeld: string[] = [];
  let clearing = false;
  const spy = vi.spyOn(documentClient, 'send').mockImplementation((async (command: object) => {
    if (clearing) sentWhileClearHeld.push(command.constructor.name);
    if (command instanceof DeleteCommand) {
      clearing = true;
      await clearHeld;
    }
    return send(command);
  }) as never);
  try {
    const answer = invoke<VerifyAuthChallengeResponseTriggerEvent, VerifyAuthChallengeResponseTriggerEvent>(
      handler,
      verifyEvent(user, { challenge: 'FACE_MATCH', key }),
    );

    await vi.waitFor(() => expect(sentWhileClearHeld).toEqual(['PutCommand']));
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
    releaseClear();

    expect((await answer).response.answerCorrect).toBe(true);
    expect(s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key)).toEqual([key]);
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'USED', matched: true, sub: user.sub });
    expect(await getItem(`FAILURES#${user.sub}`)).toBeUndefined();
  } finally {
    spy.mockRestore();
  }
});
