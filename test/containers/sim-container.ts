// The sim's container image, built once per test process from sim/Dockerfile and started with
// Testcontainers. Reused by the end-to-end suite: `startSimContainer()` gives an endpoint that
// speaks the same contract as `npm start` (PORT, HOST, FACEKIT_DATA_DIR, GET /_sim/health).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GenericContainer,
  getContainerRuntimeClient,
  Wait,
  type StartedNetwork,
  type StartedTestContainer,
} from 'testcontainers';
import type { StackOutputs } from '../../cli/target.js';

// Ryuk (the reaper) is an image from Docker Hub, which these machines cannot pull; containers
// are stopped explicitly instead. Must be set before Testcontainers first looks for a reaper.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SIM_DOCKERFILE = 'sim/Dockerfile';
/** Tag of the image the tests build; kept between runs so the engine's layer cache applies. */
export const SIM_IMAGE = 'facekit-sim:test';
export const SIM_PORT = 4566;
/** Cold builds (npm ci + cdk synth on 2 shared cores) take minutes; cached ones seconds. */
export const IMAGE_BUILD_TIMEOUT_MS = 15 * 60_000;
export const CONTAINER_START_TIMEOUT_MS = 90_000;

export type DockerEngineStatus = { available: true; description: string } | { available: false; reason: string };

/**
 * Whether a Docker engine answers, found the way Testcontainers finds it (DOCKER_HOST,
 * ~/.testcontainers.properties, /var/run/docker.sock...). Never throws.
 */
export async function probeDockerEngine(timeoutMs = 15_000): Promise<DockerEngineStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const client = await Promise.race([getContainerRuntimeClient(), timeout]);
    const { serverVersion, operatingSystem } = client.info.containerRuntime;
    return { available: true, description: `Docker engine ${serverVersion} on ${operatingSystem}` };
  } catch (error) {
    return {
      available: false,
      reason: `no Docker engine (${error instanceof Error ? error.message : String(error)}); ` +
        'start one with `bash .ci/docker-engine.sh && bash .ci/base-image.sh`',
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The image named by the Dockerfile's first FROM, which must exist locally or be pullable. */
export async function simBaseImage(): Promise<string> {
  const dockerfile = await readFile(join(REPO_ROOT, SIM_DOCKERFILE), 'utf8');
  const from = /^FROM\s+(\S+)/im.exec(dockerfile);
  if (!from) throw new Error(`${SIM_DOCKERFILE} has no FROM line`);
  return from[1];
}

let imageBuild: Promise<GenericContainer> | undefined;

/** Builds sim/Dockerfile once per process (the engine's layer cache makes rebuilds quick). */
export function buildSimImage(): Promise<GenericContainer> {
  imageBuild ??= (async () => {
    try {
      return await GenericContainer.fromDockerfile(REPO_ROOT, SIM_DOCKERFILE).build(SIM_IMAGE, {
        deleteOnExit: false,
      });
    } catch (error) {
      imageBuild = undefined;
      const base = await simBaseImage();
      throw new Error(
        `building ${SIM_DOCKERFILE} failed: ${error instanceof Error ? error.message : String(error)}\n` +
          `(no registry reachable? \`bash .ci/base-image.sh\` creates ${base} locally)`,
        { cause: error },
      );
    }
  })();
  return imageBuild;
}

export interface SimContainerOptions {
  /** Docker volume name (or absolute host path) mounted at /data; a fresh anonymous volume if absent. */
  dataVolume?: string;
  /** Extra environment, e.g. FACEKIT_MODE for the LocalStack variant. */
  environment?: Record<string, string>;
  /**
   * Listen inside the container on this port and publish it on the same host port. The handlers
   * sign upload URLs for the endpoint they see inside (`127.0.0.1:<PORT>`), and a signed URL's
   * host cannot be rewritten, so a client outside can use them only on the same port.
   */
  samePort?: number;
  /** A network to join, with the names other containers reach the sim by. */
  network?: StartedNetwork;
  networkAliases?: string[];
}

export interface SimContainer {
  /** `http://host:port` of the sim as seen from this process; changes after a restart. */
  readonly endpoint: string;
  readonly container: StartedTestContainer;
  /** The stack outputs the sim wrote to /data/cdk-outputs.json (user pool, client, bucket...). */
  stackOutputs(stackName?: string): Promise<StackOutputs>;
  /** Stops and removes the container (not a named data volume). */
  stop(): Promise<void>;
}

/** Starts the sim image and resolves once GET /_sim/health answers 200 from outside. */
export async function startSimContainer(options: SimContainerOptions = {}): Promise<SimContainer> {
  const image = await buildSimImage();
  const port = options.samePort ?? SIM_PORT;
  let definition = image
    .withExposedPorts(options.samePort ? { container: port, host: port } : port)
    .withEnvironment({ ...(options.samePort ? { PORT: String(port) } : {}), ...options.environment })
    .withWaitStrategy(Wait.forHttp('/_sim/health', port).forStatusCode(200))
    .withStartupTimeout(CONTAINER_START_TIMEOUT_MS);
  if (options.network) definition = definition.withNetwork(options.network).withNetworkAliases(...(options.networkAliases ?? []));
  if (options.dataVolume) {
    definition = definition.withBindMounts([{ source: options.dataVolume, target: '/data', mode: 'rw' }]);
  }
  const container = await definition.start();
  return {
    get endpoint() {
      return `http://${container.getHost()}:${container.getMappedPort(port)}`;
    },
    container,
    async stackOutputs(stackName = 'FaceAuthStack') {
      const result = await container.exec(['cat', '/data/cdk-outputs.json']);
      if (result.exitCode !== 0) throw new Error(`no /data/cdk-outputs.json in the sim container: ${result.stderr.trim()}`);
      const outputs = (JSON.parse(result.stdout) as Record<string, StackOutputs | undefined>)[stackName];
      if (!outputs) throw new Error(`/data/cdk-outputs.json has no stack ${stackName}`);
      return outputs;
    },
    async stop() {
      await container.stop({ timeout: 10_000, remove: true, removeVolumes: !options.dataVolume });
    },
  };
}

/** Removes a named volume created by a test (Testcontainers has no volume API of its own). */
export async function removeDockerVolume(name: string): Promise<void> {
  const client = await getContainerRuntimeClient();
  await client.container.dockerode.getVolume(name).remove({ force: true });
}

/** True when the repository has a CDK app, so the image must carry a synthesized assembly. */
export function repoHasCdkApp(): boolean {
  return existsSync(join(REPO_ROOT, 'cdk.json'));
}
