import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AsyncInvocationLog } from '../../sim/lambda/async-invocation-log.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function logFile(): string {
  dir = mkdtempSync(join(tmpdir(), 'facekit-async-log-'));
  return join(dir, 'lambda', 'async-invocations.jsonl');
}

describe('AsyncInvocationLog', () => {
  it('gives the next start what was accepted and not finished, and nothing that finished', () => {
    const file = logFile();
    const first = new AsyncInvocationLog(file);
    const delivered = first.accept('indexer', '{"n":1}');
    first.accept('indexer', '{"n":2}');
    first.accept('sweep', '{"n":3}');
    first.finish(delivered);
    // No close: a kill leaves the file as it is.

    const next = new AsyncInvocationLog(file);

    expect(next.unfinished().map(({ functionName, payload }) => [functionName, payload])).toEqual([
      ['indexer', '{"n":2}'],
      ['sweep', '{"n":3}'],
    ]);
    next.close();
  });

  it('rewrites the file at start with the unfinished entries only', () => {
    const file = logFile();
    const first = new AsyncInvocationLog(file);
    for (let n = 0; n < 50; n++) first.finish(first.accept('indexer', JSON.stringify({ n })));
    const kept = first.accept('indexer', '{"kept":true}');
    first.close();

    const next = new AsyncInvocationLog(file);

    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ id: kept, payload: '{"kept":true}' });
    next.close();
  });

  it('keeps the file near the size of what is in flight while it runs', () => {
    const file = logFile();
    const log = new AsyncInvocationLog(file, { compactAboveBytes: 4096 });
    const inFlight = log.accept('indexer', JSON.stringify({ pad: 'x'.repeat(100) }));
    for (let n = 0; n < 200; n++) log.finish(log.accept('indexer', JSON.stringify({ n, pad: 'x'.repeat(100) })));

    // 200 events of over 150 bytes each, twice over (accepted, finished), came through.
    expect(statSync(file).size).toBeLessThan(4096 + 400);
    log.close();
    expect(new AsyncInvocationLog(file).unfinished().map(({ id }) => id)).toEqual([inFlight]);
  });

  it('does not rewrite a backlog larger than the bar at every finish', () => {
    const file = logFile();
    const log = new AsyncInvocationLog(file, { compactAboveBytes: 4096 });
    // 100 events of about 250 bytes in flight at once: six times the bar (a backlog resumed at a start).
    const ids = Array.from({ length: 100 }, (_, n) => log.accept('indexer', JSON.stringify({ n, pad: 'x'.repeat(200) })));
    let rewrites = 0;
    let inode = statSync(file).ino;
    for (const id of ids) {
      log.finish(id);
      // A rewrite renames a new file over the old one.
      if (statSync(file).ino !== inode) rewrites += 1;
      inode = statSync(file).ino;
    }

    // Rewriting whenever the file is past the bar rewrote all that was left at each of the ~85
    // finishes before the backlog fell under it; waiting until half the file is finished lines
    // rewrites a few times (each rewrite at most half of what was written since the one before).
    expect(rewrites).toBeGreaterThan(0);
    expect(rewrites).toBeLessThan(10);
    log.close();
    expect(new AsyncInvocationLog(file).unfinished()).toEqual([]);
  });

  it('drops a torn last line, whose accept never returned', () => {
    const file = logFile();
    const first = new AsyncInvocationLog(file);
    const whole = first.accept('indexer', '{"whole":true}');
    first.close();
    appendFileSync(file, '{"id":"torn","functionName":"indexer","payl');

    const next = new AsyncInvocationLog(file);

    expect(next.unfinished().map(({ id }) => id)).toEqual([whole]);
    next.close();
  });

  it('stops the start on a damaged line in the middle, naming the file', () => {
    const file = logFile();
    const first = new AsyncInvocationLog(file);
    first.accept('indexer', '{}');
    first.close();
    appendFileSync(file, 'not json\n');
    appendFileSync(file, `${JSON.stringify({ id: 'x', functionName: 'indexer', payload: '{}' })}\n`);

    expect(() => new AsyncInvocationLog(file)).toThrow(/async-invocations\.jsonl/);
  });
});
