// `npm start` runs the kit, and `facekit` its command, from bundles kept in
// node_modules/.cache/facekit/ (sim/source-bundle.mjs): built when absent or stale, then reused as
// long as their sources and the lockfile are unchanged.
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

describe('the bundle of the facekit command', () => {
  it('is built once, kept off stdout, and reused while its sources are unchanged', async () => {
    const { version } = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as { version: string };
    const first = await run(process.execPath, ['bin/facekit.js', '--version'], { cwd: projectDir });
    const again = await run(process.execPath, ['bin/facekit.js', '--version'], { cwd: projectDir });

    // Whether the first run built it or not, stdout carries only what the command prints.
    expect(first.stdout).toBe(`${version}\n`);
    expect(again.stdout).toBe(`${version}\n`);
    expect(again.stderr).not.toMatch(/building/);
    const folder = `cli-${createHash('sha256').update(projectDir).digest('hex').slice(0, 12)}`;
    const manifest = JSON.parse(readFileSync(join(cacheRoot, folder, 'manifest.json'), 'utf8')) as { inputs: Array<{ path: string }> };
    const paths = manifest.inputs.map((input) => input.path);
    expect(paths).toEqual(expect.arrayContaining(['cli/facekit.ts', 'cli/face-auth-client.ts', 'sim/faces/generate-face.ts', 'package-lock.json']));
    expect(paths.some((path) => path.includes('node_modules'))).toBe(false);
  });
});
