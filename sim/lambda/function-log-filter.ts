// Which of the functions' log lines the kit prints. One sign-in writes 28 (START, END,
// REPORT and the handlers' INFO lines, from 5-6 functions): a soak audit measured 5 MiB of output
// per 1,000 operations, gigabytes a day for a kit whose output goes to a file.
// FACEKIT_FUNCTION_LOGS=warnings keeps what calls for attention: the handlers' WARN and ERROR
// lines, errors, timeouts, crashes, anything not in those routine shapes. The lines a caller
// asks for with an invocation (`LogType: Tail`) are never filtered.

export type FunctionLogLevel = 'all' | 'warnings';

const ROUTINE_INVOCATION_LINE = /^(START|END|REPORT) RequestId: /;
/** A Powertools (or any JSON) log line at a routine level. */
const ROUTINE_JSON_LINE = /^\{"level":"(DEBUG|INFO|TRACE)"/;
/** A `console.log` / `console.info` / `console.debug` line, as Lambda formats it: `<time>\t<requestId>\tINFO\t<message>`. */
const ROUTINE_CONSOLE_LINE = /^\S+\t\S+\t(DEBUG|INFO|TRACE)\t/;

/** `FACEKIT_FUNCTION_LOGS`: `all` (the default) or `warnings`; anything else stops the start. */
export function functionLogLevelFromEnv(value: string | undefined): FunctionLogLevel {
  if (value === undefined || value === '' || value === 'all') return 'all';
  if (value === 'warnings') return 'warnings';
  throw new Error(`FACEKIT_FUNCTION_LOGS: ${JSON.stringify(value)} is not one of all (every line, the default) or warnings (only WARN and ERROR lines, errors and timeouts)`);
}

/** Whether a function's log line is printed at `level`. */
export function printsFunctionLine(level: FunctionLogLevel, line: string): boolean {
  return level === 'all' || ![ROUTINE_INVOCATION_LINE, ROUTINE_JSON_LINE, ROUTINE_CONSOLE_LINE].some((routine) => routine.test(line));
}
