// `npm start` as a child process, for the load test, the bench and the crash test: started on a
// free loopback port with its own data folder, watched through /proc (RSS and CPU of its whole
// process tree), stopped with SIGINT or killed with SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../sim/free-port.js';

export const projectDir = resolve(import.meta.dirname, '..');

export interface StartScriptSettings {
  /** `NAME=value` words before `node`. */
  env: Record<string, string>;
  /** The words between `node` and `sim/start.mjs`. */
  nodeFlags: string[];
}

/**
 * What package.json's start script sets around `node sim/start.mjs` (environment and V8 flags), so
 * that a server started here without npm runs as `npm start` runs it, from one definition.
 */
export function startScriptSettings(script = readStartScript()): StartScriptSettings {
  const words = script.trim().split(/\s+/);
  const node = words.indexOf('node');
  const entry = words.indexOf('sim/start.mjs');
  if (node < 0 || entry < node) throw new Error(`the start script does not run \`node ... sim/start.mjs\`: ${script}`);
  const env: Record<string, string> = {};
  for (const word of words.slice(0, node)) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(word);
    if (!match) throw new Error(`the start script has \`${word}\` before node, not an environment setting: ${script}`);
    env[match[1]!] = match[2]!;
  }
  return { env, nodeFlags: words.slice(node + 1, entry) };
}

function readStartScript(): string {
  const manifest = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return manifest.scripts.start;
}

export interface SimProcessOptions {
  dataDir: string;
  port?: number;
  /** Extra `node` flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  /** Extra environment. */
  env?: Record<string, string>;
  /** Lines the server prints, when wanted. */
  onOutput?: (line: string) => void;
  readyTimeoutMs?: number;
  /**
   * Start it as the user does, `npm start -- ...` (npm's own start-up included), rather than
   * `node sim/start.mjs ...` (what the start script runs). `child` is then npm; stop and kill
   * signal its whole process group.
   */
  viaNpm?: boolean;
}

export interface SimProcess {
  endpoint: string;
  port: number;
  child: ChildProcess;
  /** Milliseconds from spawn to the first healthy answer. */
  readyAfterMs: number;
  /** Graceful stop (SIGINT), as Ctrl-C. */
  stop(): Promise<void>;
  /** SIGKILL: no chance to flush anything. */
  kill(): Promise<void>;
}

export async function startSimProcess(options: SimProcessOptions): Promise<SimProcess> {
  const port = options.port ?? (await freePort('127.0.0.1'));
  const started = performance.now();
  const startArgs = ['--port', String(port), '--data-dir', options.dataDir];
  // Under `npm run`, npm_execpath is the npm that runs us; otherwise the npm beside this node.
  const npmCli = process.env.npm_execpath ?? join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  // Without npm, the start script's environment and node flags are set here, so that `node
  // sim/start.mjs` measures what `npm start` runs.
  const asStarted = startScriptSettings();
  const [command, args] = options.viaNpm
    ? [process.execPath, [npmCli, 'start', '--', ...startArgs]]
    : [process.execPath, [...asStarted.nodeFlags, ...(options.nodeFlags ?? []), 'sim/start.mjs', ...startArgs]];
  const child = spawn(command, args, {
    cwd: projectDir,
    env: { ...asStarted.env, ...process.env, FACEKIT_OUTPUTS_FILE: join(options.dataDir, 'cdk-outputs.json'), ...options.env },
    stdio: ['ignore', options.onOutput ? 'pipe' : 'ignore', options.onOutput ? 'pipe' : 'ignore'],
    detached: options.viaNpm,
  });
  const signal = (name: NodeJS.Signals) => (options.viaNpm ? process.kill(-child.pid!, name) : child.kill(name));
  if (options.onOutput) {
    // Whole lines: a pipe's chunks end wherever they end, often inside a line.
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        if (line) options.onOutput!(line);
      });
    }
  }
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = started + (options.readyTimeoutMs ?? 120_000);
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/_sim/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the sim exited with ${child.exitCode ?? child.signalCode} before it was ready`);
    if (performance.now() > deadline) {
      signal('SIGKILL');
      throw new Error('the sim was not ready in time');
    }
    await new Promise((wait) => setTimeout(wait, 10));
  }
  const readyAfterMs = performance.now() - started;
  return {
    endpoint,
    port,
    child,
    readyAfterMs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) signal('SIGINT');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) signal('SIGKILL');
      await exited;
    },
  };
}

/** The process and all its descendants (Linux /proc). */
function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(parent) ?? [];
      list.push(Number(entry));
      children.set(parent, list);
    } catch {
      // gone meanwhile
    }
  }
  const tree = [rootPid];
  for (let index = 0; index < tree.length; index++) tree.push(...(children.get(tree[index]!) ?? []));
  return tree;
}

/** Resident memory of the process tree in bytes (0 when it is gone or /proc is missing). */
export function treeRssBytes(rootPid: number): number {
  if (!existsSync('/proc')) return 0;
  let total = 0;
  for (const pid of processTree(rootPid)) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) total += Number(match[1]) * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** CPU time (user + system) of the process tree in milliseconds. */
export function treeCpuMs(rootPid: number): number {
  if (!existsSync('/proc')) return 0;
  const ticksPerSecond = 100; // USER_HZ on Linux
  let ticks = 0;
  for (const pid of processTree(rootPid)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return (ticks * 1000) / ticksPerSecond;
}

/** CPU time (user + system) of the process's main thread (the event loop) in milliseconds. */
export function mainThreadCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

export const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
