import './handler-test-environment.js';
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { S3Event } from 'aws-lambda';
import {
  DeleteFacesCommand,
  ImageTooLargeException,
  IndexFacesCommand,
  InvalidImageFormatException,
  ListFacesCommand,
  InvalidParameterException,
  RekognitionClient,
  ThrottlingException,
  type Face,
  type IndexFacesCommandOutput,
} from '@aws-sdk/client-rekognition';
import { DeleteObjectCommand, HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { documentClient } from '../../handlers/aws-clients/dynamodb.js';
import { handler } from '../../handlers/face-indexer.js';
import { BUCKET, COLLECTION } from './handler-test-environment.js';
import { captureLogs } from './log-capture.js';
import { getItem, invoke, putItem, s3Event } from './trigger-events.js';

const s3 = mockClient(S3Client);
const rekognition = mockClient(RekognitionClient);
const logs = captureLogs();
const index = (event: S3Event) => invoke<S3Event, void>(handler, event);

const FACE = 'aaaaaaaa-0000-4000-8000-000000000001';
const SECOND_FACE = 'bbbbbbbb-0000-4000-8000-000000000002';
const faceRecord = (faceId: string) => ({ Face: { FaceId: faceId }, FaceDetail: {} });
const unindexed = (...reasons: string[]) => ({ Reasons: reasons as never, FaceDetail: {} });

/** A new enrolment photo's key, of a user who has a record (PostConfirmation wrote it). */
async function enrolKey(sub: string = randomUUID()): Promise<{ sub: string; key: string }> {
  if (!(await getItem(`USER#${sub}`))) await putItem({ pk: `USER#${sub}`, sub });
  return { sub, key: `enrol/${sub}/${randomUUID().replace(/-/g, '')}` };
}

beforeEach(() => {
  s3.reset();
  rekognition.reset();
  s3.on(HeadObjectCommand).resolves({ ContentLength: 48_000, ContentType: 'image/jpeg' });
  s3.on(DeleteObjectCommand).resolves({});
  rekognition.on(DeleteFacesCommand).resolves({});
});

const deletedKeys = () => s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key);
const deletedFaces = () => rekognition.commandCalls(DeleteFacesCommand).flatMap((call) => call.args[0].input.FaceIds);

describe('face-indexer', () => {
  it('indexes the one face of an enrolment photo under the user’s sub and the photo, records it and deletes the photo', async () => {
    const { sub, key } = await enrolKey();
    rekognition.on(IndexFacesCommand).resolves({ FaceRecords: [faceRecord(FACE)], UnindexedFaces: [] });

    await index(s3Event(key));

    expect(rekognition.commandCalls(IndexFacesCommand)[0].args[0].input).toEqual({
      CollectionId: COLLECTION,
      Image: { S3Object: { Bucket: BUCKET, Name: key } },
      ExternalImageId: `${sub}:${key.split('/')[2]}`,
      MaxFaces: 1,
      QualityFilter: 'HIGH',
      DetectionAttributes: ['DEFAULT'],
    });
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'INDEXED', faceId: FACE, sub });
    expect((await getItem(`UPLOAD#${key}`))?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 86_000);
    expect(deletedKeys()).toEqual([key]);
    expect(deletedFaces()).toEqual([]);
    // The first delivery leaves its trace before IndexFaces, and lists no faces.
    const trace = await getItem(`INDEXING#${key}`);
    expect(trace).toEqual({ pk: `INDEXING#${key}`, sub, startedAt: expect.any(Number), expiresAt: expect.any(Number) });
    expect(trace!.expiresAt).toBeGreaterThan(Date.now() / 1000 + 86_000);
    expect(trace!.expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + 86_400);
    expect(rekognition.commandCalls(ListFacesCommand)).toHaveLength(0);
  });

  it('indexes the face when Rekognition leaves out the empty UnindexedFaces list', async () => {
    const { sub, key } = await enrolKey();
    rekognition.on(IndexFacesCommand).resolves({ FaceRecords: [faceRecord(FACE)] });

    await index(s3Event(key));

    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'INDEXED', faceId: FACE, sub });
  });

  it.each<[string, Partial<IndexFacesCommandOutput>, string, string[]]>([
    ['a second face beyond MaxFaces', { FaceRecords: [faceRecord(FACE)], UnindexedFaces: [unindexed('EXCEEDS_MAX_FACES')] }, 'MULTIPLE_FACES', [FACE]],
    ['a second, blurred face', { FaceRecords: [faceRecord(FACE)], UnindexedFaces: [unindexed('LOW_SHARPNESS')] }, 'MULTIPLE_FACES', [FACE]],
    ['two indexed faces', { FaceRecords: [faceRecord(FACE), faceRecord(SECOND_FACE)], UnindexedFaces: [] }, 'MULTIPLE_FACES', [FACE, SECOND_FACE]],
    ['only a face of low quality', { FaceRecords: [], UnindexedFaces: [unindexed('LOW_BRIGHTNESS', 'SMALL_BOUNDING_BOX')] }, 'LOW_QUALITY', []],
    ['no face at all', { FaceRecords: [], UnindexedFaces: [] }, 'NO_FACE', []],
  ])('rejects a photo with %s as %s and keeps no face', async (_, output, reason, removedFaces) => {
    const { sub, key } = await enrolKey();
    rekognition.on(IndexFacesCommand).resolves(output);

    await index(s3Event(key));

    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'REJECTED', reason, sub });
    expect(deletedFaces()).toEqual(removedFaces);
    expect(deletedKeys()).toEqual([key]);
  });

  it.each([
    ['InvalidImageFormatException', new InvalidImageFormatException({ message: 'Request has invalid image format.', $metadata: {} }), 'NOT_AN_IMAGE'],
    ['InvalidParameterException', new InvalidParameterException({ message: 'Request has invalid parameters.', $metadata: {} }), 'NOT_AN_IMAGE'],
    ['ImageTooLargeException', new ImageTooLargeException({ message: 'Image size is too large.', $metadata: {} }), 'TOO_LARGE'],
  ])('maps %s to %s', async (_, error, reason) => {
    const { key } = await enrolKey();
    rekognition.on(IndexFacesCommand).rejects(error);

    await index(s3Event(key));

    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'REJECTED', reason });
    expect(deletedKeys()).toEqual([key]);
  });

  it('rejects a photo over 5 MB as TOO_LARGE without indexing it', async () => {
    const { key } = await enrolKey();
    s3.on(HeadObjectCommand).resolves({ ContentLength: 5_242_881, ContentType: 'image/jpeg' });

    await index(s3Event(key));

    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'REJECTED', reason: 'TOO_LARGE' });
    expect(rekognition.commandCalls(IndexFacesCommand)).toHaveLength(0);
    expect(deletedKeys()).toEqual([key]);
    // Nothing indexed, so no trace for a retry to follow.
    expect(await getItem(`INDEXING#${key}`)).toBeUndefined();
  });

  it('decodes the URL-encoded key of the event', async () => {
    const { key } = await enrolKey();
    rekognition.on(IndexFacesCommand).resolves({ FaceRecords: [faceRecord(FACE)], UnindexedFaces: [] });

    await index(s3Event(key.replaceAll('/', '%2F')));

    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'INDEXED' });
  });

  it.each([
    ['a key without a UUID sub', 'enrol/not-a-sub/0123456789abcdef0123456789abcdef'],
    ['a key with a short random part', `enrol/${randomUUID()}/abc`],
    ['a nested key', `enrol/${randomUUID()}/0123456789abcdef0123456789abcdef/x`],
    ['a key with spaces', `enrol/${randomUUID()}/0123456789abcdef 123456789abcdef`],
  ])('refuses %s: deletes it without indexing or recording', async (_, key) => {
    await index(s3Event(encodeURIComponent(key).replace(/%20/g, '+')));

    expect(rekognition.commandCalls(IndexFacesCommand)).toHaveLength(0);
    expect(await getItem(`UPLOAD#${key}`)).toBeUndefined();
    expect(deletedKeys()).toEqual([key]);
  });

  it('does nothing for a redelivered event whose photo is already gone', async () => {
    const { sub, key } = await enrolKey();
    await putItem({ pk: `UPLOAD#${key}`, status: 'INDEXED', faceId: FACE, sub });
    s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));

    await index(s3Event(key));

    expect(rekognition.commandCalls(IndexFacesCommand)).toHaveLength(0);
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'INDEXED', faceId: FACE });
    // No attempt left a trace: nothing to look for in the collection.
    expect(rekognition.commandCalls(ListFacesCommand)).toHaveLength(0);
  });

  it('does nothing, and does not fail, for an event whose photo is gone before any verdict', async () => {
    const { key } = await enrolKey();
    s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));

    await index(s3Event(key));

    expect(rekognition.commandCalls(IndexFacesCommand)).toHaveLength(0);
    expect(await getItem(`UPLOAD#${key}`)).toBeUndefined();
  });

  it('removes no face when a duplicate event finds the rejection of the same photo recorded', async () => {
    const { sub, key } = await enrolKey();
    rekognition.on(IndexFacesCommand).callsFake(async () => {
      await putItem({ pk: `UPLOAD#${key}`, status: 'REJECTED', reason: 'NO_FACE', sub });
      return { FaceRecords: [], UnindexedFaces: [] };
    });

    await index(s3Event(key));

    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'REJECTED', reason: 'NO_FACE' });
    expect(rekognition.commandCalls(DeleteFacesCommand)).toHaveLength(0);
  });

  it('does not overwrite a verdict on a duplicate event: the photo is deleted, not indexed again', async () => {
    const { sub, key } = await enrolKey();
    await putItem({ pk: `UPLOAD#${key}`, status: 'REJECTED', reason: 'NOT_UPLOADED', sub });
    rekognition.on(IndexFacesCommand).resolves({ FaceRecords: [faceRecord(FACE)], UnindexedFaces: [] });

    await index(s3Event(key));

    expect(rekognition.commandCalls(IndexFacesCommand)).toHaveLength(0);
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'REJECTED', reason: 'NOT_UPLOADED' });
    expect(deletedKeys()).toEqual([key]);
    expect(rekognition.commandCalls(ListFacesCommand)).toHaveLength(0);
  });

  it('removes the face it indexed when another verdict was recorded while it worked', async () => {
    const { sub, key } = await enrolKey();
    rekognition.on(IndexFacesCommand).callsFake(async () => {
      await putItem({ pk: `UPLOAD#${key}`, status: 'REJECTED', reason: 'NOT_UPLOADED', sub });
      return { FaceRecords: [faceRecord(FACE)], UnindexedFaces: [] };
    });

    await index(s3Event(key));

    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'REJECTED', reason: 'NOT_UPLOADED' });
    expect(deletedFaces()).toEqual([FACE]);
    expect(deletedKeys()).toEqual([key]);
  });

  it('throws on an infrastructure error, so Lambda retries, and still deletes the photo', async () => {
    const { key } = await enrolKey();
    rekognition.on(IndexFacesCommand).rejects(new ThrottlingException({ message: 'Slow down', $metadata: {} }));

    await expect(index(s3Event(key))).rejects.toThrow();
    expect(await getItem(`UPLOAD#${key}`)).toBeUndefined();
    expect(deletedKeys()).toEqual([key]);
  });

  describe('when holding the indexed face as pending fails', () => {
    /** Fails the first UpdateItem (holdPendingFace's) the way a throttled table does; everything else goes through. */
    function failPendingHold() {
      const send = documentClient.send.bind(documentClient);
      return vi.spyOn(documentClient, 'send').mockImplementation(((command: { constructor: { name: string } }) => {
        if (command.constructor.name === 'UpdateCommand') {
          return Promise.reject(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }));
        }
        return send(command as never);
      }) as never);
    }

    it('deletes the face it indexed, since the retry finds the photo gone and nobody could ever bind it', async () => {
      const { sub, key } = await enrolKey();
      rekognition.on(IndexFacesCommand).resolves({ FaceRecords: [faceRecord(FACE)], UnindexedFaces: [] });
      const sent = failPendingHold();
      try {
        await expect(index(s3Event(key))).rejects.toThrow();
      } finally {
        sent.mockRestore();
      }

      expect(deletedFaces()).toEqual([FACE]);
      expect(deletedKeys()).toEqual([key]);
      expect(await getItem(`UPLOAD#${key}`)).toBeUndefined();
      expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub });
    });

    it('throws the table’s error, not the clean-up’s, and logs a face it could not delete', async () => {
      const { sub, key } = await enrolKey();
      rekognition.on(IndexFacesCommand).resolves({ FaceRecords: [faceRecord(FACE)], UnindexedFaces: [] });
      rekognition.on(DeleteFacesCommand).rejects(new ThrottlingException({ message: 'Slow down', $metadata: {} }));
      const sent = failPendingHold();
      try {
        await expect(index(s3Event(key))).rejects.toThrow();
      } finally {
        sent.mockRestore();
      }

      const errors = logs.text().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.level === 'ERROR');
      expect(errors).toEqual([
        expect.objectContaining({ message: 'face not held as pending, and not deleted', sub, faceId: FACE, error: 'ThrottlingException' }),
        expect.objectContaining({ message: 'failed', error: expect.objectContaining({ name: 'ProvisionedThroughputExceededException' }) }),
      ]);
      expect(deletedKeys()).toEqual([key]);
    });
  });

  it('holds the indexed face as the user’s pending face, and deletes the unanswered enrolment’s face it replaces', async () => {
    const first = await enrolKey();
    rekognition.on(IndexFacesCommand).resolvesOnce({ FaceRecords: [faceRecord(FACE)], UnindexedFaces: [] })
      .resolvesOnce({ FaceRecords: [faceRecord(SECOND_FACE)], UnindexedFaces: [] });

    await index(s3Event(first.key));
    expect(await getItem(`USER#${first.sub}`)).toEqual({ pk: `USER#${first.sub}`, sub: first.sub, pendingFaceId: FACE, pendingPhoto: first.key });
    expect(deletedFaces()).toEqual([]);

    // The first photo's challenge was never answered; the same user uploads another.
    const second = await enrolKey(first.sub);
    await index(s3Event(second.key));

    expect(await getItem(`USER#${first.sub}`)).toMatchObject({ pendingFaceId: SECOND_FACE });
    expect(deletedFaces()).toEqual([FACE]);
    expect(await getItem(`UPLOAD#${second.key}`)).toMatchObject({ status: 'INDEXED', faceId: SECOND_FACE });
  });

  it('keeps a face that is pending already when a redelivered event indexes it again', async () => {
    const { sub, key } = await enrolKey();
    await putItem({ pk: `USER#${sub}`, sub, pendingFaceId: FACE });
    rekognition.on(IndexFacesCommand).resolves({ FaceRecords: [faceRecord(FACE)], UnindexedFaces: [] });

    await index(s3Event(key));

    expect(deletedFaces()).toEqual([]);
    expect(await getItem(`USER#${sub}`)).toMatchObject({ pendingFaceId: FACE });
  });

  it('leaves the bound face alone: only the pending one is replaced', async () => {
    const { sub, key } = await enrolKey();
    await putItem({ pk: `USER#${sub}`, sub, faceId: FACE });
    rekognition.on(IndexFacesCommand).resolves({ FaceRecords: [faceRecord(SECOND_FACE)], UnindexedFaces: [] });

    await index(s3Event(key));

    expect(deletedFaces()).toEqual([]);
    expect(await getItem(`USER#${sub}`)).toMatchObject({ faceId: FACE, pendingFaceId: SECOND_FACE });
  });

  it('gives a user without a record (PostConfirmation failed) one holding the pending face, as Verify binds it', async () => {
    const sub = randomUUID();
    const key = `enrol/${sub}/${randomUUID().replace(/-/g, '')}`;
    rekognition.on(IndexFacesCommand).resolves({ FaceRecords: [faceRecord(FACE)], UnindexedFaces: [] });

    await index(s3Event(key));

    expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub, pendingFaceId: FACE, pendingPhoto: key });
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'INDEXED', faceId: FACE, sub });
    expect(deletedFaces()).toEqual([]);
  });

  it('handles every record of an event', async () => {
    const first = await enrolKey();
    const second = await enrolKey();
    rekognition.on(IndexFacesCommand).resolves({ FaceRecords: [faceRecord(FACE)], UnindexedFaces: [] });

    await index(s3Event(first.key, second.key));

    expect(await getItem(`UPLOAD#${first.key}`)).toMatchObject({ status: 'INDEXED', sub: first.sub });
    expect(await getItem(`UPLOAD#${second.key}`)).toMatchObject({ status: 'INDEXED', sub: second.sub });
  });
});

/**
 * A collection kept the way Rekognition keeps one, for attempts that die midway: IndexFaces stores
 * a face under the request's ExternalImageId (the ids given, in order), ListFaces lists two faces a
 * page, DeleteFaces removes. `killNext` makes the next call of an operation never answer, as when
 * the process is killed during it: none of that attempt's code runs again. A killed IndexFaces has
 * stored its face (the window the retry must clean up after), a killed DeleteFaces has deleted
 * nothing. `pauseNext` stalls the next IndexFaces, face stored, until released: an indexer still
 * running.
 */
function fakeCollection(faceIds: string[], unindexedFaces: ReturnType<typeof unindexed>[] = []) {
  const stored: Face[] = [];
  const ids = [...faceIds];
  const stalls = new Map<string, Promise<void>>();
  const stalled = async (operation: string) => {
    const stall = stalls.get(operation);
    stalls.delete(operation);
    await stall;
  };
  rekognition.on(IndexFacesCommand).callsFake(async (input: { ExternalImageId: string }) => {
    const faceId = ids.shift()!;
    stored.push({ FaceId: faceId, ExternalImageId: input.ExternalImageId });
    await stalled('IndexFaces');
    return { FaceRecords: [faceRecord(faceId)], UnindexedFaces: unindexedFaces };
  });
  rekognition.on(ListFacesCommand).callsFake(async (input: { NextToken?: string }) => {
    const start = Number(input.NextToken ?? 0);
    const page = stored.slice(start, start + 2);
    return { Faces: page, ...(start + 2 < stored.length ? { NextToken: String(start + 2) } : {}) };
  });
  rekognition.on(DeleteFacesCommand).callsFake(async (input: { FaceIds: string[] }) => {
    await stalled('DeleteFaces');
    for (const faceId of input.FaceIds) {
      const at = stored.findIndex((face) => face.FaceId === faceId);
      if (at >= 0) stored.splice(at, 1);
    }
    return { DeletedFaces: input.FaceIds };
  });
  return {
    faces: () => [...stored],
    store: (...faces: Face[]) => stored.push(...faces),
    killNext: (operation: 'IndexFaces' | 'DeleteFaces') => void stalls.set(operation, new Promise<void>(() => undefined)),
    pauseNext: (operation: 'IndexFaces') => {
      let release!: () => void;
      stalls.set(operation, new Promise<void>((resolve) => (release = resolve)));
      return () => release();
    },
  };
}

const tagOf = (key: string) => `${key.split('/')[1]}:${key.split('/')[2]}`;
const gone = () => s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
const cleanUpWarnings = () =>
  logs
    .text()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.message === 'faces left by an earlier indexing of the photo deleted');

describe('face-indexer after an attempt that died midway', () => {
  const OTHER_FACE = 'cccccccc-0000-4000-8000-000000000003';

  it('deletes the face an attempt killed right after IndexFaces left, and holds the retry’s face', async () => {
    const { sub, key } = await enrolKey();
    const collection = fakeCollection([FACE, SECOND_FACE]);
    collection.killNext('IndexFaces');
    void index(s3Event(key));
    await vi.waitFor(() => expect(collection.faces()).toHaveLength(1));

    // The event comes again (S3's redelivery, or the embedded Lambda's after a restart).
    await index(s3Event(key));

    expect(collection.faces()).toEqual([{ FaceId: SECOND_FACE, ExternalImageId: tagOf(key) }]);
    expect(deletedFaces()).toEqual([FACE]);
    expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub, pendingFaceId: SECOND_FACE, pendingPhoto: key });
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'INDEXED', faceId: SECOND_FACE, sub });
    expect(deletedKeys()).toEqual([key]);
    expect(cleanUpWarnings()).toEqual([expect.objectContaining({ level: 'WARN', key, sub, faces: 1 })]);
  });

  it('deletes the faces of a photo of several people when the attempt died before deleting them itself', async () => {
    const { sub, key } = await enrolKey();
    const collection = fakeCollection([FACE, SECOND_FACE], [unindexed('EXCEEDS_MAX_FACES')]);
    collection.killNext('DeleteFaces');
    void index(s3Event(key));
    await vi.waitFor(() => expect(deletedFaces()).toEqual([FACE]));
    expect(collection.faces()).toEqual([{ FaceId: FACE, ExternalImageId: tagOf(key) }]);

    await index(s3Event(key));

    expect(collection.faces()).toEqual([]);
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'REJECTED', reason: 'MULTIPLE_FACES', sub });
    expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub });
  });

  it('leaves alone the face of another photo of the same user that a running indexer has yet to hold', async () => {
    const first = await enrolKey();
    const other = await enrolKey(first.sub);
    const collection = fakeCollection([FACE, OTHER_FACE, SECOND_FACE]);
    collection.killNext('IndexFaces');
    void index(s3Event(first.key));
    await vi.waitFor(() => expect(collection.faces()).toHaveLength(1));
    const releaseOther = collection.pauseNext('IndexFaces');
    const otherIndexing = index(s3Event(other.key));
    await vi.waitFor(() => expect(collection.faces()).toHaveLength(2));

    await index(s3Event(first.key));

    expect(deletedFaces()).toEqual([FACE]);
    expect(collection.faces().map((face) => face.FaceId)).toEqual([OTHER_FACE, SECOND_FACE]);
    releaseOther();
    await otherIndexing;
    // The other photo came last: its face is held, and the first photo's retried face, now
    // unanswered, leaves as any replaced pending face does.
    expect(await getItem(`USER#${first.sub}`)).toEqual({ pk: `USER#${first.sub}`, sub: first.sub, pendingFaceId: OTHER_FACE, pendingPhoto: other.key });
    expect(await getItem(`UPLOAD#${other.key}`)).toMatchObject({ status: 'INDEXED', faceId: OTHER_FACE });
    expect(collection.faces()).toEqual([{ FaceId: OTHER_FACE, ExternalImageId: tagOf(other.key) }]);
  });

  it('keeps the face of the verdict a duplicate event recorded while the retry indexed the photo again', async () => {
    const { sub, key } = await enrolKey();
    await putItem({ pk: `INDEXING#${key}`, sub });
    const collection = fakeCollection([]);
    collection.store({ FaceId: FACE, ExternalImageId: tagOf(key) });
    rekognition.on(IndexFacesCommand).callsFake(async (input: { ExternalImageId: string }) => {
      collection.store({ FaceId: SECOND_FACE, ExternalImageId: input.ExternalImageId });
      await putItem({ pk: `UPLOAD#${key}`, status: 'INDEXED', faceId: FACE, sub });
      return { FaceRecords: [faceRecord(SECOND_FACE)], UnindexedFaces: [] };
    });

    await index(s3Event(key));

    expect(collection.faces()).toEqual([{ FaceId: FACE, ExternalImageId: tagOf(key) }]);
    expect(deletedFaces()).toEqual([SECOND_FACE]);
    // It deleted its own face on finding the verdict taken: nothing was left for the clean-up.
    expect(cleanUpWarnings()).toEqual([]);
  });

  it('deletes what a dead attempt left once Verify gave up on the photo and deleted it, and only that', async () => {
    const { sub, key } = await enrolKey();
    const another = await enrolKey(sub);
    await putItem({ pk: `INDEXING#${key}`, sub });
    await putItem({ pk: `UPLOAD#${key}`, status: 'REJECTED', reason: 'NOT_CHECKED_IN_TIME', sub });
    const collection = fakeCollection([]);
    const kept: Face[] = [
      { FaceId: OTHER_FACE, ExternalImageId: sub }, // indexed by an older version: the sub alone
      { FaceId: SECOND_FACE, ExternalImageId: tagOf(another.key) },
      { ExternalImageId: tagOf(key) }, // a listing without an id is no face to delete
    ];
    collection.store(...kept, { FaceId: FACE, ExternalImageId: tagOf(key) });
    gone();

    await index(s3Event(key));

    expect(deletedFaces()).toEqual([FACE]);
    expect(collection.faces()).toEqual(kept);
    expect(rekognition.commandCalls(ListFacesCommand).map((call) => call.args[0].input)).toEqual([
      { CollectionId: COLLECTION, MaxResults: 4096, NextToken: undefined },
      { CollectionId: COLLECTION, MaxResults: 4096, NextToken: '2' },
    ]);
    expect(rekognition.commandCalls(IndexFacesCommand)).toHaveLength(0);
  });

  it('keeps the verdict’s face when a retry finds the photo still there with its verdict', async () => {
    const { sub, key } = await enrolKey();
    await putItem({ pk: `INDEXING#${key}`, sub });
    await putItem({ pk: `UPLOAD#${key}`, status: 'INDEXED', faceId: FACE, sub });
    const collection = fakeCollection([]);
    collection.store({ FaceId: FACE, ExternalImageId: tagOf(key) }, { FaceId: SECOND_FACE, ExternalImageId: tagOf(key) });

    await index(s3Event(key));

    expect(collection.faces()).toEqual([{ FaceId: FACE, ExternalImageId: tagOf(key) }]);
    expect(deletedFaces()).toEqual([SECOND_FACE]);
    expect(deletedKeys()).toEqual([key]);
    expect(rekognition.commandCalls(IndexFacesCommand)).toHaveLength(0);
  });

  it('gives a photo an attempt left without a verdict, deleted on its way out, the verdict Verify would give it, and deletes its face', async () => {
    // IndexFaces stored the face, but its answer was lost: the attempt failed and deleted the photo.
    const { sub, key } = await enrolKey();
    await putItem({ pk: `INDEXING#${key}`, sub });
    const collection = fakeCollection([]);
    const another = await enrolKey(sub);
    collection.store({ FaceId: SECOND_FACE, ExternalImageId: tagOf(another.key) }, { FaceId: FACE, ExternalImageId: tagOf(key) });
    gone();

    await index(s3Event(key));

    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'REJECTED', reason: 'NOT_CHECKED_IN_TIME', sub });
    expect(deletedFaces()).toEqual([FACE]);
    expect(collection.faces()).toEqual([{ FaceId: SECOND_FACE, ExternalImageId: tagOf(another.key) }]);
    expect(rekognition.commandCalls(IndexFacesCommand)).toHaveLength(0);
    expect(cleanUpWarnings()).toEqual([expect.objectContaining({ key, sub, faces: 1 })]);
  });

  it('keeps the verdict a duplicate event recorded, and its face, when the photo is gone', async () => {
    const { sub, key } = await enrolKey();
    await putItem({ pk: `INDEXING#${key}`, sub });
    await putItem({ pk: `UPLOAD#${key}`, status: 'INDEXED', faceId: FACE, sub });
    const collection = fakeCollection([]);
    collection.store({ FaceId: FACE, ExternalImageId: tagOf(key) }, { FaceId: SECOND_FACE, ExternalImageId: tagOf(key) });
    gone();

    await index(s3Event(key));

    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'INDEXED', faceId: FACE, sub });
    expect(collection.faces()).toEqual([{ FaceId: FACE, ExternalImageId: tagOf(key) }]);
    expect(deletedFaces()).toEqual([SECOND_FACE]);
  });

  it('lists nothing for a photo whose verdict is past its expiry, though DynamoDB’s TTL has yet to remove it', async () => {
    const { sub, key } = await enrolKey();
    const expired = Math.floor(Date.now() / 1000) - 60;
    await putItem({ pk: `INDEXING#${key}`, sub, expiresAt: expired });
    await putItem({ pk: `UPLOAD#${key}`, status: 'INDEXED', faceId: FACE, sub, expiresAt: expired });
    const collection = fakeCollection([]);
    collection.store({ FaceId: SECOND_FACE, ExternalImageId: tagOf(key) });
    gone();

    await index(s3Event(key));

    expect(rekognition.commandCalls(ListFacesCommand)).toHaveLength(0);
    expect(deletedFaces()).toEqual([]);
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'INDEXED', faceId: FACE, expiresAt: expired });
  });

  it('keeps the enrolment when two runs of one photo overlap: the late run leaves the face held for the photo, and its verdict', async () => {
    const { sub, key } = await enrolKey();
    const collection = fakeCollection([FACE, SECOND_FACE]);
    const releaseFirst = collection.pauseNext('IndexFaces');
    const first = index(s3Event(key));
    await vi.waitFor(() => expect(collection.faces()).toHaveLength(1));

    await index(s3Event(key));
    releaseFirst();
    await first;

    expect(collection.faces()).toEqual([{ FaceId: SECOND_FACE, ExternalImageId: tagOf(key) }]);
    expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub, pendingFaceId: SECOND_FACE, pendingPhoto: key });
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'INDEXED', faceId: SECOND_FACE, sub });
    expect(deletedFaces()).not.toContain(SECOND_FACE);
  });

  it('gives the verdict to the face a run that died after its hold left, instead of replacing it', async () => {
    const { sub, key } = await enrolKey();
    await putItem({ pk: `USER#${sub}`, sub, pendingFaceId: FACE, pendingPhoto: key });
    await putItem({ pk: `INDEXING#${key}`, sub });
    const collection = fakeCollection([SECOND_FACE]);
    collection.store({ FaceId: FACE, ExternalImageId: tagOf(key) });

    await index(s3Event(key));

    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'INDEXED', faceId: FACE, sub });
    expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub, pendingFaceId: FACE, pendingPhoto: key });
    expect(collection.faces()).toEqual([{ FaceId: FACE, ExternalImageId: tagOf(key) }]);
    expect(deletedFaces()).toEqual([SECOND_FACE]);
  });

  /**
   * Runs the event with the hold refused for a face another run of the photo holds, and `meanwhile`
   * changing the table between that refusal and the read of the record that follows it.
   */
  async function indexWhileHoldRefused(key: string, meanwhile: () => Promise<void>): Promise<void> {
    const send = documentClient.send.bind(documentClient);
    const sent = vi.spyOn(documentClient, 'send').mockImplementation((async (command: { constructor: { name: string } }) => {
      try {
        return await send(command as never);
      } finally {
        if (command.constructor.name === 'UpdateCommand') await meanwhile();
      }
    }) as never);
    try {
      await index(s3Event(key));
    } finally {
      sent.mockRestore();
    }
  }

  it('gives no verdict of its own when the face another run of the photo held is bound meanwhile, and cleans up after a dead attempt', async () => {
    const { sub, key } = await enrolKey();
    await putItem({ pk: `USER#${sub}`, sub, pendingFaceId: FACE, pendingPhoto: key });
    await putItem({ pk: `INDEXING#${key}`, sub });
    const collection = fakeCollection([SECOND_FACE]);
    collection.store({ FaceId: FACE, ExternalImageId: tagOf(key) }, { FaceId: OTHER_FACE, ExternalImageId: tagOf(key) });

    await indexWhileHoldRefused(key, async () => {
      // The other run records its verdict, and Verify binds its face.
      await putItem({ pk: `UPLOAD#${key}`, status: 'INDEXED', faceId: FACE, sub });
      await putItem({ pk: `USER#${sub}`, sub, faceId: FACE });
    });

    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'INDEXED', faceId: FACE, sub });
    expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub, faceId: FACE });
    expect(collection.faces()).toEqual([{ FaceId: FACE, ExternalImageId: tagOf(key) }]);
    expect(deletedFaces()).toEqual([SECOND_FACE, OTHER_FACE]);
    expect(deletedKeys()).toEqual([key]);
  });

  it('deletes its own face, and lists nothing, when the face another run of the photo held is bound meanwhile and no attempt died', async () => {
    const { sub, key } = await enrolKey();
    await putItem({ pk: `USER#${sub}`, sub, pendingFaceId: FACE, pendingPhoto: key });
    const collection = fakeCollection([SECOND_FACE]);
    collection.store({ FaceId: FACE, ExternalImageId: tagOf(key) });

    await indexWhileHoldRefused(key, async () => {
      await putItem({ pk: `UPLOAD#${key}`, status: 'INDEXED', faceId: FACE, sub });
      await putItem({ pk: `USER#${sub}`, sub, faceId: FACE });
    });

    expect(deletedFaces()).toEqual([SECOND_FACE]);
    expect(collection.faces()).toEqual([{ FaceId: FACE, ExternalImageId: tagOf(key) }]);
    expect(rekognition.commandCalls(ListFacesCommand)).toHaveLength(0);
  });

  it('records no verdict naming another photo’s face when a later photo’s face replaced the held one meanwhile', async () => {
    const { sub, key } = await enrolKey();
    const later = await enrolKey(sub);
    await putItem({ pk: `USER#${sub}`, sub, pendingFaceId: FACE, pendingPhoto: key });
    const collection = fakeCollection([SECOND_FACE]);
    collection.store({ FaceId: OTHER_FACE, ExternalImageId: tagOf(later.key) });

    await indexWhileHoldRefused(key, async () => {
      await putItem({ pk: `USER#${sub}`, sub, pendingFaceId: OTHER_FACE, pendingPhoto: later.key });
    });

    expect(await getItem(`UPLOAD#${key}`)).toBeUndefined();
    expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub, pendingFaceId: OTHER_FACE, pendingPhoto: later.key });
    expect(deletedFaces()).toEqual([SECOND_FACE]);
  });

  it('keeps the face held for the photo when a run of it gets that very face again', async () => {
    const { sub, key } = await enrolKey();
    await putItem({ pk: `USER#${sub}`, sub, pendingFaceId: FACE, pendingPhoto: key });
    rekognition.on(IndexFacesCommand).resolves({ FaceRecords: [faceRecord(FACE)], UnindexedFaces: [] });

    await index(s3Event(key));

    expect(deletedFaces()).toEqual([]);
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'INDEXED', faceId: FACE, sub });
  });

  it('deletes its face when the verdict its write lost to has expired, though the TTL has yet to remove it', async () => {
    const { sub, key } = await enrolKey();
    const expired = Math.floor(Date.now() / 1000) - 60;
    await putItem({ pk: `UPLOAD#${key}`, status: 'INDEXED', faceId: FACE, sub, expiresAt: expired });
    rekognition.on(IndexFacesCommand).resolves({ FaceRecords: [faceRecord(SECOND_FACE)], UnindexedFaces: [] });

    await index(s3Event(key));

    expect(deletedFaces()).toEqual([SECOND_FACE]);
    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ faceId: FACE, expiresAt: expired });
  });

  it('lists nothing and warns of nothing when the earlier attempt left no face', async () => {
    const { sub, key } = await enrolKey();
    await putItem({ pk: `INDEXING#${key}`, sub });
    fakeCollection([FACE]);

    await index(s3Event(key));

    expect(await getItem(`UPLOAD#${key}`)).toMatchObject({ status: 'INDEXED', faceId: FACE });
    expect(deletedFaces()).toEqual([]);
    expect(cleanUpWarnings()).toEqual([]);
  });
});

describe('face-indexer on sign-in photos', () => {
  const signInKey = () => `signin/${randomUUID().replace(/-/g, '')}`;

  it('deletes a photo PUT again after Verify looked at its key, without asking Rekognition', async () => {
    const key = signInKey();
    await putItem({ pk: `UPLOAD#${key}`, status: 'USED', expiresAt: Math.floor(Date.now() / 1000) + 3600 });

    await index(s3Event(key));

    expect(deletedKeys()).toEqual([key]);
    expect(rekognition.commandCalls(IndexFacesCommand)).toHaveLength(0);
  });

  it('leaves a photo Verify has yet to look at', async () => {
    await index(s3Event(signInKey()));

    expect(deletedKeys()).toEqual([]);
  });

  it('deletes anything under signin/ that no challenge can have asked for', async () => {
    const key = `signin/${randomUUID()}/${'a'.repeat(32)}`;

    await index(s3Event(key));

    expect(deletedKeys()).toEqual([key]);
  });
});
