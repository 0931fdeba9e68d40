import {
  type BucketLocationConstraint,
  GetBucketLocationCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Sha256 } from '@aws-crypto/sha256-js';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import { request as httpRequest } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerJsonServices } from '../../sim/aws-json-protocol.js';
import { MAX_OBJECT_BYTES } from '../../sim/s3/s3-service.js';
import { errorOf, exchangeRaw, startS3 } from './s3-test-server.js';
import type { RunningS3 } from './s3-test-server.js';

let server: RunningS3;

beforeEach(async () => {
  server = await startS3();
  server.s3.createBucket({ name: 'uploads' });
});
afterEach(async () => {
  await server.close();
});

describe('objects through @aws-sdk/client-s3', () => {
  it('stores an object and returns body, content type, user metadata, MD5 ETag and Last-Modified', async () => {
    const body = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01, 0x02]);
    const put = await server.client.send(
      new PutObjectCommand({ Bucket: 'uploads', Key: 'enrol/u1/a.jpg', Body: body, ContentType: 'image/jpeg', Metadata: { owner: 'u1' } }),
    );
    const md5 = createHash('md5').update(body).digest('hex');
    expect(put.ETag).toBe(`"${md5}"`);

    const got = await server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'enrol/u1/a.jpg' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    expect(got.ContentType).toBe('image/jpeg');
    expect(got.Metadata).toEqual({ owner: 'u1' });
    expect(got.ETag).toBe(`"${md5}"`);
    expect(got.ContentLength).toBe(6);
    expect(got.LastModified).toBeInstanceOf(Date);

    const head = await server.client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'enrol/u1/a.jpg' }));
    expect(head.ContentLength).toBe(6);
    expect(head.Metadata).toEqual({ owner: 'u1' });
  });

  it.each([
    ['a long key', `deep/${'k'.repeat(900)}`],
    ['a key starting with a slash', '/absolute/path'],
    ['a key with reserved characters', 'odd ?#%&=+;,@$:[]{}"\'<>|^`~!.txt'],
    ['a key with a trailing slash', 'folder/'],
  ])('round-trips %s', async (_case, key) => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: key }));
    const got = await server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: key }));
    expect(await got.Body!.transformToString()).toBe(key);
    const listed = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads' }));
    expect(listed.Contents?.map((entry) => entry.Key)).toEqual([key]);
    await server.client.send(new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: [{ Key: key }] } }));
    expect((await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads' }))).KeyCount).toBe(0);
  });

  it('refuses a key over 1024 bytes of UTF-8 with KeyTooLongError, storing nothing', async () => {
    const atLimit = `k/${'é'.repeat(511)}`; // 2 + 1022 = 1024 bytes
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: atLimit, Body: 'x' }));
    const tooLong = `${atLimit}k`;
    for (const call of [
      () => server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: tooLong, Body: 'x' })),
      () => server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: tooLong })),
      () => server.client.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: tooLong })),
    ]) {
      const error = await errorOf(call());
      expect(error.name).toBe('KeyTooLongError');
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
    const head = await errorOf(server.client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: tooLong })));
    expect(head.$metadata.httpStatusCode).toBe(400);
    const listed = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads' }));
    expect(listed.Contents?.map((entry) => entry.Key)).toEqual([atLimit]);
  });

  it('refuses user metadata over 2 KB of keys and values with MetadataTooLarge, storing nothing', async () => {
    const atLimit = { owner: 'v'.repeat(2042) }; // 5 + 2042 = 2047 bytes (SDKs send metadata in ASCII)
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'meta/at-limit', Body: 'x', Metadata: { ...atLimit, a: '' } }));
    expect((await server.client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'meta/at-limit' }))).Metadata).toEqual({ ...atLimit, a: '' });

    const error = await errorOf(server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'meta/over', Body: 'x', Metadata: { ...atLimit, ab: '' } })));
    expect(error.name).toBe('MetadataTooLarge');
    expect(error.message).toBe('Your metadata headers exceed the maximum allowed metadata size.');
    expect(error.$metadata.httpStatusCode).toBe(400);
    const listed = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'meta/' }));
    expect(listed.Contents?.map((entry) => entry.Key)).toEqual(['meta/at-limit']);
  });

  it('refuses a storage class S3 does not have with InvalidStorageClass, and accepts the real ones', async () => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'class/ia', Body: 'x', StorageClass: 'STANDARD_IA' }));
    const error = await errorOf(server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'class/bogus', Body: 'x', StorageClass: 'BOGUS' as never })));
    expect(error.name).toBe('InvalidStorageClass');
    expect(error.message).toBe('The storage class you specified is not valid');
    expect(error.$metadata.httpStatusCode).toBe(400);
    const listed = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'class/' }));
    expect(listed.Contents?.map((entry) => entry.Key)).toEqual(['class/ia']);
  });

  it('refuses an ACL or a grant with AccessControlListNotSupported, as a bucket with ACLs disabled does, and takes bucket-owner-full-control', async () => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'acl/owner', Body: 'x', ACL: 'bucket-owner-full-control' }));
    for (const refused of [{ ACL: 'public-read' as const }, { GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' }]) {
      const error = await errorOf(server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'acl/public', Body: 'x', ...refused })));
      expect(error.name).toBe('AccessControlListNotSupported');
      expect(error.message).toBe('The bucket does not allow ACLs');
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
    const listed = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'acl/' }));
    expect(listed.Contents?.map((entry) => entry.Key)).toEqual(['acl/owner']);
  });

  it('refuses a request whose ExpectedBucketOwner is another account with 403 AccessDenied, and serves the owner', async () => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'owned', Body: 'x', ExpectedBucketOwner: '000000000000' }));
    const error = await errorOf(server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'owned', ExpectedBucketOwner: '111122223333' })));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    const listed = await errorOf(server.client.send(new ListObjectsV2Command({ Bucket: 'uploads', ExpectedBucketOwner: '111122223333' })));
    expect(listed.name).toBe('AccessDenied');
  });

  it('names each key\'s Owner in ListObjects, and in ListObjectsV2 with FetchOwner only', async () => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'owner/a', Body: 'x' }));
    const { Buckets, Owner } = await server.client.send(new ListBucketsCommand({}));
    expect(Buckets).toHaveLength(1);
    const v1 = await server.client.send(new ListObjectsCommand({ Bucket: 'uploads', Prefix: 'owner/' }));
    expect(v1.Contents?.[0]?.Owner).toEqual({ ID: Owner!.ID });
    const fetched = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'owner/', FetchOwner: true }));
    expect(fetched.Contents?.[0]?.Owner).toEqual({ ID: Owner!.ID });
    const plain = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'owner/' }));
    expect(plain.Contents?.[0]?.Owner).toBeUndefined();
  });

  it('accepts a JSON body as opaque bytes', async () => {
    await server.client.send(
      new PutObjectCommand({ Bucket: 'uploads', Key: 'doc.json', Body: '{"not":"parsed"', ContentType: 'application/json' }),
    );
    const got = await server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'doc.json' }));
    expect(await got.Body!.transformToString()).toBe('{"not":"parsed"');
    expect(got.ContentType).toBe('application/json');
  });

  it('decodes an aws-chunked streaming upload with a trailing CRC32 checksum', async () => {
    const content = Buffer.alloc(200_000, 'face-bytes');
    const sent: Record<string, string> = {};
    server.client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        Object.assign(sent, request.headers);
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await server.client.send(
      new PutObjectCommand({ Bucket: 'uploads', Key: 'stream.bin', Body: Readable.from([content.subarray(0, 70_000), content.subarray(70_000)]), ContentLength: content.length }),
    );
    expect(sent['content-encoding']).toContain('aws-chunked');
    expect(sent['x-amz-content-sha256']).toMatch(/^STREAMING-/);

    const got = await server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'stream.bin', ChecksumMode: 'ENABLED' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.equals(content)).toBe(true);
    expect(got.ChecksumCRC32).toBeDefined();
    expect(got.ContentEncoding).toBeUndefined();
  });

  it('rejects a body whose CRC32 does not match the header with BadDigest', async () => {
    const error = await errorOf(
      server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'bad.bin', Body: 'abc', ChecksumCRC32: 'AAAAAA==' })),
    );
    expect(error.name).toBe('BadDigest');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('honours conditional writes: If-None-Match * and If-Match', async () => {
    const first = await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'once', Body: 'v1', IfNoneMatch: '*' }));
    const again = await errorOf(server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'once', Body: 'v2', IfNoneMatch: '*' })));
    expect(again.name).toBe('PreconditionFailed');
    expect(again.$metadata.httpStatusCode).toBe(412);
    const stale = await errorOf(server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'once', Body: 'v2', IfMatch: '"0000"' })));
    expect(stale.name).toBe('PreconditionFailed');
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'once', Body: 'v2', IfMatch: first.ETag }));
    const got = await server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'once' }));
    expect(await got.Body!.transformToString()).toBe('v2');
  });

  it('answers a missing key with NoSuchKey in S3 XML, and HeadObject with a bodiless 404', async () => {
    const error = await errorOf(server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'missing/key' })));
    expect(error).toBeInstanceOf(NoSuchKey);
    expect(error.message).toBe('The specified key does not exist.');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);

    const head = await errorOf(server.client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'missing/key' })));
    expect(head.name).toBe('NotFound');
    expect(head.$metadata.httpStatusCode).toBe(404);
  });

  it('sets the response-* overrides as headers, and refuses one no header can carry with 400 InvalidArgument, not a 500 the SDK retries', async () => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'report', Body: 'numbers' }));
    const got = await server.client.send(new GetObjectCommand({
      Bucket: 'uploads', Key: 'report', ResponseContentDisposition: 'attachment; filename="caf\u00e9.txt"', ResponseContentType: 'text/csv',
    }));
    expect([got.ContentDisposition, got.ContentType, await got.Body!.transformToString()]).toEqual(['attachment; filename="caf\u00e9.txt"', 'text/csv', 'numbers']);

    for (const [member, value, parameter] of [
      ['ResponseContentDisposition', 'attachment; filename="\u20acuro.txt"', 'response-content-disposition'],
      ['ResponseContentType', 'text/plain; name=\u20ac', 'response-content-type'],
      ['ResponseCacheControl', 'no-cache\r\nX-Injected: 1', 'response-cache-control'],
    ] as const) {
      const error = await errorOf(server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'report', [member]: value })));
      expect([error.name, error.message, error.$metadata.httpStatusCode, error.$metadata.attempts], member).toEqual([
        'InvalidArgument', 'Header value cannot be represented using ISO-8859-1.', 400, 1,
      ]);
      expect((error as unknown as { ArgumentName?: string }).ArgumentName).toBe(parameter);
      const url = await getSignedUrl(server.client, new HeadObjectCommand({ Bucket: 'uploads', Key: 'report', [member]: value }));
      expect((await fetch(url, { method: 'HEAD' })).status).toBe(400);
    }
  });

  it('returns a byte range with 206 and Content-Range', async () => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'digits', Body: '0123456789' }));
    const got = await server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'digits', Range: 'bytes=2-5' }));
    expect(await got.Body!.transformToString()).toBe('2345');
    expect(got.ContentRange).toBe('bytes 2-5/10');
    expect(got.$metadata.httpStatusCode).toBe(206);
    const error = await errorOf(server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'digits', Range: 'bytes=20-' })));
    expect(error.name).toBe('InvalidRange');
  });

  it('lists with prefix, delimiter, max-keys and continuation tokens in key order', async () => {
    const keys = ['a/1', 'a/2', 'b/x/1', 'b/x/2', 'b/y', 'c', 'd'];
    for (const key of keys.slice().reverse()) {
      await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: key }));
    }
    const page1 = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads', Delimiter: '/', MaxKeys: 2 }));
    expect(page1.CommonPrefixes?.map((entry) => entry.Prefix)).toEqual(['a/', 'b/']);
    expect(page1.Contents).toBeUndefined();
    expect(page1.IsTruncated).toBe(true);
    expect(page1.KeyCount).toBe(2);
    const page2 = await server.client.send(
      new ListObjectsV2Command({ Bucket: 'uploads', Delimiter: '/', MaxKeys: 2, ContinuationToken: page1.NextContinuationToken }),
    );
    expect(page2.Contents?.map((entry) => entry.Key)).toEqual(['c', 'd']);
    expect(page2.IsTruncated).toBe(false);

    const underB = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'b/', Delimiter: '/' }));
    expect(underB.CommonPrefixes?.map((entry) => entry.Prefix)).toEqual(['b/x/']);
    expect(underB.Contents?.map((entry) => entry.Key)).toEqual(['b/y']);
    expect(underB.Contents?.[0]?.Size).toBe(3);

    const afterB = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads', StartAfter: 'b/x/2' }));
    expect(afterB.Contents?.map((entry) => entry.Key)).toEqual(['b/y', 'c', 'd']);
  });

  it('deletes one object and many objects', async () => {
    for (const key of ['x', 'y', 'z']) await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: key }));
    await server.client.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'x' }));
    const result = await server.client.send(
      new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: [{ Key: 'y' }, { Key: 'never-was' }] } }),
    );
    expect(result.Deleted?.map((entry) => entry.Key)).toEqual(['y', 'never-was']);
    const listed = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads' }));
    expect(listed.Contents?.map((entry) => entry.Key)).toEqual(['z']);
  });

  it('creates and lists buckets, and answers an unknown bucket with NoSuchBucket', async () => {
    await server.client.send(new CreateBucketCommand({ Bucket: 'second-bucket' }));
    const buckets = await server.client.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((bucket) => bucket.Name)).toEqual(['second-bucket', 'uploads']);
    await server.client.send(new HeadBucketCommand({ Bucket: 'second-bucket' }));
    const error = await errorOf(server.client.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })));
    expect(error.name).toBe('NoSuchBucket');
    const invalid = await errorOf(server.client.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })));
    expect(invalid.name).toBe('InvalidBucketName');
  });

  it('creates a bucket only in its own region: none named in us-east-1, its own name elsewhere, as S3 answers', async () => {
    const inEurope = (constraint: string) => ({ Bucket: `located-${constraint}`, CreateBucketConfiguration: { LocationConstraint: constraint as BucketLocationConstraint } });
    expect(await errorOf(server.client.send(new CreateBucketCommand(inEurope('eu-west-1'))))).toMatchObject({
      name: 'IllegalLocationConstraintException', message: 'The eu-west-1 location constraint is incompatible for the region specific endpoint this request was sent to.',
    });
    expect(await errorOf(server.client.send(new CreateBucketCommand(inEurope('us-east-1'))))).toMatchObject({
      name: 'InvalidLocationConstraint', message: 'The specified location-constraint is not valid',
    });

    const europe = await startS3({ region: 'eu-west-1' });
    try {
      // Signed for us-east-1, which names no constraint (the SDK names its own region's for any other).
      const fromVirginia = new S3Client({ region: 'us-east-1', endpoint: europe.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      expect(await errorOf(fromVirginia.send(new CreateBucketCommand({ Bucket: 'unplaced' })))).toMatchObject({
        name: 'IllegalLocationConstraintException', message: 'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
      });
      await europe.client.send(new CreateBucketCommand(inEurope('eu-west-1')));
      expect((await europe.client.send(new GetBucketLocationCommand({ Bucket: 'located-eu-west-1' }))).LocationConstraint).toBe('eu-west-1');
    } finally {
      await europe.close();
    }
    const buckets = (await server.client.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => bucket.Name);
    expect(buckets).not.toContain('located-eu-west-1');
    expect(buckets).not.toContain('located-us-east-1');
  });

  it("answers a request for a bucket signed for another region with S3's wrong-region errors naming the bucket's, but its location from any", async () => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'regional.txt', Body: 'here' }));
    const fromIreland = new S3Client({ region: 'eu-west-1', endpoint: server.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const rawError = async (response: Response) => ({ status: response.status, body: (await response.text()).replaceAll('&apos;', "'") });

    expect(await errorOf(fromIreland.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'regional.txt' })))).toMatchObject({
      name: 'AuthorizationHeaderMalformed',
      message: "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'",
      Region: 'us-east-1',
    });
    const presigned = await getSignedUrl(fromIreland, new GetObjectCommand({ Bucket: 'uploads', Key: 'regional.txt' }), { expiresIn: 60 });
    const refused = await rawError(await fetch(presigned));
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('<Code>AuthorizationQueryParametersError</Code>');
    expect(refused.body).toContain("<Message>Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'</Message>");
    expect(refused.body).toContain('<Region>us-east-1</Region>');
    expect((await fromIreland.send(new GetBucketLocationCommand({ Bucket: 'uploads' }))).LocationConstraint).toBeUndefined();
    expect(await (await server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'regional.txt' }))).Body?.transformToString()).toBe('here');
    fromIreland.destroy();
  });

  it('refuses a CreateBucket body that is no CreateBucketConfiguration as MalformedXML, creating nothing', async () => {
    for (const [bucket, body] of [['not-xml', 'eu-west-1'], ['bad-entity', '<CreateBucketConfiguration><LocationConstraint>&bogus;</LocationConstraint></CreateBucketConfiguration>']]) {
      const signed = await new SignatureV4({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false }).sign({
        method: 'PUT',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: Number(new URL(server.endpoint).port),
        path: `/${bucket}`,
        headers: { host: new URL(server.endpoint).host, 'x-amz-content-sha256': createHash('sha256').update(body!).digest('hex') },
        body,
      });
      const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
      const response = await fetch(`${server.endpoint}/${bucket}`, { method: 'PUT', headers, body });

      expect(response.status, bucket).toBe(400);
      expect(await response.text()).toContain('<Code>MalformedXML</Code>');
    }
    const buckets = (await server.client.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => bucket.Name);
    expect(buckets).toEqual(['uploads']);
  });
});

describe('what the kit does not emulate', () => {
  it('answers 501 NotImplemented naming the subresource', async () => {
    const acl = await errorOf(server.client.send(new GetBucketAclCommand({ Bucket: 'uploads' })));
    expect(acl).toMatchObject({ name: 'NotImplemented', message: 'GET ?acl (bucket subresource) is not emulated (docs/s3.md lists what is)' });
    expect(acl.$metadata.httpStatusCode).toBe(501);
  });

  it('refuses a form upload without a policy and signature as S3 refuses an anonymous write to a bucket that is not public', async () => {
    const form = new FormData();
    form.set('key', 'uploaded');
    form.set('file', new Blob(['x']));
    const post = await fetch(`${server.endpoint}/uploads`, { method: 'POST', body: form });
    expect(post.status).toBe(403);
    expect(await post.text()).toContain('<Code>AccessDenied</Code><Message>Access Denied</Message>');
  });
});

describe('large bodies', () => {
  it('stores a 20 MB object sent by the SDK (Expect: 100-continue) intact', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    const put = await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'big.bin', Body: big, ContentType: 'application/octet-stream' }));
    expect(put.ETag).toBe(`"${createHash('md5').update(big).digest('hex')}"`);
    const head = await server.client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'big.bin' }));
    expect(head.ContentLength).toBe(big.length);
  });

  it('refuses a body over the limit with EntityTooLarge', async () => {
    const tooBig = Buffer.alloc(MAX_OBJECT_BYTES + 1);
    const error = await errorOf(server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'huge.bin', Body: tooBig })));
    expect(error.name).toBe('EntityTooLarge');
  });
});

describe('virtual-hosted style', () => {
  it('serves <bucket>.localhost hosts, as the SDK addresses a localhost endpoint without forcePathStyle', async () => {
    const port = new URL(server.endpoint).port;
    const localhostClient = new S3Client({
      region: 'us-east-1',
      endpoint: `http://localhost:${port}`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const url = new URL(await getSignedUrl(localhostClient, new PutObjectCommand({ Bucket: 'uploads', Key: 'vh/key.txt' }), { expiresIn: 60 }));
    localhostClient.destroy();
    expect(url.host).toBe(`uploads.localhost:${port}`);
    // Node does not resolve *.localhost (browsers do), so connect to the loopback address with that Host.
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        { host: '127.0.0.1', port, method: 'PUT', path: url.pathname + url.search, headers: { host: url.host, 'content-length': 5 } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.end('hello');
    });
    expect(status).toBe(200);
    const got = await server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'vh/key.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello');
  });
});

describe('sharing the server with other emulators', () => {
  it('leaves POST / and more specific routes to them, and answers pool-id-like paths with NoSuchBucket', async () => {
    const shared = await startS3({}, (app) => {
      registerJsonServices(app, [
        { targetPrefix: 'Echo', operations: { Echo: async (input) => ({ echoed: input }) }, errorBody: (error) => ({ __type: error.code }) },
      ]);
      app.get('/_sim/emails', async () => ({ emails: [] }));
      app.get('/:userPoolId/.well-known/jwks.json', async () => ({ keys: [] }));
    });
    try {
      const root = await fetch(`${shared.endpoint}/`, {
        method: 'POST',
        body: '{"a":1}',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Echo.Echo' },
      });
      expect(await root.json()).toEqual({ echoed: { a: 1 } });
      expect(await (await fetch(`${shared.endpoint}/_sim/emails`)).json()).toEqual({ emails: [] });
      expect(await (await fetch(`${shared.endpoint}/us-east-1_AbC123xyz/.well-known/jwks.json`)).json()).toEqual({ keys: [] });

      const other = await fetch(`${shared.endpoint}/us-east-1_AbC123xyz/.well-known/openid-configuration`);
      expect(other.status).toBe(404);
      expect(await other.text()).toContain('<Code>NoSuchBucket</Code>');
      const upper = await fetch(`${shared.endpoint}/UpperCase/key`, { method: 'PUT', body: 'x' });
      expect(upper.status).toBe(404);
      expect(await upper.text()).toContain('<Code>NoSuchBucket</Code>');
    } finally {
      await shared.close();
    }
  });
});

describe('paths Fastify itself would refuse', () => {
  it('answers a path that does not percent-decode with S3 XML InvalidURI, not a Fastify JSON error', async () => {
    for (const path of ['/uploads/%ff%fe', '/uploads/a%zz', '/uploads/%E0%A4%A', '/%ff/key']) {
      for (const method of ['GET', 'PUT', 'DELETE', 'POST']) {
        const response = await fetch(`${server.endpoint}${path}`, { method, body: method === 'PUT' || method === 'POST' ? 'x' : undefined });
        expect(response.status, `${method} ${path}`).toBe(400);
        expect(response.headers.get('content-type')).toBe('application/xml');
        expect(response.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);
        const text = await response.text();
        expect(text, `${method} ${path}`).toContain('<Code>InvalidURI</Code>');
        expect(text).toContain(`<URI>${path}</URI>`);
      }
    }
    const head = await fetch(`${server.endpoint}/uploads/%ff`, { method: 'HEAD' });
    expect(head.status).toBe(400);
    expect(await head.text()).toBe('');
  });

  it('routes a bucket name longer than 100 characters to S3, which answers NoSuchBucket', async () => {
    const long = 'b'.repeat(200);
    const response = await fetch(`${server.endpoint}/${long}?delete`, { method: 'POST', body: '<Delete/>' });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('<Code>NoSuchBucket</Code>');
  });
});

describe('methods no S3 operation uses', () => {
  it('answers PATCH, TRACE and WebDAV’s methods with 405 MethodNotAllowed in XML, naming the resource type', async () => {
    const cases: Array<[string, string, string]> = [
      ['PATCH', '/uploads/key', 'OBJECT'],
      ['PATCH', '/uploads', 'BUCKET'],
      ['PATCH', '/', 'SERVICE'],
      ['TRACE', '/uploads/key', 'OBJECT'],
      ['TRACE', '/uploads', 'BUCKET'],
      // Fastify's JSON 404 until the fuzz audit.
      ['PROPFIND', '/uploads/key', 'OBJECT'],
      ['MKCOL', '/uploads', 'BUCKET'],
      ['COPY', '/uploads/key', 'OBJECT'],
    ];
    for (const [method, path, resourceType] of cases) {
      // fetch refuses TRACE, so these go through node:http.
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(`${server.endpoint}${path}`, { method }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        });
        request.on('error', reject);
        request.end();
      });
      expect(status, `${method} ${path}`).toBe(405);
      expect(body).toContain('<Code>MethodNotAllowed</Code>');
      expect(body).toContain(`<Method>${method}</Method><ResourceType>${resourceType}</ResourceType>`);
    }
  });
});

describe('persistence', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 's3-sim-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps buckets, objects and metadata across a restart on the same data folder', async () => {
    const first = await startS3({ dataDir });
    first.s3.createBucket({ name: 'kept', cors: [{ AllowedMethods: ['PUT'], AllowedOrigins: ['*'] }] });
    await first.client.send(
      new PutObjectCommand({ Bucket: 'kept', Key: 'dir/ünï code.txt', Body: 'persisted', ContentType: 'text/plain', Metadata: { a: 'b' } }),
    );
    await first.close();

    const second = await startS3({ dataDir });
    try {
      const got = await second.client.send(new GetObjectCommand({ Bucket: 'kept', Key: 'dir/ünï code.txt' }));
      expect(await got.Body!.transformToString()).toBe('persisted');
      expect(got.ContentType).toBe('text/plain');
      expect(got.Metadata).toEqual({ a: 'b' });
      const listed = await second.client.send(new ListObjectsV2Command({ Bucket: 'kept' }));
      expect(listed.Contents?.map((entry) => entry.Key)).toEqual(['dir/ünï code.txt']);
      const preflight = await fetch(`${second.endpoint}/kept/x`, {
        method: 'OPTIONS',
        headers: { origin: 'http://app.test', 'access-control-request-method': 'PUT' },
      });
      expect(preflight.status).toBe(200);
    } finally {
      await second.close();
    }
  });
});

describe('aws-chunked uploads whose trailer S3 does not take', () => {
  /** PUTs `content` aws-chunked, with `x-amz-trailer` (if any) and the trailer lines given, signed by the SDK's signer. */
  async function putChunked(key: string, content: string, trailerHeader: string | undefined, trailerLines: string[]) {
    const body = Buffer.from(`${Buffer.byteLength(content).toString(16)}\r\n${content}\r\n0\r\n${trailerLines.map((line) => `${line}\r\n`).join('')}\r\n`);
    const signed = await new SignatureV4({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false }).sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: Number(new URL(server.endpoint).port),
      path: `/uploads/${key}`,
      headers: {
        host: new URL(server.endpoint).host,
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'x-amz-decoded-content-length': String(Buffer.byteLength(content)),
        ...(trailerHeader === undefined ? {} : { 'x-amz-trailer': trailerHeader }),
      },
      body,
    });
    const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
    const response = await fetch(`${server.endpoint}/uploads/${key}`, { method: 'PUT', headers, body });
    return { status: response.status, text: await response.text() };
  }
  const stored = (key: string) => server.client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: key })).then(() => true, () => false);
  // crc32 of "hello".
  const crc32OfHello = 'NhCmhg==';

  it.each([
    ['a checksum S3 does not have', 'x-amz-checksum-md4', 'x-amz-checksum-md4:AAAA'],
    ['a header that is not a checksum', 'x-amz-meta-owner', 'x-amz-meta-owner:mallory'],
    ['two checksums', 'x-amz-checksum-crc32,x-amz-checksum-sha256', `x-amz-checksum-crc32:${crc32OfHello}`],
  ])('refuses an x-amz-trailer naming %s with 400 InvalidRequest, and stores nothing', async (_case, trailerHeader, line) => {
    const { status, text } = await putChunked('refused', 'hello', trailerHeader, [line]);

    expect(status).toBe(400);
    expect(text).toContain('<Code>InvalidRequest</Code><Message>The value specified in the x-amz-trailer header is not supported</Message>');
    expect(await stored('refused')).toBe(false);
  });

  it.each([
    ['a trailer other than the declared one', 'x-amz-checksum-sha256', [`x-amz-checksum-crc32:${crc32OfHello}`]],
    ['no trailer where one was declared', 'x-amz-checksum-crc32', []],
    ['a trailer nobody declared', undefined, [`x-amz-checksum-crc32:${crc32OfHello}`]],
  ])('refuses %s with 400 MalformedTrailerError', async (_case, trailerHeader, lines) => {
    const { status, text } = await putChunked('malformed', 'hello', trailerHeader, lines);

    expect(status).toBe(400);
    expect(text).toContain('<Code>MalformedTrailerError</Code>');
    expect(await stored('malformed')).toBe(false);
  });

  it('stores the upload when the trailer is the declared checksum, in any case, or when there is none', async () => {
    expect((await putChunked('declared', 'hello', 'X-Amz-Checksum-CRC32', [`x-amz-checksum-crc32:${crc32OfHello}`])).status).toBe(200);
    expect((await putChunked('none', 'hello', undefined, [])).status).toBe(200);
    const got = await server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'declared', ChecksumMode: 'ENABLED' }));
    expect([await got.Body!.transformToString(), got.ChecksumCRC32]).toEqual(['hello', crc32OfHello]);
  });
});

describe('a PUT with neither Content-Length nor chunks', () => {
  it('is 411 MissingContentLength, and stores nothing', async () => {
    const url = new URL(await getSignedUrl(server.client, new PutObjectCommand({ Bucket: 'uploads', Key: 'no-length' }), { expiresIn: 60 }));

    const answer = await exchangeRaw(server.endpoint, `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);

    expect(answer).toMatch(/^HTTP\/1\.1 411 [\s\S]*<Code>MissingContentLength<\/Code>/);
    expect((await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads' }))).Contents).toBeUndefined();
  });
});

describe('server-side encryption asked for', () => {
  it('answers a KMS write with what it asked for, on the write and on HeadObject, SSE-S3 by default, and refuses an unknown method', async () => {
    const put = await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'sse/kms', Body: 'a', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/photos' }));
    const head = await server.client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'sse/kms' }));
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'sse/plain', Body: 'b' }));
    const plain = await server.client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'sse/plain' }));

    expect([put.ServerSideEncryption, put.SSEKMSKeyId]).toEqual(['aws:kms', 'alias/photos']);
    expect([head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual(['aws:kms', 'alias/photos']);
    expect([plain.ServerSideEncryption, plain.SSEKMSKeyId]).toEqual(['AES256', undefined]);
    const bogus = await errorOf(server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'sse/bogus', Body: 'c', ServerSideEncryption: 'bogus' as never })));
    expect([bogus.name, bogus.message]).toEqual(['InvalidArgument', 'The encryption method specified is not supported']);
  });
});

describe('checksums in listings', () => {
  it('names the checksum an object was stored with, as HeadObject gives it, in ListObjectsV2', async () => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'sums/crc', Body: 'a', ChecksumAlgorithm: 'SHA256' }));
    const head = await server.client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'sums/crc', ChecksumMode: 'ENABLED' }));
    const listed = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'sums/' }));

    expect(head.ChecksumSHA256).toBeDefined();
    expect(listed.Contents?.map((entry) => [entry.ChecksumAlgorithm, entry.ChecksumType])).toEqual([[['SHA256'], 'FULL_OBJECT']]);
  });
});

describe('times in listings', () => {
  it('gives an object the same LastModified in a listing, a copy result and HeadObject: whole seconds, as S3 keeps them', async () => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'times/a', Body: 'a' }));
    const copied = await server.client.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'times/b', CopySource: 'uploads/times/a' }));
    const head = await server.client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'times/b' }));
    const listed = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'times/b' }));

    expect(listed.Contents?.[0]?.LastModified?.getTime()).toBe(head.LastModified?.getTime());
    expect(copied.CopyObjectResult?.LastModified?.getTime()).toBe(head.LastModified?.getTime());
  });
});

describe('conditional deletes (If-Match; an ETag in DeleteObjects)', () => {
  it('deletes only when the ETag, or *, holds: 412 PreconditionFailed for another, 404 NoSuchKey for no object', async () => {
    const put = async (key: string) => (await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: key }))).ETag!;
    const etag = await put('cond/one');
    await put('cond/star');

    const stale = await errorOf(server.client.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'cond/one', IfMatch: '"0123456789abcdef0123456789abcdef"' })));
    expect([stale.name, stale.$metadata.httpStatusCode]).toEqual(['PreconditionFailed', 412]);
    expect((await errorOf(server.client.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'cond/none', IfMatch: '*' })))).name).toBe('NoSuchKey');
    await server.client.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'cond/one', IfMatch: etag.replace(/"/g, '') }));
    await server.client.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'cond/star', IfMatch: '*' }));
    expect((await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'cond/' }))).Contents).toBeUndefined();
  });

  it('keeps an object of DeleteObjects whose ETag does not hold, as an Error entry, and deletes the others', async () => {
    const kept = (await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cond/kept', Body: 'a' }))).ETag!;
    const gone = (await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cond/gone', Body: 'b' }))).ETag!;

    const result = await server.client.send(new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: [{ Key: 'cond/kept', ETag: gone }, { Key: 'cond/gone', ETag: gone }] } }));

    expect(result.Deleted?.map((entry) => entry.Key)).toEqual(['cond/gone']);
    expect(result.Errors).toEqual([expect.objectContaining({ Key: 'cond/kept', Code: 'PreconditionFailed' })]);
    const left = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: 'cond/' }));
    expect(left.Contents?.map((entry) => [entry.Key, entry.ETag])).toEqual([['cond/kept', kept]]);
  });
});

describe('DeleteObjects bodies that are not well-formed XML', () => {
  /** POSTs `xml` to ?delete with its Content-MD5, signed by the SDK's own signer. */
  async function deleteWithBody(xml: string | Buffer) {
    const body = Buffer.from(xml);
    const signed = await new SignatureV4({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false }).sign({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: Number(new URL(server.endpoint).port),
      path: '/uploads',
      query: { delete: '' },
      headers: { host: new URL(server.endpoint).host, 'content-md5': createHash('md5').update(body).digest('base64'), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      body,
    });
    const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
    const response = await fetch(`${server.endpoint}/uploads?delete`, { method: 'POST', headers, body });
    return { status: response.status, text: await response.text() };
  }

  /** Sends `xml` to DeleteObjects, and expects MalformedXML with exactly `kept` left in the bucket. */
  async function expectRefusedKeeping(xml: string | Buffer, kept: string[]) {
    const { status, text } = await deleteWithBody(xml);
    expect(status).toBe(400);
    expect(text).toContain('<Code>MalformedXML</Code>');
    const listed = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads' }));
    expect(listed.Contents?.map((entry) => entry.Key)).toEqual(kept);
  }

  it.each([
    ['a character reference past U+10FFFF', '&#x110000;'],
    ['a decimal character reference past U+10FFFF', '&#99999999999;'],
    ['a reference to NUL', '&#0;'],
    ['a reference to a lone surrogate', '&#xD800;'],
    ['an entity only a DTD declares', '&ext;'],
    ['a bare ampersand', 'a&b'],
  ])('answers a key with %s MalformedXML and deletes nothing', async (_case, keyText) => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'kept', Body: 'x' }));
    await expectRefusedKeeping(
      `<?xml version="1.0"?><!DOCTYPE Delete [<!ENTITY ext SYSTEM "file:///etc/passwd">]><Delete><Object><Key>kept</Key></Object><Object><Key>${keyText}</Key></Object></Delete>`,
      ['kept'],
    );
  });

  it.each([
    ['a raw control character (as botocore writes one)', 'sp/\u0001ctl'],
    ['a raw U+FFFF', 'sp/\uffffx'],
  ])('answers a key with %s MalformedXML and deletes nothing', async (_case, key) => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: 'x' }));
    await expectRefusedKeeping(`<Delete><Object><Key>${key}</Key></Object></Delete>`, [key]);
  });

  it('answers a body that is no UTF-8 MalformedXML, rather than delete the key its bytes would read as', async () => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'a\ufffdb', Body: 'x' }));
    await expectRefusedKeeping(Buffer.concat([Buffer.from('<Delete><Object><Key>a'), Buffer.from([0xff]), Buffer.from('b</Key></Object></Delete>')]), ['a\ufffdb']);
  });

  it("refuses the SDK's DeleteObjects of a key with a control character, which a DeleteObject still removes", async () => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'sp/\u0001ctl', Body: 'x' }));
    const refused = await errorOf(server.client.send(new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: [{ Key: 'sp/\u0001ctl' }] } })));
    expect(refused.name).toBe('MalformedXML');
    await server.client.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'sp/\u0001ctl' }));
    const listed = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads' }));
    expect(listed.Contents).toBeUndefined();
  });

  it.each([
    ['a root never closed', '<Delete><Object><Key>kept</Key></Object>'],
    ['markup after the root', '<Delete><Object><Key>kept</Key></Object></Delete><junk/>'],
    ['two keys in one Object', '<Delete><Object><Key>kept</Key><Key>other</Key></Object></Delete>'],
    ['an element inside a Key', '<Delete><Object><Key>kept<b/></Key></Object></Delete>'],
  ])('answers a body with %s MalformedXML and deletes nothing (fuzz audit: it deleted)', async (_case, xml) => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'kept', Body: 'x' }));
    await expectRefusedKeeping(xml, ['kept']);
  });

  it('reads a key in a CDATA section as the text it holds', async () => {
    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'a<b>', Body: 'x' }));
    const { status, text } = await deleteWithBody('<Delete><Object><Key><![CDATA[a<b>]]></Key></Object></Delete>');
    expect([status, text]).toEqual([200, expect.stringContaining('<Deleted><Key>a&lt;b&gt;</Key></Deleted>')]);
    const listed = await server.client.send(new ListObjectsV2Command({ Bucket: 'uploads' }));
    expect(listed.Contents).toBeUndefined();
  });

  it('still reads the predefined entities and character references S3 clients write', async () => {
    const { status, text } = await deleteWithBody('<Delete><Object><Key>a&amp;b&#x1F600;&#233;&lt;</Key></Object></Delete>');
    expect(status).toBe(200);
    expect(text).toContain('<Key>a&amp;b\u{1F600}é&lt;</Key>');
  });
});

describe('onObjectStored (the embedded Rekognition looks ahead at stored pictures)', () => {
  it('is told the body of each object a PUT stored, and of nothing a PUT was refused', async () => {
    const bodies: string[] = [];
    const own = await startS3({ onObjectStored: (body) => bodies.push(Buffer.from(body).toString()) });
    try {
      own.s3.createBucket({ name: 'uploads' });
      await own.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'a', Body: 'first body' }));
      const refused = await errorOf(own.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'b', Body: 'refused body', StorageClass: 'NO_SUCH_CLASS' as never })));
      expect(refused.name).toBe('InvalidStorageClass');
      const stranger = own.clientWith({ accessKeyId: 'test', secretAccessKey: 'wrong' });
      await errorOf(stranger.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'c', Body: 'unsigned body' })));
      await own.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'a', Body: 'second body' }));
      expect(bodies).toEqual(['first body', 'second body']);
    } finally {
      await own.close();
    }
  });
});
