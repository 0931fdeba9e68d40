import { GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../sim/clock.js';
import { SigningKeys } from '../../sim/request-signature.js';
import { answerBeforeBody } from '../raw-http.js';
import { startS3 } from './s3-test-server.js';
import type { RunningS3 } from './s3-test-server.js';

let server: RunningS3;
/** A role session's key, as the embedded cloud issues each function: good only with its token. */
const TEMPORARY = { accessKeyId: 'ASIAEXAMPLEROLESESSION', secretAccessKey: 'role-session-secret', sessionToken: 'FwoGZXIvYXdzEexample-session-token' };
let clock: ManualClock;

beforeEach(async () => {
  // The SDK signs with the real time, so the emulator's clock starts there and is moved by hand.
  clock = new ManualClock(Date.now());
  const keys = new SigningKeys({ accessKeyId: 'test', secretAccessKey: 'test' });
  keys.add({ accessKeyId: 'uploader', secretAccessKey: 'uploader-secret' });
  keys.add(TEMPORARY);
  server = await startS3({ clock, keys });
  server.s3.createBucket({ name: 'uploads' });
});
afterEach(async () => {
  await server.close();
});

const KEY = 'signin/user-1/photo 1é.jpg';

async function presignedPut(expiresIn = 60, key = KEY): Promise<string> {
  return getSignedUrl(server.client, new PutObjectCommand({ Bucket: 'uploads', Key: key, ContentType: 'image/jpeg' }), { expiresIn });
}

async function s3Error(response: Response): Promise<{ status: number; code?: string; message?: string; xml: string }> {
  const xml = await response.text();
  return {
    status: response.status,
    code: /<Code>(.*?)<\/Code>/.exec(xml)?.[1],
    message: /<Message>(.*?)<\/Message>/.exec(xml)?.[1],
    xml,
  };
}

describe('presigned URLs from @aws-sdk/s3-request-presigner', () => {
  it('lets a plain fetch PUT a photo and another presigned URL GET it back', async () => {
    const photo = Buffer.from('jpeg bytes \u00ff');
    const put = await fetch(await presignedPut(), { method: 'PUT', body: photo, headers: { 'content-type': 'image/jpeg' } });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);

    const getUrl = await getSignedUrl(server.client, new GetObjectCommand({ Bucket: 'uploads', Key: KEY }), { expiresIn: 60 });
    const get = await fetch(getUrl);
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await get.arrayBuffer())).toEqual(photo);
  });

  it.each([
    ['application/octet-stream'],
    ['application/json'],
    ['application/x-amz-json-1.1'],
    ['text/plain; charset=utf-8'],
    ['not a media type'],
    [undefined],
  ])('accepts a raw body sent as %s', async (contentType) => {
    const body = new Uint8Array([1, 2, 3, 4, 5]);
    const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
    const put = await fetch(await presignedPut(60, 'raw/object'), { method: 'PUT', body, headers });
    expect(put.status).toBe(200);
    const got = await server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'raw/object' }));
    expect(Array.from(await got.Body!.transformToByteArray())).toEqual([1, 2, 3, 4, 5]);
    expect(got.ContentType).toBe(contentType ?? 'binary/octet-stream');
  });

  it('refuses a URL whose key was changed with SignatureDoesNotMatch', async () => {
    const url = (await presignedPut()).replace('user-1', 'user-2');
    const error = await s3Error(await fetch(url, { method: 'PUT', body: 'x' }));
    expect(error).toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    });
  });

  it.each([['x-amz-acl', 'public-read'], ['x-amz-meta-owner', 'mallory'], ['X-Amz-Tagging', 'a=b']])(
    'refuses an x-amz header the signer did not sign (%s), with nothing stored',
    async (name, value) => {
      const put = await fetch(await presignedPut(60, 'unsigned/header'), { method: 'PUT', body: 'x', headers: { 'content-type': 'image/jpeg', [name]: value } });
      const error = await s3Error(put);
      expect(error).toMatchObject({ status: 403, code: 'AccessDenied', message: 'There were headers present in the request which were not signed' });
      expect(error.xml).toContain(`<HeadersNotSigned>${name.toLowerCase()}</HeadersNotSigned>`);
      await expect(server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'unsigned/header' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    },
  );

  it('names every unsigned header, as S3 lists them', async () => {
    const put = await fetch(await presignedPut(60, 'unsigned/two'), { method: 'PUT', body: 'x', headers: { 'x-amz-acl': 'public-read', 'x-amz-meta-owner': 'mallory' } });
    expect((await s3Error(put)).xml).toContain('<HeadersNotSigned>x-amz-acl, x-amz-meta-owner</HeadersNotSigned>');
  });

  it('accepts an x-amz header the signer signed, and an unsigned payload hash', async () => {
    const url = await getSignedUrl(server.client, new PutObjectCommand({ Bucket: 'uploads', Key: 'signed/meta', Metadata: { owner: 'alice' } }), {
      expiresIn: 60,
      // Kept a header (not hoisted into the query), so the client must send it as signed.
      unhoistableHeaders: new Set(['x-amz-meta-owner']),
    });
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toContain('x-amz-meta-owner');
    const put = await fetch(url, { method: 'PUT', body: 'x', headers: { 'x-amz-meta-owner': 'alice', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect(put.status).toBe(200);
  });

  it('refuses a URL whose expiry was extended with SignatureDoesNotMatch', async () => {
    const url = (await presignedPut(60)).replace('X-Amz-Expires=60', 'X-Amz-Expires=600');
    expect(url).toContain('X-Amz-Expires=600');
    const error = await s3Error(await fetch(url, { method: 'PUT', body: 'x' }));
    expect(error.code).toBe('SignatureDoesNotMatch');
  });

  it('refuses a URL whose signature was altered with SignatureDoesNotMatch', async () => {
    const url = new URL(await presignedPut());
    const signature = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0'));
    const error = await s3Error(await fetch(url, { method: 'PUT', body: 'x' }));
    expect(error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('refuses a URL with an authentication parameter appended again, storing nothing', async () => {
    const url = await presignedPut(60);
    const signature = new URL(url).searchParams.get('X-Amz-Signature')!;
    for (const extra of [`X-Amz-Signature=${'0'.repeat(64)}`, `X-Amz-Signature=${signature}`, 'X-Amz-Expires=604800', 'X-Amz-Date=20200101T000000Z']) {
      const error = await s3Error(await fetch(`${url}&${extra}`, { method: 'PUT', body: 'x' }));
      expect(error, extra).toMatchObject({ status: 400, code: 'AuthorizationQueryParametersError' });
    }
    expect(await server.s3.readObject('uploads', KEY)).toBeUndefined();
  });

  it('refuses an expired URL with AccessDenied "Request has expired"', async () => {
    const url = await presignedPut(60);
    clock.advance(59_000);
    expect((await fetch(url, { method: 'PUT', body: 'in time' })).status).toBe(200);
    clock.advance(2_000);
    const error = await s3Error(await fetch(url, { method: 'PUT', body: 'too late' }));
    expect(error).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Request has expired' });
    expect(error.xml).toContain('<X-Amz-Expires>60</X-Amz-Expires>');
  });

  it('refuses X-Amz-Expires over a week with AuthorizationQueryParametersError', async () => {
    const url = (await presignedPut(60)).replace('X-Amz-Expires=60', 'X-Amz-Expires=604801');
    const error = await s3Error(await fetch(url, { method: 'PUT', body: 'x' }));
    expect(error).toMatchObject({ status: 400, code: 'AuthorizationQueryParametersError' });
  });

  it('refuses a URL signed with the wrong secret', async () => {
    const impostor = server.clientWith({ accessKeyId: 'uploader', secretAccessKey: 'guessed' });
    const url = await getSignedUrl(impostor, new PutObjectCommand({ Bucket: 'uploads', Key: KEY }), { expiresIn: 60 });
    const error = await s3Error(await fetch(url, { method: 'PUT', body: 'x' }));
    expect(error.code).toBe('SignatureDoesNotMatch');
  });
});

describe('Authorization header', () => {
  it('accepts any configured access key with its secret', async () => {
    const uploader = server.clientWith({ accessKeyId: 'uploader', secretAccessKey: 'uploader-secret' });
    const buckets = await uploader.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((bucket) => bucket.Name)).toEqual(['uploads']);
  });

  it('refuses a wrong secret with SignatureDoesNotMatch and an unknown key with InvalidAccessKeyId', async () => {
    const wrongSecret = server.clientWith({ accessKeyId: 'test', secretAccessKey: 'nope' });
    await expect(wrongSecret.send(new ListBucketsCommand({}))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
    const unknown = server.clientWith({ accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' });
    await expect(unknown.send(new ListBucketsCommand({}))).rejects.toMatchObject({
      name: 'InvalidAccessKeyId',
      message: 'The AWS Access Key Id you provided does not exist in our records.',
    });
  });

  it('takes a temporary key only with its own session token, as S3 takes a role session', async () => {
    const withToken = server.clientWith(TEMPORARY);
    await withToken.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'by-role', Body: 'x' }));

    const { sessionToken: _dropped, ...withoutToken } = TEMPORARY;
    await expect(server.clientWith(withoutToken).send(new ListBucketsCommand({}))).rejects.toMatchObject({
      name: 'InvalidAccessKeyId',
      $metadata: { httpStatusCode: 403 },
    });
    const otherToken = server.clientWith({ ...TEMPORARY, sessionToken: `${TEMPORARY.sessionToken}x` });
    await expect(otherToken.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'by-stranger', Body: 'x' }))).rejects.toMatchObject({
      name: 'InvalidToken',
      message: 'The provided token is malformed or otherwise invalid.',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'by-stranger' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it("takes a temporary key's presigned URL with the token it carries, and refuses it with the token taken out or changed", async () => {
    const presigner = server.clientWith(TEMPORARY);
    const url = await getSignedUrl(presigner, new PutObjectCommand({ Bucket: 'uploads', Key: KEY }), { expiresIn: 60 });
    expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe(TEMPORARY.sessionToken);

    const withoutToken = new URL(url);
    withoutToken.searchParams.delete('X-Amz-Security-Token');
    expect(await s3Error(await fetch(withoutToken, { method: 'PUT', body: 'x' }))).toMatchObject({ status: 403, code: 'InvalidAccessKeyId' });
    const otherToken = new URL(url);
    otherToken.searchParams.set('X-Amz-Security-Token', 'FwoGZXIvYXdzEforged');
    expect(await s3Error(await fetch(otherToken, { method: 'PUT', body: 'x' }))).toMatchObject({ status: 400, code: 'InvalidToken' });
    await expect(server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: KEY }))).rejects.toMatchObject({ name: 'NoSuchKey' });

    expect((await fetch(url, { method: 'PUT', body: 'x' })).status).toBe(200);
  });

  it('refuses a request whose signed header was changed after signing', async () => {
    const signer = new SignatureV4({
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      region: 'us-east-1',
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
    });
    const url = new URL(`${server.endpoint}/uploads/signed-object`);
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host, 'x-amz-meta-owner': 'user-1', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      body: 'hello',
    });
    const send = (headers: Record<string, string>) => fetch(url, { method: 'PUT', headers, body: 'hello' });
    expect((await send(signed.headers)).status).toBe(200);
    const tampered = await s3Error(await send({ ...signed.headers, 'x-amz-meta-owner': 'user-2' }));
    expect(tampered.code).toBe('SignatureDoesNotMatch');
    // The list of signed headers is signed too: naming one more, which the request does not carry, breaks it.
    const listed = signed.headers.authorization!.replace('SignedHeaders=', 'SignedHeaders=x-not-sent;');
    expect(listed).not.toBe(signed.headers.authorization);
    expect((await s3Error(await send({ ...signed.headers, authorization: listed }))).code).toBe('SignatureDoesNotMatch');
  });

  it('refuses a presigned URL whose list of signed headers was edited after signing', async () => {
    const url = new URL(await presignedPut(60, 'edited/list'));
    url.searchParams.set('X-Amz-SignedHeaders', `${url.searchParams.get('X-Amz-SignedHeaders')};x-not-sent`);
    expect((await s3Error(await fetch(url, { method: 'PUT', body: 'x' }))).code).toBe('SignatureDoesNotMatch');
    await expect(server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'edited/list' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('refuses unsigned requests with AccessDenied', async () => {
    const error = await s3Error(await fetch(`${server.endpoint}/uploads/any`, { method: 'PUT', body: 'x' }));
    expect(error).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Access Denied' });
  });

  it('answers a skewed request with RequestTimeTooSkewed, from which the SDK corrects its clock', async () => {
    clock.advance(60 * 60 * 1000);
    await expect(server.client.send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'RequestTimeTooSkewed' });
    const retrying = new S3Client({
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      const buckets = await retrying.send(new ListBucketsCommand({}));
      expect(buckets.Buckets).toHaveLength(1);
    } finally {
      retrying.destroy();
    }
  });

  it('reports errors as S3ServiceException subclasses with the request id', async () => {
    const error = await server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'nothing' })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(S3ServiceException);
    expect((error as S3ServiceException).$metadata.requestId).toBeTruthy();
  });
});

describe('a refusal that needs no body', { timeout: 20_000 }, () => {
  // 60 MB announced, 1 KB sent: the answer must come without the rest, or a stranger's uploads
  // would each hold up to 64 MiB of the kit's memory before being refused.
  const announced = 60 * 1024 * 1024;
  const head = (path: string, headers = '') =>
    `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\nContent-Length: ${announced}\r\n${headers}\r\n` + 'x'.repeat(1024);

  it('answers an unsigned PUT AccessDenied before its body has come, and stores nothing', async () => {
    const answer = await answerBeforeBody(server.endpoint, head('/uploads/signin/big'));
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('<Code>AccessDenied</Code>');
    await expect(server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'signin/big' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('answers a presigned PUT with a wrong signature before its body has come', async () => {
    const url = new URL(await presignedPut());
    url.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    const answer = await answerBeforeBody(server.endpoint, head(url.pathname + url.search));
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('answers a PUT to no bucket NoSuchBucket before its body, as before credentials', async () => {
    const answer = await answerBeforeBody(server.endpoint, head('/no-such-bucket/key'));
    expect(answer.status).toBe(404);
    expect(answer.body).toContain('<Code>NoSuchBucket</Code>');
  });

  it('still reads the body of a PUT it admits: a presigned PUT with a Content-Type Fastify cannot parse stores it as sent', async () => {
    const url = await getSignedUrl(server.client, new PutObjectCommand({ Bucket: 'uploads', Key: KEY, ContentType: 'jpeg' }), { expiresIn: 60 });
    const put = await fetch(url, { method: 'PUT', body: 'photo', headers: { 'content-type': 'jpeg' } });
    expect(put.status).toBe(200);
    const stored = await server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: KEY }));
    expect(stored.ContentType).toBe('jpeg');
    expect(await stored.Body!.transformToString()).toBe('photo');
  });
});
