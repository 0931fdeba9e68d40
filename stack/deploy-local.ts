// `npm run deploy:local [-- cdk options]`: deploys FaceAuthStack to LocalStack with cdklocal and
// `--context target=localstack`, then makes cdk-outputs.json point at a user pool that exists:
// LocalStack's own when it has Cognito, else the one the services-mode sim serves from the same
// template. See docs/localstack.md; the decisions are in stack/localstack-deployment.ts.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_SIM_SERVICES_ENDPOINT,
  cognitoFromSimMessage,
  localStackEndpoint,
  localStackNotRunningMessage,
  missingCognitoReasons,
  nextStepsMessage,
  outputsWithSimUserPool,
  parseLocalStackHealth,
  simNotRunningMessage,
  type LocalStackHealth,
  type StackOutputsFile,
} from './localstack-deployment.js';
import { DEFAULT_STACK_NAME } from './stack-context.js';
import { KIT_ENDPOINT_OUTPUT } from '../sim/running-kit.js';

const projectDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
const outputsFile = resolve(process.env.FACEKIT_OUTPUTS_FILE ?? join(projectDir, 'cdk-outputs.json'));
const cdklocal = join(projectDir, 'node_modules', '.bin', 'cdklocal');
const extraArgs = process.argv.slice(2);
const stackName = stackNameFromArgs(extraArgs) ?? DEFAULT_STACK_NAME;
const endpoint = localStackEndpoint(process.env);
const simEndpoint = (process.env.FACEKIT_SERVICES_ENDPOINT?.trim() || DEFAULT_SIM_SERVICES_ENDPOINT).replace(/\/+$/, '');

function stackNameFromArgs(args: string[]): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const value = args[index] === '-c' || args[index] === '--context' ? args[index + 1] : /^--context=(.*)$/.exec(args[index])?.[1];
    const match = value === undefined ? null : /^stackName=(.+)$/.exec(value);
    if (match) return match[1];
  }
  return undefined;
}

function withKitEndpoint(file: StackOutputsFile, stack: string, cognitoEndpoint: string): StackOutputsFile {
  return { ...file, [stack]: { ...file[stack], [KIT_ENDPOINT_OUTPUT]: cognitoEndpoint } };
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

const causeOf = (error: unknown) => {
  const { message, cause } = error as Error & { cause?: { code?: string } };
  return cause?.code ?? message;
};

async function localStackHealth(): Promise<LocalStackHealth> {
  try {
    return parseLocalStackHealth(await getJson(`${endpoint}/_localstack/health`));
  } catch (error) {
    console.error(localStackNotRunningMessage(endpoint, causeOf(error)));
    process.exit(1);
  }
}

function cdk(args: string[]): Promise<void> {
  console.log(`\n$ cdklocal ${args.join(' ')}`);
  return new Promise((resolveRun, reject) => {
    const child = spawn(cdklocal, args, {
      cwd: projectDir,
      stdio: 'inherit',
      env: {
        ...process.env,
        // cdklocal reads AWS_ENDPOINT_URL; LocalStack accepts any key pair.
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
        CDK_DISABLE_VERSION_CHECK: '1',
      },
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolveRun() : reject(new Error(`cdklocal ${args[0]} failed (exit ${code})`))));
  });
}

if (extraArgs.includes('--help') || extraArgs.includes('-h')) {
  console.log(`Usage: npm run deploy:local [-- cdk options]

Deploys FaceAuthStack to LocalStack: cdklocal bootstrap, then cdklocal deploy, both with
--context target=localstack and the cdk options given (-- -c faceMatchThreshold=98), and writes
cdk-outputs.json ($FACEKIT_OUTPUTS_FILE to change). When LocalStack has no Cognito, the user
pool comes from the sim in services mode: its ids are merged into that file.

LocalStack: $AWS_ENDPOINT_URL, else $LOCALSTACK_ENDPOINT, else http://localhost:4566 (now ${endpoint}).
The sim in services mode: $FACEKIT_SERVICES_ENDPOINT, else ${DEFAULT_SIM_SERVICES_ENDPOINT}.
Credentials default to test / test, the region to us-east-1. Start both with
docker-compose --profile localstack up -d localstack sim-rekognition (needs LOCALSTACK_AUTH_TOKEN;
docs/localstack.md).`);
  process.exit(0);
}

if (!existsSync(cdklocal)) {
  console.error(`cdklocal is not installed (${cdklocal}): run \`npm ci\` (it is the aws-cdk-local dev dependency).`);
  process.exit(1);
}

console.log(`checking LocalStack at ${endpoint}/_localstack/health ...`);
const before = await localStackHealth();
console.log(`LocalStack ${before.edition ?? ''} ${before.version ?? ''} answers`.replace(/\s+/g, ' '));

const context = ['--context', 'target=localstack'];
try {
  // Assets (the handler bundles) go through the bootstrap bucket; bootstrapping again changes nothing.
  await cdk(['bootstrap', ...context, ...extraArgs]);
  await cdk(['deploy', ...context, '--outputs-file', outputsFile, '--require-approval', 'never', ...extraArgs]);
} catch (error) {
  console.error(`\n${(error as Error).message}`);
  process.exit(1);
}

const outputs = existsSync(outputsFile) ? (JSON.parse(readFileSync(outputsFile, 'utf8')) as StackOutputsFile) : undefined;
// After the deploy LocalStack has started what it runs; its report is the current one.
const after = await localStackHealth();
const reasons = missingCognitoReasons(outputs, stackName, after);
if (reasons.length === 0) {
  // Marked with the endpoint that serves its user pool, so `facekit` talks to it and not to AWS.
  writeFileSync(outputsFile, JSON.stringify(withKitEndpoint(outputs!, stackName, endpoint), null, 2) + '\n');
  console.log(`\nDeployed. LocalStack serves the user pool ${outputs![stackName].UserPoolId}.`);
  console.log(nextStepsMessage(endpoint, outputsFile));
  process.exit(0);
}

console.log(`\n${cognitoFromSimMessage(reasons, simEndpoint)}`);
let simOutputs: unknown;
try {
  simOutputs = await getJson(`${simEndpoint}/_sim/outputs`);
} catch (error) {
  console.error(`\n${simNotRunningMessage(simEndpoint, causeOf(error))}`);
  process.exit(1);
}
let merged: StackOutputsFile;
try {
  merged = outputsWithSimUserPool(outputs, simOutputs, stackName);
} catch (error) {
  console.error(`\n${(error as Error).message}`);
  process.exit(1);
}
writeFileSync(outputsFile, JSON.stringify(withKitEndpoint(merged, stackName, simEndpoint), null, 2) + '\n');
console.log(`\nRewrote ${outputsFile} with the sim's user pool ${merged[stackName].UserPoolId} (client ${merged[stackName].UserPoolClientId}).`);
console.log(nextStepsMessage(simEndpoint, outputsFile));
