// The CLI never guesses its target: each way of naming one, and each way of naming none, ends in
// the right target or in a message saying what to start. A small fake kit (the two /_sim routes
// the CLI reads) stands in for `npm start`.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure } from '../../cli/facekit.js';
import { KIT_ENDPOINT_OUTPUT, resolveTarget, TargetError } from '../../cli/target.js';
import { freePort } from '../../sim/free-port.js';
import { recordedKits, recordRunningKit } from '../../sim/running-kit.js';

const STACK = 'FaceAuthStack';
const outputs = (extra: Record<string, string> = {}) => ({
  [STACK]: { UserPoolId: 'us-east-1_AbCdEfGh1', UserPoolClientId: 'client0000000000000000000a', Region: 'us-east-1', BucketName: 'b', UsersTableName: 't', CollectionId: 'c', ...extra },
});

let kit: FastifyInstance;
let kitEndpoint: string;
let deadEndpoint: string;
let scratch: string;

beforeAll(async () => {
  kit = Fastify();
  kit.get('/_sim/health', async () => ({ status: 'ready' }));
  kit.get('/_sim/outputs', async () => outputs());
  kitEndpoint = await kit.listen({ port: 0, host: '127.0.0.1' });
  deadEndpoint = `http://127.0.0.1:${await freePort('127.0.0.1')}`;
  scratch = mkdtempSync(join(tmpdir(), 'facekit-target-'));
});
afterAll(async () => {
  await kit?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** A folder of its own and a state folder of its own for each case, so nothing leaks between them. */
function place(name: string, outputsFile?: object) {
  const cwd = join(scratch, name);
  mkdirSync(cwd, { recursive: true });
  if (outputsFile) writeFileSync(join(cwd, 'cdk-outputs.json'), JSON.stringify(outputsFile));
  const env = { FACEKIT_STATE_DIR: join(cwd, '.state') };
  return { cwd, env, defaultKitEndpoint: deadEndpoint };
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(TargetError);
  return (error as Error).message;
}

describe('facekit target', () => {
  it('says what to start when no kit runs and no outputs file is here', async () => {
    const message = await failure(resolveTarget(place('nothing')));

    expect(message).toContain('no local kit is running');
    expect(message).toContain('npm start');
    expect(message).toContain('--aws');
  });

  it('refuses to fall back to AWS when the kit that wrote cdk-outputs.json has stopped', async () => {
    const message = await failure(resolveTarget(place('stopped-kit', outputs({ [KIT_ENDPOINT_OUTPUT]: deadEndpoint }))));

    expect(message).toContain(`not running (nothing answers at ${deadEndpoint})`);
    expect(message).toContain('npm start');
  });

  it('talks to the kit that wrote cdk-outputs.json while it runs', async () => {
    const target = await resolveTarget(place('running-kit', outputs({ [KIT_ENDPOINT_OUTPUT]: kitEndpoint })));

    expect(target.endpoint).toBe(kitEndpoint);
    expect(target.description).toContain('the local kit that wrote');
  });

  it('targets AWS for an outputs file cdk deploy wrote, and says so', async () => {
    const target = await resolveTarget(place('deployed', outputs()));

    expect(target.endpoint).toBeUndefined();
    expect(target.description).toMatch(/^AWS us-east-1 \(.*written by cdk deploy\)$/);
  });

  it('targets AWS with --aws only from a deployed stack’s outputs, never from the kit’s', async () => {
    expect((await resolveTarget({ ...place('aws-deployed', outputs()), aws: true })).description).toBe('AWS us-east-1 (--aws)');
    expect(await failure(resolveTarget({ ...place('aws-kit-file', outputs({ [KIT_ENDPOINT_OUTPUT]: kitEndpoint })), aws: true }))).toContain('written by the local kit');
    expect(await failure(resolveTarget({ ...place('aws-no-file'), aws: true }))).toContain('npm run deploy');
  });

  it('finds the kit npm start recorded from any folder, with its outputs from /_sim/outputs', async () => {
    const elsewhere = place('another-folder');
    const forget = recordRunningKit({ endpoint: kitEndpoint, pid: process.pid, projectDir: '/somewhere/cognito-face-kit', outputsFile: '/x', stackName: STACK, startedAt: '' }, elsewhere.env);
    try {
      const target = await resolveTarget(elsewhere);

      expect(target.endpoint).toBe(kitEndpoint);
      expect(target.outputs.UserPoolId).toBe('us-east-1_AbCdEfGh1');
      expect(target.description).toContain('the kit started in /somewhere/cognito-face-kit');
    } finally {
      forget();
    }
  });

  it('ignores a recorded kit that no longer answers', async () => {
    const stale = place('stale-record');
    recordRunningKit({ endpoint: deadEndpoint, pid: 1, projectDir: '/gone', outputsFile: '/x', stackName: STACK, startedAt: '' }, stale.env);

    expect(await failure(resolveTarget(stale))).toContain('no local kit is running');
  });

  it('forgets the records of kits whose process is gone when a kit records itself', async () => {
    const state = place('dead-kits');
    const exited = spawnSync(process.execPath, ['-e', '']);
    expect(exited.status).toBe(0);
    recordRunningKit({ endpoint: deadEndpoint, pid: exited.pid!, projectDir: '/killed', outputsFile: '/x', stackName: STACK, startedAt: '' }, state.env);
    const living = { endpoint: 'http://127.0.0.1:1', pid: process.pid, projectDir: '/alive', outputsFile: '/x', stackName: STACK, startedAt: '' };
    recordRunningKit(living, state.env);
    expect(recordedKits(state.env).map((record) => record.projectDir)).toEqual(['/alive']);

    const forget = recordRunningKit({ ...living, endpoint: kitEndpoint, projectDir: '/second' }, state.env);
    expect(recordedKits(state.env).map((record) => record.projectDir).sort()).toEqual(['/alive', '/second']);
    forget();
  });

  it('finds a kit on the default port without any record (the compose container)', async () => {
    const target = await resolveTarget({ ...place('compose'), defaultKitEndpoint: kitEndpoint });

    expect(target.endpoint).toBe(kitEndpoint);
    expect(target.description).toContain('the kit on the default port');
  });

  it('uses FACEKIT_ENDPOINT and --endpoint with the outputs the kit serves, and says when nothing answers there', async () => {
    const viaEnv = await resolveTarget({ ...place('env'), env: { FACEKIT_ENDPOINT: kitEndpoint } });
    const viaFlag = await resolveTarget({ ...place('flag'), endpoint: kitEndpoint });
    const dead = await failure(resolveTarget({ ...place('env-dead'), env: { FACEKIT_ENDPOINT: deadEndpoint } }));

    expect(viaEnv).toMatchObject({ endpoint: kitEndpoint, description: `${kitEndpoint} (FACEKIT_ENDPOINT)` });
    expect(viaFlag).toMatchObject({ endpoint: kitEndpoint, description: `${kitEndpoint} (--endpoint)` });
    expect(dead).toContain(`nothing answers at ${deadEndpoint}`);
    expect(dead).toContain('npm start');
  });

  it('says an endpoint that is no URL is not one, and a mistyped --outputs path is not found, rather than to start the kit', async () => {
    const notUrl = await failure(resolveTarget({ ...place('not-url'), endpoint: 'notaurl' }));
    const noScheme = await failure(resolveTarget({ ...place('no-scheme'), env: { AWS_ENDPOINT_URL: '127.0.0.1:4566' } }));
    const mistyped = await failure(resolveTarget({ ...place('mistyped'), outputsFile: 'nope.json' }));

    expect(notUrl).toBe('notaurl (--endpoint) is not an http:// or https:// URL, e.g. http://127.0.0.1:4566');
    expect(noScheme).toBe('127.0.0.1:4566 (AWS_ENDPOINT_URL) is not an http:// or https:// URL, e.g. http://127.0.0.1:4566');
    expect(mistyped).toBe(`${join(scratch, 'mistyped', 'nope.json')} not found (--outputs): check the path, or leave --outputs out to use the running kit`);
  });

  it('turns a socket error into what to start, not getaddrinfo', () => {
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND cognito-idp.us-east-1.amazonaws.com'), { code: 'ENOTFOUND', hostname: 'cognito-idp.us-east-1.amazonaws.com' });
    const refused = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED', address: '127.0.0.1', port: 4566 } });

    expect(describeFailure(notFound)).toMatch(/^cannot reach cognito-idp\.us-east-1\.amazonaws\.com .*npm start/);
    expect(describeFailure(refused)).toMatch(/^the kit stopped answering at 127\.0\.0\.1:4566: .*npm start/);
  });

  it('ends `facekit signin` with that message when the kit it was pointed at is down', async () => {
    const { cwd } = place('cli-process');
    writeFileSync(join(cwd, 'face.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]));
    const bin = resolve(import.meta.dirname, '../../bin/facekit.js');

    const outcome = await promisify(execFile)(process.execPath, [bin, 'signin', '--email', 'a@example.com', '--photo', 'face.jpg'], {
      cwd, env: { ...process.env, FACEKIT_ENDPOINT: deadEndpoint, FACEKIT_STATE_DIR: join(cwd, '.state') },
    }).then(() => ({ code: 0, stderr: '' }), (error: { code: number; stderr: string }) => error);

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(`facekit: nothing answers at ${deadEndpoint} (FACEKIT_ENDPOINT): start the kit with \`npm start\``);
    expect(outcome.stderr).not.toMatch(/getaddrinfo|ECONNREFUSED|at .*\.ts:\d+/);
  });
});
