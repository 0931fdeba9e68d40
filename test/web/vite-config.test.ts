// Which kit the dev server's page targets (`npm run web`): FACEKIT_ENDPOINT, else the kit a
// running `npm start` recorded, else the default; `aws` for AWS. A build targets nothing fixed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ConfigEnv, UserConfig } from 'vite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordRunningKit, type RunningKitRecord } from '../../sim/running-kit.js';
import viteConfig from '../../web/vite.config.js';

const configFor = (command: ConfigEnv['command']) =>
  (viteConfig as (env: ConfigEnv) => UserConfig)({ command, mode: command === 'serve' ? 'development' : 'production' });
const targetOf = (config: UserConfig) => (config.define as Record<string, string>)['import.meta.env.FACEKIT_ENDPOINT'];
const thisProject = resolve(import.meta.dirname, '..', '..');
const kit = (fields: Partial<RunningKitRecord>): RunningKitRecord => ({
  endpoint: 'http://127.0.0.1:4610',
  pid: process.pid,
  projectDir: thisProject,
  outputsFile: join(thisProject, 'cdk-outputs.json'),
  stackName: 'FaceAuthStack',
  startedAt: '2026-11-29T10:00:00.000Z',
  ...fields,
});

describe('the Vite config’s kit endpoint', () => {
  const saved = { endpoint: process.env.FACEKIT_ENDPOINT, stateDir: process.env.FACEKIT_STATE_DIR };
  let stateDir: string;

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'facekit-vite-config-'));
    delete process.env.FACEKIT_ENDPOINT;
    process.env.FACEKIT_STATE_DIR = stateDir;
  });

  afterEach(() => {
    rmSync(stateDir, { recursive: true, force: true });
    for (const [name, value] of [['FACEKIT_ENDPOINT', saved.endpoint], ['FACEKIT_STATE_DIR', saved.stateDir]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('is the kit a running npm start of this project recorded, else the default endpoint', () => {
    const fallback = targetOf(configFor('serve'));
    recordRunningKit(kit({}));

    expect(fallback).toBe(JSON.stringify('http://127.0.0.1:4566'));
    expect(targetOf(configFor('serve'))).toBe(JSON.stringify('http://127.0.0.1:4610'));
  });

  it('passes over kits of other projects and kits whose process is gone, and takes the newest', () => {
    const gone = 2 ** 22 + 12_345; // above the largest pid_max Linux allows (2^22): no such process
    recordRunningKit(kit({ endpoint: 'http://127.0.0.1:4601', projectDir: join(tmpdir(), 'another-project') }));
    recordRunningKit(kit({ endpoint: 'http://127.0.0.1:4602', pid: gone, startedAt: '2026-11-29T12:00:00.000Z' }));
    recordRunningKit(kit({ endpoint: 'http://127.0.0.1:4603', startedAt: '2026-11-29T09:00:00.000Z' }));
    recordRunningKit(kit({ endpoint: 'http://127.0.0.1:4604', startedAt: '2026-11-29T11:00:00.000Z' }));

    expect(targetOf(configFor('serve'))).toBe(JSON.stringify('http://127.0.0.1:4604'));
  });

  it('is FACEKIT_ENDPOINT when set, and empty (AWS) for FACEKIT_ENDPOINT=aws', () => {
    recordRunningKit(kit({}));

    process.env.FACEKIT_ENDPOINT = 'http://localhost:4700/';
    const explicit = targetOf(configFor('serve'));
    process.env.FACEKIT_ENDPOINT = 'aws';
    const aws = targetOf(configFor('serve'));

    expect(explicit).toBe(JSON.stringify('http://localhost:4700'));
    expect(aws).toBe(JSON.stringify(''));
  });

  it('is not fixed in a build, which finds its target when it loads', () => {
    process.env.FACEKIT_ENDPOINT = 'http://127.0.0.1:4700';

    expect(configFor('build').define).toEqual({});
  });
});
