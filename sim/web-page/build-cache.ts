// `npm start` serves the page in web/ built by Vite, and builds it only when its sources changed,
// as synth-cache.ts does for the stack: a fingerprint of the inputs is kept next to the build.
// The build runs in a child process while the kit starts, so it delays nothing else; the page
// route answers "building" until it is done. Imports only node builtins (the image's web stage).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { lockFolder } from '../cloud-assembly/synth-cache.js';

/** What the build reads: change any of these and web/dist is stale. */
const INPUTS = ['web/index.html', 'web/src', 'web/public', 'web/vite.config.ts', 'package-lock.json'];
const FINGERPRINT_FILE = '.facekit-fingerprint';

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => filesUnder(join(path, entry.name)));
}

export function fingerprintWebInputs(projectDir: string): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => filesUnder(join(projectDir, input))).sort()) {
    hash.update(relative(projectDir, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function webDistDir(projectDir: string): string {
  return join(projectDir, 'web', 'dist');
}

export interface WebBuildResult {
  distDir: string;
  built: boolean;
  milliseconds: number;
}

/** True when Vite is installed (not in the runtime image, which carries a built page). */
export function canBuildWebPage(projectDir: string): boolean {
  return existsSync(join(projectDir, 'node_modules', 'vite', 'bin', 'vite.js'));
}

/** Runs `vite build` into web/dist unless the fingerprint of the inputs matches the built one. */
export async function buildWebPageIfChanged(options: { projectDir: string; force?: boolean; log?: (line: string) => void }): Promise<WebBuildResult> {
  const started = Date.now();
  const distDir = webDistDir(options.projectDir);
  const fingerprint = fingerprintWebInputs(options.projectDir);
  const fingerprintFile = join(distDir, FINGERPRINT_FILE);
  const isCurrent = () =>
    !options.force && existsSync(join(distDir, 'index.html')) && existsSync(fingerprintFile) && readFileSync(fingerprintFile, 'utf8') === fingerprint;
  if (isCurrent()) return { distDir, built: false, milliseconds: Date.now() - started };

  // Two processes (npm start and a test run) must not build at once; the second finds it current.
  const release = await lockFolder(`${distDir}.lock`);
  try {
    if (isCurrent()) return { distDir, built: false, milliseconds: Date.now() - started };
    options.log?.('building the web page (vite build)...');
    // Into a fresh folder, swapped in whole: a running kit never serves half a build.
    const buildDir = `${distDir}.building`;
    rmSync(buildDir, { recursive: true, force: true });
    await runViteBuild(options.projectDir, buildDir);
    writeFileSync(join(buildDir, FINGERPRINT_FILE), fingerprint);
    rmSync(distDir, { recursive: true, force: true });
    renameSync(buildDir, distDir);
  } finally {
    release();
  }
  const milliseconds = Date.now() - started;
  options.log?.(`web page built in ${(milliseconds / 1000).toFixed(1)} s`);
  return { distDir, built: true, milliseconds };
}

async function runViteBuild(projectDir: string, outDir: string): Promise<void> {
  const vite = join(projectDir, 'node_modules', 'vite', 'bin', 'vite.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', join(projectDir, 'web', 'vite.config.ts')], {
      cwd: projectDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A production build whatever the caller runs under (vitest sets NODE_ENV=test, which
      // would make Vite bundle React's development build).
      env: { ...process.env, NODE_ENV: 'production', FACEKIT_WEB_OUT_DIR: outDir },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build failed (exit ${code}):\n${output.trim()}`))));
  });
}
