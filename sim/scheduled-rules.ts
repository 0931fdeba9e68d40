// The template's scheduled EventBridge rules, run by the embedded cloud: each `rate(...)` rule
// invokes its functions asynchronously, as EventBridge does, with the "Scheduled Event" it sends.
// The first run comes one interval after the start, as a rule's first run comes about one
// interval after it is created; to run one now, invoke its function (`aws lambda invoke`).
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from './clock.js';
import type { PlannedSchedule } from './cloud-assembly/stack-plan.js';
import type { FunctionInvoker } from './lambda/function-invoker.js';

/** What EventBridge delivers to a scheduled rule's target. */
export function scheduledEvent(schedule: PlannedSchedule, options: { region: string; accountId: string; now: number }) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: options.accountId,
    // Whole seconds, as EventBridge writes it.
    time: new Date(Math.floor(options.now / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region: options.region,
    resources: [schedule.ruleArn],
    detail: {},
  };
}

/** Starts every schedule's timer; the function returned stops them all. */
export function runSchedules(
  schedules: PlannedSchedule[],
  options: { invoker: FunctionInvoker; region: string; accountId: string; clock?: Clock; onError(error: unknown): void },
): () => void {
  const clock = options.clock ?? systemClock;
  const timers = new Map<PlannedSchedule, NodeJS.Timeout>();
  let stopped = false;
  const wait = (schedule: PlannedSchedule, remainingMs: number): void => {
    if (stopped) return;
    // Node's timers hold at most about 24.8 days: a longer rate waits in steps.
    const step = Math.min(remainingMs, LONGEST_TIMER_MS);
    const timer = setTimeout(() => {
      if (remainingMs > step) return wait(schedule, remainingMs - step);
      const event = scheduledEvent(schedule, { ...options, now: clock.now() });
      for (const functionName of schedule.functionNames) {
        // Thrown when the event could not be kept (sim/lambda/function-invoker.ts): this run is missed, the next one comes.
        try {
          options.invoker.invokeAsync(functionName, event).catch(options.onError);
        } catch (error) {
          options.onError(error);
        }
      }
      wait(schedule, schedule.intervalMs);
    }, step);
    // A schedule never keeps the process alive by itself.
    timer.unref();
    timers.set(schedule, timer);
  };
  for (const schedule of schedules) wait(schedule, schedule.intervalMs);
  return () => {
    stopped = true;
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  };
}

const LONGEST_TIMER_MS = 2 ** 31 - 1;
