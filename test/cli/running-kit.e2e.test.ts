// `npm start` makes itself findable: it marks the outputs file it writes with its endpoint and
// records itself in the state folder, so `facekit` reaches it from any folder; at Ctrl-C the
// record goes, and the CLI then says the kit is not running instead of trying AWS.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../cli/target.js';
import { freePort } from '../../sim/free-port.js';
import { KIT_ENDPOINT_OUTPUT } from '../../sim/running-kit.js';
import { cloudAssembly, projectDir } from '../e2e/embedded-cloud-harness.js';

let scratch: string;
let kit: ChildProcess | undefined;
let endpoint: string;
const paths = () => ({
  outputsFile: join(scratch, 'project', 'cdk-outputs.json'),
  stateDir: join(scratch, 'state'),
  elsewhere: join(scratch, 'elsewhere'),
});

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'facekit-running-kit-'));
  const port = await freePort('127.0.0.1');
  endpoint = `http://127.0.0.1:${port}`;
  const { outputsFile, stateDir, elsewhere } = paths();
  for (const folder of [join(outputsFile, '..'), elsewhere]) mkdirSync(folder, { recursive: true });
  kit = spawn(process.execPath, ['sim/start.mjs', '--port', String(port), '--data-dir', join(scratch, 'data')], {
    cwd: projectDir,
    env: { ...process.env, FACEKIT_CLOUD_ASSEMBLY: await cloudAssembly(), FACEKIT_OUTPUTS_FILE: outputsFile, FACEKIT_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((ready, failed) => {
    const timer = setTimeout(() => failed(new Error(`npm start was not ready in 90 s:\n${output}`)), 90_000);
    kit!.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready in')) {
        clearTimeout(timer);
        ready();
      }
    });
    kit!.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    kit!.on('exit', (code) => failed(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}, 120_000);

afterAll(async () => {
  if (kit && kit.exitCode === null && kit.signalCode === null) {
    kit.kill('SIGTERM');
    await new Promise((stopped) => kit!.once('exit', stopped));
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe('a running kit, found from anywhere', () => {
  it('marks the outputs file it wrote with its endpoint and records itself in the state folder', () => {
    const { outputsFile, stateDir } = paths();
    const written = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>;

    expect(written.FaceAuthStack?.[KIT_ENDPOINT_OUTPUT]).toBe(endpoint);
    expect(written.FaceAuthStack?.UserPoolId).toMatch(/^us-east-1_/);
    expect(readdirSync(join(stateDir, 'kits'))).toHaveLength(1);
  });

  it('is the target from a folder with no outputs file, and from the folder of its outputs file', async () => {
    const { outputsFile, stateDir, elsewhere } = paths();
    const env = { FACEKIT_STATE_DIR: stateDir };

    const fromElsewhere = await resolveTarget({ cwd: elsewhere, env, defaultKitEndpoint: 'http://127.0.0.1:9' });
    const fromItsFile = await resolveTarget({ cwd: join(outputsFile, '..'), env });

    expect(fromElsewhere.endpoint).toBe(endpoint);
    expect(fromElsewhere.description).toBe(`${endpoint} (the kit started in ${projectDir})`);
    expect(fromItsFile.endpoint).toBe(endpoint);
  });

  it('refuses a --reset of its data folder by a second start, and removes nothing', async () => {
    const second = spawn(process.execPath, ['sim/start.mjs', '--reset', '--port', String(await freePort('127.0.0.1')), '--data-dir', join(scratch, 'data')], {
      cwd: projectDir,
      env: { ...process.env, FACEKIT_CLOUD_ASSEMBLY: await cloudAssembly(), FACEKIT_OUTPUTS_FILE: join(scratch, 'second-outputs.json'), FACEKIT_STATE_DIR: join(scratch, 'second-state') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    second.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    // Without the refusal it would wipe the folder and run on: it is stopped whatever happens.
    const code = await new Promise((exited) => {
      const timer = setTimeout(() => exited('still running after 30 s'), 30_000);
      second.once('exit', (exitCode) => exited(exitCode));
      second.once('exit', () => clearTimeout(timer));
    }).finally(() => second.kill('SIGKILL'));

    expect(code).toBe(1);
    expect(errors).toContain('--reset refused, nothing removed');
    // Which kit: the one that wrote endpoint.json in the folder and still runs.
    expect(errors).toContain(`(the kit at ${endpoint}, process ${kit!.pid}, is using it)`);
    expect(existsSync(join(scratch, 'data', 'dynamodb', 'tables'))).toBe(true);
    expect(existsSync(join(scratch, 'data', 'endpoint.json'))).toBe(true);
    expect((await fetch(`${endpoint}/_sim/health`)).status).toBe(200);
  }, 60_000);

  it('is the target where the outputs file it wrote names a kit that is gone (a second start here, stopped since), and only there', async () => {
    const { outputsFile, stateDir, elsewhere } = paths();
    const gone = `http://127.0.0.1:${await freePort('127.0.0.1')}`;
    const written = readFileSync(outputsFile, 'utf8');
    const outputs = JSON.parse(written) as Record<string, Record<string, string>>;
    const [stackName] = Object.keys(outputs);
    const naming = (endpointNamed: string) => JSON.stringify({ [stackName!]: { ...outputs[stackName!], [KIT_ENDPOINT_OUTPUT]: endpointNamed } });
    // Another project's outputs file naming a kit that is gone: this kit is none of its business.
    const otherProject = join(elsewhere, 'other-project');
    mkdirSync(otherProject, { recursive: true });
    writeFileSync(join(otherProject, 'cdk-outputs.json'), naming(gone));
    writeFileSync(outputsFile, naming(gone));
    try {
      const target = await resolveTarget({ cwd: join(outputsFile, '..'), env: { FACEKIT_STATE_DIR: stateDir } });

      expect(target.endpoint).toBe(endpoint);
      expect(target.description).toContain(`names ${gone}, where nothing answers`);
      await expect(resolveTarget({ cwd: otherProject, env: { FACEKIT_STATE_DIR: stateDir } })).rejects.toThrow(`is not running (nothing answers at ${gone})`);
    } finally {
      writeFileSync(outputsFile, written);
    }
  });

  it('refuses a second start on its port before writing anything, not even a data folder', async () => {
    const dataDir = join(scratch, 'port-taken');
    const second = spawnSync(process.execPath, ['sim/start.mjs', '--no-synth', '--port', new URL(endpoint).port, '--data-dir', dataDir], {
      cwd: projectDir,
      env: { ...process.env, FACEKIT_CLOUD_ASSEMBLY: await cloudAssembly(), FACEKIT_OUTPUTS_FILE: join(scratch, 'port-outputs.json'), FACEKIT_STATE_DIR: join(scratch, 'port-state') },
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(second.status).toBe(1);
    expect(second.stderr.trim()).toBe(`facekit: could not start: port ${new URL(endpoint).port} is in use (set PORT or --port)`);
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(join(scratch, 'port-outputs.json'))).toBe(false);
  });

  it('forgets itself at Ctrl-C, and the CLI then says it is not running', async () => {
    const { outputsFile, stateDir } = paths();
    // A client half-way through sending a body does not hold the stop for the 20 s idle timeout.
    const stalled = connect(Number(new URL(endpoint).port), '127.0.0.1');
    stalled.on('error', () => undefined);
    await new Promise((connected) => stalled.once('connect', connected));
    stalled.write('PUT /bucket/key HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nhalf');
    await new Promise((settled) => setTimeout(settled, 200));
    const stopAsked = Date.now();
    kit!.kill('SIGINT');
    await new Promise((stopped) => kit!.once('exit', stopped));
    stalled.destroy();

    expect(Date.now() - stopAsked).toBeLessThan(10_000);

    expect(existsSync(join(stateDir, 'kits')) ? readdirSync(join(stateDir, 'kits')) : []).toEqual([]);
    await expect(resolveTarget({ cwd: join(outputsFile, '..'), env: { FACEKIT_STATE_DIR: stateDir } })).rejects.toThrow(
      `the local kit that wrote ${outputsFile} is not running (nothing answers at ${endpoint})`,
    );
  });
});

describe('a start on a data folder it cannot use', () => {
  /** `npm start` on `dataDir`, until it is ready (then left running) or exits. */
  async function startKit(dataDir: string, name: string, options: string[] = []): Promise<{ kit: ChildProcess; code: number | null; output: string; errors: string }> {
    const started = spawn(process.execPath, ['sim/start.mjs', '--no-synth', ...options, '--port', String(await freePort('127.0.0.1')), '--data-dir', dataDir], {
      cwd: projectDir,
      env: {
        ...process.env,
        FACEKIT_NEURAL_FACES: 'off',
        FACEKIT_CLOUD_ASSEMBLY: await cloudAssembly(),
        FACEKIT_OUTPUTS_FILE: join(scratch, `${name}-outputs.json`),
        FACEKIT_STATE_DIR: join(scratch, `${name}-state`),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    // null: ready (and left running); otherwise the exit code.
    let ready: NodeJS.Timeout | undefined;
    let timer: NodeJS.Timeout | undefined;
    const code = await new Promise<number | null>((settled, failed) => {
      ready = setInterval(() => output.includes('ready in') && settled(null), 50);
      timer = setTimeout(() => failed(new Error(`npm start neither ready nor ended in 60 s:\n${output}${errors}`)), 60_000);
      started.once('exit', (exitCode) => settled(exitCode ?? -1));
    }).finally(() => {
      clearInterval(ready);
      clearTimeout(timer);
    });
    return { kit: started, code, output, errors };
  }

  async function stop(kit: ChildProcess): Promise<void> {
    if (kit.exitCode !== null || kit.signalCode !== null) return;
    kit.kill('SIGTERM');
    await new Promise((stopped) => kit.once('exit', stopped));
  }

  it('ends the loser of two starts at the same instant with the clear message and exit code 1, and the winner keeps working', async () => {
    const dataDir = join(scratch, 'contended');
    const kits = await Promise.all([startKit(dataDir, 'first'), startKit(dataDir, 'second')]);
    try {
      const winners = kits.filter((kit) => kit.code === null);
      const losers = kits.filter((kit) => kit.code !== null);

      expect(winners).toHaveLength(1);
      expect(losers.map((loser) => loser.code)).toEqual([1]);
      // The winner is named once it has written endpoint.json, which it may not have yet.
      expect(losers[0]!.errors).toMatch(/DynamoDB data in .* cannot be opened \((is another sim using it\?|the kit at http:\S+, process \d+, is using it)\)/);
      expect(losers[0]!.errors).not.toMatch(/^\s+at /m);
      const endpoint = /endpoint\s+(http:\S+)/.exec(winners[0]!.output)![1]!;
      expect((await fetch(`${endpoint}/_sim/health`)).status).toBe(200);
    } finally {
      for (const { kit } of kits) await stop(kit);
    }
  }, 90_000);

  it('ends a start on a damaged DynamoDB store with which file, that nothing was removed, and what to do, exit code 1', async () => {
    const dataDir = join(scratch, 'damaged');
    const first = await startKit(dataDir, 'before-damage');
    await stop(first.kit);
    const current = join(dataDir, 'dynamodb', 'tables', 'CURRENT');
    writeFileSync(current, '');

    const { kit, code, errors } = await startKit(dataDir, 'damaged');
    await stop(kit);

    expect(code).toBe(1);
    expect(errors).toContain(`the DynamoDB data is damaged: ${current}:`);
    expect(errors).toContain('Nothing was removed.');
    expect(errors).toContain(`npm start -- --reset --data-dir ${dataDir}`);
    expect(errors).not.toMatch(/^\s+at /m);
    expect(existsSync(join(dataDir, 'dynamodb', 'tables'))).toBe(true);
  }, 90_000);

  it('refuses a --reset of a folder holding files the kit did not write, and removes nothing', async () => {
    const notTheKits = join(scratch, 'a-project');
    mkdirSync(join(notTheKits, 'cognito'), { recursive: true });
    writeFileSync(join(notTheKits, 'notes.txt'), 'the user’s notes');

    const reset = await startKit(notTheKits, 'foreign-reset', ['--reset']);

    expect(reset.code).toBe(1);
    expect(reset.errors).toContain(`--reset refused, nothing removed: ${notTheKits} holds files the kit did not write (notes.txt)`);
    expect(readFileSync(join(notTheKits, 'notes.txt'), 'utf8')).toBe('the user’s notes');
    expect(existsSync(join(notTheKits, 'cognito'))).toBe(true);
  }, 90_000);

  it('ends a start whose data folder is a file with one line, and --reset refuses to remove that file', async () => {
    const notAFolder = join(scratch, 'not-a-folder');
    writeFileSync(notAFolder, 'a file of the user');

    const started = await startKit(notAFolder, 'file');
    const reset = await startKit(notAFolder, 'file-reset', ['--reset']);

    expect(started.code).toBe(1);
    expect(started.errors).toContain(`it must be a folder this user can write`);
    expect(started.errors).not.toMatch(/^\s+at /m);
    expect(reset.code).toBe(1);
    expect(reset.errors).toContain(`--reset refused, nothing removed: ${notAFolder} is a file, not a data folder`);
    expect(readFileSync(notAFolder, 'utf8')).toBe('a file of the user');
  }, 90_000);
});
