// Which kit the dev server's page targets (`npm run web`): FACEKIT_ENDPOINT, else the kit a
// running `npm start` recorded (in the data folder, else in the state folder), else the default;
// `aws` for AWS. A build targets nothing fixed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigEnv, UserConfig } from 'vite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordRunningKit } from '../../sim/running-kit.js';
import viteConfig from '../../web/vite.config.js';

const configFor = (command: ConfigEnv['command']) =>
  (viteConfig as (env: ConfigEnv) => UserConfig)({ command, mode: command === 'serve' ? 'development' : 'production' });
const targetOf = (config: UserConfig) => (config.define as Record<string, string>)['import.meta.env.FACEKIT_ENDPOINT'];

describe('the Vite config’s kit endpoint', () => {
  const saved = { endpoint: process.env.FACEKIT_ENDPOINT, dataDir: process.env.FACEKIT_DATA_DIR, stateDir: process.env.FACEKIT_STATE_DIR };
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'facekit-vite-config-'));
    delete process.env.FACEKIT_ENDPOINT;
    process.env.FACEKIT_DATA_DIR = dataDir;
    // Kits other tests start record themselves in the user's state folder: not this test's.
    process.env.FACEKIT_STATE_DIR = join(dataDir, 'state');
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
    for (const [name, value] of [['FACEKIT_ENDPOINT', saved.endpoint], ['FACEKIT_DATA_DIR', saved.dataDir], ['FACEKIT_STATE_DIR', saved.stateDir]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('is the kit a running npm start recorded, else the default endpoint', () => {
    const fallback = targetOf(configFor('serve'));
    writeFileSync(join(dataDir, 'endpoint.json'), JSON.stringify({ endpoint: 'http://127.0.0.1:4610', pid: 1 }));

    expect(fallback).toBe(JSON.stringify('http://127.0.0.1:4566'));
    expect(targetOf(configFor('serve'))).toBe(JSON.stringify('http://127.0.0.1:4610'));
  });

  it('is the one running kit of the state folder (a kit started with --data-dir elsewhere), past a data folder whose kit is gone', () => {
    // A pid no process has: the kit that wrote it was killed.
    writeFileSync(join(dataDir, 'endpoint.json'), JSON.stringify({ endpoint: 'http://127.0.0.1:4610', pid: 2 ** 22 + 1 }));
    const record = { pid: process.pid, projectDir: '/elsewhere', outputsFile: '/elsewhere/cdk-outputs.json', stackName: 'FaceAuthStack', startedAt: new Date().toISOString() };
    recordRunningKit({ ...record, endpoint: 'http://127.0.0.1:4620' }, process.env);

    expect(targetOf(configFor('serve'))).toBe(JSON.stringify('http://127.0.0.1:4620'));

    // Two running kits: the page cannot know which is meant, and says the default's.
    recordRunningKit({ ...record, endpoint: 'http://127.0.0.1:4630' }, process.env);
    expect(targetOf(configFor('serve'))).toBe(JSON.stringify('http://127.0.0.1:4566'));
  });

  it('is FACEKIT_ENDPOINT when set, and empty (AWS) for FACEKIT_ENDPOINT=aws', () => {
    writeFileSync(join(dataDir, 'endpoint.json'), JSON.stringify({ endpoint: 'http://127.0.0.1:4610', pid: 1 }));

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
