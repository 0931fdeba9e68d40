// CopyObject with the real @aws-sdk/client-s3: what is copied, S3's errors, the permissions a copy
// needs (read on the source, write on the destination), its notification, and persistence.
import { CopyObjectCommand, CreateMultipartUploadCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessControl } from '../../sim/iam/access-control.js';
import { DEFAULT_LOCAL_CREDENTIALS, SigningKeys } from '../../sim/request-signature.js';
import type { S3ServiceOptions } from '../../sim/s3/s3-service.js';
import { scratchFolders } from '../scratch-folders.js';
import { errorOf, recordingInvoker, startS3 } from './s3-test-server.js';
import type { RunningS3 } from './s3-test-server.js';

let server: RunningS3 | undefined;
const scratchFolder = scratchFolders('s3-copy-');
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: S3ServiceOptions = {}): Promise<RunningS3> {
  server = await startS3(options);
  server.s3.createBucket({ name: 'uploads' });
  server.s3.createBucket({ name: 'archive' });
  return server;
}

const md5 = (body: string | Buffer) => `"${createHash('md5').update(body).digest('hex')}"`;


describe('CopyObject', () => {
  it.each([
    ['in memory', () => ({})],
    ['on disk', () => {
      const dataDir = scratchFolder();
      return { dataDir };
    }],
  ])('copies body, content type, metadata and ETag (%s), with an encoded key and across buckets', async (_mode, options) => {
    const { client } = await start(options());
    const key = 'enrol/u 1/é+1.jpg';
    await client.send(new PutObjectCommand({
      Bucket: 'uploads', Key: key, Body: 'photo bytes', ContentType: 'image/jpeg', Metadata: { owner: 'u1' }, CacheControl: 'no-cache',
    }));

    const copied = await client.send(new CopyObjectCommand({ Bucket: 'archive', Key: 'kept/a.jpg', CopySource: `uploads/${encodeURIComponent(key)}` }));
    expect(copied.CopyObjectResult?.ETag).toBe(md5('photo bytes'));
    expect(copied.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    const got = await client.send(new GetObjectCommand({ Bucket: 'archive', Key: 'kept/a.jpg' }));
    expect(await got.Body!.transformToString()).toBe('photo bytes');
    expect(got).toMatchObject({ ContentType: 'image/jpeg', Metadata: { owner: 'u1' }, CacheControl: 'no-cache', ETag: md5('photo bytes') });

    // A leading slash and S3's `null` version name the same object.
    await client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'b', CopySource: `/uploads/${encodeURIComponent(key)}?versionId=null` }));
    expect(await (await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'b' }))).Body!.transformToString()).toBe('photo bytes');
  });

  it('takes the request’s content type and metadata with MetadataDirective REPLACE, and may then copy an object onto itself', async () => {
    const { client } = await start();
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'a', Body: 'a', ContentType: 'text/plain', Metadata: { old: '1' } }));
    await client.send(new CopyObjectCommand({
      Bucket: 'uploads', Key: 'b', CopySource: 'uploads/a', MetadataDirective: 'REPLACE', ContentType: 'image/png', Metadata: { fresh: '2' },
    }));
    expect(await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'b' }))).toMatchObject({ ContentType: 'image/png', Metadata: { fresh: '2' } });

    await client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'a', CopySource: 'uploads/a', MetadataDirective: 'REPLACE', Metadata: { again: '3' } }));
    const head = await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'a' }));
    expect(head.Metadata).toEqual({ again: '3' });
    expect(await (await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'a' }))).Body!.transformToString()).toBe('a');
  });

  it('answers S3’s errors: a missing source key or bucket, a copy onto itself that changes nothing, a bad directive, source or version', async () => {
    const { client } = await start();
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'a', Body: 'a' }));

    const missingKey = await errorOf(client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'b', CopySource: 'uploads/nothing' })));
    expect(missingKey).toMatchObject({ name: 'NoSuchKey', Key: 'nothing' });
    expect(missingKey.$metadata.httpStatusCode).toBe(404);
    const missingBucket = await errorOf(client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'b', CopySource: 'no-such-bucket/a' })));
    expect(missingBucket).toMatchObject({ name: 'NoSuchBucket', BucketName: 'no-such-bucket' });
    const missingDestination = await errorOf(client.send(new CopyObjectCommand({ Bucket: 'no-such-bucket', Key: 'b', CopySource: 'uploads/a' })));
    expect(missingDestination).toMatchObject({ name: 'NoSuchBucket', BucketName: 'no-such-bucket' });

    const itself = await errorOf(client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'a', CopySource: 'uploads/a' })));
    expect(itself).toMatchObject({
      name: 'InvalidRequest',
      message: "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    });
    expect(itself.$metadata.httpStatusCode).toBe(400);

    const directive = await errorOf(client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'b', CopySource: 'uploads/a', MetadataDirective: 'MERGE' as 'COPY' })));
    expect(directive).toMatchObject({ name: 'InvalidArgument', message: 'Unknown metadata directive.' });
    const noKey = await errorOf(client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'b', CopySource: 'uploads' })));
    expect(noKey).toMatchObject({ name: 'InvalidArgument', message: 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey' });
    const version = await errorOf(client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'b', CopySource: 'uploads/a?versionId=3HL4kqtJlcpXroDTDmJ' })));
    expect(version).toMatchObject({ name: 'InvalidArgument', message: 'Invalid version id specified' });
    const encoding = await errorOf(client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'b', CopySource: 'uploads/%zz' })));
    expect(encoding).toMatchObject({ name: 'InvalidArgument', message: 'Invalid copy source encoding.' });

    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'uploads' }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['a']);
  });

  it('copies only when the x-amz-copy-source-if-* conditions hold, with S3’s pairings', async () => {
    const { client } = await start();
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'a', Body: 'a' }));
    const etag = md5('a');
    const past = new Date(Date.now() - 3600_000);
    const future = new Date(Date.now() + 3600_000);
    const copy = (conditions: Partial<ConstructorParameters<typeof CopyObjectCommand>[0]>) =>
      client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'b', CopySource: 'uploads/a', ...conditions }));

    expect(await errorOf(copy({ CopySourceIfMatch: '"other"' }))).toMatchObject({ name: 'PreconditionFailed', Condition: 'x-amz-copy-source-If-Match' });
    expect((await errorOf(copy({ CopySourceIfNoneMatch: etag }))).$metadata.httpStatusCode).toBe(412);
    expect(await errorOf(copy({ CopySourceIfUnmodifiedSince: past }))).toMatchObject({ name: 'PreconditionFailed' });
    expect(await errorOf(copy({ CopySourceIfModifiedSince: future }))).toMatchObject({ name: 'PreconditionFailed' });
    // If-Match true wins over If-Unmodified-Since false; If-None-Match true over If-Modified-Since false.
    await copy({ CopySourceIfMatch: etag, CopySourceIfUnmodifiedSince: past });
    await copy({ CopySourceIfNoneMatch: '"other"', CopySourceIfModifiedSince: future });
    await copy({ CopySourceIfModifiedSince: past, CopySourceIfUnmodifiedSince: future });
  });

  it('fires ObjectCreated:Copy once for configurations on s3:ObjectCreated:* or :Copy, and none for :Put only', async () => {
    const { events, invoker } = recordingInvoker();
    server = await startS3({ invoker });
    server.s3.createBucket({
      name: 'photos',
      notifications: [
        { events: ['s3:ObjectCreated:*'], prefix: 'enrol/', functionName: 'face-indexer' },
        { events: ['s3:ObjectCreated:Put'], functionName: 'puts-only' },
        { events: ['s3:ObjectCreated:Copy'], functionName: 'copies-only' },
      ],
    });
    await server.client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'staging/a.jpg', Body: 'jpeg' }));
    events.length = 0;
    await server.client.send(new CopyObjectCommand({ Bucket: 'photos', Key: 'enrol/u1/a.jpg', CopySource: 'photos/staging/a.jpg' }));
    expect(events).toEqual([
      { functionName: 'face-indexer', eventName: 'ObjectCreated:Copy', key: 'enrol/u1/a.jpg', eTag: md5('jpeg').replace(/"/g, ''), size: 4 },
      { functionName: 'copies-only', eventName: 'ObjectCreated:Copy', key: 'enrol/u1/a.jpg', eTag: md5('jpeg').replace(/"/g, ''), size: 4 },
    ]);
    // A refused copy notifies nobody.
    events.length = 0;
    await errorOf(server.client.send(new CopyObjectCommand({ Bucket: 'photos', Key: 'enrol/u1/b.jpg', CopySource: 'photos/missing.jpg' })));
    expect(events).toEqual([]);
  });
});

describe('CopyObject with a function’s key: read on the source, write on the destination', () => {
  it('copies what the role may read to where it may write, and refuses the rest with AccessDenied, storing nothing', async () => {
    const keys = new SigningKeys(DEFAULT_LOCAL_CREDENTIALS);
    const accessControl = new AccessControl({ accountId: '000000000000', rootSecret: 'test' });
    const credentials = accessControl.credentialsFor('Stack-Mover', {
      logicalId: 'MoverRole', name: 'Stack-MoverRole', arn: 'arn:aws:iam::000000000000:role/Stack-MoverRole', managedPolicyArns: [],
      statements: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::uploads/signin/*' },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::uploads/enrol/*' },
      ],
    })!;
    keys.add(credentials);
    const running = await start({ keys, accessControl });
    for (const key of ['signin/a.jpg', 'enrol/x.jpg']) await running.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: key }));
    const mover = running.clientWith(credentials);

    await mover.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'enrol/a.jpg', CopySource: 'uploads/signin/a.jpg' }));
    const unreadable = await errorOf(mover.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'enrol/y.jpg', CopySource: 'uploads/enrol/x.jpg' })));
    expect(unreadable).toMatchObject({ name: 'AccessDenied' });
    expect(unreadable.message).toContain('s3:GetObject on resource: arn:aws:s3:::uploads/enrol/x.jpg');
    const unwritable = await errorOf(mover.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'signin/b.jpg', CopySource: 'uploads/signin/a.jpg' })));
    expect(unwritable).toMatchObject({ name: 'AccessDenied' });
    expect(unwritable.message).toContain('s3:PutObject on resource: arn:aws:s3:::uploads/signin/b.jpg');
    // Without s3:ListBucket, a missing source is AccessDenied, not NoSuchKey (as GetObject answers).
    expect(await errorOf(mover.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'enrol/z.jpg', CopySource: 'uploads/signin/none.jpg' }))))
      .toMatchObject({ name: 'AccessDenied' });

    const listed = await running.client.send(new ListObjectsV2Command({ Bucket: 'uploads' }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['enrol/a.jpg', 'enrol/x.jpg', 'signin/a.jpg']);
  });
});

describe('CopyObject on disk', () => {
  it('keeps the copy across a restart', async () => {
    const dataDir = scratchFolder();
    const first = await start({ dataDir });
    await first.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'a', Body: 'kept bytes', ContentType: 'text/plain' }));
    await first.client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'b', CopySource: 'uploads/a' }));
    await first.close();
    server = undefined;

    const second = await startS3({ dataDir });
    server = second;
    const got = await second.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'b' }));
    expect(await got.Body!.transformToString()).toBe('kept bytes');
    expect(got.ContentType).toBe('text/plain');
  });
});

describe('object tags', () => {
  it('answers GetObjectTagging with an empty TagSet, as the AWS CLI v2 asks before a copy in parts, and refuses a write that sets tags rather than drop them', async () => {
    const { client } = await start();
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'plain', Body: 'no tags' }));

    expect((await client.send(new GetObjectTaggingCommand({ Bucket: 'uploads', Key: 'plain' }))).TagSet ?? []).toEqual([]);
    expect(await errorOf(client.send(new GetObjectTaggingCommand({ Bucket: 'uploads', Key: 'missing' })))).toMatchObject({ name: 'NoSuchKey' });
    // A key S3 would never store is refused as every keyed operation refuses it.
    expect(await errorOf(client.send(new GetObjectTaggingCommand({ Bucket: 'uploads', Key: 'k'.repeat(1025) })))).toMatchObject({ name: 'KeyTooLongError' });
    expect(await errorOf(client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'tagged', Body: 'x', Tagging: 'team=faces' })))).toMatchObject({
      name: 'NotImplemented', message: 'Object tags (x-amz-tagging) is not emulated (docs/s3.md lists what is)',
    });
    expect(await errorOf(client.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'tagged', Tagging: 'team=faces' })))).toMatchObject({ name: 'NotImplemented' });
    expect(await errorOf(client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'tagged' })))).toMatchObject({ name: 'NotFound' });
  });
});
