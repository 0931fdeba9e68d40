// `npm run load` as a user meets it when an option is wrong: one line naming --help, no stack
// trace, and no load started.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { projectDir } from '../../bench/sim-process.js';
import { freePort } from '../../sim/free-port.js';

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

  it('says in one line that no kit answers at --endpoint, with no stack trace', async () => {
    const port = await freePort();

    const result = load('--endpoint', `http://127.0.0.1:${port}`, '--duration', '1');

    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(new RegExp(`^npm run load: no kit answers at http://127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED [^)]*\\); start one with npm start$`));
  });

  it('says in one line that no user could be enrolled when the kit fails every enrolment, with no stack trace', async () => {
    // A kit that names its stack and then fails every call, as one killed after start-up would.
    const failing = createServer((request, response) => {
      if (request.url === '/_sim/outputs') {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ FaceAuthStack: { Region: 'us-east-1', UserPoolClientId: 'client' } }));
        return;
      }
      request.resume();
      response.destroy();
    });
    await new Promise<void>((listening) => failing.listen(0, '127.0.0.1', listening));
    try {
      const { port } = failing.address() as AddressInfo;
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', '--endpoint', `http://127.0.0.1:${port}`, '--clients', '1', '--duration', '1'], { cwd: projectDir });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const status = await new Promise<number | null>((exited) => child.on('close', exited));

      expect(status).toBe(1);
      expect(stderr.trim()).toMatch(/^npm run load: no user could be enrolled \(enrolment: \w+: .+\)$/);
    } finally {
      failing.close();
    }
  }, 60_000);
});
