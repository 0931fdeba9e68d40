// How a running kit can be found from anywhere: `npm start` records itself in the state folder
// (one file per endpoint, removed at Ctrl-C) and marks the outputs file it writes with its
// endpoint. The facekit CLI (cli/target.ts) reads both.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isProcessRunning } from './process-running.js';

/**
 * The output `npm start` adds to the outputs file it writes (beside the stack's own outputs, in
 * the format `cdk deploy --outputs-file` writes): where the kit that wrote the file listens.
 * `npm run deploy:local` adds it too, naming the endpoint that serves the user pool (LocalStack's
 * or the sim's). A file without it came from `cdk deploy` to AWS.
 */
export const KIT_ENDPOINT_OUTPUT = 'FacekitEndpoint';

/** `$FACEKIT_STATE_DIR`, else `$XDG_STATE_HOME/facekit`, else `~/.local/state/facekit`. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FACEKIT_STATE_DIR) return resolve(env.FACEKIT_STATE_DIR);
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'facekit');
}

export interface RunningKitRecord {
  endpoint: string;
  pid: number;
  projectDir: string;
  outputsFile: string;
  stackName: string;
  startedAt: string;
}

const kitsDir = (env?: NodeJS.ProcessEnv) => join(stateDir(env), 'kits');
const recordFileOf = (endpoint: string, env?: NodeJS.ProcessEnv) =>
  join(kitsDir(env), `${new URL(endpoint).host.replace(/[^a-zA-Z0-9.-]/g, '_')}.json`);

/**
 * Written by `npm start` so the CLI finds the kit from any folder; returns a function removing it.
 * The records of kits whose process is gone (killed, so never removed: 144 of them were found on a
 * machine that ran the crash tests for a day) are removed on the way.
 */
export function recordRunningKit(record: RunningKitRecord, env: NodeJS.ProcessEnv = process.env): () => void {
  const file = recordFileOf(record.endpoint, env);
  mkdirSync(kitsDir(env), { recursive: true });
  forgetDeadKits(env);
  writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
  return () => rmSync(file, { force: true });
}

/** Removes the records whose process no longer exists (a pid reused since keeps its record: the CLI still checks it answers). */
function forgetDeadKits(env?: NodeJS.ProcessEnv): void {
  const directory = kitsDir(env);
  for (const name of readdirSync(directory).filter((file) => file.endsWith('.json'))) {
    const file = join(directory, name);
    try {
      const { pid } = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunningKitRecord>;
      if (typeof pid === 'number' && Number.isInteger(pid) && pid > 0 && !isProcessRunning(pid)) rmSync(file, { force: true });
    } catch {
      // Unreadable, half-written (another kit starting), or gone meanwhile: left alone.
    }
  }
}

/** Every kit recorded as running; the caller checks which still answer (a killed kit leaves its file). */
export function recordedKits(env?: NodeJS.ProcessEnv): RunningKitRecord[] {
  const directory = kitsDir(env);
  if (!existsSync(directory)) return [];
  const records: RunningKitRecord[] = [];
  for (const name of readdirSync(directory).filter((file) => file.endsWith('.json'))) {
    try {
      records.push(JSON.parse(readFileSync(join(directory, name), 'utf8')) as RunningKitRecord);
    } catch {
      // A half-written or foreign file is no kit.
    }
  }
  return records;
}

