import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refuseUnservedRestApis } from './unserved-apis.js';

let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  app = Fastify();
  refuseUnservedRestApis(app);
  // Stands for S3's wildcard, which would otherwise answer every path.
  app.all('/*', async () => ({ reachedS3: true }));
  app.post('/', async () => ({ reachedJsonApis: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});
afterAll(() => app.close());

async function send(method: string, path: string, service?: string) {
  let headers: Record<string, string> = { host: `127.0.0.1:${port}` };
  if (service) {
    const signer = new SignatureV4({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'us-east-1', service, sha256: Sha256 });
    headers = (await signer.sign({ method, protocol: 'http:', hostname: '127.0.0.1', port, path, query: {}, headers })).headers;
  }
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers });
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype'), body: await response.json() as Record<string, unknown> };
}

describe('refuseUnservedRestApis', () => {
  it('tells a request signed for a REST API the kit does not serve that it is not emulated, in the REST-JSON error shape', async () => {
    const refused = await send('GET', '/restapis', 'apigateway');

    expect(refused).toMatchObject({ status: 404, errorType: 'UnknownOperationException' });
    expect(refused.body.message).toMatch(/^GET \/restapis, signed for "apigateway", is not an API the local kit emulates: it serves Cognito user pools/);
  });

  it('lets through what S3, Lambda and SES serve on paths, unsigned requests, and the JSON and Query APIs\' POST /', async () => {
    expect((await send('GET', '/restapis', 's3')).body).toEqual({ reachedS3: true });
    expect((await send('GET', '/2015-03-31/functions', 'lambda')).body).toEqual({ reachedS3: true });
    expect((await send('POST', '/v2/email/outbound-emails', 'ses')).body).toEqual({ reachedS3: true });
    expect((await send('GET', '/restapis')).body).toEqual({ reachedS3: true });
    expect((await send('POST', '/', 'apigateway')).body).toEqual({ reachedJsonApis: true });
  });
});
