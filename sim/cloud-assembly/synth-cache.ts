// `npm start` synthesizes the stack only when its inputs changed: synthesis bundles every handler
// with esbuild and takes seconds, while reading a cached cloud assembly takes milliseconds.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What synthesis reads: change any of these and the cached cloud assembly is stale. */
const INPUTS = ['stack', 'handlers', 'cdk.json', 'package-lock.json'];
const FINGERPRINT_FILE = '.facekit-fingerprint';

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .flatMap((entry) => filesUnder(join(path, entry.name)))
    .filter((file) => !file.endsWith('.test.ts'));
}

export function fingerprintStackInputs(projectDir: string, context: Record<string, string> = {}): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => filesUnder(join(projectDir, input))).sort()) {
    hash.update(relative(projectDir, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  hash.update(JSON.stringify(Object.entries(context).sort()));
  return hash.digest('hex');
}

/**
 * Context for the stack the embedded cloud runs. An email sender turns on the email-code
 * challenge (re-enrolment after a refused photo, a lost enrolment secret); the embedded SES
 * delivers to the local outbox. Deploys choose their own sender (`-c emailSender=...`).
 */
export const EMBEDDED_STACK_CONTEXT: Readonly<Record<string, string>> = { emailSender: 'no-reply@facekit.local' };

export interface SynthResult {
  cloudAssemblyDir: string;
  synthesized: boolean;
  milliseconds: number;
}

/** Runs `cdk synth` into `outDir` unless the fingerprint of the inputs matches the cached one. */
export async function synthesizeIfChanged(options: {
  projectDir: string;
  outDir?: string;
  /** `--context` values for `cdk synth`; default EMBEDDED_STACK_CONTEXT. */
  context?: Record<string, string>;
  force?: boolean;
  log?: (line: string) => void;
}): Promise<SynthResult> {
  const started = Date.now();
  const outDir = options.outDir ?? join(options.projectDir, 'cdk.out');
  const context = options.context ?? EMBEDDED_STACK_CONTEXT;
  const fingerprint = fingerprintStackInputs(options.projectDir, context);
  const isCurrent = () => !options.force && cachedAssemblyIsCurrent(outDir, fingerprint);
  if (isCurrent()) return { cloudAssemblyDir: outDir, synthesized: false, milliseconds: Date.now() - started };

  // Two processes (npm start and a test run, two test files) must not synthesize into the same
  // folder at once; the second waits and then finds the assembly current.
  const release = await lockFolder(`${outDir}.lock`, (pid) =>
    options.log?.(`waiting for another start to finish synthesizing (${pid ? `pid ${pid}` : 'holder unknown'}; lock ${outDir}.lock)...`));
  try {
    if (isCurrent()) return { cloudAssemblyDir: outDir, synthesized: false, milliseconds: Date.now() - started };
    await runCdkSynth(options.projectDir, outDir, context, options.log);
    recordCachedAssembly(outDir, fingerprint);
  } finally {
    release();
  }
  const milliseconds = Date.now() - started;
  options.log?.(`synthesized in ${(milliseconds / 1000).toFixed(1)} s`);
  return { cloudAssemblyDir: outDir, synthesized: true, milliseconds };
}

/**
 * The fingerprint file names the inputs and the templates synthesized from them. `npm run synth`
 * and `cdk deploy` write into cdk.out too, without the kit's context (no email sender): the inputs
 * alone would take their templates for the kit's, and email-code enrolment would fail.
 */
function cachedAssemblyIsCurrent(outDir: string, inputsFingerprint: string): boolean {
  const fingerprintFile = join(outDir, FINGERPRINT_FILE);
  return (
    existsSync(join(outDir, 'manifest.json')) &&
    existsSync(fingerprintFile) &&
    readFileSync(fingerprintFile, 'utf8') === assemblyFingerprint(outDir, inputsFingerprint)
  );
}

/** Marks the assembly in `outDir` as synthesized from inputs with this fingerprint. */
function recordCachedAssembly(outDir: string, inputsFingerprint: string): void {
  writeFileSync(join(outDir, FINGERPRINT_FILE), assemblyFingerprint(outDir, inputsFingerprint));
}

/** What the fingerprint file holds: the inputs' fingerprint and a digest of the templates in `outDir`. */
function assemblyFingerprint(outDir: string, inputsFingerprint: string): string {
  return `${inputsFingerprint} ${digestOfTemplates(outDir)}`;
}

function digestOfTemplates(outDir: string): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(outDir).filter((file) => file.endsWith('.template.json')).sort()) {
    hash.update(name).update('\0').update(readFileSync(join(outDir, name))).update('\0');
  }
  return hash.digest('hex');
}

/**
 * A lock as a folder (mkdir is atomic), naming its holder's pid. One whose holder is gone (a start
 * stopped by Ctrl-C while it synthesized, a killed process) is taken over at once; one without a
 * pid, after 10 minutes. While a live holder has it, `onWait` is told once.
 */
export async function lockFolder(path: string, onWait?: (holderPid: number | undefined) => void): Promise<() => void> {
  let told = false;
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      return () => rmSync(path, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holderPid = lockHolder(path);
      const made = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
      // Released meanwhile: try again, never removing a lock another start may just have taken.
      if (made === undefined) continue;
      if ((holderPid !== undefined && !isProcessRunning(holderPid)) || Date.now() - made > 10 * 60_000) {
        rmSync(path, { recursive: true, force: true });
        continue;
      }
      if (!told) onWait?.(holderPid);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** The pid a lock names; none while its holder has not written it yet, or once it is released. */
function lockHolder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(path, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether process `pid` exists (signal 0 sends nothing). sim/process-running.ts has the same for
 * the rest of the sim; this file keeps its own, as it imports nothing but Node's modules: the
 * container build copies it alone (sim/Dockerfile), so that editing sim/ does not synthesize again.
 */
function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function runCdkSynth(projectDir: string, outDir: string, context: Record<string, string>, log?: (line: string) => void): Promise<void> {
  log?.('synthesizing the stack (cdk synth; bundles the handlers)...');
  const contextArgs = Object.entries(context).flatMap(([key, value]) => ['--context', `${key}=${value}`]);
  const cdkCli = join(projectDir, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [cdkCli, 'synth', '--quiet', '--output', outDir, ...contextArgs], {
      cwd: projectDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`cdk synth failed (exit ${code}):\n${output.trim()}`)),
    );
  });
}
