import './handler-test-environment.js';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { inspectPhoto, isPhotoStored } from '../../handlers/face-photos.js';
import { BUCKET } from './handler-test-environment.js';

const s3 = mockClient(S3Client);
const KEY = 'enrol/0f8e7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b/00112233445566778899aabbccddeeff';

beforeEach(() => s3.reset());

describe('isPhotoStored', () => {
  it('lists the one key under the photo’s own key, by name only', async () => {
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: KEY }] });

    expect(await isPhotoStored(KEY)).toBe(true);
    expect(s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([{ Bucket: BUCKET, Prefix: KEY, MaxKeys: 1 }]);
  });

  it.each([
    ['no Contents at all (S3 leaves the member out of an empty listing)', { KeyCount: 0 }],
    ['an empty Contents', { KeyCount: 0, Contents: [] }],
    ['only a longer key that begins with the photo’s', { KeyCount: 1, Contents: [{ Key: `${KEY}0` }] }],
  ])('finds no photo in %s', async (_, listing) => {
    s3.on(ListObjectsV2Command).resolves(listing);

    expect(await isPhotoStored(KEY)).toBe(false);
  });
});

describe('inspectPhoto', () => {
  it('reads a missing photo (404, or 403 where the role may not list) as nothing uploaded', async () => {
    for (const [name, httpStatusCode] of [['NotFound', 404], ['Forbidden', 403]] as const) {
      s3.reset();
      s3.on(HeadObjectCommand).rejects(Object.assign(new Error(name), { name, $metadata: { httpStatusCode } }));

      expect(await inspectPhoto(KEY)).toBeUndefined();
    }
  });

  it('passes on any other failure, even one thrown as something that is not an Error', async () => {
    s3.on(HeadObjectCommand).callsFake(() => Promise.reject('socket hang up' as unknown as Error));

    await expect(inspectPhoto(KEY)).rejects.toBe('socket hang up');
  });
});
