// The page's build cache on a copy of web/: built once, reused while its inputs are unchanged,
// rebuilt when one changes, and a production build even under vitest (NODE_ENV=test).
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebPageIfChanged } from './build-cache.js';

const projectDir = resolve(import.meta.dirname, '../..');
let copyDir: string;

beforeAll(() => {
  copyDir = mkdtempSync(join(tmpdir(), 'facekit-web-build-'));
  for (const input of ['web/index.html', 'web/src', 'web/public', 'web/vite.config.ts', 'package-lock.json']) {
    cpSync(join(projectDir, input), join(copyDir, input), { recursive: true });
  }
  symlinkSync(join(projectDir, 'node_modules'), join(copyDir, 'node_modules'));
});

afterAll(() => {
  if (copyDir) rmSync(copyDir, { recursive: true, force: true });
});

const bundle = () => {
  const assets = join(copyDir, 'web', 'dist', 'assets');
  return readFileSync(join(assets, readdirSync(assets).find((name) => name.endsWith('.js'))!), 'utf8');
};

describe('buildWebPageIfChanged', () => {
  it('builds once, reuses the build while the inputs are unchanged, and rebuilds when one changes', async () => {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);

    const first = await buildWebPageIfChanged({ projectDir: copyDir, log });
    const second = await buildWebPageIfChanged({ projectDir: copyDir, log });
    appendFileSync(join(copyDir, 'web', 'src', 'refusals.js'), "\nexport const BUILD_CACHE_PROBE = 'probe-7f3a';\nconsole.info(BUILD_CACHE_PROBE);\n");
    const third = await buildWebPageIfChanged({ projectDir: copyDir, log });

    expect([first.built, second.built, third.built]).toEqual([true, false, true]);
    expect(lines.filter((line) => line.startsWith('building the web page'))).toHaveLength(2);
    expect(bundle()).toContain('probe-7f3a');
  }, 120_000);

  it('bundles React’s production build even when the caller runs with NODE_ENV=test', () => {
    expect(process.env.NODE_ENV).toBe('test');
    // React's development build carries its warnings; the production build does not.
    expect(bundle()).not.toContain('Each child in a list should have a unique');
    expect(bundle().length).toBeLessThan(500_000);
  });
});
