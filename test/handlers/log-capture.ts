// Everything the functions log in a test (Powertools writes JSON lines: INFO to stdout, WARN and
// ERROR to stderr), so tests can assert what must never appear in the logs.
import { afterEach, beforeEach, vi } from 'vitest';

export function captureLogs(): { text: () => string } {
  let lines: string[] = [];
  const keep = (chunk: string | Uint8Array) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true; // kept, not echoed: the test output stays readable
  };
  beforeEach(() => {
    lines = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(keep);
    vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  });
  afterEach(() => {
    vi.mocked(process.stdout.write).mockRestore();
    vi.mocked(process.stderr.write).mockRestore();
  });
  return { text: () => lines.join('') };
}
