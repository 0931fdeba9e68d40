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
  const fingerprintFile = join(outDir, FINGERPRINT_FILE);
  const isCurrent = () =>
    !options.force && existsSync(join(outDir, 'manifest.json')) && existsSync(fingerprintFile) && readFileSync(fingerprintFile, 'utf8') === fingerprint;
  if (isCurrent()) return { cloudAssemblyDir: outDir, synthesized: false, milliseconds: Date.now() - started };

  // Two processes (npm start and a test run, two test files) must not synthesize into the same
  // folder at once; the second waits and then finds the assembly current.
  const release = await lockFolder(`${outDir}.lock`);
  try {
    if (isCurrent()) return { cloudAssemblyDir: outDir, synthesized: false, milliseconds: Date.now() - started };
    await runCdkSynth(options.projectDir, outDir, context, options.log);
    writeFileSync(fingerprintFile, fingerprint);
  } finally {
    release();
  }
  const milliseconds = Date.now() - started;
  options.log?.(`synthesized in ${(milliseconds / 1000).toFixed(1)} s`);
  return { cloudAssemblyDir: outDir, synthesized: true, milliseconds };
}

/** A lock as a folder (mkdir is atomic); one left by a killed process is taken over after 10 minutes. */
export async function lockFolder(path: string): Promise<() => void> {
  for (;;) {
    try {
      mkdirSync(path);
      return () => rmSync(path, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - statSync(path, { throwIfNoEntry: false })!.mtimeMs;
      if (age > 10 * 60_000) rmSync(path, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 500));
    }
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
