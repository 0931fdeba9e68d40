// A JSON-protocol body that is not UTF-8 is no JSON (RFC 8259), so it is refused like any body that
// does not parse. Decoded as a string, its bytes became U+FFFD unnoticed: a SignUp whose Username
// held 0xC0 0xAF created a user named with replacement characters, and two different byte strings
// named the same user.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerJsonServices, type AwsServiceError, type JsonService } from '../../sim/aws-json-protocol.js';
import { RequestSignatureVerifier } from '../../sim/request-signature.js';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const NOT_UTF8 = [
  ['an overlong slash', [0xc0, 0xaf]],
  ['a byte no UTF-8 sequence starts with', [0xff, 0xfe]],
  ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ['a sequence cut short', [0xe2, 0x82]],
] as const;

let app: FastifyInstance;
let received: Array<Record<string, unknown>>;

function recordingService(): JsonService {
  return {
    targetPrefix: 'RecordingService',
    signingName: 'recording',
    publicOperations: new Set(['Public']),
    operations: {
      Public: async (input) => received.push(input),
      Signed: async (input) => received.push(input),
    },
    errorBody: (error: AwsServiceError) => ({ __type: error.name, message: error.message }),
  };
}

async function start() {
  received = [];
  app = Fastify();
  registerJsonServices(app, [recordingService()], 'us-east-1', { signatures: new RequestSignatureVerifier({ credentials: CREDENTIALS }) });
  await app.ready();
}
afterEach(async () => {
  await app?.close();
});

/** `{"Username":"<bytes>x"}` with the bytes as they are, not as JavaScript would encode a string. */
const bodyWith = (bytes: readonly number[]) => Buffer.concat([Buffer.from('{"Username":"'), Buffer.from(bytes), Buffer.from('x"}')]);

function call(operation: string, payload: Buffer, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/',
    headers: { host: 'localhost', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `RecordingService.${operation}`, ...headers },
    payload,
  });
}

describe('a JSON body that is not UTF-8', () => {
  it.each(NOT_UTF8)('with %s is answered SerializationException and never reaches the operation', async (_case, bytes) => {
    await start();
    const response = await call('Public', bodyWith(bytes));

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ __type: 'SerializationException', message: 'Could not parse request body into json' });
    expect(received).toEqual([]);
  });

  it('is checked against its signature as sent, then refused as unparseable, not as a bad signature', async () => {
    await start();
    const payload = bodyWith([0xc0, 0xaf]);
    const signer = new SignatureV4({ credentials: CREDENTIALS, region: 'us-east-1', service: 'recording', sha256: Sha256 });
    const signed = await signer.sign({
      method: 'POST', protocol: 'http:', hostname: 'localhost', path: '/', query: {},
      headers: { host: 'localhost', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RecordingService.Signed' },
      body: payload,
    });
    const response = await call('Signed', payload, signed.headers);

    expect(response.json()).toMatchObject({ __type: 'SerializationException' });
    expect(received).toEqual([]);
  });

  it('leaves UTF-8 alone, a replacement character sent as such included', async () => {
    await start();
    const response = await call('Public', Buffer.from(JSON.stringify({ Username: '\uFFFDé\u{1F600}x' })));

    expect(response.statusCode).toBe(200);
    expect(received).toEqual([{ Username: '\uFFFDé\u{1F600}x' }]);
  });
});
