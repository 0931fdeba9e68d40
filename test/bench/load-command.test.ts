// `npm run load` as a user meets it when an option is wrong: one line naming --help, no stack
// trace, and no load started.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { projectDir } from '../../bench/sim-process.js';

function load(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bench/load.ts', ...args], { cwd: projectDir, encoding: 'utf8', timeout: 30_000 });
}

describe('npm run load', () => {
  it.each([
    [['--bogus'], "npm run load: Unknown option '--bogus' (npm run load -- --help)"],
    [['--clients', 'many'], 'npm run load: --clients must be a number (npm run load -- --help)'],
    [['--endpoint', 'http://kit.example.invalid:4566'], 'npm run load: the load test runs on loopback only, not kit.example.invalid (npm run load -- --help)'],
  ])('refuses %j with one line and starts nothing', (args, line) => {
    const result = load(...args);

    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(line);
    expect(result.stdout).not.toContain('sim ready');
  });
});
