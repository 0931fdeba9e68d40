// A request with two Authorization header lines. Node keeps the first in `headers.authorization`,
// so the signature was checked against the first line alone while the second travelled along
// unread by the sim, and possibly read by anything in front of it. AWS reads the lines as one
// header, joined with a comma, and refuses it (envoyproxy/envoy#23702, two SigV4 headers sent to
// Lambda); the sim refuses such a request whichever line is valid.
import { Sha256 } from '@aws-crypto/sha256-js';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import Fastify, { type FastifyInstance } from 'fastify';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { registerJsonServices, type AwsServiceError, type JsonService } from '../../sim/aws-json-protocol.js';
import { RequestSignatureVerifier } from '../../sim/request-signature.js';
import { startS3, type RunningS3 } from '../s3/s3-test-server.js';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const FORGED = 'AWS4-HMAC-SHA256 Credential=mallory/20260101/us-east-1/recording/aws4_request, SignedHeaders=host, Signature=00';

let app: FastifyInstance | undefined;
let s3: RunningS3 | undefined;
let received: unknown[];

afterEach(async () => {
  await app?.close();
  await s3?.close();
  app = undefined;
  s3 = undefined;
});

async function startJsonService(): Promise<URL> {
  received = [];
  const service: JsonService = {
    targetPrefix: 'RecordingService',
    signingName: 'recording',
    publicOperations: new Set(),
    operations: { Signed: async (input) => received.push(input) },
    errorBody: (error: AwsServiceError) => ({ __type: error.name, message: error.message }),
  };
  app = Fastify();
  registerJsonServices(app, [service], 'us-east-1', { signatures: new RequestSignatureVerifier({ credentials: CREDENTIALS }) });
  return new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
}

/** Signs the request with the local key, then sends it with `authorizations` as its Authorization lines. */
async function send(
  url: URL,
  request: { method: string; path: string; service: string; headers: Record<string, string>; body: string },
  authorizations: (signed: string) => string[],
) {
  const signed = await new SignatureV4({ credentials: CREDENTIALS, region: 'us-east-1', service: request.service, sha256: Sha256, uriEscapePath: request.service !== 's3' }).sign({
    method: request.method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: request.path,
    query: {},
    headers: { host: url.host, ...request.headers },
    body: request.body,
  });
  const headers: Record<string, string | string[]> = { ...signed.headers };
  delete headers.authorization;
  headers.authorization = authorizations(String(signed.headers.authorization));
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const sent = httpRequest({ host: url.hostname, port: url.port, method: request.method, path: request.path, headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    sent.on('error', reject);
    sent.end(request.body);
  });
}

const jsonCall = { method: 'POST', path: '/', service: 'recording', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RecordingService.Signed' }, body: '{"Name":"x"}' };

describe('two Authorization headers', () => {
  it('are refused by a JSON service with IncompleteSignatureException, the valid one first or last, and the operation never runs', async () => {
    const url = await startJsonService();
    const validFirst = await send(url, jsonCall, (valid) => [valid, FORGED]);
    const validLast = await send(url, jsonCall, (valid) => [FORGED, valid]);

    for (const response of [validFirst, validLast]) {
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body).__type).toBe('IncompleteSignatureException');
    }
    expect(JSON.parse(validFirst.body).message).toMatch(/^'AWS4-HMAC-SHA256' not a valid key=value pair \(missing equal-sign\) in Authorization header: 'AWS4-HMAC-SHA256 Credential=test\/.*,AWS4-HMAC-SHA256 Credential=mallory\/.*'\.$/);
    expect(received).toEqual([]);
  });

  it('leave a request with one valid Authorization header served', async () => {
    const url = await startJsonService();
    const response = await send(url, jsonCall, (valid) => [valid]);

    expect(response.status).toBe(200);
    expect(received).toEqual([{ Name: 'x' }]);
  });

  it('are refused by S3 with AuthorizationHeaderMalformed, and nothing is stored', async () => {
    s3 = await startS3();
    s3.s3.createBucket({ name: 'uploads' });
    const url = new URL(s3.endpoint);
    const put = { method: 'PUT', path: '/uploads/photo', service: 's3', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, body: 'face' };
    const twice = await send(url, put, (valid) => [valid, FORGED.replace('recording', 's3')]);
    const once = await send(url, { ...put, path: '/uploads/other' }, (valid) => [valid]);

    expect(twice.status).toBe(400);
    expect(twice.body).toContain('<Code>AuthorizationHeaderMalformed</Code>');
    expect(twice.body).toContain('<Message>The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.</Message>');
    expect(once.status).toBe(200);
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'uploads' }));
    expect(listed.Contents?.map((entry) => entry.Key)).toEqual(['other']);
  });
});
