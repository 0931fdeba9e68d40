import { crc32 } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsServiceError, registerJsonServices } from '../../sim/aws-json-protocol.js';
import { createDynamoDbService, type DynamoDbService } from '../../sim/dynamodb/index.js';

// DynamoDB shares `POST /` with the JSON services the sim implements itself.
let service: DynamoDbService;
let app: FastifyInstance;
let endpoint: string;

const signedHeaders = {
  authorization: 'AWS4-HMAC-SHA256 Credential=test/20261123/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
  'x-amz-date': '20261123T000000Z',
};

beforeAll(async () => {
  service = await createDynamoDbService({ ttlSweepIntervalMs: 0 });
  app = Fastify();
  registerJsonServices(app, [{
    targetPrefix: 'EchoService',
    operations: { Echo: async (input) => ({ echoed: input.value }) },
    errorBody: (error: AwsServiceError) => ({ __type: error.code, message: error.message }),
  }], 'us-east-1', { passthrough: [service.passthrough] });
  endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await service?.close();
});

describe('registerJsonServices with a passthrough service', () => {
  it('forwards a body that is not JSON as it is and returns the answer verbatim', async () => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { ...signedHeaders, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{not json',
    });
    const body = await response.text();

    expect(response.status).toBe(400);
    expect(JSON.parse(body)).toEqual({ __type: 'com.amazon.coral.service#SerializationException' });
    expect(response.headers.get('x-amz-crc32')).toBe(String(crc32(body)));
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
  });

  it('passes a DynamoDB answer through unchanged, byte for byte', async () => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { ...signedHeaders, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{}',
    });

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"TableNames":[]}');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[A-Z0-9]{52}$/);
  });

  it('still serves the services registered next to it', async () => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'EchoService.Echo' },
      body: JSON.stringify({ value: 'hi' }),
    });

    expect(await response.json()).toEqual({ echoed: 'hi' });
  });
});
