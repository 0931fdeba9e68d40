// Requests Node's HTTP parser refuses, on the embedded cloud where S3 shares the endpoint with the
// JSON services, Lambda, SES and the kit's own routes: on S3's paths S3 answers in XML
// (sim/s3/client-errors.ts); everywhere else the answer stays Fastify's, as before.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedCloud, type EmbeddedCloud } from '../../sim/embedded-cloud.js';
import { cloudAssembly, STACK_NAME } from '../e2e/embedded-cloud-harness.js';
import { exchangeRaw } from '../s3/s3-test-server.js';

let cloud: EmbeddedCloud;
let bucket: string;

beforeAll(async () => {
  cloud = await startEmbeddedCloud({ cloudAssemblyDir: await cloudAssembly(), stackName: STACK_NAME, log: () => undefined });
  bucket = cloud.outputs.BucketName!;
});
afterAll(async () => {
  await cloud?.close();
});

/** Sends `bytes` on a raw socket, half-closes it, and returns everything the kit sent back. */
const exchange = (bytes: string) => exchangeRaw(cloud.endpoint, bytes);

const statusLine = (answer: string) => answer.slice(0, answer.indexOf('\r\n'));
const bodyOf = (answer: string) => answer.slice(answer.indexOf('\r\n\r\n') + 4);
const CONFLICTING_FRAMING = 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
const COGNITO_HEADERS = 'Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth\r\n';

describe('on S3 paths', () => {
  it('answers a GET of a 20,000-character key with RequestHeaderSectionTooLarge in XML', async () => {
    const answer = await exchange(`GET /${bucket}/${'k'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);

    expect(statusLine(answer)).toBe('HTTP/1.1 400 Bad Request');
    expect(answer).toMatch(/\r\ncontent-type: application\/xml\r\n/i);
    expect(bodyOf(answer)).toContain('<Code>RequestHeaderSectionTooLarge</Code>');
  });

  it('answers a PUT whose body ends early with IncompleteBody in XML', async () => {
    // Signed, as a body is read only once its request is admitted (an unsigned PUT is refused from its headers).
    const s3 = new S3Client({ region: 'us-east-1', endpoint: cloud.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const url = new URL(await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: 'parser-refusals/short.bin' }), { expiresIn: 60 }));
    s3.destroy();
    const answer = await exchange(`PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: 100\r\n\r\n0123456789`);

    expect(statusLine(answer)).toBe('HTTP/1.1 400 Bad Request');
    expect(bodyOf(answer)).toContain('<Code>IncompleteBody</Code>');
  });

  it('answers a PUT with Content-Length beside Transfer-Encoding with InvalidRequest in XML', async () => {
    const answer = await exchange(`PUT /${bucket}/parser-refusals/framed.bin HTTP/1.1\r\nHost: localhost\r\n${CONFLICTING_FRAMING}`);

    expect(statusLine(answer)).toBe('HTTP/1.1 400 Bad Request');
    expect(bodyOf(answer)).toContain('<Code>InvalidRequest</Code>');
  });
});

describe('elsewhere, as before', () => {
  it.each([
    ['a Cognito call (POST /)', `POST / HTTP/1.1\r\nHost: localhost\r\n${COGNITO_HEADERS}`],
    ['the kit health route', 'GET /_sim/health HTTP/1.1\r\nHost: localhost\r\n'],
    ['an unsigned Lambda API call', 'POST /2015-03-31/functions/any/invocations HTTP/1.1\r\nHost: localhost\r\n'],
    ['an SES call', 'POST /v2/email/outbound-emails HTTP/1.1\r\nHost: localhost\r\n'],
  ])('keeps Fastify’s JSON 400 for %s with conflicting framing', async (_case, head) => {
    const answer = await exchange(`${head}${CONFLICTING_FRAMING}`);

    expect(statusLine(answer)).toBe('HTTP/1.1 400 Bad Request');
    expect(answer).toMatch(/\r\ncontent-type: application\/json\r\n/i);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
  });

  it('keeps Fastify’s JSON 431 for a Cognito call with a head over the limit', async () => {
    const answer = await exchange(`POST / HTTP/1.1\r\nHost: localhost\r\n${COGNITO_HEADERS}X-Padding: ${'p'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\n{}`);

    expect(statusLine(answer)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(answer).toMatch(/\r\ncontent-type: application\/json\r\n/i);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
  });

  // Without `Connection: close` the agent kept the socket the kit was closing, and the next call
  // on it failed with a hang-up, 20 times in 20 (fuzz audit).
  it('says the connection closes, so that a keep-alive client sends its next call on a new one', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const call = (headers: Record<string, string>) => new Promise<number>((answered, failed) => {
      const sent = httpRequest(cloud.endpoint, { method: 'GET', path: '/_sim/health', agent, headers }, (response) => {
        response.resume();
        response.on('end', () => answered(response.statusCode!));
      });
      sent.on('error', failed);
      sent.end();
    });
    try {
      for (let round = 0; round < 5; round++) {
        expect(await call({ 'x-padding': 'p'.repeat(20_000) })).toBe(431);
        expect(await call({})).toBe(200);
      }
    } finally {
      agent.destroy();
    }
  });

  it('keeps Fastify’s JSON 400 for a Cognito call whose body ends early', async () => {
    const answer = await exchange(`POST / HTTP/1.1\r\nHost: localhost\r\n${COGNITO_HEADERS}Content-Length: 100\r\n\r\n{"AuthFlow":`);

    expect(statusLine(answer)).toBe('HTTP/1.1 400 Bad Request');
    expect(answer).toMatch(/\r\ncontent-type: application\/json\r\n/i);
  });
});
