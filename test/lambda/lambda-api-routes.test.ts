import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  InvalidParameterValueException,
  InvokeCommand,
  LambdaClient,
  LambdaServiceException,
  ListAliasesCommand,
  ListFunctionsCommand,
  paginateListFunctions,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { build } from 'esbuild';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaApiRoutes, type LambdaApiBackend } from '../../sim/lambda/lambda-api-routes.js';
import { createLambdaRuntime, type FunctionDefinition, type LambdaRuntime } from '../../sim/lambda/lambda-runtime.js';
import { FunctionBundles, testFunction } from './function-bundles.js';

const bundles = new FunctionBundles();
let runtime: LambdaRuntime;
let app: FastifyInstance;
let lambda: LambdaClient;
let s3: S3Client;
let endpoint: string;

function definition(name: string, codeDir: string, environment: Record<string, string> = {}): FunctionDefinition {
  return testFunction(name, codeDir, { memoryMb: 256, environment });
}

const decode = (payload?: Uint8Array) => JSON.parse(new TextDecoder().decode(payload));
const logOf = (logResult?: string) => Buffer.from(logResult ?? '', 'base64').toString('utf8');
/** `[[[…1…]]]`, `levels` arrays deep. */
const nestedArrays = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
const errorOf = (sent: Promise<unknown>) => sent.then(() => undefined, (caught: unknown) => caught as LambdaServiceException);

beforeAll(async () => {
  const greeter = bundles.write('greeter', 'index.mjs', `
    import { appendFileSync } from 'node:fs';
    export const handler = async (event) => {
      if (process.env.RECEIVED_FILE) appendFileSync(process.env.RECEIVED_FILE, JSON.stringify(event) + '\\n');
      return { greeting: 'hello ' + event.name };
    };
  `);
  const chatty = bundles.write('chatty', 'index.mjs', `
    export const handler = async (event) => {
      for (let line = 0; line < (event.lines ?? 1); line += 1) console.log(event.name + ' line ' + line + ' ' + 'x'.repeat(event.width ?? 0));
      if (event.waitMs) await new Promise((resolve) => setTimeout(resolve, event.waitMs));
      return 'logged';
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
      // With a template's own log group and format, as the stack's functions have.
      { ...definition('chatty', chatty), logGroup: 'Stack-ChattyLogs', logFormat: 'JSON' },
    ],
    onLog: () => undefined,
  });
  app = Fastify();
  await app.register(runtime.routes);
  // The S3 emulator's routes, as the kit serves them beside Lambda's: path-style wildcards.
  app.route({ method: ['GET', 'PUT', 'DELETE'], url: '/*', handler: async (request) => `S3 stand-in: ${request.method} ${request.url}` });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  endpoint = address;
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  lambda = new LambdaClient({ endpoint: address, region: 'us-east-1', credentials });
  s3 = new S3Client({ endpoint: address, region: 'us-east-1', credentials, forcePathStyle: true });
});

afterAll(async () => {
  lambda?.destroy();
  s3?.destroy();
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

  it('rejects a payload that is not UTF-8 with InvalidRequestContentException, and does not run the function', async () => {
    // A JSON string holding 0xC0 0xAF (an overlong "/"): decoded leniently, it became U+FFFD twice.
    const payload = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
    for (const InvocationType of ['RequestResponse', 'Event'] as const) {
      const error = await errorOf(lambda.send(new InvokeCommand({ FunctionName: 'greeter', InvocationType, Payload: payload })));
      expect([error?.name, error?.$metadata.httpStatusCode]).toEqual(['InvalidRequestContentException', 400]);
    }
    await runtime.drainAsync();
    expect(readFileSync(bundles.scratch('greeter-received.txt'), 'utf8')).not.toContain('\ufffd');
  });

  it('refuses a payload over 6 MB, and an Event payload over 1 MB, with RequestEntityTooLargeException as Lambda words them', async () => {
    /** A JSON payload of exactly `bytes` bytes. */
    const payloadOf = (bytes: number, name: string) => JSON.stringify({ name, pad: 'x'.repeat(bytes - JSON.stringify({ name, pad: '' }).length) });
    const overSync = payloadOf(6 * 1024 * 1024 + 1, 'too-big');
    const overEvent = payloadOf(1024 * 1024 + 1, 'too-big-event');

    const sync = await errorOf(lambda.send(new InvokeCommand({ FunctionName: 'greeter', Payload: overSync })));
    expect(sync?.name).toBe('RequestEntityTooLargeException');
    expect(sync?.$metadata.httpStatusCode).toBe(413);
    expect(sync?.message).toBe('Request must be smaller than 6291456 bytes for the InvokeFunction operation');

    const event = await errorOf(lambda.send(new InvokeCommand({ FunctionName: 'greeter', InvocationType: 'Event', Payload: overEvent })));
    expect(event?.name).toBe('RequestEntityTooLargeException');
    expect(event?.$metadata.httpStatusCode).toBe(413);
    expect(event?.message).toBe('1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)');
    await runtime.drainAsync();
    expect(readFileSync(bundles.scratch('greeter-received.txt'), 'utf8')).not.toContain('too-big');

    // The same 1 MB + 1 payload is within the synchronous limit.
    expect(decode((await lambda.send(new InvokeCommand({ FunctionName: 'greeter', Payload: overEvent }))).Payload)).toEqual({ greeting: 'hello too-big-event' });
  });

  it('invokes a payload nested 1000 levels, and refuses 1001 with InvalidRequestContentException', async () => {
    const accepted = await lambda.send(new InvokeCommand({ FunctionName: 'chatty', Payload: nestedArrays(1000) }));
    const refused = await errorOf(lambda.send(new InvokeCommand({ FunctionName: 'chatty', Payload: nestedArrays(1001) })));

    expect(decode(accepted.Payload)).toBe('logged');
    expect(refused?.name).toBe('InvalidRequestContentException');
    expect(refused?.$metadata.httpStatusCode).toBe(400);
  });

  it('answers a payload nested 20,000 levels with a 400, not a 500, and keeps serving', async () => {
    // Deep enough that V8's JSON.stringify and structured clone overflow the stack.
    const deepObjects = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;

    const refused = await errorOf(lambda.send(new InvokeCommand({ FunctionName: 'chatty', Payload: deepObjects })));
    const refusedAsEvent = await errorOf(lambda.send(new InvokeCommand({ FunctionName: 'chatty', Payload: deepObjects, InvocationType: 'Event' })));
    const after = await lambda.send(new InvokeCommand({ FunctionName: 'chatty', Payload: '{}' }));

    expect([refused?.name, refused?.$metadata.httpStatusCode]).toEqual(['InvalidRequestContentException', 400]);
    expect([refusedAsEvent?.name, refusedAsEvent?.$metadata.httpStatusCode]).toEqual(['InvalidRequestContentException', 400]);
    expect(decode(after.Payload)).toBe('logged');
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
    expect(listed.Functions?.map((fn) => fn.FunctionName)).toEqual(['greeter', 'failing', 'typed', 'chatty']);
  });

  it('describes a function with GetFunctionConfiguration as GetFunction\'s Configuration', async () => {
    const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'greeter' }));
    const described = await lambda.send(new GetFunctionCommand({ FunctionName: 'greeter' }));

    expect(configuration).toMatchObject({ ...described.Configuration, $metadata: expect.anything() });
    expect(configuration.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:greeter');
  });

  it('reports what scripts read of a function: its code\'s size, SHA-256 and last change, architecture and log group', async () => {
    const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'greeter' }));
    const other = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'failing' }));

    expect(configuration.CodeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(configuration.CodeSha256).not.toBe(other.CodeSha256);
    expect(configuration.CodeSize).toBeGreaterThan(0);
    // Lambda's own format, which the SDK leaves a string: 2019-09-24T18:06:46.165+0000.
    expect(configuration.LastModified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    expect(configuration.RevisionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(configuration).toMatchObject({
      Architectures: ['x86_64'],
      Description: '',
      EphemeralStorage: { Size: 512 },
      LoggingConfig: { LogFormat: 'Text', LogGroup: '/aws/lambda/greeter' },
      TracingConfig: { Mode: 'PassThrough' },
    });
    const logged = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'chatty' }));
    expect(logged.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: 'Stack-ChattyLogs' });
  });
});

describe('Lambda operations that are not emulated', () => {
  it('answers GetPolicy, ListAliases and GetAccountSettings with a Lambda UnknownOperationException naming the path', async () => {
    const policy = await errorOf(lambda.send(new GetPolicyCommand({ FunctionName: 'greeter' })));
    const aliases = await errorOf(lambda.send(new ListAliasesCommand({ FunctionName: 'greeter' })));
    const settings = await errorOf(lambda.send(new GetAccountSettingsCommand({})));

    expect(policy?.name).toBe('UnknownOperationException');
    expect(policy?.$metadata.httpStatusCode).toBe(404);
    expect(policy?.message).toMatch(/^GET \/2015-03-31\/functions\/greeter\/policy is not an operation the local Lambda emulates/);
    expect(aliases?.name).toBe('UnknownOperationException');
    expect(aliases?.message).toMatch(/^GET \/2015-03-31\/functions\/greeter\/aliases /);
    expect(settings?.name).toBe('UnknownOperationException');
    expect(settings?.message).toMatch(/^GET \/2016-08-19\/account-settings/);
  });

  it('leaves a request signed for S3 to S3, even on a bucket named like a Lambda API version', async () => {
    const onFunctions = await s3.send(new GetObjectCommand({ Bucket: '2015-03-31', Key: 'functions/greeter' }));
    const onSettings = await s3.send(new GetObjectCommand({ Bucket: '2016-08-19', Key: 'account-settings/' }));

    expect(await onFunctions.Body?.transformToString()).toBe('S3 stand-in: GET /2015-03-31/functions/greeter?x-id=GetObject');
    expect(await onSettings.Body?.transformToString()).toBe('S3 stand-in: GET /2016-08-19/account-settings/?x-id=GetObject');
  });

  it('leaves a presigned S3 URL to S3, and takes an unsigned request on Lambda\'s paths as Lambda\'s', async () => {
    const presigned = await getSignedUrl(s3, new GetObjectCommand({ Bucket: '2015-03-31', Key: 'functions/greeter' }));
    const unsigned = await fetch(new URL('/2015-03-31/functions/greeter/configuration', presigned));

    expect(await (await fetch(presigned)).text()).toMatch(/^S3 stand-in: GET \/2015-03-31\/functions\/greeter\?/);
    expect(await unsigned.json()).toMatchObject({ FunctionName: 'greeter' });
  });
});

describe('ListFunctions pagination', () => {
  it('returns MaxItems functions and a NextMarker that the next page resumes after', async () => {
    const first = await lambda.send(new ListFunctionsCommand({ MaxItems: 3 }));
    const second = await lambda.send(new ListFunctionsCommand({ MaxItems: 3, Marker: first.NextMarker }));

    expect(first.Functions?.map((fn) => fn.FunctionName)).toEqual(['greeter', 'failing', 'typed']);
    expect(first.NextMarker).toEqual(expect.any(String));
    expect(second.Functions?.map((fn) => fn.FunctionName)).toEqual(['chatty']);
    expect(second.NextMarker).toBeUndefined();
  });

  it('lets the SDK\'s paginator walk every page', async () => {
    const pages = [];
    for await (const page of paginateListFunctions({ client: lambda, pageSize: 1 }, {})) pages.push(page);

    expect(pages.map((page) => page.Functions?.map((fn) => fn.FunctionName))).toEqual([['greeter'], ['failing'], ['typed'], ['chatty']]);
  });

  it('rejects a MaxItems outside 1 to 10000 with ValidationException', async () => {
    const zero = await errorOf(lambda.send(new ListFunctionsCommand({ MaxItems: 0 })));
    const tooMany = await errorOf(lambda.send(new ListFunctionsCommand({ MaxItems: 10_001 })));

    expect(zero?.name).toBe('ValidationException');
    expect(zero?.$metadata.httpStatusCode).toBe(400);
    expect(zero?.message).toBe("1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1");
    expect(tooMany?.message).toMatch(/Member must have value less than or equal to 10000$/);
  });

  it('rejects a Marker it did not hand out with InvalidParameterValueException', async () => {
    const error = await errorOf(lambda.send(new ListFunctionsCommand({ Marker: 'not-a-marker' })));

    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(error?.message).toBe('Invalid marker: not-a-marker');
  });
});

describe('Invoke qualifiers', () => {
  it('rejects a version that was never published with ResourceNotFoundException naming the qualified ARN', async () => {
    const error = await errorOf(lambda.send(new InvokeCommand({ FunctionName: 'greeter', Qualifier: '1', Payload: '{}' })));

    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error?.message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:greeter:1');
  });

  it('rejects an alias given in the function name, and GetFunction of a version, the same way', async () => {
    const invoked = await errorOf(lambda.send(new InvokeCommand({ FunctionName: 'greeter:prod', Payload: '{}' })));
    const described = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'greeter', Qualifier: '2' })));

    expect(invoked?.message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:greeter:prod');
    expect(described).toBeInstanceOf(ResourceNotFoundException);
    expect(described?.message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:greeter:2');
  });

  it('runs $LATEST when asked for it by Qualifier or in the ARN', async () => {
    const byQualifier = await lambda.send(new InvokeCommand({ FunctionName: 'greeter', Qualifier: '$LATEST', Payload: JSON.stringify({ name: 'Cy' }) }));
    const byArn = await lambda.send(new InvokeCommand({
      FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:greeter:$LATEST',
      Payload: JSON.stringify({ name: 'Di' }),
    }));

    expect(decode(byQualifier.Payload)).toEqual({ greeting: 'hello Cy' });
    expect(decode(byArn.Payload)).toEqual({ greeting: 'hello Di' });
  });

  it('rejects a Qualifier that contradicts the one in the function name with InvalidParameterValueException', async () => {
    const error = await errorOf(lambda.send(new InvokeCommand({ FunctionName: 'greeter:$LATEST', Qualifier: '1', Payload: '{}' })));

    expect(error).toBeInstanceOf(InvalidParameterValueException);
  });
});

describe('Function ARNs of another region or account', () => {
  it('refuses another region\'s ARN with ResourceNotFoundException, as Lambda does, and does not run the function', async () => {
    const received = bundles.scratch('greeter-received.txt');
    const receivedNow = () => (existsSync(received) ? readFileSync(received, 'utf8') : '');
    const before = receivedNow();
    const invoked = await errorOf(lambda.send(new InvokeCommand({
      FunctionName: 'arn:aws:lambda:eu-west-1:000000000000:function:greeter',
      Payload: JSON.stringify({ name: 'elsewhere' }),
    })));
    const described = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:eu-west-1:000000000000:function:greeter' })));

    expect(invoked).toBeInstanceOf(ResourceNotFoundException);
    expect(invoked?.$metadata.httpStatusCode).toBe(404);
    expect(invoked?.message).toBe('Functions from \'eu-west-1\' are not reachable in this region (\'us-east-1\')');
    expect(described).toBeInstanceOf(ResourceNotFoundException);
    expect(receivedNow()).toBe(before);
  });

  it('refuses another account\'s ARN, full or partial, with AccessDeniedException (403)', async () => {
    const full = await errorOf(lambda.send(new InvokeCommand({ FunctionName: 'arn:aws:lambda:us-east-1:111122223333:function:greeter', Payload: '{}' })));
    const partial = await errorOf(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: '111122223333:function:greeter' })));

    expect(full?.name).toBe('AccessDeniedException');
    expect(full?.$metadata.httpStatusCode).toBe(403);
    expect(full?.message).toBe('User: arn:aws:iam::000000000000:root is not authorized to perform: lambda:InvokeFunction on resource: '
      + 'arn:aws:lambda:us-east-1:111122223333:function:greeter because no resource-based policy allows the lambda:InvokeFunction action');
    expect(partial?.name).toBe('AccessDeniedException');
    expect(partial?.message).toContain('lambda:GetFunctionConfiguration on resource: 111122223333:function:greeter');
  });

  it('still runs the function by its partial ARN in this account', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: '000000000000:function:greeter', Payload: JSON.stringify({ name: 'Ed' }) }));

    expect(decode(response.Payload)).toEqual({ greeting: 'hello Ed' });
  });
});

describe('A query parameter given twice', () => {
  /** A client whose requests carry `query` as sent (set before signing), whatever the command's members. */
  function clientWithQuery(query: Record<string, string | string[]>) {
    const client = new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    client.middlewareStack.add((next) => async (args) => {
      (args.request as { query: Record<string, string | string[]> }).query = query;
      return next(args);
    }, { step: 'build', priority: 'low' });
    return client;
  }

  it('takes the first Qualifier, never one joined from both', async () => {
    const latestFirst = clientWithQuery({ Qualifier: ['$LATEST', '1'] });
    const versionFirst = clientWithQuery({ Qualifier: ['1', '$LATEST'] });
    try {
      const invoked = await latestFirst.send(new InvokeCommand({ FunctionName: 'greeter', Payload: JSON.stringify({ name: 'Twice' }) }));
      const refused = await errorOf(versionFirst.send(new InvokeCommand({ FunctionName: 'greeter', Payload: '{}' })));

      expect(decode(invoked.Payload)).toEqual({ greeting: 'hello Twice' });
      expect(refused).toBeInstanceOf(ResourceNotFoundException);
      expect(refused?.message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:greeter:1');
    } finally {
      latestFirst.destroy();
      versionFirst.destroy();
    }
  });

  it('takes the first MaxItems of ListFunctions', async () => {
    const client = clientWithQuery({ MaxItems: ['1', '2'] });
    try {
      expect((await client.send(new ListFunctionsCommand({}))).Functions).toHaveLength(1);
    } finally {
      client.destroy();
    }
  });
});

describe('Invoke with LogType Tail', () => {
  it('returns the invocation\'s log, START to REPORT, base64-encoded as LogResult', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'chatty', LogType: 'Tail', Payload: JSON.stringify({ name: 'tail' }) }));

    const lines = logOf(response.LogResult).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/);
    expect(lines[1]).toMatch(/\tINFO\ttail line 0 $/);
    expect(lines[2]).toMatch(/^END RequestId: /);
    expect(lines[3]).toMatch(/^REPORT RequestId: .*\tDuration: /);
  });

  it('returns no LogResult without LogType Tail', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'chatty', Payload: JSON.stringify({ name: 'quiet' }) }));

    expect(response.LogResult).toBeUndefined();
  });

  it('keeps the last 4 KB of a longer log, cut at a line', async () => {
    const response = await lambda.send(new InvokeCommand({
      FunctionName: 'chatty',
      LogType: 'Tail',
      Payload: JSON.stringify({ name: 'long', lines: 40, width: 200 }),
    }));

    const log = logOf(response.LogResult);
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(log)).toBeGreaterThan(3800);
    expect(log).toMatch(/^\S+\t[0-9a-f-]{36}\tINFO\tlong line \d+ x+\n/);
    expect(log).toContain('long line 39 ');
    expect(log).toMatch(/REPORT RequestId: [^\n]+\n$/);
  });

  it('gives each of two concurrent invocations its own log', async () => {
    const [first, second] = await Promise.all(['first', 'second'].map((name) =>
      lambda.send(new InvokeCommand({ FunctionName: 'chatty', LogType: 'Tail', Payload: JSON.stringify({ name, waitMs: 200 }) }))));

    expect(logOf(first.LogResult)).toContain('first line 0');
    expect(logOf(first.LogResult)).not.toContain('second line 0');
    expect(logOf(second.LogResult)).toContain('second line 0');
    expect(logOf(second.LogResult)).not.toContain('first line 0');
  });

  it('returns the log of an invocation that failed too', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'failing', LogType: 'Tail', Payload: '{}' }));

    expect(response.FunctionError).toBe('Unhandled');
    expect(logOf(response.LogResult)).toMatch(/\tERROR\tInvoke Error \t\{"errorType":"TypeError"/);
  });
});

describe('Lambda Invoke API, an unexpected failure', () => {
  it('answers 500 ServiceException and logs where it failed, without the payload or the error message', async () => {
    // Prepare: a backend whose invoke fails as no function error does.
    const logged: string[] = [];
    const failingBackend: LambdaApiBackend = {
      region: 'us-east-1',
      accountId: '000000000000',
      resolve: (name) => testFunction(name, '/nowhere'),
      functionArn: (name) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      listFunctions: () => [],
      invoke: async (_name, event) => {
        throw new SyntaxError(`Unexpected token in ${JSON.stringify(event)}`);
      },
      invokeAsync: async () => undefined,
    };
    const server = Fastify();
    await server.register(lambdaApiRoutes(failingBackend, undefined, (line) => logged.push(line)));
    const client = new LambdaClient({
      endpoint: await server.listen({ port: 0, host: '127.0.0.1' }),
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });

    // Act
    const error = await errorOf(client.send(new InvokeCommand({ FunctionName: 'broken', Payload: JSON.stringify({ password: 'hunter2' }) })));
    client.destroy();
    await server.close();

    // Assess
    expect([error?.name, error?.$metadata.httpStatusCode]).toEqual(['ServiceException', 500]);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^\[lambda\] POST \/2015-03-31\/functions\/broken\/invocations answered 500 \(request [\w-]+\): SyntaxError\n\s+at /);
    expect(logged[0]).not.toContain('hunter2');
  });

  it('answers an Event it could not keep (thrown before the backend returns: a full disk) 500 ServiceException, not 202', async () => {
    const logged: string[] = [];
    const fullDiskBackend: LambdaApiBackend = {
      region: 'us-east-1',
      accountId: '000000000000',
      resolve: (name) => testFunction(name, '/nowhere'),
      functionArn: (name) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      listFunctions: () => [],
      invoke: async () => undefined,
      invokeAsync: () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
    const server = Fastify();
    await server.register(lambdaApiRoutes(fullDiskBackend, undefined, (line) => logged.push(line)));
    const client = new LambdaClient({
      endpoint: await server.listen({ port: 0, host: '127.0.0.1' }),
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });

    const error = await errorOf(client.send(new InvokeCommand({ FunctionName: 'sweep', InvocationType: 'Event', Payload: '{}' })));
    client.destroy();
    await server.close();

    expect([error?.name, error?.$metadata.httpStatusCode]).toEqual(['ServiceException', 500]);
    expect(logged).toHaveLength(1);
  });
});
