// Where the CLI talks to, decided from what the user said, never guessed:
//   --endpoint <url> / FACEKIT_ENDPOINT / AWS_ENDPOINT_URL  that endpoint (a local kit, LocalStack)
//   --aws                                                   AWS, from the outputs `npm run deploy` wrote
//   an outputs file the kit wrote (it names `FacekitEndpoint`)  that kit, which must be running
//   an outputs file without it (written by `cdk deploy`)    AWS
//   no outputs file here                                    the kit `npm start` recorded in the state
//                                                           folder, else one answering on the default
//                                                           port (the compose container)
// Anything else ends with a message saying exactly what to start.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KIT_ENDPOINT_OUTPUT, recordedKits, type RunningKitRecord } from '../sim/running-kit.js';
import type { FaceAuthTarget } from './face-auth-client.js';

export { KIT_ENDPOINT_OUTPUT };

export interface StackOutputs {
  UserPoolId: string;
  UserPoolClientId: string;
  BucketName: string;
  UsersTableName: string;
  CollectionId: string;
  Region: string;
}

export interface ResolvedTarget extends FaceAuthTarget {
  outputs: StackOutputs;
  /** How the target was chosen, for the user to read. */
  description: string;
}

export interface TargetOptions {
  /** An outputs file the user named (`--outputs`); otherwise `cdk-outputs.json` here is looked at. */
  outputsFile?: string;
  endpoint?: string;
  stackName?: string;
  /** `--aws`: the deployed stack, whatever else is running. */
  aws?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where a kit without a record is looked for (the compose container's port). */
  defaultKitEndpoint?: string;
}

export const DEFAULT_STACK_NAME = 'FaceAuthStack';
export const DEFAULT_OUTPUTS_FILE = 'cdk-outputs.json';
export const DEFAULT_KIT_ENDPOINT = 'http://127.0.0.1:4566';
/** The user's fix for "nothing to talk to", in one place so every message says the same. */
export const START_THE_KIT =
  'start the kit with `npm start` in the cognito-face-kit folder (or `docker compose up -d sim`), ' +
  'or target the stack deployed with `npm run deploy` by adding --aws';

export class TargetError extends Error {
  override readonly name = 'TargetError';
}

type OutputsFileContent = Record<string, Record<string, string>>;

function readOutputsFile(outputsFile: string): OutputsFileContent {
  try {
    return JSON.parse(readFileSync(outputsFile, 'utf8')) as OutputsFileContent;
  } catch (error) {
    throw new TargetError(`cannot read ${outputsFile}: ${(error as Error).message}`);
  }
}

function stackOutputsOf(all: OutputsFileContent, stackName: string, source: string): StackOutputs & Record<string, string> {
  const outputs = all[stackName];
  if (!outputs) throw new TargetError(`${source} has no stack named ${stackName} (found: ${Object.keys(all).join(', ') || 'none'}); pass --stack`);
  for (const key of ['UserPoolId', 'UserPoolClientId', 'Region'] as const) {
    if (!outputs[key]) throw new TargetError(`${source}: output ${key} missing for ${stackName}`);
  }
  return outputs as unknown as StackOutputs & Record<string, string>;
}

/** Reads a stack's outputs from a file in the format `cdk deploy --outputs-file` writes. */
export function readOutputs(outputsFile: string, stackName = DEFAULT_STACK_NAME): StackOutputs {
  if (!existsSync(outputsFile)) throw new TargetError(`${outputsFile} not found: ${START_THE_KIT}`);
  return stackOutputsOf(readOutputsFile(outputsFile), stackName, outputsFile);
}

async function answersAsKit(endpoint: string): Promise<boolean> {
  try {
    // Generous: a kit loading its face model holds its event loop for seconds after it is ready.
    const response = await fetch(new URL('/_sim/health', endpoint), { signal: AbortSignal.timeout(5000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function kitOutputs(endpoint: string, stackName: string): Promise<StackOutputs | undefined> {
  try {
    const response = await fetch(new URL('/_sim/outputs', endpoint), { signal: AbortSignal.timeout(5000) });
    if (!response.ok) return undefined;
    return stackOutputsOf((await response.json()) as OutputsFileContent, stackName, `${endpoint}/_sim/outputs`);
  } catch (error) {
    if (error instanceof TargetError) throw error;
    return undefined;
  }
}

function localTarget(endpoint: string, outputs: StackOutputs, description: string): ResolvedTarget {
  return { outputs, region: outputs.Region, userPoolClientId: outputs.UserPoolClientId, endpoint, description };
}

/**
 * An endpoint the user named: outputs from the file they named, else the kit's own
 * (`/_sim/outputs`), else `cdk-outputs.json` here (LocalStack, which has no `/_sim/outputs`).
 */
async function namedEndpointTarget(endpoint: string, how: string, options: Required<Pick<TargetOptions, 'stackName' | 'cwd'>> & TargetOptions): Promise<ResolvedTarget> {
  const description = `${endpoint} (${how})`;
  if (!isHttpUrl(endpoint)) throw new TargetError(`${endpoint} (${how}) is not an http:// or https:// URL, e.g. http://127.0.0.1:4566`);
  if (!(await reachable(endpoint))) throw new TargetError(`nothing answers at ${endpoint} (${how}): ${START_THE_KIT}`);
  if (options.outputsFile) return localTarget(endpoint, readOutputs(resolve(options.cwd, options.outputsFile), options.stackName), description);
  const served = await kitOutputs(endpoint, options.stackName);
  if (served) return localTarget(endpoint, served, description);
  const here = resolve(options.cwd, DEFAULT_OUTPUTS_FILE);
  if (existsSync(here)) return localTarget(endpoint, readOutputs(here, options.stackName), description);
  throw new TargetError(`${endpoint} (${how}) serves no stack outputs and there is no ${DEFAULT_OUTPUTS_FILE} here: pass --outputs <file>`);
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Any HTTP answer at all (a kit, LocalStack): the endpoint is up. */
async function reachable(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(5000) });
    return true;
  } catch {
    return false;
  }
}

/** The kits `npm start` recorded that answer as kits now. */
async function runningRecordedKits(env: NodeJS.ProcessEnv): Promise<RunningKitRecord[]> {
  const running: RunningKitRecord[] = [];
  for (const record of recordedKits(env)) if (await answersAsKit(record.endpoint)) running.push(record);
  return running;
}

export async function resolveTarget(options: TargetOptions = {}): Promise<ResolvedTarget> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const stackName = options.stackName ?? DEFAULT_STACK_NAME;
  const settled = { ...options, stackName, cwd };
  if (options.aws && options.endpoint) throw new TargetError('--aws and --endpoint name two different targets: pass one');

  if (options.endpoint) return namedEndpointTarget(options.endpoint, '--endpoint', settled);

  const outputsFile = resolve(cwd, options.outputsFile ?? DEFAULT_OUTPUTS_FILE);
  if (options.aws) {
    if (!existsSync(outputsFile)) {
      throw new TargetError(`--aws needs the outputs of the deployed stack: ${outputsFile} not found (deploy with \`npm run deploy\`, or pass --outputs <file>)`);
    }
    const outputs = stackOutputsOf(readOutputsFile(outputsFile), stackName, outputsFile);
    if (outputs[KIT_ENDPOINT_OUTPUT]) {
      throw new TargetError(`${outputsFile} was written by the local kit (npm start), not by \`cdk deploy\`: deploy with \`npm run deploy\` or pass --outputs <the deployed stack's file>`);
    }
    return { outputs, region: outputs.Region, userPoolClientId: outputs.UserPoolClientId, endpoint: undefined, description: `AWS ${outputs.Region} (--aws)` };
  }

  if (env.FACEKIT_ENDPOINT) return namedEndpointTarget(env.FACEKIT_ENDPOINT, 'FACEKIT_ENDPOINT', settled);
  if (env.AWS_ENDPOINT_URL) return namedEndpointTarget(env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL', settled);

  if (existsSync(outputsFile)) {
    const outputs = stackOutputsOf(readOutputsFile(outputsFile), stackName, outputsFile);
    const kitEndpoint = outputs[KIT_ENDPOINT_OUTPUT];
    if (!kitEndpoint) {
      return { outputs, region: outputs.Region, userPoolClientId: outputs.UserPoolClientId, endpoint: undefined, description: `AWS ${outputs.Region} (${outputsFile} was written by cdk deploy)` };
    }
    // Any answer will do: for `npm run deploy:local` the marked endpoint may be LocalStack's.
    if (await reachable(kitEndpoint)) return localTarget(kitEndpoint, outputs, `${kitEndpoint} (the local kit that wrote ${outputsFile})`);
    // A second kit started here and stopped since rewrote the file with its own endpoint, while
    // the first still runs (an audit, 2026-12-03): the running one `npm start` recorded is meant.
    // Only a kit that writes this same file: another project's kit would hold other users.
    const stillRunning = (await runningRecordedKits(env)).filter((kit) => resolve(kit.outputsFile) === outputsFile);
    if (stillRunning.length === 1) {
      const [kit] = stillRunning;
      const served = await kitOutputs(kit!.endpoint, stackName);
      if (served) return localTarget(kit!.endpoint, served, `${kit!.endpoint} (the kit started in ${kit!.projectDir}; ${outputsFile} names ${kitEndpoint}, where nothing answers)`);
    }
    const others = stillRunning.length > 1 ? ` (kits running: ${stillRunning.map((kit) => kit.endpoint).join(', ')}: pass --endpoint <url>)` : '';
    throw new TargetError(`the local kit that wrote ${outputsFile} is not running (nothing answers at ${kitEndpoint})${others}: ${START_THE_KIT}`);
  }
  // A file the user named and mistyped: starting a kit would not write it there.
  if (options.outputsFile) throw new TargetError(`${outputsFile} not found (--outputs): check the path, or leave --outputs out to use the running kit`);

  // No outputs file here: a kit `npm start` recorded (any folder), else the default port.
  const running = await runningRecordedKits(env);
  if (running.length > 1) {
    throw new TargetError(`several local kits are running (${running.map((kit) => kit.endpoint).join(', ')}): pass --endpoint <url>`);
  }
  const [recorded] = running;
  const endpoint = recorded?.endpoint ?? options.defaultKitEndpoint ?? DEFAULT_KIT_ENDPOINT;
  const served = await kitOutputs(endpoint, stackName);
  if (served) return localTarget(endpoint, served, `${endpoint} (${recorded ? `the kit started in ${recorded.projectDir}` : 'the kit on the default port'})`);
  throw new TargetError(`no local kit is running and there is no ${DEFAULT_OUTPUTS_FILE} in ${cwd}: ${START_THE_KIT}`);
}

/** Waits for the newest confirmation code the embedded cloud's outbox holds for `email`. */
export async function codeFromLocalOutbox(endpoint: string, email: string, since: number, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(new URL(`/_sim/emails?to=${encodeURIComponent(email)}`, endpoint));
    if (response.ok) {
      const emails = (await response.json()) as Array<{ body: string; subject: string; sentAt: string }>;
      const recent = emails.filter((email) => Date.parse(email.sentAt) >= since - 1000).reverse();
      for (const candidate of recent) {
        const code = /\b(\d{8}|\d{6})\b/.exec(candidate.body)?.[1]; // enrolment codes have 8 digits, Cognito's 6
        if (code) return code;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // Cognito sends nothing to an address it does not know (and does not say so): a mistyped email,
  // or one never signed up, waits here (an audit waited without a hint).
  throw new Error(`no code arrived for ${email} in the local outbox within ${timeoutMs / 1000} s: is ${email} signed up, and spelled as at sign-up? (\`facekit users\` lists the accounts; \`facekit signup\` creates one)`);
}
