// A 500 leaves a trace on stderr (the kit's Fastify logs nothing), and the trace holds no part of
// the request: an error's message may quote a token or a code.
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsServiceError, registerJsonServices, type JsonService, type PassthroughService } from '../../sim/aws-json-protocol.js';
import { answerKitRouteError } from '../../sim/internal-errors.js';

const SECRET = 'eyJhbGciOiJSUzI1NiJ9.secret-token';

function failingService(): JsonService {
  return {
    targetPrefix: 'FailingService',
    operations: { Explode: async (input) => { throw new TypeError(`cannot read ${String(input.AccessToken)}`); } },
    errorBody: (error: AwsServiceError) => ({ __type: error.name, message: error.message }),
  };
}

const failingPassthrough: PassthroughService = {
  targetPrefix: 'FailingPassthrough',
  forward: async (_target, _headers, body) => { throw new RangeError(`bad body ${body}`); },
};

afterEach(() => vi.restoreAllMocks());

describe('unexpected errors', () => {
  it.each([
    ['an operation', 'FailingService.Explode', 'TypeError', 'InternalErrorException'],
    ['a passthrough service', 'FailingPassthrough.Anything', 'RangeError', 'InternalServerError'],
  ])('of %s: answered 500 in the AWS shape, reported on stderr by name, call and request id, without the message', async (_kind, target, errorName, type) => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const app = Fastify();
    registerJsonServices(app, [failingService()], 'us-east-1', { passthrough: [failingPassthrough] });
    const response = await app.inject({
      method: 'POST', url: '/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
      payload: JSON.stringify({ AccessToken: SECRET }),
    });
    await app.close();

    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ __type: type });
    const requestId = response.headers['x-amzn-requestid'];
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(new RegExp(`^\\[json\\] ${target.replace('.', '\\.')} answered 500 \\(request ${String(requestId)}\\): ${errorName}\\n\\s+at `));
    expect(written[0]).not.toContain('secret-token');
  });

  it('of the kit’s own routes: a client’s error answered as Fastify does, anything else 500 without the message and reported', async () => {
    const written: string[] = [];
    const app = Fastify();
    app.setErrorHandler(answerKitRouteError((text) => written.push(text)));
    app.get('/_sim/broken', async (request) => {
      throw new TypeError(`${String((request.query as { to?: unknown }).to)}.toLowerCase is not a function`);
    });
    app.post('/_sim/json', async () => 'unreached');

    const broken = await app.inject({ method: 'GET', url: `/_sim/broken?to=${SECRET}` });
    const refused = await app.inject({ method: 'POST', url: '/_sim/json', headers: { 'content-type': 'application/json' }, payload: '{' });
    await app.close();

    expect(broken.statusCode).toBe(500);
    expect(broken.body).not.toContain('secret-token');
    expect(broken.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: expect.stringMatching(/^An unexpected error; the kit's terminal shows where \(request .+\)\.$/) });
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\[sim\] GET \/_sim\/broken answered 500 \(request .+\): TypeError\n\s+at /);
    expect(written[0]).not.toContain('secret-token');
    // A body Fastify cannot parse is the client's error, and says so.
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
  });
});
