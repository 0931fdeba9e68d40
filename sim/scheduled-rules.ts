// The template's scheduled EventBridge rules, run by the embedded cloud: each `rate(...)` rule
// invokes its functions asynchronously, as EventBridge does, with the "Scheduled Event" it sends.
// The first run comes one interval after the rule first runs in a data folder, as a rule's first
// run comes about one interval after it is created, and each next run an interval after the last.
// A restart keeps the time (the state file): a kit restarted every day used to postpone its daily
// sweep by a day at every start, so the sweep never ran (a soak audit: 910 deleted users' faces
// kept). A run due while the kit was stopped comes a minute after the next start. To run one now,
// invoke its function (`aws lambda invoke`).
import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemClock, type Clock } from './clock.js';
import type { PlannedSchedule } from './cloud-assembly/stack-plan.js';
import { isJsonObject, readJsonFile } from './damaged-data.js';
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

/** How long after the start a run missed while the kit was stopped comes: the start's own work first. */
export const CATCH_UP_DELAY_MS = 60_000;

/**
 * Starts every schedule's timer; the function returned stops them all. `stateFile`: where each
 * rule's next run is kept across restarts (JSON, rule ARN to epoch ms); without one, every start
 * waits a whole interval.
 */
export function runSchedules(
  schedules: PlannedSchedule[],
  options: { invoker: FunctionInvoker; region: string; accountId: string; clock?: Clock; stateFile?: string; onError(error: unknown): void },
): () => void {
  const clock = options.clock ?? systemClock;
  const timers = new Map<PlannedSchedule, NodeJS.Timeout>();
  const nextRuns = readNextRuns(options.stateFile);
  const remember = (schedule: PlannedSchedule, nextRunAt: number) => {
    nextRuns[schedule.ruleArn] = nextRunAt;
    if (!options.stateFile) return;
    try {
      writeNextRuns(options.stateFile, nextRuns);
    } catch (error) {
      options.onError(error);
    }
  };
  let stopped = false;
  const wait = (schedule: PlannedSchedule, remainingMs: number): void => {
    if (stopped) return;
    // Node's timers hold at most about 24.8 days: a longer rate waits in steps.
    const step = Math.min(remainingMs, LONGEST_TIMER_MS);
    const timer = setTimeout(() => {
      if (remainingMs > step) return wait(schedule, remainingMs - step);
      remember(schedule, clock.now() + schedule.intervalMs);
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
  for (const schedule of schedules) {
    const now = clock.now();
    const due = nextRuns[schedule.ruleArn];
    // A time further off than one interval is not one this kit wrote (a clock turned back): start afresh.
    if (due === undefined || due - now > schedule.intervalMs) {
      remember(schedule, now + schedule.intervalMs);
      wait(schedule, schedule.intervalMs);
    } else {
      wait(schedule, due <= now ? CATCH_UP_DELAY_MS : due - now);
    }
  }
  return () => {
    stopped = true;
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  };
}

const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** Each rule's next run, as the kit writes it: rule ARN to epoch ms. */
function isNextRuns(value: unknown): value is Record<string, number> {
  return isJsonObject(value) && Object.values(value).every((time) => typeof time === 'number' && Number.isFinite(time));
}

/**
 * The kept next runs. The file is written aside and renamed, so one that cannot be read came from
 * outside: the start stops and names it (DamagedDataError), as for the kit's other files, rather
 * than quietly postponing every rule by an interval.
 */
function readNextRuns(stateFile: string | undefined): Record<string, number> {
  if (!stateFile) return {};
  return readJsonFile("the scheduled rules' next runs", stateFile, isNextRuns) ?? {};
}

/** Written then renamed: a crash leaves the old file or the new one, never half of one. */
function writeNextRuns(stateFile: string, nextRuns: Record<string, number>): void {
  mkdirSync(dirname(stateFile), { recursive: true });
  const temporary = `${stateFile}.tmp`;
  writeFileSync(temporary, JSON.stringify(nextRuns) + '\n');
  renameSync(temporary, stateFile);
}
