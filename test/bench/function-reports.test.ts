import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { describeFunctions, summarizeReports } from '../../bench/function-reports.js';
import { createLambdaRuntime, type LambdaRuntime } from '../../sim/lambda/lambda-runtime.js';
import { FunctionBundles, SLEEP_AND_KEEP_SOURCE, testFunction } from '../lambda/function-bundles.js';

const bundles = new FunctionBundles();
afterAll(() => bundles.remove());
let runtime: LambdaRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

const sleepAndKeep = bundles.write('sleep-and-keep', 'index.mjs', SLEEP_AND_KEEP_SOURCE);
const definition = (name: string) => testFunction(name, sleepAndKeep);

describe('summarizeReports', () => {
  it('reads the REPORT lines the runtime writes, as `npm start` prints them: runs, durations, environments started, memory', async () => {
    const printed: string[] = [];
    runtime = createLambdaRuntime({
      functions: [definition('QuickFunctionAB12CD34'), definition('SlowFunction0A1B2C3D')],
      maxConcurrencyPerFunction: 2,
      // As sim/embedded-cloud.ts prints a function's lines.
      onLog: (name, line) => printed.push(`[${name}] ${line}`),
    });

    for (let run = 0; run < 6; run++) await runtime.invoke('QuickFunctionAB12CD34', {});
    // Two at once: the pool starts a second environment.
    await Promise.all([runtime.invoke('SlowFunction0A1B2C3D', { sleepMs: 60 }), runtime.invoke('SlowFunction0A1B2C3D', { sleepMs: 60, keepMb: 30 })]);
    await runtime.invoke('SlowFunction0A1B2C3D', { sleepMs: 40 });
    printed.push('[QuickFunctionAB12CD34] 2026-11-30T00:00:00.000Z\tabc\tINFO\tREPORT RequestId: in a message is not a report');

    const figures = summarizeReports(printed);

    expect(figures.map(({ name, invocations, environmentsStarted }) => ({ name, invocations, environmentsStarted }))).toEqual([
      { name: 'QuickFunction', invocations: 6, environmentsStarted: 1 },
      { name: 'SlowFunction', invocations: 3, environmentsStarted: 2 },
    ]);
    const [quick, slow] = figures;
    // Timer callbacks may fire up to a millisecond early by the monotonic clock.
    expect(slow!.p50).toBeGreaterThanOrEqual(59);
    expect(slow!.max).toBeGreaterThanOrEqual(slow!.p50);
    expect(Math.min(slow!.p50, slow!.p99)).toBeGreaterThanOrEqual(39);
    // The 30 MB one environment keeps shows in the function's largest figure. Two environments'
    // own heaps differ by a few MB (how far each has grown since its last collection), so the
    // margin over the quick function is 30 MB less that slack; without the kept memory both
    // read about the same (12 MB each here).
    expect(slow!.maxMemoryUsedMb).toBeGreaterThanOrEqual(30);
    expect(slow!.maxMemoryUsedMb - quick!.maxMemoryUsedMb).toBeGreaterThanOrEqual(24);

    const described = describeFunctions(figures);
    expect(described).toHaveLength(2);
    expect(described[1]).toMatch(/^ {2}SlowFunction {2}\s+3 runs {3}p50 +\d+\.\d ms {3}p99 +\d+\.\d ms {3}max +\d+\.\d ms {3}2 environments started {3}max memory \d+ MB$/);
    expect(described[0]).toContain('   1 environment started   ');
  });

  it('is empty without REPORT lines', () => {
    expect(summarizeReports(['[QuickFunctionAB12CD34] START RequestId: x Version: $LATEST', 'sim ready'])).toEqual([]);
  });
});
