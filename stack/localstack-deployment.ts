// The decisions `npm run deploy:local` makes, as pure functions: where LocalStack is, what its
// health report says, whether the deployed stack has a usable user pool, and what to tell the user.
// LocalStack's free tier has no Cognito: CloudFormation silently drops `AWS::Cognito::*`, and the
// sim's services mode serves the same pool from the same template instead.

export const DEFAULT_LOCALSTACK_ENDPOINT = 'http://localhost:4566';
/** The services-mode sim as docker-compose.yml publishes it on the host. */
export const DEFAULT_SIM_SERVICES_ENDPOINT = 'http://127.0.0.1:4567';
export const START_LOCALSTACK_COMMAND = 'docker-compose --profile localstack up -d localstack sim-rekognition';

/** Statuses in `/_localstack/health` under which a service answers requests. */
const USABLE_STATUSES = new Set(['available', 'running']);
/** Cognito's user pool id pattern (`<region>_<id>`), so a placeholder or a logical id never passes. */
const USER_POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;
const CLIENT_ID = /^[\w+]{1,128}$/;

export interface LocalStackHealth {
  /** Service name -> status, e.g. `{ s3: 'running', 'cognito-idp': 'disabled' }`. */
  services: Record<string, string>;
  edition?: string;
  version?: string;
}

export type StackOutputsFile = Record<string, Record<string, string>>;

/** `AWS_ENDPOINT_URL` (what cdklocal reads too), else `LOCALSTACK_ENDPOINT`, else localhost:4566. */
export function localStackEndpoint(env: Record<string, string | undefined>): string {
  const configured = env.AWS_ENDPOINT_URL?.trim() || env.LOCALSTACK_ENDPOINT?.trim();
  return (configured || DEFAULT_LOCALSTACK_ENDPOINT).replace(/\/+$/, '');
}

/** Reads the body of `GET /_localstack/health`; throws when it is not LocalStack's report. */
export function parseLocalStackHealth(body: unknown): LocalStackHealth {
  const report = body as { services?: unknown; edition?: unknown; version?: unknown } | null;
  if (!report || typeof report !== 'object' || !report.services || typeof report.services !== 'object' || Array.isArray(report.services)) {
    throw new Error('the health report has no "services" object: is this LocalStack?');
  }
  const services = Object.fromEntries(
    Object.entries(report.services as Record<string, unknown>).map(([name, status]) => [name, String(status)]),
  );
  return {
    services,
    edition: typeof report.edition === 'string' ? report.edition : undefined,
    version: typeof report.version === 'string' ? report.version : undefined,
  };
}

export function serviceIsUsable(health: LocalStackHealth, service: string): boolean {
  return USABLE_STATUSES.has(health.services[service] ?? '');
}

/** Why the deployed stack has no user pool one can sign in to; empty when it has one. */
export function missingCognitoReasons(outputs: StackOutputsFile | undefined, stackName: string, health: LocalStackHealth): string[] {
  const reasons: string[] = [];
  if (!serviceIsUsable(health, 'cognito-idp')) {
    const status = health.services['cognito-idp'];
    reasons.push(status ? `LocalStack reports cognito-idp as "${status}"` : 'LocalStack does not list cognito-idp among its services');
  }
  const stackOutputs = outputs?.[stackName];
  if (!stackOutputs) {
    reasons.push(`the outputs file has no ${stackName} stack`);
  } else {
    const poolId = stackOutputs.UserPoolId;
    if (poolId === undefined || poolId === '') reasons.push('the stack outputs have no UserPoolId');
    else if (!USER_POOL_ID.test(poolId)) reasons.push(`UserPoolId "${poolId}" is not a user pool id (unresolved)`);
    const clientId = stackOutputs.UserPoolClientId;
    if (clientId === undefined || clientId === '') reasons.push('the stack outputs have no UserPoolClientId');
    else if (!CLIENT_ID.test(clientId)) reasons.push(`UserPoolClientId "${clientId}" is not a client id (unresolved)`);
  }
  return reasons;
}

/**
 * LocalStack's outputs (bucket, table, region) with the sim's user pool and client ids, so the
 * CLI finds the pool the sim serves. Throws when the sim's outputs lack the pool.
 */
export function outputsWithSimUserPool(localStackOutputs: StackOutputsFile | undefined, simOutputs: unknown, stackName: string): StackOutputsFile {
  const sim = (simOutputs as StackOutputsFile | undefined)?.[stackName];
  if (!sim?.UserPoolId || !sim.UserPoolClientId) {
    throw new Error(`the sim's outputs have no user pool for ${stackName}: is it running in services mode with cognito-idp?`);
  }
  return {
    ...localStackOutputs,
    [stackName]: {
      ...localStackOutputs?.[stackName],
      UserPoolId: sim.UserPoolId,
      UserPoolClientId: sim.UserPoolClientId,
      ...(sim.CollectionId ? { CollectionId: sim.CollectionId } : {}),
    },
  };
}

export function localStackNotRunningMessage(endpoint: string, cause: string): string {
  return [
    `LocalStack is not running at ${endpoint} (${cause}).`,
    `Start it with \`${START_LOCALSTACK_COMMAND}\` (needs LOCALSTACK_AUTH_TOKEN),`,
    'or point AWS_ENDPOINT_URL (or LOCALSTACK_ENDPOINT) at it, then run `npm run deploy:local` again.',
  ].join('\n');
}

export function cognitoFromSimMessage(reasons: string[], simEndpoint: string): string {
  return [
    'This LocalStack has no Cognito: it is not part of its tier (the free tier has none) or not in its SERVICES.',
    'CloudFormation dropped the user pool and its client without an error. Signs of it:',
    ...reasons.map((reason) => `  - ${reason}`),
    `The sim's services mode serves that pool instead, planned from this same template, on ${simEndpoint}:`,
    'its triggers are the functions just deployed to LocalStack, invoked by name.',
  ].join('\n');
}

export function simNotRunningMessage(simEndpoint: string, cause: string): string {
  return [
    `The services-mode sim does not answer at ${simEndpoint} (${cause}).`,
    `Start it with \`${START_LOCALSTACK_COMMAND}\` (or set FACEKIT_SERVICES_ENDPOINT), then run \`npm run deploy:local\` again`,
    'to write its user pool ids into cdk-outputs.json. The stack itself is deployed.',
  ].join('\n');
}

export function nextStepsMessage(cognitoEndpoint: string, outputsFile: string): string {
  return [
    `Outputs in ${outputsFile}. Try it:`,
    '  npx facekit face --seed alice --out alice.jpg',
    `  npx facekit signup --endpoint ${cognitoEndpoint} --email alice@example.com --photo alice.jpg`,
    `  npx facekit signin --endpoint ${cognitoEndpoint} --email alice@example.com --photo alice.jpg`,
  ].join('\n');
}
