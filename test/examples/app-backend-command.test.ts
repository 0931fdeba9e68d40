// `npm run example:backend` as a user meets it: its help, and an option it does not have.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const projectDir = resolve(import.meta.dirname, '..', '..');

function exampleBackend(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'examples/app-backend/main.ts', ...args], { cwd: projectDir, encoding: 'utf8', timeout: 30_000 });
}

describe('npm run example:backend', () => {
  it('--help prints its options and starts nothing', () => {
    const result = exampleBackend('--help');

    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run example:backend/);
    for (const option of ['--port <n>', '--endpoint <url>', '--outputs <file>', '--aws']) expect(result.stdout).toContain(option);
  });

  it('an unknown option is one line naming --help, not a stack trace', () => {
    const result = exampleBackend('--prot', '4750');

    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("example backend: Unknown option '--prot' (npm run example:backend -- --help)");
  });
});
