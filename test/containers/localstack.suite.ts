// The LocalStack variant: LocalStack (S3, DynamoDB, Lambda, CloudFormation) with the sim's
// services mode beside it, the stack deployed by `npm run deploy:local`, and a sign-up driven
// through the triggers LocalStack runs. It needs a LocalStack image already on the engine (no
// registry can be reached on these machines) and LOCALSTACK_AUTH_TOKEN; without them it skips and
// prints why. It has never run on this project's CI machines for that reason (docs/localstack.md).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { LocalstackContainer, type StartedLocalStackContainer } from '@testcontainers/localstack';
import { getContainerRuntimeClient, Network, type StartedNetwork } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unusablePassword } from '../../cli/face-auth-client.js';
import { IMAGE_BUILD_TIMEOUT_MS, REPO_ROOT, startSimContainer, type DockerEngineStatus, type SimContainer } from './sim-container.js';

export const LOCALSTACK_IMAGE = process.env.LOCALSTACK_IMAGE ?? 'localstack/localstack-pro:latest';

/** Why the LocalStack variant cannot run here, or undefined when it can. */
export async function localStackUnavailable(engine: DockerEngineStatus): Promise<string | undefined> {
  if (!engine.available) return engine.reason;
  if (!process.env.LOCALSTACK_AUTH_TOKEN) return 'LOCALSTACK_AUTH_TOKEN is not set (LocalStack needs an account)';
  const client = await getContainerRuntimeClient();
  const present = await client.container.dockerode
    .getImage(LOCALSTACK_IMAGE)
    .inspect()
    .then(() => true, () => false);
  return present ? undefined : `image ${LOCALSTACK_IMAGE} is not on this Docker engine (and no registry can be reached to pull it)`;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

export function describeLocalStack(unavailable: string | undefined): void {
  describe.skipIf(unavailable !== undefined)('LocalStack variant (deploy:local + sim services mode)', () => {
    let network: StartedNetwork | undefined;
    let localstack: StartedLocalStackContainer | undefined;
    let sim: SimContainer | undefined;
    const outputsFile = join(mkdtempSync(join(tmpdir(), 'facekit-localstack-')), 'cdk-outputs.json');

    beforeAll(async () => {
      network = await new Network().start();
      localstack = await new LocalstackContainer(LOCALSTACK_IMAGE)
        .withNetwork(network)
        .withNetworkAliases('localstack')
        .withEnvironment({
          LOCALSTACK_AUTH_TOKEN: process.env.LOCALSTACK_AUTH_TOKEN!,
          SERVICES: 's3,dynamodb,lambda,cloudformation,iam,sts,logs,cognito-idp',
          S3_SKIP_SIGNATURE_VALIDATION: '0',
          LAMBDA_DOCKER_NETWORK: network.getName(),
        })
        .withBindMounts([{ source: '/var/run/docker.sock', target: '/var/run/docker.sock' }])
        .start();
      sim = await startSimContainer({
        network,
        networkAliases: ['sim-rekognition'],
        environment: {
          FACEKIT_MODE: 'services',
          FACEKIT_SERVICES: 'rekognition,cognito-idp',
          FACEKIT_S3_ENDPOINT: 'http://localstack:4566',
          FACEKIT_LAMBDA_ENDPOINT: 'http://localstack:4566',
        },
      });
      await run(process.execPath, ['--import', 'tsx', 'stack/deploy-local.ts'], {
        AWS_ENDPOINT_URL: localstack.getConnectionUri(),
        FACEKIT_SERVICES_ENDPOINT: sim.endpoint,
        FACEKIT_OUTPUTS_FILE: outputsFile,
      });
    }, IMAGE_BUILD_TIMEOUT_MS);

    afterAll(async () => {
      await sim?.stop();
      await localstack?.stop();
      await network?.stop();
    }, 120_000);

    it('signs up and confirms through the triggers LocalStack runs, then offers the enrolment challenge', async () => {
      const outputs = (JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>).FaceAuthStack!;
      // Cognito is the sim's when deploy:local found none in LocalStack (it then wrote the sim's ids).
      const simOutputs = await (await fetch(`${sim!.endpoint}/_sim/outputs`)).text();
      const cognitoEndpoint = simOutputs.includes(outputs.UserPoolId!) ? sim!.endpoint : localstack!.getConnectionUri();
      const cognito = new CognitoIdentityProviderClient({ region: outputs.Region, endpoint: cognitoEndpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      const email = 'localstack@example.com';
      await cognito.send(new SignUpCommand({ ClientId: outputs.UserPoolClientId, Username: email, Password: unusablePassword(), UserAttributes: [{ Name: 'email', Value: email }] }));
      // The admin call confirms without reading an inbox (LocalStack keeps mail elsewhere than the sim).
      await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: outputs.UserPoolId, Username: email, ClientMetadata: { enrolSecret: 'x'.repeat(43) } }));

      const challenge = await cognito.send(new InitiateAuthCommand({ ClientId: outputs.UserPoolClientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }));

      expect(challenge.ChallengeParameters).toMatchObject({ challenge: 'MAILBOX_PROOF', method: 'ENROL_SECRET' });
    }, 120_000);
  });
}
