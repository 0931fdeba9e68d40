// LambdaApiInvoker against a tiny fake of the Lambda Invoke API
// (POST /2015-03-31/functions/<name>/invocations), so the real @aws-sdk/client-lambda is the judge.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunctionError } from '../../sim/lambda/function-invoker.js';
import { LambdaApiInvoker } from '../../sim/lambda/lambda-api-invoker.js';

describe('LambdaApiInvoker', () => {
  let app: FastifyInstance;
  let invoker: LambdaApiInvoker;
  const received: Array<{ name: string; invocationType: string; event: unknown }> = [];

  beforeAll(async () => {
    app = Fastify();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    app.post<{ Params: { name: string } }>('/2015-03-31/functions/:name/invocations', async (request, reply) => {
      const name = decodeURIComponent(request.params.name);
      const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      const event = JSON.parse(String(request.body)) as Record<string, unknown>;
      received.push({ name, invocationType, event });
      if (invocationType === 'Event') return reply.code(202).send('');
      switch (name) {
        case 'echo':
          return { ...event, response: { answerCorrect: true } };
        case 'throws':
          return reply.header('x-amz-function-error', 'Unhandled').send({ errorType: 'Error', errorMessage: 'no face found', trace: [] });
        case 'times-out':
          return reply.header('x-amz-function-error', 'Unhandled').send({ errorMessage: '2026-01-01T00:00:05.000Z abc Task timed out after 5.00 seconds' });
        case 'slow':
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          return {};
        default:
          return reply.code(404).header('x-amzn-errortype', 'ResourceNotFoundException')
            .send({ Type: 'User', Message: `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${name}` });
      }
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    invoker = new LambdaApiInvoker({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });
  afterAll(async () => {
    invoker.close();
    await app.close();
  });

  it('invokes synchronously and returns the parsed result', async () => {
    const result = await invoker.invoke('echo', { request: { challengeAnswer: 'x' } });
    expect(result).toEqual({ request: { challengeAnswer: 'x' }, response: { answerCorrect: true } });
    expect(received.at(-1)).toEqual({ name: 'echo', invocationType: 'RequestResponse', event: { request: { challengeAnswer: 'x' } } });
  });

  it('turns a function error into FunctionError Unhandled with the error message', async () => {
    const error = await invoker.invoke('throws', {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FunctionError);
    expect(error).toMatchObject({ errorType: 'Unhandled', message: 'no face found' });
  });

  it("recognises Lambda's own timeout and its own wait limit as TimeoutError", async () => {
    expect(await invoker.invoke('times-out', {}).catch((caught: unknown) => caught)).toMatchObject({ errorType: 'TimeoutError' });
    expect(await invoker.invoke('slow', {}, { timeoutMs: 100 }).catch((caught: unknown) => caught)).toMatchObject({
      errorType: 'TimeoutError', message: 'Task timed out after 0.10 seconds',
    });
  });

  it('reports a missing function as ResourceNotFoundException', async () => {
    expect(await invoker.invoke('missing', {}).catch((caught: unknown) => caught)).toMatchObject({ errorType: 'ResourceNotFoundException' });
  });

  it('invokes asynchronously with InvocationType Event', async () => {
    await invoker.invokeAsync('indexer', { Records: [] });
    expect(received.at(-1)).toEqual({ name: 'indexer', invocationType: 'Event', event: { Records: [] } });
  });
});
