import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { glibcMallocTrim, releaseFreedMemoryWhenQuiet } from '../../sim/freed-memory.js';

const moduleUrl = new URL('../../sim/freed-memory.ts', import.meta.url).href;
const onGlibc = process.platform === 'linux' && !!(process.report?.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;

describe('releaseFreedMemoryWhenQuiet', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('releases at each look that finds the event loop quiet, and not while it is busy', () => {
    vi.useFakeTimers();
    const utilizations = [0.9, 0.2, 0.049, 0.05, 0, 0.5];
    const release = vi.fn(() => true);
    const stop = releaseFreedMemoryWhenQuiet({ release, intervalMs: 1_000, quietBelow: 0.05, loopUtilization: () => utilizations.shift()! });
    vi.advanceTimersByTime(999);
    expect(release).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(release).toHaveBeenCalledTimes(0); // 0.9: busy
    vi.advanceTimersByTime(1_000);
    expect(release).toHaveBeenCalledTimes(0); // 0.2
    vi.advanceTimersByTime(1_000);
    expect(release).toHaveBeenCalledTimes(1); // 0.049: quiet
    vi.advanceTimersByTime(1_000);
    expect(release).toHaveBeenCalledTimes(1); // 0.05: not below the bound
    vi.advanceTimersByTime(1_000);
    expect(release).toHaveBeenCalledTimes(2); // 0: quiet
    stop();
    vi.advanceTimersByTime(10_000);
    expect(release).toHaveBeenCalledTimes(2);
    expect(utilizations).toEqual([0.5]);
  });

  it('looks every 10 s, and finds the loop quiet below 5 % busy, by default', () => {
    vi.useFakeTimers();
    const release = vi.fn(() => true);
    const looks: number[] = [];
    const stop = releaseFreedMemoryWhenQuiet({ release, loopUtilization: () => (looks.push(Date.now()), looks.length === 1 ? 0.0499 : 0.05) });
    expect(vi.getTimerCount()).toBe(1);
    const start = Date.now();
    vi.advanceTimersByTime(20_000);
    expect(looks.map((at) => at - start)).toEqual([10_000, 20_000]);
    expect(release).toHaveBeenCalledTimes(1);
    stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('measures the real event loop when no meter is given: a busy loop gets no release', async () => {
    const release = vi.fn(() => true);
    const stop = releaseFreedMemoryWhenQuiet({ release, intervalMs: 50 });
    const busyUntil = performance.now() + 120;
    while (performance.now() < busyUntil) {
      // The loop is held: the look that follows finds it busy.
    }
    await new Promise((resume) => setTimeout(resume, 20));
    expect(release).not.toHaveBeenCalled();
    await new Promise((resume) => setTimeout(resume, 200));
    stop();
    expect(release).toHaveBeenCalled();
  });
});

describe.skipIf(!onGlibc)('glibcMallocTrim (glibc)', () => {
  it('gives back to the system the memory freed inside the arenas, which freeing alone does not', () => {
    // In a process of its own, so that nothing else allocates meanwhile: 256 MiB in 64 KiB
    // buffers (below malloc's mmap threshold, so inside an arena), then freed.
    const script = `
      const { glibcMallocTrim } = await import(${JSON.stringify(moduleUrl)});
      const release = await glibcMallocTrim();
      const rss = () => process.memoryUsage().rss / 1048576;
      let buffers = Array.from({ length: 4096 }, () => Buffer.allocUnsafeSlow(64 * 1024).fill(7));
      const filled = rss();
      buffers = undefined;
      globalThis.gc();
      await new Promise((resume) => setTimeout(resume, 50));
      const freed = rss();
      const released = release();
      console.log(JSON.stringify({ filled, freed, released, after: rss() }));
    `;
    const output = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    });
    const { filled, freed, released, after } = JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, number | boolean>;
    expect(released).toBe(true);
    // Freed but kept: the RSS barely moved. Released: most of the 256 MiB left the process.
    expect(filled as number - (freed as number)).toBeLessThan(64);
    expect(freed as number - (after as number)).toBeGreaterThan(192);
  });
});

describe.skipIf(process.platform === 'linux')('glibcMallocTrim (no glibc)', () => {
  it('is undefined', async () => {
    expect(await glibcMallocTrim()).toBeUndefined();
  });
});
