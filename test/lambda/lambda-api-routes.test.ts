import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { build } from 'esbuild';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaRuntime, type FunctionDefinition, type LambdaRuntime } from '../../sim/lambda/lambda-runtime.js';
import { FunctionBundles, testFunction } from './function-bundles.js';

const bundles = new FunctionBundles();
let runtime: LambdaRuntime;
let app: FastifyInstance;
let lambda: LambdaClient;

function definition(name: string, codeDir: string, environment: Record<string, string> = {}): FunctionDefinition {
  return testFunction(name, codeDir, { memoryMb: 256, environment });
}

const decode = (payload?: Uint8Array) => JSON.parse(new TextDecoder().decode(payload));

beforeAll(async () => {
  const greeter = bundles.write('greeter', 'index.mjs', `
    import { appendFileSync } from 'node:fs';
    export const handler = async (event) => {
      if (process.env.RECEIVED_FILE) appendFileSync(process.env.RECEIVED_FILE, JSON.stringify(event) + '\\n');
      return { greeting: 'hello ' + event.name };
    };
  `);
  const failing = bundles.write('failing', 'index.mjs', `
    export const handler = async () => { throw new TypeError('cannot greet nobody'); };
  `);
  // Bundled the way CDK's NodejsFunction does it: TypeScript → one CommonJS index.js, SDK external.
  const source = bundles.write('typed-source', 'handler.ts', `
    import type { Context } from 'aws-lambda';
    interface SumEvent { values: number[] }
    export const handler = async (event: SumEvent, context: Context): Promise<{ sum: number; by: string }> =>
      ({ sum: event.values.reduce((total, value) => total + value, 0), by: context.functionName });
  `);
  const typedDir = join(bundles.root, 'typed');
  await build({
    entryPoints: [join(source, 'handler.ts')],
    outfile: join(typedDir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@aws-sdk/*'],
    logLevel: 'silent',
  });

  runtime = createLambdaRuntime({
    functions: [
      definition('greeter', greeter, { RECEIVED_FILE: bundles.scratch('greeter-received.txt') }),
      definition('failing', failing),
      definition('typed', typedDir),
    ],
    onLog: () => undefined,
  });
  app = Fastify();
  await app.register(runtime.routes);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  lambda = new LambdaClient({ endpoint: address, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  lambda?.destroy();
  await app?.close();
  await runtime?.close();
  bundles.remove();
});

describe('Lambda Invoke API', () => {
  it('returns the function\'s result as the payload of a RequestResponse invocation', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'greeter', Payload: JSON.stringify({ name: 'Ana' }) }));

    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBeUndefined();
    expect(response.ExecutedVersion).toBe('$LATEST');
    expect(decode(response.Payload)).toEqual({ greeting: 'hello Ana' });
  });

  it('accepts the function\'s ARN as FunctionName', async () => {
    const response = await lambda.send(new InvokeCommand({
      FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:greeter',
      Payload: JSON.stringify({ name: 'Bo' }),
    }));

    expect(decode(response.Payload)).toEqual({ greeting: 'hello Bo' });
  });

  it('runs a TypeScript handler bundled to CommonJS by esbuild, as NodejsFunction does', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'typed', Payload: JSON.stringify({ values: [1, 2, 39] }) }));

    expect(decode(response.Payload)).toEqual({ sum: 42, by: 'typed' });
  });

  it('answers a thrown error with 200, X-Amz-Function-Error Unhandled and the error as payload', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'failing', Payload: '{}' }));

    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBe('Unhandled');
    const payload = decode(response.Payload);
    expect(payload).toMatchObject({ errorType: 'TypeError', errorMessage: 'cannot greet nobody' });
    expect(payload.trace[0]).toBe('TypeError: cannot greet nobody');
  });

  it('accepts an Event invocation with 202 and runs the function afterwards', async () => {
    const response = await lambda.send(new InvokeCommand({
      FunctionName: 'greeter',
      InvocationType: 'Event',
      Payload: JSON.stringify({ name: 'async-caller' }),
    }));
    await runtime.drainAsync();

    expect(response.StatusCode).toBe(202);
    expect(readFileSync(bundles.scratch('greeter-received.txt'), 'utf8')).toContain('{"name":"async-caller"}');
  });

  it('answers a DryRun with 204 without running the function', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'greeter', InvocationType: 'DryRun', Payload: JSON.stringify({ name: 'dry' }) }));

    expect(response.StatusCode).toBe(204);
    expect(readFileSync(bundles.scratch('greeter-received.txt'), 'utf8')).not.toContain('"dry"');
  });

  it('rejects an unknown function with ResourceNotFoundException and the function\'s ARN', async () => {
    const error = await lambda.send(new InvokeCommand({ FunctionName: 'nobody', Payload: '{}' })).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
    expect((error as ResourceNotFoundException).message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:nobody');
    expect((error as ResourceNotFoundException).Type).toBe('User');
  });

  it('rejects a payload that is not JSON with InvalidRequestContentException', async () => {
    const error = await lambda.send(new InvokeCommand({ FunctionName: 'greeter', Payload: 'not json' })).catch((caught: unknown) => caught);

    expect((error as Error).name).toBe('InvalidRequestContentException');
  });

  it('describes a function with GetFunction and lists all with ListFunctions', async () => {
    const described = await lambda.send(new GetFunctionCommand({ FunctionName: 'greeter' }));
    const listed = await lambda.send(new ListFunctionsCommand({}));

    expect(described.Configuration).toMatchObject({
      FunctionName: 'greeter',
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:greeter',
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Timeout: 3,
      MemorySize: 256,
      State: 'Active',
    });
    expect(listed.Functions?.map((fn) => fn.FunctionName)).toEqual(['greeter', 'failing', 'typed']);
  });
});
