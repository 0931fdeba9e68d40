// Multipart upload with the real @aws-sdk/client-s3 (its commands one by one: @aws-sdk/lib-storage
// is not among the project's dependencies): parts, completion and S3's multipart ETag, S3's errors,
// listings, notifications, the kit's limits, persistence, and the permissions a function's key needs.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../sim/clock.js';
import { AccessControl } from '../../sim/iam/access-control.js';
import { DEFAULT_LOCAL_CREDENTIALS, SigningKeys } from '../../sim/request-signature.js';
import type { S3ServiceOptions } from '../../sim/s3/s3-service.js';
import { scratchFolders } from '../scratch-folders.js';
import { errorOf, recordingInvoker, startS3 } from './s3-test-server.js';
import type { RunningS3 } from './s3-test-server.js';

const MiB = 1024 * 1024;

let server: RunningS3 | undefined;
const scratchFolder = scratchFolders('s3-multipart-');
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: S3ServiceOptions = {}): Promise<RunningS3> {
  server = await startS3(options);
  server.s3.createBucket({ name: 'uploads' });
  return server;
}

const md5 = (body: Buffer) => createHash('md5').update(body).digest();
/** S3's multipart ETag: the MD5 of the parts' binary MD5s, a dash, the number of parts. */
const multipartEtag = (parts: Buffer[]) => `"${createHash('md5').update(Buffer.concat(parts.map(md5))).digest('hex')}-${parts.length}"`;

async function create(client: S3Client, key: string, extra: Partial<ConstructorParameters<typeof CreateMultipartUploadCommand>[0]> = {}): Promise<string> {
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: key, ...extra }));
  return created.UploadId!;
}

async function upload(client: S3Client, key: string, uploadId: string, partNumber: number, body: Buffer): Promise<string> {
  const part = await client.send(new UploadPartCommand({ Bucket: 'uploads', Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body }));
  return part.ETag!;
}

/** CRC32 as S3 writes it: the 4 bytes, big-endian, in base64. */
function crc32Base64(data: Buffer): string {
  const digest = Buffer.alloc(4);
  digest.writeUInt32BE(crc32(data) >>> 0);
  return digest.toString('base64');
}

function complete(client: S3Client, key: string, uploadId: string, parts: Array<{ PartNumber: number; ETag: string }>) {
  return client.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
}

describe('multipart upload', () => {
  it.each([
    ['in memory', () => ({})],
    ['on disk', () => ({ dataDir: scratchFolder() })],
  ])('assembles an 11 MiB object from 3 parts sent out of order, with S3’s multipart ETag (%s)', async (_mode, options) => {
    const { client } = await start(options());
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1 * MiB)];
    const key = 'videos/big file é.bin';
    const uploadId = await create(client, key, { ContentType: 'video/mp4', Metadata: { owner: 'u1' } });
    expect(uploadId).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const etags: string[] = [];
    for (const number of [2, 1, 3]) etags[number - 1] = await upload(client, key, uploadId, number, parts[number - 1]!);
    expect(etags).toEqual(parts.map((part) => `"${md5(part).toString('hex')}"`));

    const listedParts = await client.send(new ListPartsCommand({ Bucket: 'uploads', Key: key, UploadId: uploadId }));
    expect(listedParts.Parts?.map(({ PartNumber, ETag, Size }) => ({ PartNumber, ETag, Size }))).toEqual([
      { PartNumber: 1, ETag: etags[0], Size: 5 * MiB },
      { PartNumber: 2, ETag: etags[1], Size: 5 * MiB },
      { PartNumber: 3, ETag: etags[2], Size: 1 * MiB },
    ]);
    expect(listedParts.IsTruncated).toBe(false);
    const open = await client.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }));
    expect(open.Uploads?.map((each) => ({ Key: each.Key, UploadId: each.UploadId }))).toEqual([{ Key: key, UploadId: uploadId }]);
    // Not an object until completed.
    expect((await client.send(new ListObjectsV2Command({ Bucket: 'uploads' }))).KeyCount).toBe(0);

    const completed = await complete(client, key, uploadId, etags.map((ETag, index) => ({ PartNumber: index + 1, ETag })));
    expect(completed).toMatchObject({ Bucket: 'uploads', Key: key, ETag: multipartEtag(parts) });
    expect(completed.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);

    const got = await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: key }));
    expect(got).toMatchObject({ ContentLength: 11 * MiB, ContentType: 'video/mp4', Metadata: { owner: 'u1' }, ETag: multipartEtag(parts) });
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
    // A range across the first two parts' boundary.
    const ranged = await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: key, Range: `bytes=${5 * MiB - 3}-${5 * MiB + 2}` }));
    expect(Buffer.from(await ranged.Body!.transformToByteArray())).toEqual(Buffer.concat(parts).subarray(5 * MiB - 3, 5 * MiB + 3));
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }))).Uploads ?? []).toEqual([]);

    // A copy is one part: its ETag is the body's MD5.
    const copy = await client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'copy.bin', CopySource: `uploads/${encodeURIComponent(key)}` }));
    expect(copy.CopyObjectResult?.ETag).toBe(`"${md5(Buffer.concat(parts)).toString('hex')}"`);
  });

  it('completes with a subset of the parts, and lets only the last part be under 5 MiB (EntityTooSmall)', async () => {
    const { client } = await start();
    const uploadId = await create(client, 'a');
    const small = [randomBytes(MiB), randomBytes(MiB)];
    const etags = [await upload(client, 'a', uploadId, 1, small[0]!), await upload(client, 'a', uploadId, 2, small[1]!)];
    const tooSmall = await errorOf(complete(client, 'a', uploadId, [{ PartNumber: 1, ETag: etags[0]! }, { PartNumber: 2, ETag: etags[1]! }]));
    expect(tooSmall).toMatchObject({
      name: 'EntityTooSmall', message: 'Your proposed upload is smaller than the minimum allowed size', ProposedSize: String(MiB), MinSizeAllowed: String(5 * MiB),
    });
    expect(tooSmall.$metadata.httpStatusCode).toBe(400);
    // Still open: the first part alone is also the last.
    const completed = await complete(client, 'a', uploadId, [{ PartNumber: 1, ETag: etags[0]! }]);
    expect(completed.ETag).toBe(multipartEtag([small[0]!]));
    const got = await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'a' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(small[0]);
  });

  it('refuses an unknown part or ETag (InvalidPart), parts out of order (InvalidPartOrder), no parts (MalformedXML), a bad part number', async () => {
    const { client } = await start();
    const uploadId = await create(client, 'a');
    const body = randomBytes(5 * MiB);
    const etag = await upload(client, 'a', uploadId, 1, body);
    const last = await upload(client, 'a', uploadId, 2, Buffer.from('end'));

    const wrongEtag = await errorOf(complete(client, 'a', uploadId, [{ PartNumber: 1, ETag: '"0123456789abcdef0123456789abcdef"' }]));
    expect(wrongEtag).toMatchObject({ name: 'InvalidPart', PartNumber: '1' });
    expect(wrongEtag.message).toBe("One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
    expect(await errorOf(complete(client, 'a', uploadId, [{ PartNumber: 1, ETag: etag }, { PartNumber: 7, ETag: last }]))).toMatchObject({ name: 'InvalidPart', PartNumber: '7' });
    const order = await errorOf(complete(client, 'a', uploadId, [{ PartNumber: 2, ETag: last }, { PartNumber: 1, ETag: etag }]));
    expect(order).toMatchObject({ name: 'InvalidPartOrder', message: 'The list of parts was not in ascending order. Parts must be ordered by part number.' });
    expect(await errorOf(complete(client, 'a', uploadId, []))).toMatchObject({ name: 'MalformedXML' });
    for (const number of [0, 10001]) {
      const refused = await errorOf(client.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'a', UploadId: uploadId, PartNumber: number, Body: 'x' })));
      expect(refused).toMatchObject({ name: 'InvalidArgument', message: 'Part number must be an integer between 1 and 10000, inclusive' });
    }
    // An ETag without its quotes is the same ETag.
    const completed = await complete(client, 'a', uploadId, [{ PartNumber: 1, ETag: etag.replace(/"/g, '') }, { PartNumber: 2, ETag: last }]);
    expect(completed.ETag).toBe(multipartEtag([body, Buffer.from('end')]));
  });

  it('answers NoSuchUpload once an upload is aborted or completed, and for an id of another key', async () => {
    const { client } = await start();
    const uploadId = await create(client, 'a');
    const etag = await upload(client, 'a', uploadId, 1, Buffer.from('part'));
    expect(await errorOf(client.send(new ListPartsCommand({ Bucket: 'uploads', Key: 'other', UploadId: uploadId })))).toMatchObject({ name: 'NoSuchUpload' });
    await client.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'a', UploadId: uploadId }));

    const calls = [
      () => client.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'a', UploadId: uploadId, PartNumber: 2, Body: 'x' })),
      () => complete(client, 'a', uploadId, [{ PartNumber: 1, ETag: etag }]),
      () => client.send(new ListPartsCommand({ Bucket: 'uploads', Key: 'a', UploadId: uploadId })),
      () => client.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'a', UploadId: uploadId })),
    ];
    for (const call of calls) {
      const refused = await errorOf(call());
      expect(refused).toMatchObject({
        name: 'NoSuchUpload', UploadId: uploadId,
        message: 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      });
      expect(refused.$metadata.httpStatusCode).toBe(404);
    }
    expect((await client.send(new ListObjectsV2Command({ Bucket: 'uploads' }))).KeyCount).toBe(0);

    const second = await create(client, 'b');
    await complete(client, 'b', second, [{ PartNumber: 1, ETag: await upload(client, 'b', second, 1, Buffer.from('x')) }]);
    expect(await errorOf(complete(client, 'b', second, [{ PartNumber: 1, ETag: etag }]))).toMatchObject({ name: 'NoSuchUpload' });
  });

  it('refuses a completion body with markup after its root or a part naming its number twice, and completes it when well-formed (fuzz audit)', async () => {
    const { client, clientWith } = await start();
    const uploadId = await create(client, 'a');
    const etag = await upload(client, 'a', uploadId, 1, Buffer.from('only part'));
    const rewritten = (change: (xml: string) => string) => {
      const rewriting = clientWith(DEFAULT_LOCAL_CREDENTIALS);
      const rewriteBody: FinalizeRequestMiddleware<object, object> = (next) => async (args) => {
        const request = args.request as { body: string; headers: Record<string, string> };
        request.body = change(String(request.body));
        request.headers['content-length'] = String(Buffer.byteLength(request.body));
        return next(args);
      };
      rewriting.middlewareStack.addRelativeTo(rewriteBody as never, { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'rewriteBody' });
      return rewriting;
    };
    const junkAfterRoot = rewritten((xml) => `${xml}<junk/>`);
    const numberTwice = rewritten((xml) => xml.replace('<PartNumber>1</PartNumber>', '<PartNumber>1</PartNumber><PartNumber>2</PartNumber>'));

    expect(await errorOf(complete(junkAfterRoot, 'a', uploadId, [{ PartNumber: 1, ETag: etag }]))).toMatchObject({ name: 'MalformedXML' });
    expect(await errorOf(complete(numberTwice, 'a', uploadId, [{ PartNumber: 1, ETag: etag }]))).toMatchObject({ name: 'MalformedXML' });
    expect((await complete(client, 'a', uploadId, [{ PartNumber: 1, ETag: etag }])).ETag).toBe(multipartEtag([Buffer.from('only part')]));
  });

  it('dates the object from its upload’s creation, as S3 does, not from its completion', async () => {
    const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    const { client } = await start({ clock });
    const created = clock.now();
    const uploadId = await create(client, 'a');
    clock.advance(10 * 60_000);
    await complete(client, 'a', uploadId, [{ PartNumber: 1, ETag: await upload(client, 'a', uploadId, 1, Buffer.from('x')) }]);
    expect((await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'a' }))).LastModified?.getTime()).toBe(created);
  });

  it('pages ListParts and lists uploads by prefix and delimiter', async () => {
    const { client } = await start();
    const uploadId = await create(client, 'dir/a');
    for (const number of [1, 2, 3]) await upload(client, 'dir/a', uploadId, number, Buffer.from(`part ${number}`));
    const first = await client.send(new ListPartsCommand({ Bucket: 'uploads', Key: 'dir/a', UploadId: uploadId, MaxParts: 2 }));
    expect(first.Parts?.map((part) => part.PartNumber)).toEqual([1, 2]);
    expect(first).toMatchObject({ IsTruncated: true, NextPartNumberMarker: '2' });
    const rest = await client.send(new ListPartsCommand({ Bucket: 'uploads', Key: 'dir/a', UploadId: uploadId, PartNumberMarker: first.NextPartNumberMarker }));
    expect(rest.Parts?.map((part) => part.PartNumber)).toEqual([3]);
    expect(rest.IsTruncated).toBe(false);

    await create(client, 'dir/sub/b');
    await create(client, 'top');
    const all = await client.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }));
    expect(all.Uploads?.map((each) => each.Key)).toEqual(['dir/a', 'dir/sub/b', 'top']);
    const underDir = await client.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', Prefix: 'dir/', Delimiter: '/' }));
    expect(underDir.Uploads?.map((each) => each.Key)).toEqual(['dir/a']);
    expect(underDir.CommonPrefixes?.map((each) => each.Prefix)).toEqual(['dir/sub/']);
  });

  it('pages ListMultipartUploads one entry at a time through uploads and common prefixes alike, to the end', async () => {
    const { client } = await start();
    for (const key of ['pg/a', 'pg/b/1', 'pg/b/2', 'pg/c/1', 'pg/d']) await create(client, key);
    const seen: string[] = [];
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (let page = 0; page < 10; page++) {
      const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', Prefix: 'pg/', Delimiter: '/', MaxUploads: 1, ...markers }));
      seen.push(...(listed.Uploads ?? []).map((upload) => upload.Key!), ...(listed.CommonPrefixes ?? []).map((common) => common.Prefix!));
      if (!listed.IsTruncated) break;
      // A page that ends on a prefix names it, and no upload id.
      expect(listed.NextKeyMarker).toBe(seen.at(-1));
      markers = { KeyMarker: listed.NextKeyMarker, UploadIdMarker: listed.NextUploadIdMarker };
    }

    expect(seen).toEqual(['pg/a', 'pg/b/', 'pg/c/', 'pg/d']);
  });

  for (const onDisk of [false, true]) {
    it(`copies parts from an existing object with UploadPartCopy, by range or whole, as the AWS CLI copies an object over 8 MB (${onDisk ? 'on disk' : 'in memory'})`, async () => {
      const { client } = await start(onDisk ? { dataDir: scratchFolder() } : {});
      const source = randomBytes(12 * MiB);
      await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'big', Body: source }));
      const uploadId = await create(client, 'big-copy');
      const copyPart = (PartNumber: number, CopySourceRange?: string) =>
        client.send(new UploadPartCopyCommand({ Bucket: 'uploads', Key: 'big-copy', UploadId: uploadId, PartNumber, CopySource: 'uploads/big', CopySourceRange }));

      const first = await copyPart(1, `bytes=0-${8 * MiB - 1}`);
      const second = await copyPart(2, `bytes=${8 * MiB}-${12 * MiB - 1}`);
      await client.send(new CompleteMultipartUploadCommand({
        Bucket: 'uploads', Key: 'big-copy', UploadId: uploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: first.CopyPartResult!.ETag }, { PartNumber: 2, ETag: second.CopyPartResult!.ETag }] },
      }));
      const copied = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'big-copy' }))).Body!.transformToByteArray());

      expect(first.CopyPartResult?.ETag).toBe(`"${md5(source.subarray(0, 8 * MiB)).toString('hex')}"`);
      expect(copied.equals(source)).toBe(true);
      const whole = await create(client, 'whole');
      expect((await client.send(new UploadPartCopyCommand({ Bucket: 'uploads', Key: 'whole', UploadId: whole, PartNumber: 1, CopySource: 'uploads/big' }))).CopyPartResult?.ETag)
        .toBe(`"${md5(source).toString('hex')}"`);
      const intoWhole = (CopySourceRange: string) =>
        client.send(new UploadPartCopyCommand({ Bucket: 'uploads', Key: 'whole', UploadId: whole, PartNumber: 3, CopySource: 'uploads/big', CopySourceRange }));
      expect(await errorOf(intoWhole(`bytes=0-${12 * MiB}`))).toMatchObject({ name: 'InvalidArgument', message: `Range specified is not valid for source object of size: ${12 * MiB}` });
      expect(await errorOf(intoWhole('bytes=5-'))).toMatchObject({ name: 'InvalidArgument' });
      expect(await errorOf(client.send(new UploadPartCopyCommand({ Bucket: 'uploads', Key: 'big-copy', UploadId: whole, PartNumber: 1, CopySource: 'uploads/none' })))).toMatchObject({ name: 'NoSuchUpload' });
      expect(await errorOf(client.send(new UploadPartCopyCommand({ Bucket: 'uploads', Key: 'whole', UploadId: whole, PartNumber: 2, CopySource: 'uploads/none' })))).toMatchObject({ name: 'NoSuchKey' });
    }, 60_000);
  }

  it('refuses GetObject by part number as not emulated', async () => {
    const { client } = await start();
    const byPart = await errorOf(client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'a', PartNumber: 1 })));
    expect(byPart).toMatchObject({ name: 'NotImplemented' });
  });

  it('checks each part’s flexible checksum, lists it, and refuses a completion naming another one as InvalidPart', async () => {
    const { client } = await start();
    const uploadId = await create(client, 'a', { ChecksumAlgorithm: 'CRC32' });
    const part = await client.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'a', UploadId: uploadId, PartNumber: 1, Body: 'checked', ChecksumAlgorithm: 'CRC32' }));
    expect(part.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const wrong = await errorOf(client.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'a', UploadId: uploadId, PartNumber: 2, Body: 'checked', ChecksumCRC32: 'AAAAAA==' })));
    expect(wrong).toMatchObject({ name: 'BadDigest' });
    const listed = await client.send(new ListPartsCommand({ Bucket: 'uploads', Key: 'a', UploadId: uploadId }));
    expect(listed.ChecksumAlgorithm).toBe('CRC32');
    expect(listed.Parts?.map((each) => each.ChecksumCRC32)).toEqual([part.ChecksumCRC32]);
    const mismatch = await errorOf(client.send(new CompleteMultipartUploadCommand({
      Bucket: 'uploads', Key: 'a', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: 'AAAAAA==' }] },
    })));
    expect(mismatch).toMatchObject({ name: 'InvalidPart' });
    const completed = await client.send(new CompleteMultipartUploadCommand({
      Bucket: 'uploads', Key: 'a', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] },
    }));

    // S3's composite checksum: the CRC32 of the parts' CRC32s, a dash, the number of parts (none was kept).
    const composite = `${crc32Base64(Buffer.from(part.ChecksumCRC32!, 'base64'))}-1`;
    expect([completed.ChecksumCRC32, completed.ChecksumType]).toEqual([composite, 'COMPOSITE']);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'a', ChecksumMode: 'ENABLED' }));
    expect([head.ChecksumCRC32, head.ChecksumType]).toEqual([composite, 'COMPOSITE']);
    const got = await client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'a', ChecksumMode: 'ENABLED' }));
    expect(await got.Body!.transformToString()).toBe('checked');
    const objects = await client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'a' }));
    expect(objects.Contents?.map((entry) => [entry.ChecksumAlgorithm, entry.ChecksumType])).toEqual([[['CRC32'], 'COMPOSITE']]);
  });
});

describe('multipart notifications', () => {
  it('fires ObjectCreated:CompleteMultipartUpload once, on completion only, for s3:ObjectCreated:* and not for :Put only', async () => {
    const { events, invoker } = recordingInvoker();
    const { client } = await start({ invoker });
    server!.s3.createBucket({
      name: 'uploads',
      notifications: [
        { events: ['s3:ObjectCreated:*'], prefix: 'enrol/', functionName: 'face-indexer' },
        { events: ['s3:ObjectCreated:Put'], functionName: 'puts-only' },
      ],
    });
    const body = randomBytes(1024);
    const uploadId = await create(client, 'enrol/u1/a.jpg');
    const etag = await upload(client, 'enrol/u1/a.jpg', uploadId, 1, body);
    expect(events).toEqual([]);
    await errorOf(complete(client, 'enrol/u1/a.jpg', uploadId, [{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }]));
    expect(events).toEqual([]);
    await complete(client, 'enrol/u1/a.jpg', uploadId, [{ PartNumber: 1, ETag: etag }]);
    expect(events).toEqual([
      { functionName: 'face-indexer', eventName: 'ObjectCreated:CompleteMultipartUpload', key: 'enrol/u1/a.jpg', eTag: multipartEtag([body]).replace(/"/g, ''), size: 1024 },
    ]);
  });
});

describe('the kit’s multipart limits', () => {
  it('refuses an upload past the open-upload cap and a part past the bytes cap, and takes them again once others are aborted', async () => {
    const { client } = await start({ multipartLimits: { maxUploads: 2, maxBytes: 6 * MiB } });
    const first = await create(client, 'a');
    const second = await create(client, 'b');
    const tooMany = await errorOf(create(client, 'c'));
    expect(tooMany).toMatchObject({ name: 'InvalidRequest' });
    expect(tooMany.message).toContain('at most 2 multipart uploads open at once');

    await upload(client, 'a', first, 1, randomBytes(5 * MiB));
    const tooLarge = await errorOf(upload(client, 'b', second, 1, randomBytes(2 * MiB)));
    expect(tooLarge).toMatchObject({ name: 'EntityTooLarge', MaxSizeAllowed: String(6 * MiB) });
    expect(tooLarge.$metadata.httpStatusCode).toBe(400);
    // A part sent again replaces the old one in the count.
    await upload(client, 'a', first, 1, randomBytes(5 * MiB));

    await client.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'a', UploadId: first }));
    await upload(client, 'b', second, 1, randomBytes(2 * MiB));
    await create(client, 'c');
  });
});

describe('multipart uploads on disk', () => {
  it('keep their parts across a restart, complete after it, and leave no part files once completed or aborted', async () => {
    const dataDir = scratchFolder();
    const first = await start({ dataDir });
    const parts = [randomBytes(5 * MiB), randomBytes(3 * MiB)];
    const uploadId = await create(first.client, 'kept.bin', { ContentType: 'application/x-kept' });
    const etag1 = await upload(first.client, 'kept.bin', uploadId, 1, parts[0]!);
    const abandoned = await create(first.client, 'abandoned.bin');
    await upload(first.client, 'abandoned.bin', abandoned, 1, Buffer.from('x'));
    await first.close();
    server = undefined;
    // What a kill would leave: a part write not renamed, an upload folder whose record is gone.
    const uploadsFolder = join(dataDir, 's3', 'uploads', 'uploads');
    writeFileSync(join(uploadsFolder, uploadId, '2.part.0123456789ab.tmp'), 'half a part');
    mkdirSync(join(uploadsFolder, 'cut-short'));

    const second = await start({ dataDir });
    const listed = await second.client.send(new ListPartsCommand({ Bucket: 'uploads', Key: 'kept.bin', UploadId: uploadId }));
    expect(listed.Parts?.map((part) => [part.PartNumber, part.ETag, part.Size])).toEqual([[1, etag1, 5 * MiB]]);
    expect(readdirSync(uploadsFolder).sort()).toEqual([abandoned, uploadId].sort());
    expect(readdirSync(join(uploadsFolder, uploadId)).sort()).toEqual(['1.part', 'upload.json']);
    const etag2 = await upload(second.client, 'kept.bin', uploadId, 2, parts[1]!);
    await complete(second.client, 'kept.bin', uploadId, [{ PartNumber: 1, ETag: etag1 }, { PartNumber: 2, ETag: etag2 }]);
    await second.client.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'abandoned.bin', UploadId: abandoned }));
    expect(readdirSync(uploadsFolder)).toEqual([]);
    await second.close();
    server = undefined;

    const third = await start({ dataDir });
    const got = await third.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'kept.bin' }));
    expect(got).toMatchObject({ ContentType: 'application/x-kept', ETag: multipartEtag(parts) });
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
    expect((await third.client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'kept.bin' }))).ContentLength).toBe(8 * MiB);
    expect((await third.client.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }))).Uploads ?? []).toEqual([]);
    expect(existsSync(join(uploadsFolder, uploadId))).toBe(false);
  });
});

describe('the lifecycle rule AbortIncompleteMultipartUpload', () => {
  it('names itself on CreateMultipartUpload and ListParts, then aborts the uploads under its prefix still open at its midnight, removing their parts', async () => {
    const dataDir = scratchFolder();
    const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    const DAY_MS = 24 * 3600 * 1000;
    const abortAt = Math.ceil((clock.now() + DAY_MS) / DAY_MS) * DAY_MS;
    /** Moves the kit's clock, and the client's with it: S3 refuses a request signed 15 minutes off its time. */
    const moveTo = (time: number) => {
      clock.advance(time - clock.now());
      client.config.systemClockOffset = clock.now() - Date.now();
    };
    const running = await startS3({ dataDir, clock, lifecycleSweepIntervalMs: 0 });
    server = running;
    running.s3.createBucket({ name: 'uploads', expiration: [{ id: 'abort-signin', prefix: 'signin/', abortIncompleteDays: 1 }] });
    const { client } = running;
    moveTo(clock.now());

    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'signin/big.bin' }));
    expect(created.AbortDate?.getTime()).toBe(abortAt);
    expect(created.AbortRuleId).toBe('abort-signin');
    const abandoned = created.UploadId!;
    await upload(client, 'signin/big.bin', abandoned, 1, Buffer.from('part'));
    const listed = await client.send(new ListPartsCommand({ Bucket: 'uploads', Key: 'signin/big.bin', UploadId: abandoned }));
    expect(listed).toMatchObject({ AbortRuleId: 'abort-signin' });
    expect(listed.AbortDate?.getTime()).toBe(abortAt);
    const elsewhere = await client.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'kept/big.bin' }));
    expect(elsewhere.AbortDate).toBeUndefined();
    const lifecycle = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'uploads' }));
    expect(lifecycle.Rules).toEqual([{ ID: 'abort-signin', Filter: { Prefix: 'signin/' }, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }]);

    // Still open a moment before its midnight: kept.
    moveTo(abortAt - 60_000);
    running.s3.expireObjects();
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }))).Uploads?.map((each) => each.Key)).toEqual(['kept/big.bin', 'signin/big.bin']);

    moveTo(abortAt);
    running.s3.expireObjects();
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }))).Uploads?.map((each) => each.Key)).toEqual(['kept/big.bin']);
    expect(await errorOf(upload(client, 'signin/big.bin', abandoned, 2, Buffer.from('late')))).toMatchObject({ name: 'NoSuchUpload' });
    expect(readdirSync(join(dataDir, 's3', 'uploads', 'uploads'))).toEqual([elsewhere.UploadId]);
  });
});

describe('multipart upload with a function’s key', () => {
  it('writes with s3:PutObject, and needs s3:AbortMultipartUpload to abort and s3:ListMultipartUploadParts to list parts', async () => {
    const keys = new SigningKeys(DEFAULT_LOCAL_CREDENTIALS);
    const accessControl = new AccessControl({ accountId: '000000000000', rootSecret: 'test' });
    const credentials = accessControl.credentialsFor('Stack-Uploader', {
      logicalId: 'UploaderRole', name: 'Stack-UploaderRole', arn: 'arn:aws:iam::000000000000:role/Stack-UploaderRole', managedPolicyArns: [],
      statements: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::uploads/enrol/*' }],
    })!;
    keys.add(credentials);
    const running = await start({ keys, accessControl });
    const uploader = running.clientWith(credentials);

    const uploadId = await create(uploader, 'enrol/a.bin');
    const etag = await upload(uploader, 'enrol/a.bin', uploadId, 1, Buffer.from('bytes'));
    expect(await errorOf(uploader.send(new ListPartsCommand({ Bucket: 'uploads', Key: 'enrol/a.bin', UploadId: uploadId }))))
      .toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('s3:ListMultipartUploadParts') });
    expect(await errorOf(uploader.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'enrol/a.bin', UploadId: uploadId }))))
      .toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('s3:AbortMultipartUpload') });
    expect(await errorOf(uploader.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }))))
      .toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('s3:ListBucketMultipartUploads') });
    expect(await errorOf(create(uploader, 'signin/a.bin'))).toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('s3:PutObject') });
    await complete(uploader, 'enrol/a.bin', uploadId, [{ PartNumber: 1, ETag: etag }]);
    const got = await running.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'enrol/a.bin' }));
    expect(await got.Body!.transformToString()).toBe('bytes');
  });
});
