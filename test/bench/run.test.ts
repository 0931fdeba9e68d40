// `npm run bench` as a user meets it: its help, and a name that matches no benchmark.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { projectDir } from '../../bench/sim-process.js';

function bench(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: projectDir, encoding: 'utf8', timeout: 30_000 });
}

describe('npm run bench', () => {
  it('--help names every benchmark and runs none', () => {
    const result = bench('--help');

    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run bench/);
    for (const name of ['matcher-quality', 'face-search', 'user-pool-store', 'start', 'embedded-cloud', 'enumeration-timing']) {
      expect(result.stdout).toContain(`  ${name} `);
    }
    expect(result.stdout).not.toContain('===');
  });

  it('a name no benchmark has fails with the names there are, instead of running nothing and passing', () => {
    const result = bench('face-serch');

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('no benchmark named "face-serch"');
    expect(result.stderr).toContain('face-search');
    expect(result.stdout).not.toContain('===');
  });
});
