// Requests Node's HTTP parser refuses before any route runs (sim/s3/client-errors.ts): S3 answers
// them in its XML, with its request-id headers, and closes the connection.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, exchangeRaw, startS3, type RunningS3 } from './s3-test-server.js';

let server: RunningS3;

beforeEach(async () => {
  server = await startS3();
  server.s3.createBucket({ name: 'uploads' });
});
afterEach(async () => {
  await server.close();
});

// A SigV4 Authorization header: what makes a request S3's is its path, not whether it verifies.
const AUTHORIZATION = 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + '0'.repeat(64);

/**
 * The request line and Host of a presigned PUT of `key`: a body is read only once its request is
 * admitted (an unsigned one is refused from its headers), so a broken body needs a good signature.
 */
async function presignedPut(key: string): Promise<string> {
  const url = new URL(await getSignedUrl(server.client, new PutObjectCommand({ Bucket: 'uploads', Key: key }), { expiresIn: 60 }));
  return `PUT ${url.pathname + url.search} HTTP/1.1\r\nHost: ${url.host}`;
}

/** Sends `bytes` on a raw socket, half-closes it, and returns everything the server sent back. */
const exchange = (bytes: string) => exchangeRaw(server.endpoint, bytes);

function parsed(answer: string) {
  const headEnd = answer.indexOf('\r\n\r\n');
  const [statusLine, ...headerLines] = answer.slice(0, headEnd).split('\r\n');
  const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { statusLine, headers, body: answer.slice(headEnd + 4) };
}

describe('S3 requests the HTTP parser refuses', () => {
  it('answers a signed GET of a 20,000-character key, a head over the limit, with RequestHeaderSectionTooLarge in XML', async () => {
    const answer = parsed(await exchange(`GET /uploads/${'k'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${AUTHORIZATION}\r\nx-amz-date: 20260101T000000Z\r\n\r\n`));

    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.headers['content-type']).toBe('application/xml');
    expect(answer.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
    expect(answer.headers.connection).toBe('close');
    expect(answer.body).toContain('<Code>RequestHeaderSectionTooLarge</Code><Message>Your request header section exceeds the maximum allowed size.</Message><MaxSizeAllowed>16384</MaxSizeAllowed>');
    expect(answer.body).toContain(`<RequestId>${answer.headers['x-amz-request-id']}</RequestId>`);
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
  });

  it('answers a HEAD over the limit with the status alone, as S3 answers a HEAD', async () => {
    const answer = parsed(await exchange(`HEAD /uploads/${'k'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`));

    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.headers['content-length']).toBe('0');
    expect(answer.body).toBe('');
  });

  it('answers a PUT whose body ends before its Content-Length with IncompleteBody and stores nothing', async () => {
    const answer = parsed(await exchange(`${await presignedPut('short.bin')}\r\nContent-Length: 100\r\n\r\n0123456789`));

    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.headers['content-type']).toBe('application/xml');
    expect(answer.body).toContain('<Code>IncompleteBody</Code><Message>You did not provide the number of bytes specified by the Content-Length HTTP header.</Message>');
    expect((await errorOf(server.client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'short.bin' })))).name).toBe('NotFound');
  });

  it.each([
    ['Content-Length beside Transfer-Encoding', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', "Transfer-Encoding can&apos;t be present with Content-Length"],
    ['a chunk size that is not hexadecimal', 'Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', 'Invalid character in chunk size'],
    ['a bad chunk size after a good chunk', 'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n0\r\n\r\n', 'Invalid character in chunk size'],
  ])('answers a PUT with %s with InvalidRequest in XML and stores nothing', async (_case, rest, reason) => {
    const answer = parsed(await exchange(`${await presignedPut('framed.bin')}\r\n${rest}`));

    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.headers['content-type']).toBe('application/xml');
    expect(answer.body).toContain(`<Code>InvalidRequest</Code><Message>The request could not be parsed: ${reason}</Message>`);
    expect((await errorOf(server.client.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'framed.bin' })))).name).toBe('NotFound');
  });

  it('serves the SDK as before after refusing these', async () => {
    await exchange(`GET /uploads/${'k'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    await exchange('PUT /uploads/short.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789');

    await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'after.txt', Body: 'still here' }));
    const got = await server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'after.txt' }));
    expect(await got.Body!.transformToString()).toBe('still here');
  });
});
