// Request bodies held in memory all together (sim/body-memory.ts): clients that send most of an
// upload and stall cannot make the kit hold more than its budget; a body that does not fit is
// refused in its service's shape (S3: 503 SlowDown; Cognito: 503 ServiceUnavailable), the budget
// comes back as bodies are answered or their clients go, and a client that declares a large body
// and sends nothing holds nothing. The kit runs with a 2 MiB budget here.
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { InvokeCommand, LambdaClient, type LambdaServiceException } from '@aws-sdk/client-lambda';
import { ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS, type EmbeddedCloud } from '../../sim/embedded-cloud.js';
import { startQuietCloud } from '../e2e/embedded-cloud-harness.js';

const MiB = 1024 * 1024;

let cloud: EmbeddedCloud;
let s3: S3Client;
let bucket: string;
let port: number;

beforeAll(async () => {
  ({ cloud, s3, bucket, port } = await startQuietCloud({ bodyMemoryBytes: 2 * MiB }));
});
afterAll(async () => {
  s3?.destroy();
  await cloud?.close();
});

/**
 * A client that sends a request head and `sent` bytes of its body (all but the last by default),
 * then nothing: the kit holds what came.
 */
async function stalledUpload(key: string, contentLength: number, sent = Math.floor(contentLength) - 1): Promise<Socket> {
  const url = new URL(await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 300 }));
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  // Content-Length is a whole number of bytes, or Node's parser refuses the request (400).
  contentLength = Math.floor(contentLength);
  socket.write(`PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: image/jpeg\r\nContent-Length: ${contentLength}\r\n\r\n`);
  socket.write(Buffer.alloc(sent, 'x'));
  return socket;
}

/**
 * Hangs the stalled client up and waits until the kit has given its body back, which it learns
 * when the socket closes on its side: until then a large upload may still get SlowDown.
 */
async function hangUp(stalled: Socket): Promise<void> {
  stalled.destroy();
  await vi.waitFor(async () => expect(await putError('body-memory/after-hang-up.jpg', 1.5 * MiB)).toBeUndefined(), { timeout: 10_000, interval: 100 });
}

async function putError(key: string, bytes: number): Promise<S3ServiceException | undefined> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(bytes, 7) }));
    return undefined;
  } catch (error) {
    if (error instanceof S3ServiceException) return error;
    throw error;
  }
}

function cognitoCall(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(cloud.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth', ...headers },
    body,
  });
}

describe('request bodies held in memory', () => {
  it('refuses an upload the budget has no room for with S3’s 503 SlowDown, takes one that fits, and takes it again once the stalled client goes', async () => {
    const stalled = await stalledUpload('body-memory/stalled.jpg', 1.5 * MiB);

    // The kit holds the stalled body once it has read it: until then the upload may still fit.
    const refused = await vi.waitFor(async () => {
      const error = await putError('body-memory/big.jpg', 1 * MiB);
      expect(error).toBeDefined();
      return error;
    }, { timeout: 10_000, interval: 50 });
    expect(refused?.name).toBe('SlowDown');
    expect(refused?.message).toBe('Please reduce your request rate.');
    expect(refused?.$metadata.httpStatusCode).toBe(503);
    expect(await putError('body-memory/small.jpg', 64 * 1024)).toBeUndefined();

    await hangUp(stalled);
    expect(await putError('body-memory/big.jpg', 1 * MiB)).toBeUndefined();
  });

  it('refuses a Cognito call the budget has no room for with AWS’s 503 ServiceUnavailable in Cognito’s JSON, a Lambda call with Lambda’s 429, a kit route with a 503', async () => {
    // Large bodies may hold 1.75 MiB of the 2 (the rest is kept for small ones).
    const stalled = await stalledUpload('body-memory/stalled-2.jpg', 1.7 * MiB);
    try {
      const body = JSON.stringify({ AuthFlow: 'CUSTOM_AUTH', ClientId: 'x', ClientMetadata: { a: 'p'.repeat(100 * 1024), b: 'p'.repeat(100 * 1024) } });
      const answer = await vi.waitFor(async () => {
        const response = await cognitoCall(body);
        expect(response.status).toBe(503);
        return response;
      }, { timeout: 10_000, interval: 50 });
      expect(answer.headers.get('x-amzn-errortype')).toBe('ServiceUnavailable');
      expect(await answer.json()).toMatchObject({ __type: 'ServiceUnavailable' });
      // The kit's own routes: a 503, not the 500 of an internal error.
      const kitRoute = await fetch(`${cloud.endpoint}/_sim/outputs`, { method: 'OPTIONS', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'p'.repeat(200 * 1024) }) });
      expect(kitRoute.status).toBe(503);
      // Lambda's Invoke, signed: its throttling answer, which the SDK retries.
      const lambda = new LambdaClient({ region: cloud.outputs.Region, endpoint: cloud.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
      const invoke = await lambda.send(new InvokeCommand({ FunctionName: 'any', Payload: JSON.stringify({ pad: 'x'.repeat(200 * 1024) }) })).catch((error: unknown) => error as LambdaServiceException);
      lambda.destroy();
      expect([(invoke as LambdaServiceException).name, (invoke as LambdaServiceException).$metadata?.httpStatusCode]).toEqual(['TooManyRequestsException', 429]);
      // Unsigned, it is refused from its head before its body counts (it was read, then refused).
      const unsigned = await fetch(`${cloud.endpoint}/2015-03-31/functions/any/invocations`, { method: 'POST', body: 'x'.repeat(200 * 1024) });
      expect([unsigned.status, unsigned.headers.get('x-amzn-errortype')]).toEqual([403, 'MissingAuthenticationTokenException']);
    } finally {
      await hangUp(stalled);
    }
  });

  it('counts a chunked body as its chunks come, refusing it when they pass the budget', async () => {
    const stalled = await stalledUpload('body-memory/stalled-3.jpg', 1.5 * MiB);
    try {
      // Held once read: a 1 MiB upload is refused from then on.
      await vi.waitFor(async () => expect(await putError('body-memory/probe.jpg', 1 * MiB)).toBeDefined(), { timeout: 10_000, interval: 50 });
      // fetch sends a stream body chunked, with no Content-Length.
      const chunk = new TextEncoder().encode(' '.repeat(256 * 1024));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ === 0) controller.enqueue(new TextEncoder().encode('{"AuthFlow":"CUSTOM_AUTH"'));
          else if (sent < 4) controller.enqueue(chunk);
          else {
            controller.enqueue(new TextEncoder().encode('}'));
            controller.close();
          }
        },
      });
      const answer = await fetch(cloud.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(answer.status).toBe(503);
      expect(await answer.json()).toMatchObject({ __type: 'ServiceUnavailable' });
    } finally {
      await hangUp(stalled);
    }
  });

  it('keeps an eighth of the budget for small bodies: large uploads stalled at their limit leave every small Cognito call served', async () => {
    const stalled = await Promise.all([0, 1].map((index) => stalledUpload(`body-memory/share-${index}.jpg`, 0.87 * MiB)));
    try {
      await vi.waitFor(async () => expect((await putError('body-memory/share-probe.jpg', 64 * 1024))?.name).toBe('SlowDown'), { timeout: 10_000, interval: 50 });
      // An upload form refused for room mid-body: S3's SlowDown too, which clients retry (it was MalformedPOSTRequest).
      const { url, fields } = await createPresignedPost(s3, { Bucket: bucket, Key: 'body-memory/form.jpg', Expires: 60 });
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      form.append('file', new Blob([Buffer.alloc(64 * 1024, 3)]), 'photo.jpg');
      const posted = await fetch(url, { method: 'POST', body: form });
      expect([posted.status, /<Code>([^<]*)<\/Code>/.exec(await posted.text())?.[1]]).toEqual([503, 'SlowDown']);
      const answers = await Promise.all(Array.from({ length: 8 }, () => cognitoCall('{"AuthFlow":"CUSTOM_AUTH","ClientId":"nope","AuthParameters":{"USERNAME":"a@example.com"}}')));
      for (const answer of answers) expect(answer.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    } finally {
      for (const socket of stalled) socket.destroy();
      await hangUp(stalled[0]!);
    }
  });

  it.each([
    ['SES SendEmail', '/v2/email/outbound-emails'],
    ['Lambda Invoke', '/2015-03-31/functions/any/invocations'],
  ])('answers an unsigned %s from its head, before a body it does not need (attacker audit: 40 MiB was read first)', async (_case, path) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    let answer = '';
    socket.on('data', (data) => (answer += data.toString('latin1')));
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${30 * MiB}\r\n\r\n{"a":`);
    try {
      // The rest of the body never comes: an answer now is one given from the head.
      await vi.waitFor(() => expect(answer).toMatch(/^HTTP\/1\.1 403 [\s\S]*MissingAuthenticationToken/i), { timeout: 5000, interval: 50 });
    } finally {
      socket.destroy();
    }
  });

  // Counted by what they declared, four sockets declaring 64 MiB each held the default budget
  // whole while sending nothing; here two declaring 0.9 MiB would hold nearly all of 2 MiB.
  it('holds nothing for bodies declared and not sent: uploads declaring most of the budget and sending nothing leave room for everyone else', async () => {
    const declaredOnly = await Promise.all([0, 1].map((index) => stalledUpload(`body-memory/declared-${index}.jpg`, 0.9 * MiB, 0)));
    // The kit has read their heads once a later request on the same kit is answered.
    await fetch(`${cloud.endpoint}/_sim/health`);
    try {
      expect(await putError('body-memory/beside-declared.jpg', 1.5 * MiB)).toBeUndefined();
    } finally {
      for (const socket of declaredOnly) socket.destroy();
    }
  });

  it('gives each answered body back: uploads one after another take many times the budget', async () => {
    for (let index = 0; index < 8; index++) {
      expect(await putError(`body-memory/sequence-${index}.jpg`, 1 * MiB)).toBeUndefined();
    }
    // A Cognito call with a body is answered as usual (its own error, not the budget's).
    const answer = await cognitoCall('{"AuthFlow":"CUSTOM_AUTH","ClientId":"nope","AuthParameters":{"USERNAME":"a@example.com"}}');
    expect(answer.headers.get('x-amzn-errortype')).not.toBe('ServiceUnavailable');
  });

  // A body refused before it is read (413 from its Content-Length, an S3 refusal before the
  // upload) must still be read to its end and dropped: left in the counting stream, it held the
  // connection, and the next request on it waited for ever (the served-APIs fuzz test caught it).
  it('answers the next request on a keep-alive connection after a large body was refused unread', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const call = (path: string, headers: Record<string, string>, body: Buffer) =>
      new Promise<number>((answered, failed) => {
        const sent = httpRequest({ host: '127.0.0.1', port, path, method: path === '/' ? 'POST' : 'PUT', agent, headers: { ...headers, 'content-length': String(body.length) } }, (response) => {
          response.resume();
          response.on('end', () => answered(response.statusCode!));
        });
        sent.setTimeout(10_000, () => sent.destroy(new Error(`no answer in 10 s to ${path}`)));
        sent.on('error', failed);
        sent.end(body);
      });
    const cognito = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.SignUp' };
    try {
      // Over Cognito's 1 MiB: refused from its Content-Length.
      expect(await call('/', cognito, Buffer.alloc(1_200_000, ' '))).toBe(413);
      for (let index = 0; index < 3; index++) expect(await call('/', cognito, Buffer.from('{}'))).toBe(400);
      // An unsigned upload: refused before its body is read.
      expect(await call(`/${bucket}/body-memory/unsigned.jpg`, { 'content-type': 'image/jpeg' }, Buffer.alloc(600_000, 1))).toBe(403);
      for (let index = 0; index < 3; index++) expect(await call('/', cognito, Buffer.from('{}'))).toBe(400);
    } finally {
      agent.destroy();
    }
  });
});

describe('large bodies too slow to keep their room', () => {
  let patient: Awaited<ReturnType<typeof startQuietCloud>>;
  beforeAll(async () => {
    // Patience shortened to half a second, and a pace no stalled upload keeps, so that a test need
    // not wait the default 10 s.
    patient = await startQuietCloud({ bodyMemoryBytes: 2 * MiB, bodyMemoryOptions: { patienceMs: 500, minBytesPerSecond: 16 * MiB } });
  });
  afterAll(async () => {
    patient?.s3.destroy();
    await patient?.cloud.close();
  });

  it('ends a stalled upload with S3’s RequestTimeout when another finds no room, and takes the other at once', async () => {
    const url = new URL(await getSignedUrl(patient.s3, new PutObjectCommand({ Bucket: patient.bucket, Key: 'slow/stalled.jpg' }), { expiresIn: 300 }));
    const socket = connect(patient.port, '127.0.0.1');
    socket.on('error', () => undefined);
    let answer = '';
    socket.on('data', (data) => (answer += data.toString('latin1')));
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(`PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: image/jpeg\r\nContent-Length: ${1.5 * MiB}\r\n\r\n`);
    socket.write(Buffer.alloc(1.5 * MiB - 1, 'x'));
    try {
      await new Promise((later) => setTimeout(later, 700));
      await patient.s3.send(new PutObjectCommand({ Bucket: patient.bucket, Key: 'slow/on-time.jpg', Body: Buffer.alloc(1 * MiB, 7) }));
      await vi.waitFor(() => expect(answer).toMatch(/^HTTP\/1\.1 400 [\s\S]*<Code>RequestTimeout<\/Code>/), { timeout: 5000, interval: 50 });
      const stored = await patient.s3.send(new ListObjectsV2Command({ Bucket: patient.bucket, Prefix: 'slow/' }));
      expect(stored.Contents?.map((entry) => entry.Key)).toEqual(['slow/on-time.jpg']);
    } finally {
      socket.destroy();
    }
  });
});
