// docker-compose.yml as a user runs it: the file validates (default services and the localstack
// profile), and `up -d sim` serves health on the published port and runs a face sign-in. Works with Compose v2
// (`docker compose`) and Debian's docker-compose 1.29. Registered by containers.test.ts.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { getContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_BUILD_TIMEOUT_MS, REPO_ROOT, type DockerEngineStatus } from './sim-container.js';
import { decodeJwtClaims, FaceAuthClient } from '../../cli/face-auth-client.js';
import type { StackOutputs } from '../../cli/target.js';
import { generateFixture } from '../../sim/faces/generate-face.js';
import { freePort } from '../../sim/free-port.js';
import { latestCode } from '../e2e/embedded-cloud-harness.js';

const run = promisify(execFile);

/** `docker compose` (v2 plugin) when present, else `docker-compose` (v1), else undefined. */
export async function findCompose(): Promise<string[] | undefined> {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    try {
      await run(command[0], [...command.slice(1), 'version'], { timeout: 15_000 });
      return command;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** Runs compose in the repository with a clean environment for the variables the file reads. */
function runCompose(compose: string[] | undefined, args: string[], environment: Record<string, string> = {}, timeout = 60_000) {
  if (!compose) throw new Error('no compose command installed');
  const env: NodeJS.ProcessEnv = { ...process.env, ...environment };
  if (!('LOCALSTACK_AUTH_TOKEN' in environment)) delete env.LOCALSTACK_AUTH_TOKEN;
  return run(compose[0], [...compose.slice(1), ...args], { cwd: REPO_ROOT, env, timeout, maxBuffer: 64 * 1024 * 1024 });
}


export function describeCompose(compose: string[] | undefined, engine: DockerEngineStatus, engineRequired: boolean): void {
  describe.skipIf(!compose && !engineRequired)('docker-compose.yml', () => {
    it('validates without LOCALSTACK_AUTH_TOKEN, so the default `up` never needs it', async () => {
      const { stderr } = await runCompose(compose, ['config', '-q']);
      expect(stderr).not.toMatch(/error/i);
    });

    it('lists sim by default and localstack with sim-rekognition in the localstack profile', async () => {
      const all = (await runCompose(compose, ['--profile', 'localstack', 'config', '--services'])).stdout.trim().split('\n');
      expect(all.sort()).toEqual(['localstack', 'sim', 'sim-rekognition']);
    });

    it('publishes the sims on loopback only, unless FACEKIT_BIND says otherwise', async () => {
      // Compose v2 prints `host_ip: 127.0.0.1`, v1 `127.0.0.1:4566:4566/tcp`.
      const hostIps = (config: string) => [...config.matchAll(/host_ip: ([\d.]+)|- ([\d.]+):\d+:\d+/g)].map((match) => match[1] ?? match[2]);
      const { stdout } = await runCompose(compose, ['--profile', 'localstack', 'config'], { LOCALSTACK_AUTH_TOKEN: 'token-for-config-test' });
      expect(hostIps(stdout)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
      // v1 prints the profile's services too; LocalStack stays on loopback either way.
      const exposed = await runCompose(compose, ['config'], { FACEKIT_BIND: '0.0.0.0' });
      expect(hostIps(exposed.stdout)).toContain('0.0.0.0');
      expect(hostIps(exposed.stdout).filter((ip) => ip !== '0.0.0.0')).toEqual(hostIps(exposed.stdout).includes('127.0.0.1') ? ['127.0.0.1'] : []);
    });

    it('passes the services-mode contract and the LocalStack network to the containers', async () => {
      const { stdout } = await runCompose(compose, ['--profile', 'localstack', 'config'], { LOCALSTACK_AUTH_TOKEN: 'token-for-config-test' });
      expect(stdout).toContain('FACEKIT_MODE: services');
      expect(stdout).toContain('FACEKIT_S3_ENDPOINT: http://localstack:4566');
      expect(stdout).toContain('FACEKIT_LAMBDA_ENDPOINT: http://localstack:4566');
      expect(stdout).toContain('LAMBDA_DOCKER_NETWORK: facekit-localstack');
      expect(stdout).toContain("S3_SKIP_SIGNATURE_VALIDATION: '0'");
      expect(stdout).toContain('LOCALSTACK_AUTH_TOKEN: token-for-config-test');
    });
  });

  describe.skipIf((!compose || !engine.available) && !engineRequired)('docker-compose up -d sim', () => {
    // A project name of its own, so the test never touches a developer's running stack or volume.
    const project = `facekit-compose-test-${process.pid}`;
    let port = 0;

    beforeAll(async () => {
      if (!compose) throw new Error('no compose command installed');
      if (!engine.available) throw new Error(engine.reason);
      port = await freePort();
      const started = Date.now();
      await runCompose(compose, ['-p', project, 'up', '-d', '--build', 'sim'], { FACEKIT_PORT: String(port) }, IMAGE_BUILD_TIMEOUT_MS);
      console.log(`[test/containers] compose up -d sim took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }, IMAGE_BUILD_TIMEOUT_MS);

    afterAll(async () => {
      // -v removes this project's facekit-data volume; the facekit-sim:local image stays (cache).
      if (compose && engine.available) await runCompose(compose, ['-p', project, 'down', '-v', '--remove-orphans'], {}, 120_000);
    }, 150_000);

    it('serves /_sim/health on the published FACEKIT_PORT', async () => {
      let status = 0;
      for (let attempt = 0; attempt < 120 && status !== 200; attempt++) {
        status = await fetch(`http://127.0.0.1:${port}/_sim/health`).then(
          async (response) => {
            await response.body?.cancel();
            return response.status;
          },
          () => 0,
        );
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(status).toBe(200);
    }, 90_000);

    it('signs up, enrols and signs in with a face against the compose service', async () => {
      const endpoint = `http://127.0.0.1:${port}`;
      const outputs = ((await (await fetch(`${endpoint}/_sim/outputs`)).json()) as Record<string, StackOutputs>).FaceAuthStack!;
      const client = new FaceAuthClient({ region: outputs.Region, userPoolClientId: outputs.UserPoolClientId, endpoint });
      const email = 'compose@example.com';
      await client.signUp(email);
      const enrolSecret = await client.confirmSignUp(email, (await latestCode(endpoint, email)).code);
      const enrolled = await client.authenticate(email, { photo: await generateFixture('face', 'compose'), enrolSecret });
      expect(enrolled.kind).toBe('signed-in');

      const signedIn = await client.authenticate(email, { photo: await generateFixture('face', 'compose', 3) });

      expect(signedIn.kind).toBe('signed-in');
      if (signedIn.kind === 'signed-in') expect(decodeJwtClaims(signedIn.tokens.IdToken!)).toMatchObject({ email, face_factor: 'face' });
    }, 90_000);

    it('mounts the named volume facekit-data at /data', async () => {
      const { stdout } = await runCompose(compose, ['-p', project, 'exec', '-T', 'sim', 'sh', '-c', 'test -w /data && cat /proc/mounts | grep " /data "']);
      expect(stdout).toContain(' /data ');
      const client = await getContainerRuntimeClient();
      const volume = await client.container.dockerode.getVolume(`${project}_facekit-data`).inspect();
      expect(volume.Labels?.['com.docker.compose.volume']).toBe('facekit-data');
    });
  });
}
