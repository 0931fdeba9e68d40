// The lock two starts take before synthesizing (or building the web page) into one folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockFolder } from './synth-cache.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function lockPath(): string {
  const folder = mkdtempSync(join(tmpdir(), 'facekit-lock-'));
  folders.push(folder);
  return join(folder, 'cdk.out.lock');
}

/** The pid of a process that has ended. */
function endedPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('lockFolder', () => {
  it('names its holder, and is gone once released', async () => {
    const path = lockPath();
    const release = await lockFolder(path);
    expect(readFileSync(join(path, 'pid'), 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(path)).toBe(false);
  });

  it('takes over at once a lock whose holder has ended (a start stopped by Ctrl-C while it synthesized)', async () => {
    const path = lockPath();
    mkdirSync(path);
    writeFileSync(join(path, 'pid'), String(endedPid()));
    const waits: Array<number | undefined> = [];

    const release = await lockFolder(path, (pid) => waits.push(pid));

    expect(waits).toEqual([]);
    expect(readFileSync(join(path, 'pid'), 'utf8')).toBe(String(process.pid));
    release();
  });

  it('waits for a live holder, saying so once, and takes the lock when it is released', async () => {
    const path = lockPath();
    const held = await lockFolder(path);
    const waits: Array<number | undefined> = [];
    let taken = false;
    const second = lockFolder(path, (pid) => waits.push(pid)).then((release) => {
      taken = true;
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect([taken, waits]).toEqual([false, [process.pid]]);

    held();
    (await second)();
    expect(waits).toEqual([process.pid]);
  });

  it('takes over a lock without a pid only once it is 10 minutes old', async () => {
    const path = lockPath();
    mkdirSync(path);
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(path, old, old);
    (await lockFolder(path))();
    expect(existsSync(path)).toBe(false);
  });
});
