import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PlannedSchedule } from './cloud-assembly/stack-plan.js';
import { runSchedules } from './scheduled-rules.js';

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
});
