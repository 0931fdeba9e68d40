// FACEKIT_FUNCTION_LOGS: the routine lines of every invocation can be left out of the kit's output,
// never a warning, an error or a timeout.
import { describe, expect, it } from 'vitest';
import { functionLogLevelFromEnv, printsFunctionLine } from './function-log-filter.js';

const LINES = {
  start: 'START RequestId: b2e08937-f96e-4976-bbdd-7becd5ae1a0a Version: $LATEST',
  end: 'END RequestId: b2e08937-f96e-4976-bbdd-7becd5ae1a0a',
  report: 'REPORT RequestId: b2e08937-f96e-4976-bbdd-7becd5ae1a0a\tDuration: 8.18 ms\tBilled Duration: 9 ms\tMemory Size: 256 MB\tMax Memory Used: 22 MB',
  info: '{"level":"INFO","message":"sign-up accepted","timestamp":"2026-12-03T15:00:02.303Z","service":"cognito-face-kit"}',
  debug: '{"level":"DEBUG","message":"detail"}',
  warn: '{"level":"WARN","message":"face matched one replaced during the check: refused"}',
  error: '{"level":"ERROR","message":"indexing failed"}',
  timeout: '2026-12-03T15:00:02.303Z b2e08937 Task timed out after 5.00 seconds',
  uncaught: 'Uncaught TypeError: cannot read properties of undefined',
  consoleInfo: '2026-12-03T15:00:02.303Z\tb2e08937-f96e-4976-bbdd-7becd5ae1a0a\tINFO\tchecked',
  consoleWarn: '2026-12-03T15:00:02.303Z\tb2e08937-f96e-4976-bbdd-7becd5ae1a0a\tWARN\tslow',
  raw: 'a raw write to stdout',
};

describe('the functions’ log lines the kit prints', () => {
  it('prints every line by default', () => {
    const level = functionLogLevelFromEnv(undefined);
    expect(Object.values(LINES).every((line) => printsFunctionLine(level, line))).toBe(true);
    expect(functionLogLevelFromEnv('')).toBe('all');
    expect(functionLogLevelFromEnv('all')).toBe('all');
  });

  it('with warnings, leaves out START, END, REPORT and routine JSON lines, and keeps the rest', () => {
    const level = functionLogLevelFromEnv('warnings');
    const printed = Object.entries(LINES).filter(([, line]) => printsFunctionLine(level, line)).map(([name]) => name);
    expect(printed).toEqual(['warn', 'error', 'timeout', 'uncaught', 'consoleWarn', 'raw']);
  });

  it('stops the start on another value, naming the ones it takes', () => {
    expect(() => functionLogLevelFromEnv('quiet')).toThrow('FACEKIT_FUNCTION_LOGS: "quiet" is not one of all (every line, the default) or warnings');
  });
});
