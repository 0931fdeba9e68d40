// The sim's container image as a user runs it: built from sim/Dockerfile, reached on a published
// port, restarted on its data volume. Registered by containers.test.ts.
import { randomBytes } from 'node:crypto';
import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getContainerRuntimeClient } from 'testcontainers';
import {
  IMAGE_BUILD_TIMEOUT_MS,
  removeDockerVolume,
  repoHasCdkApp,
  startSimContainer,
  type DockerEngineStatus,
  type SimContainer,
} from './sim-container.js';

async function healthStatus(endpoint: string): Promise<number> {
  const response = await fetch(`${endpoint}/_sim/health`);
  await response.body?.cancel();
  return response.status;
}

async function cognitoClient(sim: SimContainer) {
  const outputs = await sim.stackOutputs();
  const cognito = new CognitoIdentityProviderClient({
    region: outputs.Region,
    endpoint: sim.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return { outputs, cognito };
}

async function signUp(sim: SimContainer, email: string) {
  const { outputs, cognito } = await cognitoClient(sim);
  return cognito.send(
    new SignUpCommand({
      ClientId: outputs.UserPoolClientId,
      Username: email,
      Password: `Aa1!${randomBytes(12).toString('hex')}`,
      UserAttributes: [{ Name: 'email', Value: email }],
    }),
  );
}

async function userStatus(sim: SimContainer, email: string) {
  const { outputs, cognito } = await cognitoClient(sim);
  const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: outputs.UserPoolId, Username: email }));
  return user.UserStatus;
}

async function readDataFile(sim: SimContainer, name: string) {
  return sim.container.exec(['cat', `/data/${name}`]);
}

export function describeSimImage(engine: DockerEngineStatus, engineRequired: boolean): void {
  describe.skipIf(!engine.available && !engineRequired)('sim container image (sim/Dockerfile)', () => {
    const dataVolume = `facekit-test-data-${process.pid}-${Date.now()}`;
    let sim: SimContainer | undefined;

    function running(): SimContainer {
      if (!sim) throw new Error('the sim container did not start (see beforeAll)');
      return sim;
    }

    beforeAll(async () => {
      if (!engine.available) throw new Error(engine.reason);
      console.log(`[test/containers] ${engine.description}; building and starting the sim image`);
      const started = Date.now();
      sim = await startSimContainer({ dataVolume });
      console.log(`[test/containers] image built and container healthy in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }, IMAGE_BUILD_TIMEOUT_MS);

    afterAll(async () => {
      await sim?.stop();
      if (engine.available) await removeDockerVolume(dataVolume).catch(() => undefined);
    }, 60_000);

    it('answers GET /_sim/health with 200 on the port published to the host', async () => {
      expect(running().endpoint).toMatch(/^http:\/\/[^:]+:\d+$/);
      expect(await healthStatus(running().endpoint)).toBe(200);
    });

    it('reports healthy through the image HEALTHCHECK', async () => {
      const client = await getContainerRuntimeClient();
      const container = client.container.getById(running().container.getId());
      let status: string | undefined;
      // interval 5 s: the first check runs about 5 s after start.
      for (let attempt = 0; attempt < 40 && status !== 'healthy'; attempt++) {
        status = (await client.container.inspect(container)).State.Health?.Status;
        if (status !== 'healthy') await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(status).toBe('healthy');
    }, 60_000);

    it('runs as an unprivileged user with HOST, PORT and FACEKIT_DATA_DIR set for a container', async () => {
      const result = await running().container.exec(['sh', '-c', 'id -u; echo "$HOST $PORT $FACEKIT_DATA_DIR"']);
      expect(result.exitCode).toBe(0);
      expect(result.stdout.trim().split('\n')).toEqual(['1000', '0.0.0.0 4566 /data']);
    });

    it.skipIf(!repoHasCdkApp())('carries a cloud assembly that is current, so the sim never re-synthesizes at start', async () => {
      // synthesizeIfChanged would spawn the aws-cdk CLI (pruned from the image) if the assembly
      // were stale; `synthesized: false` proves the fingerprint written at build time matches.
      const script =
        "const { synthesizeIfChanged } = await import('./sim/cloud-assembly/synth-cache.ts');" +
        'const result = await synthesizeIfChanged({ projectDir: process.cwd() });' +
        'console.log(JSON.stringify({ synthesized: result.synthesized }));';
      const result = await running().container.exec(['node', '--import', 'tsx', '--input-type=module', '-e', script]);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout.trim())).toEqual({ synthesized: false });
    }, 60_000);

    it('writes the stack outputs into /data, the only place it may write', async () => {
      const outputs = await running().stackOutputs();
      expect(outputs.UserPoolId).toMatch(/^[\w-]+_\w+$/);
      expect(outputs.UserPoolClientId).not.toBe('');
    });

    it('accepts a Cognito SignUp from an SDK client outside the container, through its triggers', async () => {
      const result = await signUp(running(), 'container-signup@example.com');
      expect(result.UserSub).toMatch(/^[0-9a-f-]{36}$/);
      expect(result.UserConfirmed).toBe(false);
      expect(await userStatus(running(), 'container-signup@example.com')).toBe('UNCONFIRMED');
    }, 60_000);

    it('keeps its users and /data across a restart and in a new container on the same volume', async () => {
      await signUp(running(), 'survives-restart@example.com');
      const written = await running().container.exec(['sh', '-c', 'echo kept > /data/restart-marker']);
      expect(written.exitCode).toBe(0);

      await running().container.restart();
      expect(await healthStatus(running().endpoint)).toBe(200);
      expect((await readDataFile(running(), 'restart-marker')).stdout.trim()).toBe('kept');
      expect(await userStatus(running(), 'survives-restart@example.com')).toBe('UNCONFIRMED');

      await running().stop();
      sim = undefined;
      sim = await startSimContainer({ dataVolume });
      expect(await healthStatus(running().endpoint)).toBe(200);
      expect((await readDataFile(running(), 'restart-marker')).stdout.trim()).toBe('kept');
      expect(await userStatus(running(), 'survives-restart@example.com')).toBe('UNCONFIRMED');
    }, 180_000);
  });
}
