// Where the CLI talks to: the stack outputs come from `cdk-outputs.json` (the file
// `cdk deploy --outputs-file` writes, and `npm start` writes in the same format), and the endpoint
// is the embedded cloud when one is running, AWS otherwise.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaceAuthTarget } from './face-auth-client.js';

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
  /** How the endpoint was chosen, for the user to read. */
  description: string;
}

export const DEFAULT_STACK_NAME = 'FaceAuthStack';

export function dataDir(): string {
  return process.env.FACEKIT_DATA_DIR ?? join(process.cwd(), '.facekit');
}

/** Written by the running embedded cloud so a second terminal finds it. */
export function runningSimFile(directory = dataDir()): string {
  return join(directory, 'endpoint.json');
}

export function readOutputs(outputsFile: string, stackName = DEFAULT_STACK_NAME): StackOutputs {
  if (!existsSync(outputsFile)) {
    throw new Error(`${outputsFile} not found: start the kit with \`npm start\` or deploy with \`npm run deploy\` first`);
  }
  const all = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>;
  const outputs = all[stackName];
  if (!outputs) throw new Error(`${outputsFile} has no stack named ${stackName} (found: ${Object.keys(all).join(', ') || 'none'})`);
  for (const key of ['UserPoolId', 'UserPoolClientId', 'Region'] as const) {
    if (!outputs[key]) throw new Error(`${outputsFile}: output ${key} missing for ${stackName}`);
  }
  return outputs as unknown as StackOutputs;
}

async function isHealthy(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/_sim/health', endpoint), { signal: AbortSignal.timeout(1500) });
    return response.ok;
  } catch {
    return false;
  }
}

export async function resolveTarget(options: { outputsFile?: string; endpoint?: string; stackName?: string }): Promise<ResolvedTarget> {
  const outputs = readOutputs(options.outputsFile ?? 'cdk-outputs.json', options.stackName);
  const base = { outputs, region: outputs.Region, userPoolClientId: outputs.UserPoolClientId };
  if (options.endpoint) return { ...base, endpoint: options.endpoint, description: `${options.endpoint} (--endpoint)` };
  if (process.env.AWS_ENDPOINT_URL) {
    return { ...base, endpoint: process.env.AWS_ENDPOINT_URL, description: `${process.env.AWS_ENDPOINT_URL} (AWS_ENDPOINT_URL)` };
  }
  const simFile = runningSimFile();
  if (existsSync(simFile)) {
    const { endpoint } = JSON.parse(readFileSync(simFile, 'utf8')) as { endpoint: string };
    if (await isHealthy(endpoint)) return { ...base, endpoint, description: `${endpoint} (embedded cloud)` };
    throw new Error(`the embedded cloud recorded in ${simFile} does not answer at ${endpoint}: is \`npm start\` running?`);
  }
  return { ...base, endpoint: undefined, description: `AWS ${outputs.Region}` };
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
  throw new Error(`no code arrived for ${email} in the local outbox within ${timeoutMs / 1000} s`);
}
