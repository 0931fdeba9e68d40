// Gives back to the system the memory this process has freed, once the kit is quiet.
//
// glibc's malloc hands freed memory back only from the top of each arena. What the function
// workers, request buffers and decoded photos free elsewhere stays in the process, counted in its
// RSS. After a 16-client load that was 30-45 MiB: the kit stayed about 20 % above its idle RSS for
// as long as it ran, while one malloc_trim(0) (called from a debugger) took it below idle
// (docs/lambda-dynamodb.md, "Memory after a load"). So the kit calls malloc_trim(0) itself, every
// 10 s while its event loop is quiet.
//
// Node has no binding for it: the call goes through koffi, an FFI whose npm package ships prebuilt
// binaries (as sharp's and classic-level's do). Where there is no glibc (macOS, musl, Windows)
// there is nothing to call, and nothing is done.
import { performance } from 'node:perf_hooks';

/** Hands free memory back to the system; returns whether any was released. */
export type ReleaseFreedMemory = () => boolean;

/**
 * glibc's `malloc_trim(0)`, or undefined where this process does not run on glibc. Loading koffi
 * takes about 15 ms: call it once the server answers.
 */
export async function glibcMallocTrim(): Promise<ReleaseFreedMemory | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    const { default: koffi } = await import('koffi');
    // musl has no libc.so.6, and no malloc_trim either: both throw here.
    const mallocTrim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as (pad: number) => number;
    return () => mallocTrim(0) === 1;
  } catch {
    return undefined;
  }
}

export interface QuietReleaseOptions {
  release: ReleaseFreedMemory;
  /** How often the event loop is looked at. Default 10 s. */
  intervalMs?: number;
  /**
   * The event loop counts as quiet below this share of busy time since the last look. Default 5 %:
   * under load the memory freed is soon needed again, and releasing it would only cost page faults.
   */
  quietBelow?: number;
  /** The event loop's busy share since the previous call (tests give their own). */
  loopUtilization?: () => number;
}

/**
 * Releases freed memory at every look that finds the event loop quiet. On an idle kit a release
 * that finds nothing to give back costs about 0.1-0.2 ms, every 10 s. Returns a stop function.
 */
export function releaseFreedMemoryWhenQuiet(options: QuietReleaseOptions): () => void {
  const quietBelow = options.quietBelow ?? 0.05;
  const loopUtilization = options.loopUtilization ?? eventLoopUtilizationMeter();
  const timer = setInterval(() => {
    if (loopUtilization() < quietBelow) options.release();
  }, options.intervalMs ?? 10_000);
  // Never what keeps the process alive.
  timer.unref();
  return () => clearInterval(timer);
}

/** The share of time the event loop was busy between one call and the next. */
function eventLoopUtilizationMeter(): () => number {
  let previous = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, previous);
    previous = now;
    return utilization;
  };
}
