import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scratchFolders } from '../test/scratch-folders.js';
import type { PlannedSchedule } from './cloud-assembly/stack-plan.js';
import { CATCH_UP_DELAY_MS, runSchedules } from './scheduled-rules.js';

const newFolder = scratchFolders('facekit-schedules-');

const DAY = 86_400_000;
const schedule = (intervalMs: number): PlannedSchedule => ({
  logicalId: 'Daily',
  ruleArn: 'arn:aws:events:eu-west-1:000000000000:rule/Demo-Daily',
  expression: 'rate(1 day)',
  intervalMs,
  functionNames: ['Demo-Sweep', 'Demo-Other'],
});

afterEach(() => {
  vi.useRealTimers();
});

describe('scheduled rules in the embedded cloud', () => {
  it('invokes every target asynchronously once per interval, the first one interval after the start, with EventBridge\'s Scheduled Event', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 1, 3, 0, 0, 250) });
    const calls: Array<[string, unknown]> = [];
    const stop = runSchedules([schedule(DAY)], {
      invoker: { invoke: async () => undefined, invokeAsync: async (name, event) => void calls.push([name, event]) },
      region: 'eu-west-1',
      accountId: '000000000000',
      onError: () => undefined,
    });

    vi.advanceTimersByTime(DAY - 1);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(DAY);
    stop();
    vi.advanceTimersByTime(3 * DAY);

    expect(calls.map(([name]) => name)).toEqual(['Demo-Sweep', 'Demo-Other', 'Demo-Sweep', 'Demo-Other']);
    expect(calls[0]![1]).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: '2026-12-02T03:00:00Z',
      region: 'eu-west-1',
      resources: ['arn:aws:events:eu-west-1:000000000000:rule/Demo-Daily'],
      detail: {},
    });
  });

  it('waits out an interval longer than a Node timer holds (about 24.8 days) in steps', () => {
    vi.useFakeTimers();
    let runs = 0;
    const stop = runSchedules([{ ...schedule(30 * DAY), functionNames: ['Demo-Sweep'] }], {
      invoker: { invoke: async () => undefined, invokeAsync: async () => void runs++ },
      region: 'eu-west-1',
      accountId: '000000000000',
      onError: () => undefined,
    });

    vi.advanceTimersByTime(30 * DAY - 1);
    const beforeDue = runs;
    vi.advanceTimersByTime(1);
    stop();

    expect([beforeDue, runs]).toEqual([0, 1]);
  });

  it('reports an invocation that was not accepted, and goes on', () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    const stop = runSchedules([{ ...schedule(1_000), functionNames: ['Demo-Gone'] }], {
      invoker: { invoke: async () => undefined, invokeAsync: () => Promise.reject(new Error('no such function')) },
      region: 'eu-west-1',
      accountId: '000000000000',
      onError: (error) => errors.push(error),
    });

    return vi.advanceTimersByTimeAsync(2_000).then(() => {
      stop();
      expect(errors.map((error) => (error as Error).message)).toEqual(['no such function', 'no such function']);
    });
  });

  it('reports an event the invoker could not keep (thrown, a full disk), and goes on', () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    const stop = runSchedules([{ ...schedule(1_000), functionNames: ['Demo-Sweep'] }], {
      invoker: {
        invoke: async () => undefined,
        invokeAsync: () => {
          throw new Error('ENOSPC: no space left on device, write');
        },
      },
      region: 'eu-west-1',
      accountId: '000000000000',
      onError: (error) => errors.push(error),
    });

    vi.advanceTimersByTime(2_000);
    stop();

    expect(errors.map((error) => (error as Error).message)).toEqual(['ENOSPC: no space left on device, write', 'ENOSPC: no space left on device, write']);
  });

  it('keeps its time across restarts: a kit restarted every day still runs its daily rule, and a run missed while stopped comes a minute after the start', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 1, 3, 0, 0) });
    const stateFile = join(newFolder(), 'lambda', 'schedules.json');
    let runs = 0;
    const start = () => runSchedules([{ ...schedule(DAY), functionNames: ['Demo-Sweep'] }], {
      invoker: { invoke: async () => undefined, invokeAsync: async () => void runs++ },
      region: 'eu-west-1',
      accountId: '000000000000',
      stateFile,
      onError: (error) => {
        throw error;
      },
    });

    // Restarted every 20 hours: each start used to wait a whole day again, so the rule never ran.
    for (let restart = 0; restart < 3; restart++) {
      const stop = start();
      vi.advanceTimersByTime(20 * 3_600_000);
      stop();
    }
    expect(runs).toBe(2); // at 24 h and 48 h
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ [schedule(DAY).ruleArn]: Date.UTC(2026, 11, 4, 3, 0, 0) });

    // Stopped across its time (60 h to 75 h after the first start; due at 72 h): it runs once, a minute after the next start.
    vi.advanceTimersByTime(15 * 3_600_000);
    const stop = start();
    vi.advanceTimersByTime(CATCH_UP_DELAY_MS - 1);
    expect(runs).toBe(2);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(3);
    vi.advanceTimersByTime(DAY);
    stop();
    expect(runs).toBe(4);
  });

  it('starts afresh from a time more than an interval away (a clock turned back)', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 1, 3, 0, 0) });
    const stateFile = join(newFolder(), 'schedules.json');
    let runs = 0;
    writeFileSync(stateFile, JSON.stringify({ [schedule(DAY).ruleArn]: Date.now() + 10 * DAY }));
    const stop = runSchedules([{ ...schedule(DAY), functionNames: ['Demo-Sweep'] }], {
      invoker: { invoke: async () => undefined, invokeAsync: async () => void runs++ },
      region: 'eu-west-1',
      accountId: '000000000000',
      stateFile,
      onError: () => undefined,
    });
    vi.advanceTimersByTime(DAY - 1);
    expect(runs).toBe(0);
    vi.advanceTimersByTime(1);
    stop();
    expect(runs).toBe(1);
  });

  it.each([
    ['cut short', '{"cut short', 'not JSON (cut short or overwritten)'],
    ['empty', '', 'empty'],
    ['of another shape', JSON.stringify({ 'arn:aws:events:eu-west-1:000000000000:rule/Demo-Daily': 'tomorrow' }), 'JSON, but not of the shape the kit writes'],
  ])('stops the start on a state file %s, naming it and leaving it as it is', (_, content, problem) => {
    const stateFile = join(newFolder(), 'schedules.json');
    writeFileSync(stateFile, content);
    const start = () =>
      runSchedules([schedule(DAY)], {
        invoker: { invoke: async () => undefined, invokeAsync: async () => undefined },
        region: 'eu-west-1',
        accountId: '000000000000',
        stateFile,
        onError: () => undefined,
      });

    expect(start).toThrow(expect.objectContaining({ name: 'DamagedDataError', file: stateFile, problem }));
    expect(readFileSync(stateFile, 'utf8')).toBe(content);
  });
});
