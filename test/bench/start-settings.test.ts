import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectDir, startScriptSettings } from '../../bench/sim-process.js';

describe('startScriptSettings', () => {
  it("reads the environment and node flags around `node sim/start.mjs` in package.json's start script", () => {
    expect(startScriptSettings()).toEqual({ env: { MALLOC_ARENA_MAX: '2' }, nodeFlags: ['--single-threaded-gc', '--max-semi-space-size=4'] });
    expect(startScriptSettings('node sim/start.mjs')).toEqual({ env: {}, nodeFlags: [] });
    expect(startScriptSettings(' A=1  B_2=x=y node --one --two=3 sim/start.mjs ')).toEqual({ env: { A: '1', B_2: 'x=y' }, nodeFlags: ['--one', '--two=3'] });
  });

  it('refuses a start script it cannot read as `[NAME=value ...] node [flags] sim/start.mjs`', () => {
    expect(() => startScriptSettings('tsx sim/main.ts')).toThrow(/does not run `node \.\.\. sim\/start\.mjs`/);
    expect(() => startScriptSettings('sim/start.mjs node')).toThrow(/does not run/);
    expect(() => startScriptSettings('cross-env A=1 node sim/start.mjs')).toThrow(/`cross-env` before node, not an environment setting/);
  });

  it("the container image starts the server with the start script's environment and node flags", () => {
    const dockerfile = readFileSync(join(projectDir, 'sim', 'Dockerfile'), 'utf8');
    const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const { env, nodeFlags } = startScriptSettings();
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const [name, value] of Object.entries(env)) expect(runtimeStage).toMatch(new RegExp(`^(ENV|\\s)\\s*${name}=${literal(value)}\\b`, 'm'));
    const cmd = /^CMD (\[.*\])$/m.exec(runtimeStage);
    expect(JSON.parse(cmd![1]!)).toEqual(['node', ...nodeFlags, 'sim/start.mjs']);
  });
});

describe("the start script's node flags", () => {
  // A process that makes and drops old-generation garbage, then reports the CPU its other
  // threads used and the size its young generation grew to. The other threads are V8's platform
  // threads: concurrent marking, parallel scavenges and sweeping run there by default, as does
  // optimizing compilation (a few milliseconds here).
  const garbageMaker = `
    const { readdirSync, readFileSync } = require('node:fs');
    let kept = [];
    for (let round = 0; round < 24; round++) {
      for (let i = 0; i < 200000; i++) kept.push({ i, text: 'x' + i });
      if (kept.length > 600000) kept = [];
    }
    let others = 0;
    for (const tid of readdirSync('/proc/self/task')) {
      if (tid === String(process.pid)) continue;
      const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      others += (Number(fields[11]) + Number(fields[12])) * 10;
    }
    const young = require('node:v8').getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    console.log(JSON.stringify({ otherThreadsCpuMs: others, youngGenerationMiB: young.space_size / 1048576 }));`;
  const garbageRun = (flags: string[]): { otherThreadsCpuMs: number; youngGenerationMiB: number } =>
    JSON.parse(execFileSync(process.execPath, [...flags, '-e', garbageMaker], { encoding: 'utf8' }));
  const withFlags = () => garbageRun(startScriptSettings().nodeFlags);

  it.runIf(process.platform === 'linux')('keep garbage collection on the thread whose heap it is: no work for the background threads', () => {
    // Why --single-threaded-gc is there: with the server's isolate and up to two per function (19
    // under load) on two cores, the background GC tasks cost more than they spare
    // (docs/lambda-dynamodb.md, "Sixth pass").
    const without = garbageRun([]);
    expect(without.otherThreadsCpuMs).toBeGreaterThanOrEqual(200);
    expect(withFlags().otherThreadsCpuMs).toBeLessThanOrEqual(50);
  });

  it.runIf(process.platform === 'linux')("cap the main thread's young generation at two 4 MiB semi-spaces", () => {
    // Why --max-semi-space-size=4 is there: with collection on the main thread, the photos'
    // buffers waited longer and the peak RSS under load rose by about 25 MiB; the cap took it back
    // (docs/lambda-dynamodb.md, "Sixth pass"). V8's default grows to two 16 MiB semi-spaces (32 MiB here).
    expect(garbageRun([]).youngGenerationMiB).toBeGreaterThan(8);
    expect(withFlags().youngGenerationMiB).toBeLessThanOrEqual(8);
  });
});
