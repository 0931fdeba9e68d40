// What the functions' REPORT lines say about a run: how often each ran, how long it took, and how
// many execution environments it started (a REPORT with an Init Duration is an environment's
// first). `npm run load` prints it, so a slow trigger or a pool still growing under load shows by
// name rather than only in the sign-in's total.
import { percentile } from './face-users.js';

export interface FunctionFigures {
  /** The function's logical id in the stack, without CDK's hash suffix. */
  name: string;
  invocations: number;
  /** Duration from the REPORT lines, ms. */
  p50: number;
  p99: number;
  max: number;
  /**
   * REPORT lines with an Init Duration: environments that served their first invocation. In a
   * window after warm-up, the environments a pool grew by (or a warm one serving for the first time).
   */
  environmentsStarted: number;
  /** The largest Max Memory Used reported, MB. */
  maxMemoryUsedMb: number;
}

/** `[<function>] REPORT RequestId: ...`, as `npm start` prints a function's REPORT line. */
const REPORT_LINE = /^\[([^\]]+)\] REPORT RequestId: /;

/** Whether `npm start` printed this line as a function's REPORT line. */
export const isReportLine = (line: string): boolean => REPORT_LINE.test(line);

/** One entry per function that reported, the most invoked first. */
export function summarizeReports(lines: Iterable<string>): FunctionFigures[] {
  const byName = new Map<string, { durations: number[]; environmentsStarted: number; maxMemoryUsedMb: number }>();
  for (const line of lines) {
    const report = REPORT_LINE.exec(line);
    if (!report) continue;
    const fields = new Map(
      line
        .split('\t')
        .slice(1)
        .map((field) => /^([A-Za-z ]+): (\d+(?:\.\d+)?) (?:ms|MB)$/.exec(field))
        .filter((match) => match !== null)
        .map((match) => [match[1]!, Number(match[2])]),
    );
    const duration = fields.get('Duration');
    if (duration === undefined) continue;
    // CDK names a function's logical id with an 8-character hash of its path.
    const name = report[1]!.replace(/[0-9A-F]{8}$/, '');
    const entry = byName.get(name) ?? { durations: [], environmentsStarted: 0, maxMemoryUsedMb: 0 };
    byName.set(name, entry);
    entry.durations.push(duration);
    if (fields.has('Init Duration')) entry.environmentsStarted++;
    entry.maxMemoryUsedMb = Math.max(entry.maxMemoryUsedMb, fields.get('Max Memory Used') ?? 0);
  }
  return [...byName]
    .map(([name, { durations, environmentsStarted, maxMemoryUsedMb }]) => {
      const sorted = durations.sort((a, b) => a - b);
      return {
        name,
        invocations: sorted.length,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted.at(-1)!,
        environmentsStarted,
        maxMemoryUsedMb,
      };
    })
    .sort((a, b) => b.invocations - a.invocations || a.name.localeCompare(b.name));
}

/** The figures as aligned text lines. */
export function describeFunctions(figures: FunctionFigures[]): string[] {
  const width = Math.max(...figures.map(({ name }) => name.length));
  return figures.map(
    (entry) =>
      `  ${entry.name.padEnd(width)}  ${String(entry.invocations).padStart(6)} runs   p50 ${entry.p50.toFixed(1).padStart(6)} ms   ` +
      `p99 ${entry.p99.toFixed(1).padStart(6)} ms   max ${entry.max.toFixed(1).padStart(6)} ms   ` +
      `${entry.environmentsStarted} environment${entry.environmentsStarted === 1 ? '' : 's'} started   max memory ${entry.maxMemoryUsedMb} MB`,
  );
}
