// `npm start` runs the kit from the bundle sim/start.mjs keeps in node_modules/.cache/facekit/:
// built when absent or stale, then reused as long as its sources and the lockfile are unchanged.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const projectDir = resolve(import.meta.dirname, '../..');
const cacheRoot = join(projectDir, 'node_modules', '.cache', 'facekit');

describe('the server bundle of npm start', () => {
  it('is built with a manifest of its sources, and reused while they are unchanged', async () => {
    await run(process.execPath, ['sim/start.mjs', '--build-only'], { cwd: projectDir });
    const again = await run(process.execPath, ['sim/start.mjs', '--build-only'], { cwd: projectDir });

    expect(again.stdout).not.toMatch(/building/);
    // One folder per checkout (node_modules may be shared by worktrees), named by its path.
    const folder = `sim-${createHash('sha256').update(projectDir).digest('hex').slice(0, 12)}`;
    const manifest = JSON.parse(readFileSync(join(cacheRoot, folder, 'manifest.json'), 'utf8')) as { inputs: Array<{ path: string }> };
    const paths = manifest.inputs.map((input) => input.path);
    expect(paths).toContain('sim/main.ts');
    expect(paths).toContain('sim/embedded-cloud.ts');
    expect(paths).toContain('package-lock.json');
    expect(paths.some((path) => path.includes('node_modules'))).toBe(false);
  });
});
