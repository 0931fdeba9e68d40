import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../sim/clock.js';
import { AsyncInvocationLog } from '../../sim/lambda/async-invocation-log.js';
import { FunctionError } from '../../sim/lambda/function-invoker.js';
import { createLambdaRuntime, type LambdaRuntime } from '../../sim/lambda/lambda-runtime.js';
import { FunctionBundles, SLEEP_AND_KEEP_SOURCE, testFunction } from './function-bundles.js';

const bundles = new FunctionBundles();
afterAll(() => bundles.remove());

let runtime: LambdaRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

const definition = testFunction;

const echoEnvironment = bundles.write('echo-env', 'index.mjs', `
  const tableAtImport = process.env.USERS_TABLE;
  export const handler = async (event) => {
    if (event.set) process.env.SHARED_BY_MISTAKE = event.set;
    return {
      tableAtImport,
      table: process.env.USERS_TABLE,
      sharedByMistake: process.env.SHARED_BY_MISTAKE ?? null,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      region: process.env.AWS_REGION,
      defaultRegion: process.env.AWS_DEFAULT_REGION,
      timeout: process.env.AWS_LAMBDA_FUNCTION_TIMEOUT,
      accessKey: process.env.AWS_ACCESS_KEY_ID,
      secretKey: process.env.AWS_SECRET_ACCESS_KEY,
      endpoint: process.env.AWS_ENDPOINT_URL ?? null,
    };
  };
`);

const sleeper = bundles.write('sleeper', 'index.mjs', `
  const loadedAt = Date.now();
  let invocationsInThisEnvironment = 0;
  export const handler = async (event) => {
    invocationsInThisEnvironment += 1;
    await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
    return event.withLoadTime ? { invocationsInThisEnvironment, loadedAt } : { invocationsInThisEnvironment };
  };
`);
interface SleeperResult {
  invocationsInThisEnvironment: number;
  loadedAt: number;
}

describe('createLambdaRuntime', () => {
  it('gives each function its own environment variables, plus Lambda\'s standard ones', async () => {
    // Prepare
    runtime = createLambdaRuntime({
      functions: [
        definition('first', echoEnvironment, { environment: { USERS_TABLE: 'first-table' }, timeoutSeconds: 7 }),
        definition('second', echoEnvironment, { environment: { USERS_TABLE: 'second-table' } }),
      ],
      baseEnv: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' },
      region: 'eu-west-1',
      onLog: () => undefined,
    });

    // Act
    const first = (await runtime.invoke('first', { set: 'written-by-first' })) as Record<string, unknown>;
    const second = (await runtime.invoke('second', {})) as Record<string, unknown>;

    // Assess
    expect(first).toEqual({
      tableAtImport: 'first-table',
      table: 'first-table',
      sharedByMistake: 'written-by-first',
      functionName: 'first',
      region: 'eu-west-1',
      defaultRegion: 'eu-west-1',
      timeout: '7',
      accessKey: 'test',
      secretKey: 'test',
      endpoint: 'http://127.0.0.1:4566',
    });
    expect(second).toMatchObject({ tableAtImport: 'second-table', table: 'second-table', sharedByMistake: null, functionName: 'second' });
    expect(process.env.SHARED_BY_MISTAKE).toBeUndefined();
  });

  it('keeps an execution environment warm between invocations', async () => {
    runtime = createLambdaRuntime({ functions: [definition('sleeper', sleeper)], onLog: () => undefined });

    await runtime.invoke('sleeper', { sleepMs: 0 });
    const second = await runtime.invoke('sleeper', { sleepMs: 0 });

    expect(second).toEqual({ invocationsInThisEnvironment: 2 });
  });

  it('loads every bundle ahead of the first invocation when prewarmed', async () => {
    const loadsFile = bundles.scratch('prewarm-loads.txt');
    const counted = bundles.write('counted', 'index.mjs', `
      import { appendFileSync } from 'node:fs';
      appendFileSync(process.env.LOADS_FILE, 'loaded\\n');
      export const handler = async () => 'ok';
    `);
    runtime = createLambdaRuntime({ functions: [definition('counted', counted, { environment: { LOADS_FILE: loadsFile } })], onLog: () => undefined });

    await runtime.prewarm();
    const loadedBeforeInvoking = readFileSync(loadsFile, 'utf8');
    await runtime.invoke('counted', {});

    expect(loadedBeforeInvoking).toBe('loaded\n');
    expect(readFileSync(loadsFile, 'utf8')).toBe('loaded\n');
  });

  it('times a function out after its timeout, then runs it again in a fresh environment', async () => {
    // Prepare
    const lines: string[] = [];
    runtime = createLambdaRuntime({
      functions: [definition('sleeper', sleeper, { timeoutSeconds: 1 })],
      onLog: (_name, line) => lines.push(line),
      clock: new ManualClock(Date.UTC(2026, 10, 23, 12)),
    });
    await runtime.invoke('sleeper', { sleepMs: 0 });

    // Act
    const started = Date.now();
    const timedOut = await runtime.invoke('sleeper', { sleepMs: 2_000 }).catch((error: unknown) => error);
    const elapsed = Date.now() - started;
    const after = await runtime.invoke('sleeper', { sleepMs: 0 });

    // Assess
    expect(timedOut).toBeInstanceOf(FunctionError);
    expect((timedOut as FunctionError).errorType).toBe('TimeoutError');
    expect((timedOut as FunctionError).message).toMatch(/^2026-11-23T12:00:00\.000Z [0-9a-f-]{36} Task timed out after 1\.\d\d seconds$/);
    expect((timedOut as FunctionError).payload?.errorType).toBe('Sandbox.Timedout');
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(1_900);
    expect(after).toEqual({ invocationsInThisEnvironment: 1 });
    expect(lines.some((line) => /Task timed out after 1\.\d\d seconds/.test(line))).toBe(true);
  });

  it('runs concurrent invocations in separate environments, so one timing out leaves the other alone', async () => {
    runtime = createLambdaRuntime({ functions: [definition('sleeper', sleeper, { timeoutSeconds: 1 })], onLog: () => undefined });

    const [slow, quick] = await Promise.allSettled([
      runtime.invoke('sleeper', { sleepMs: 3_000 }),
      runtime.invoke('sleeper', { sleepMs: 400 }),
    ]);

    expect(slow.status).toBe('rejected');
    expect(((slow as PromiseRejectedResult).reason as FunctionError).errorType).toBe('TimeoutError');
    expect(quick).toEqual({ status: 'fulfilled', value: { invocationsInThisEnvironment: 1 } });
  });

  it('shuts down environments left idle after a burst, and keeps one fresh environment warm', async () => {
    runtime = createLambdaRuntime({
      functions: [definition('sleeper', sleeper)],
      onLog: () => undefined,
      maxConcurrencyPerFunction: 3,
      idleTimeoutMs: 200,
    });
    const burst = () => Promise.all([0, 1, 2].map(() => runtime!.invoke('sleeper', { sleepMs: 300 })));
    expect(await burst()).toEqual([1, 1, 1].map((count) => ({ invocationsInThisEnvironment: count })));

    // Well past the idle timeout and the reaper's period (1 s).
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const invokedAt = Date.now();
    const first = (await runtime.invoke('sleeper', { sleepMs: 0, withLoadTime: true })) as SleeperResult;
    const second = (await runtime.invoke('sleeper', { sleepMs: 0, withLoadTime: true })) as SleeperResult;

    // Not one of the three that served the burst, loaded before it was asked for, and alone.
    expect(first.invocationsInThisEnvironment).toBe(1);
    expect(first.loadedAt).toBeLessThan(invokedAt);
    expect(second).toEqual({ invocationsInThisEnvironment: 2, loadedAt: first.loadedAt });
  });

  it('neither loads ahead nor keeps an environment of a function not kept warm (a daily schedule)', async () => {
    const loadsFile = bundles.scratch('rarely-run-loads.txt');
    const counted = bundles.write('rarely-run', 'index.mjs', `
      import { appendFileSync } from 'node:fs';
      appendFileSync(process.env.LOADS_FILE, 'loaded\\n');
      let invocationsInThisEnvironment = 0;
      export const handler = async () => ({ invocationsInThisEnvironment: ++invocationsInThisEnvironment });
    `);
    runtime = createLambdaRuntime({
      functions: [definition('rarely-run', counted, { environment: { LOADS_FILE: loadsFile }, keepWarm: false })],
      onLog: () => undefined,
      idleTimeoutMs: 200,
    });

    await runtime.prewarm();
    const loadedBeforeInvoking = readFileSync(loadsFile, { encoding: 'utf8', flag: 'a+' });
    const first = await runtime.invoke('rarely-run', {});
    const again = await runtime.invoke('rarely-run', {});
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const afterIdle = await runtime.invoke('rarely-run', {});

    expect(loadedBeforeInvoking).toBe('');
    expect([first, again, afterIdle]).toEqual([1, 2, 1].map((count) => ({ invocationsInThisEnvironment: count })));
    expect(readFileSync(loadsFile, 'utf8')).toBe('loaded\nloaded\n');
  });

  it('keeps the one environment of a function that never had to grow, module state and all', async () => {
    runtime = createLambdaRuntime({ functions: [definition('sleeper', sleeper)], onLog: () => undefined, idleTimeoutMs: 200 });
    const before = (await runtime.invoke('sleeper', { sleepMs: 0, withLoadTime: true })) as SleeperResult;

    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const after = (await runtime.invoke('sleeper', { sleepMs: 0, withLoadTime: true })) as SleeperResult;

    expect(after).toEqual({ invocationsInThisEnvironment: 2, loadedAt: before.loadedAt });
  });

  it('stops a function that outgrows its memory size as Lambda does, and runs the next invocation in a fresh environment', async () => {
    const hog = bundles.write('hog', 'index.mjs', `
      let invocationsInThisEnvironment = 0;
      const kept = [];
      export const handler = async (event) => {
        invocationsInThisEnvironment += 1;
        // Live objects, not buffers: the function's memory size caps the JavaScript heap.
        for (let megabyte = 0; megabyte < event.megabytes; megabyte++) kept.push(Array.from({ length: 128 * 1024 }, (_, i) => ({ i })));
        return { invocationsInThisEnvironment };
      };
    `);
    const lines: string[] = [];
    runtime = createLambdaRuntime({ functions: [definition('hog', hog, { memoryMb: 128, timeoutSeconds: 30 })], onLog: (_, line) => lines.push(line) });

    const error = await runtime.invoke('hog', { megabytes: 50 }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FunctionError);
    expect((error as FunctionError).payload).toEqual({ errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited with error: signal: killed' });
    expect(lines).toContain('Error: Runtime exited with error: signal: killed');
    expect(await runtime.invoke('hog', { megabytes: 1 })).toEqual({ invocationsInThisEnvironment: 1 });
  }, 60_000);

  it('stops waiting at the caller\'s timeoutMs when it is shorter than the function\'s timeout', async () => {
    runtime = createLambdaRuntime({ functions: [definition('sleeper', sleeper, { timeoutSeconds: 10 })], onLog: () => undefined });
    await runtime.invoke('sleeper', { sleepMs: 0 });

    const started = Date.now();
    const error = await runtime.invoke('sleeper', { sleepMs: 3_000 }, { timeoutMs: 300 }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FunctionError);
    expect((error as FunctionError).errorType).toBe('TimeoutError');
    expect((error as FunctionError).message).toBe('Task timed out after 0.30 seconds');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('counts the caller\'s timeoutMs from when an environment takes the invocation, not while it waits for one', async () => {
    // Prepare: one environment, held by an invocation that returns only once the test opens a gate
    const gateFile = bundles.scratch('queue-gate.txt');
    const gated = bundles.write('gated', 'index.mjs', `
      import { existsSync } from 'node:fs';
      export const handler = async (event) => {
        while (event.waitForGate && !existsSync(process.env.GATE_FILE)) await new Promise((resolve) => setTimeout(resolve, 20));
        return event.name;
      };
    `);
    runtime = createLambdaRuntime({
      functions: [definition('gated', gated, { timeoutSeconds: 30, environment: { GATE_FILE: gateFile } })],
      onLog: () => undefined,
      maxConcurrencyPerFunction: 1,
    });
    await runtime.invoke('gated', { name: 'warm-up' });
    const holder = runtime.invoke('gated', { name: 'holder', waitForGate: true });

    // Act: a second invocation queued behind it far longer than its caller's limit, then let through
    const queued = runtime.invoke('gated', { name: 'queued' }, { timeoutMs: 1_000 });
    const queuedOutcome = queued.then((value) => ({ value }), (error: unknown) => ({ error }));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    writeFileSync(gateFile, 'open');

    // Assess: the wait for the environment did not count (Lambda would have started another one)
    expect(await holder).toBe('holder');
    expect(await queuedOutcome).toEqual({ value: 'queued' });
  });

  it('reports a thrown error as Unhandled with the function\'s error type, message and trace', async () => {
    const thrower = bundles.write('thrower', 'index.mjs', `
      class ValidationFailure extends Error { name = 'ValidationFailure'; }
      export const handler = async (event) => { throw new ValidationFailure('bad input: ' + event.field); };
    `);
    runtime = createLambdaRuntime({ functions: [definition('thrower', thrower)], onLog: () => undefined });

    const error = await runtime.invoke('thrower', { field: 'email' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FunctionError);
    expect((error as FunctionError).errorType).toBe('Unhandled');
    expect((error as FunctionError).message).toBe('bad input: email');
    expect((error as FunctionError).payload).toMatchObject({ errorType: 'ValidationFailure', errorMessage: 'bad input: email' });
    expect((error as FunctionError).payload?.trace?.[0]).toContain('ValidationFailure: bad input: email');
  });

  it('runs a CommonJS bundle (index.js) with a callback-style handler', async () => {
    const commonJs = bundles.write('common-js', 'index.js', `
      exports.handler = function (event, context, callback) {
        setTimeout(() => callback(null, { doubled: event.value * 2, requestId: context.awsRequestId }), 5);
      };
    `);
    runtime = createLambdaRuntime({ functions: [definition('cjs', commonJs)], onLog: () => undefined });

    const result = (await runtime.invoke('cjs', { value: 21 })) as { doubled: number; requestId: string };

    expect(result.doubled).toBe(42);
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('runs index.js as an ES module when the bundle\'s own package.json says "type": "module"', async () => {
    const esmJs = bundles.write('esm-js', 'index.js', 'export const handler = async () => import.meta.url.endsWith("/index.js");');
    bundles.write('esm-js', 'package.json', JSON.stringify({ type: 'module' }));
    runtime = createLambdaRuntime({ functions: [definition('esm-js', esmJs)], onLog: () => undefined });

    await expect(runtime.invoke('esm-js', {})).resolves.toBe(true);
  });

  it('passes a Lambda context with the function\'s name, ARN, memory and remaining time', async () => {
    const contextEcho = bundles.write('context-echo', 'index.mjs', `
      export const handler = async (_event, context) => ({
        functionName: context.functionName,
        functionVersion: context.functionVersion,
        invokedFunctionArn: context.invokedFunctionArn,
        memoryLimitInMB: context.memoryLimitInMB,
        logGroupName: context.logGroupName,
        awsRequestId: context.awsRequestId,
        remaining: context.getRemainingTimeInMillis(),
      });
    `);
    runtime = createLambdaRuntime({
      functions: [definition('context-echo', contextEcho, { memoryMb: 256, timeoutSeconds: 4 })],
      onLog: () => undefined,
    });

    const context = (await runtime.invoke('context-echo', {})) as Record<string, unknown>;

    expect(context).toMatchObject({
      functionName: 'context-echo',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:context-echo',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/context-echo',
    });
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.remaining).toBeGreaterThan(3_000);
    expect(context.remaining).toBeLessThanOrEqual(4_000);
  });

  it('finds a function by name, by ARN and by partial ARN, and rejects an unknown one', async () => {
    runtime = createLambdaRuntime({ functions: [definition('sleeper', sleeper)], onLog: () => undefined });

    await expect(runtime.invoke('arn:aws:lambda:us-east-1:000000000000:function:sleeper', { sleepMs: 0 })).resolves.toBeDefined();
    await expect(runtime.invoke('000000000000:function:sleeper', { sleepMs: 0 })).resolves.toBeDefined();
    await expect(runtime.invoke('sleeper:$LATEST', { sleepMs: 0 })).resolves.toBeDefined();
    const unknown = await runtime.invoke('nobody', {}).catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(FunctionError);
    expect((unknown as FunctionError).errorType).toBe('ResourceNotFoundException');
    expect((unknown as FunctionError).message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:nobody');
  });

  it('sends console output to onLog in Lambda\'s format, with START, END and REPORT lines', async () => {
    const chatty = bundles.write('chatty', 'index.mjs', `
      export const handler = async (event, context) => {
        console.log('hello', { user: event.user });
        console.error('something odd');
        process.stdout.write('raw line\\n');
        return context.awsRequestId;
      };
    `);
    const logs: Array<[string, string]> = [];
    runtime = createLambdaRuntime({ functions: [definition('chatty', chatty)], onLog: (name, line) => logs.push([name, line]) });

    const requestId = (await runtime.invoke('chatty', { user: 'ana' })) as string;

    await vi.waitFor(() => expect(logs.map(([, line]) => line)).toContain('raw line'));
    expect(logs.every(([name]) => name === 'chatty')).toBe(true);
    const lines = logs.map(([, line]) => line);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\S+Z\\t${requestId}\\tINFO\\thello { user: 'ana' }$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`\\t${requestId}\\tERROR\\tsomething odd$`)));
    expect(lines).toContain(`START RequestId: ${requestId} Version: $LATEST`);
    expect(lines).toContain(`END RequestId: ${requestId}`);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^REPORT RequestId: ${requestId}\\tDuration: `)));
  });

  it('writes REPORT lines as Lambda does: durations to the hundredth, billed rounded up, memory used, init once', async () => {
    const hoarder = bundles.write('hoarder', 'index.mjs', SLEEP_AND_KEEP_SOURCE);
    const lines: string[] = [];
    runtime = createLambdaRuntime({ functions: [definition('hoarder', hoarder, { memoryMb: 256 })], onLog: (_name, line) => lines.push(line) });

    for (let quick = 0; quick < 5; quick++) await runtime.invoke('hoarder', {});
    await runtime.invoke('hoarder', { sleepMs: 25 });
    await runtime.invoke('hoarder', { keepMb: 40 });
    await runtime.invoke('hoarder', {});

    // The shape that log tools parse REPORT lines with (e.g. Datadog's enhanced metrics).
    const report = /^REPORT RequestId: \S+\tDuration: (\d+\.\d\d) ms\tBilled Duration: (\d+) ms\tMemory Size: 256 MB\tMax Memory Used: (\d+) MB(?:\tInit Duration: (\d+\.\d\d) ms)?$/;
    const figures = lines
      .filter((line) => line.startsWith('REPORT'))
      .map((line) => report.exec(line))
      .map((match) => ({ duration: Number(match![1]), billed: Number(match![2]), memoryUsed: Number(match![3]), init: match![4] }));
    expect(figures).toHaveLength(8);
    for (const { duration, billed } of figures) expect(billed).toBe(Math.max(1, Math.ceil(duration)));
    // Timed in whole milliseconds, a warm invocation reads 0.00 or 1.00; these carry hundredths.
    expect(figures.slice(0, 5).some(({ duration }) => !Number.isInteger(duration))).toBe(true);
    // Timer callbacks may fire up to a millisecond early by the monotonic clock.
    expect(figures[5]!.duration).toBeGreaterThanOrEqual(24);
    // The environment's load time, on its first invocation only.
    expect(Number(figures[0]!.init)).toBeGreaterThan(0);
    expect(figures.slice(1).map(({ init }) => init)).toEqual(Array(7).fill(undefined));
    // The most the environment has used: 40 MB kept by the handler shows, and stays. The heap
    // beside it may have been collected below its earlier high, so the rise is 40 MB less a
    // few MB of slack (without the kept memory it is about 0).
    const [before, kept, after] = figures.slice(5).map(({ memoryUsed }) => memoryUsed);
    expect(before).toBeGreaterThan(0);
    expect(kept).toBeGreaterThanOrEqual(40);
    expect(kept! - before!).toBeGreaterThanOrEqual(34);
    expect(after).toBeGreaterThanOrEqual(kept!);
  });

  it('passes on the structured lines of a Powertools Logger', async () => {
    const structured = bundles.write('structured', 'index.mjs', `
      import { Logger } from '@aws-lambda-powertools/logger';
      const logger = new Logger({ serviceName: 'face-kit' });
      export const handler = async () => { logger.info('user enrolled', { step: 'index' }); return 'ok'; };
    `);
    const lines: string[] = [];
    runtime = createLambdaRuntime({ functions: [definition('structured', structured, { timeoutSeconds: 10 })], onLog: (_name, line) => lines.push(line) });

    await runtime.invoke('structured', {});

    await vi.waitFor(() => expect(lines.some((line) => line.includes('user enrolled'))).toBe(true));
    const entry = JSON.parse(lines.find((line) => line.includes('user enrolled'))!);
    expect(entry).toMatchObject({ level: 'INFO', message: 'user enrolled', service: 'face-kit', step: 'index' });
  });

  it('retries a failed asynchronous invocation twice, as Lambda does', async () => {
    // Prepare: the function fails on its first two attempts
    const attemptsFile = bundles.scratch('flaky-attempts.txt');
    const flaky = bundles.write('flaky', 'index.mjs', `
      import { appendFileSync, existsSync, readFileSync } from 'node:fs';
      export const handler = async (event) => {
        appendFileSync(process.env.ATTEMPTS_FILE, event.id + '\\n');
        const attempts = readFileSync(process.env.ATTEMPTS_FILE, 'utf8').trim().split('\\n').length;
        if (attempts < 3) throw new Error('not yet (' + attempts + ')');
        return 'done';
      };
    `);
    const lines: string[] = [];
    runtime = createLambdaRuntime({
      functions: [definition('flaky', flaky, { environment: { ATTEMPTS_FILE: attemptsFile } })],
      asyncRetryDelaysMs: [50, 50],
      onLog: (_name, line) => lines.push(line),
    });

    // Act
    const accepted = runtime.invokeAsync('flaky', { id: 'event-1' });

    // Assess
    await expect(accepted).resolves.toBeUndefined();
    await runtime.drainAsync();
    expect(readFileSync(attemptsFile, 'utf8')).toBe('event-1\nevent-1\nevent-1\n');
    expect(lines.filter((line) => line.startsWith('Asynchronous invocation failed'))).toHaveLength(2);
  });

  it('drops an asynchronous event after three failed attempts and says so in the log', async () => {
    const attemptsFile = bundles.scratch('always-failing-attempts.txt');
    const alwaysFailing = bundles.write('always-failing', 'index.mjs', `
      import { appendFileSync } from 'node:fs';
      export const handler = async () => { appendFileSync(process.env.ATTEMPTS_FILE, 'x'); throw new Error('broken'); };
    `);
    const lines: string[] = [];
    runtime = createLambdaRuntime({
      functions: [definition('always-failing', alwaysFailing, { environment: { ATTEMPTS_FILE: attemptsFile } })],
      asyncRetryDelaysMs: [20, 20],
      onLog: (_name, line) => lines.push(line),
    });

    await runtime.invokeAsync('always-failing', {});
    await runtime.drainAsync();

    expect(readFileSync(attemptsFile, 'utf8')).toBe('xxx');
    expect(lines).toContain('Asynchronous invocation failed (attempt 3 of 3), event dropped: Error: broken');
  });

  it('delivers at the next start an asynchronous event that the runtime closed on, and only that one', async () => {
    const dataDir = bundles.scratch('async-data');
    const deliveredFile = bundles.scratch('async-delivered.txt');
    const recorder = bundles.write('recorder', 'index.mjs', `
      import { appendFileSync } from 'node:fs';
      export const handler = async (event) => {
        if (event.hang) await new Promise(() => undefined);
        appendFileSync(process.env.DELIVERED_FILE, event.id + '\\n');
      };
    `);
    const functions = [definition('recorder', recorder, { environment: { DELIVERED_FILE: deliveredFile }, timeoutSeconds: 30 })];
    const starts: string[] = [];
    // One environment, so the second event waits behind the one that hangs.
    const first = createLambdaRuntime({
      functions, dataDir, maxConcurrencyPerFunction: 1, onLog: (_name, line) => line.startsWith('START') && starts.push(line),
    });
    await first.invokeAsync('recorder', { id: 'delivered' });
    await first.drainAsync();
    await first.invokeAsync('recorder', { id: 'in-flight', hang: true });
    await first.invokeAsync('recorder', { id: 'waiting' });
    await vi.waitFor(() => expect(starts).toHaveLength(2));
    await first.close();
    expect(readFileSync(deliveredFile, 'utf8')).toBe('delivered\n');

    runtime = createLambdaRuntime({ functions, dataDir, onLog: () => undefined });
    const resumed = runtime.resumeAsync();

    expect(resumed).toBe(2);
    // The hanging one hangs again, in its own environment: the one that waited behind it is recorded.
    await vi.waitFor(() => expect(readFileSync(deliveredFile, 'utf8')).toBe('delivered\nwaiting\n'));
  });

  it('throws, before it returns, an asynchronous event it could not write down; an unknown function is a rejection', async () => {
    const quiet = bundles.write('quiet-kept', 'index.mjs', 'export const handler = async () => undefined;');
    runtime = createLambdaRuntime({ functions: [definition('kept', quiet)], dataDir: bundles.scratch('async-data-full'), onLog: () => undefined });
    const diskFull = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const accept = vi.spyOn(AsyncInvocationLog.prototype, 'accept').mockImplementation(() => {
      throw diskFull;
    });
    try {
      // S3 hands its events over before it answers: a throw there is a 500 rather than an acknowledged, lost event.
      expect(() => runtime!.invokeAsync('kept', {})).toThrow(diskFull);
    } finally {
      accept.mockRestore();
    }
    await expect(runtime.invokeAsync('missing', {})).rejects.toMatchObject({ errorType: 'ResourceNotFoundException' });
  });

  it('drops at the next start an event for a function no longer in the stack, and says so', async () => {
    const dataDir = bundles.scratch('async-data-gone');
    const quiet = bundles.write('quiet', 'index.mjs', 'export const handler = async () => new Promise(() => undefined);');
    const first = createLambdaRuntime({ functions: [definition('renamed-away', quiet, { timeoutSeconds: 30 })], dataDir, onLog: () => undefined });
    await first.invokeAsync('renamed-away', {});
    await first.close();
    const lines: string[] = [];

    runtime = createLambdaRuntime({ functions: [definition('other', quiet)], dataDir, onLog: (name, line) => lines.push(`${name}: ${line}`) });

    expect(runtime.resumeAsync()).toBe(1);
    expect(lines).toEqual(['renamed-away: Asynchronous invocation from before the restart dropped: the function is no longer in the stack']);
    await runtime.close();
    runtime = createLambdaRuntime({ functions: [definition('other', quiet)], dataDir, onLog: () => undefined });
    expect(runtime.resumeAsync()).toBe(0);
  });

  it('replaces an environment that a late unhandled rejection killed', async () => {
    const careless = bundles.write('careless', 'index.mjs', `
      let invocationsInThisEnvironment = 0;
      export const handler = async (event) => {
        invocationsInThisEnvironment += 1;
        if (event.leaveRejection) setTimeout(() => Promise.reject(new Error('late failure')), 10);
        return invocationsInThisEnvironment;
      };
    `);
    const lines: string[] = [];
    runtime = createLambdaRuntime({ functions: [definition('careless', careless)], onLog: (_name, line) => lines.push(line) });

    const first = await runtime.invoke('careless', { leaveRejection: true });
    await vi.waitFor(() => expect(lines).toContain('Uncaught Error: late failure'));
    const second = await runtime.invoke('careless', {});

    expect(first).toBe(1);
    expect(second).toBe(1);
  });

  it('reports a missing handler export as Runtime.HandlerNotFound', async () => {
    const wrongExport = bundles.write('wrong-export', 'index.mjs', 'export const main = async () => 1;');
    runtime = createLambdaRuntime({ functions: [definition('wrong-export', wrongExport)], onLog: () => undefined });

    const error = await runtime.invoke('wrong-export', {}).catch((caught: unknown) => caught);

    expect((error as FunctionError).errorType).toBe('Unhandled');
    expect((error as FunctionError).payload).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.handler is undefined or not exported' });
  });

  describe('with the AWS SDK inside the function', () => {
    let fakeDynamoDb: Server;
    const targets: string[] = [];

    beforeAll(async () => {
      fakeDynamoDb = createServer((request, response) => {
        targets.push(String(request.headers['x-amz-target']));
        request.resume();
        request.on('end', () => {
          response.setHeader('content-type', 'application/x-amz-json-1.0');
          response.end(JSON.stringify({ TableNames: ['answered-by-the-fake'] }));
        });
      });
      await new Promise<void>((listening) => fakeDynamoDb.listen(0, '127.0.0.1', listening));
    });
    afterAll(() => new Promise<void>((closed) => fakeDynamoDb.close(() => closed())));

    it('reaches the endpoint given by AWS_ENDPOINT_URL', async () => {
      const listTables = bundles.write('list-tables', 'index.mjs', `
        import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
        const client = new DynamoDBClient({});
        export const handler = async () => (await client.send(new ListTablesCommand({}))).TableNames;
      `);
      const { port } = fakeDynamoDb.address() as AddressInfo;
      runtime = createLambdaRuntime({
        functions: [definition('list-tables', listTables, { timeoutSeconds: 20 })],
        baseEnv: { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` },
        onLog: () => undefined,
      });

      const tableNames = await runtime.invoke('list-tables', {});

      expect(tableNames).toEqual(['answered-by-the-fake']);
      expect(targets).toContain('DynamoDB_20120810.ListTables');
    });
  });
});
