// The face sign-in page: React + Amplify v6, built by Vite.
// - `npm start` builds it (when its sources changed) into web/dist and serves it at /_sim/web/.
// - `npm run web` runs this dev server on its own origin (http://localhost:5173) against a running
//   kit: the page calls the kit cross-origin, as an app on another origin would.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const webDir = import.meta.dirname;
const projectDir = resolve(webDir, '..');

/**
 * Where the dev server's page finds the kit: FACEKIT_ENDPOINT, else the running kit whose data
 * folder is this project's (or FACEKIT_DATA_DIR), else the one running kit `npm start` recorded
 * in the state folder (a kit started with `--data-dir`, which the data folder alone missed: an
 * audit's page signed in against 4566 where nothing listened), else the default.
 * `FACEKIT_ENDPOINT=aws` targets AWS (cdk-outputs.json).
 */
// This file builds the page on its own (web/ copied alone: the container image's build stage, the
// build cache's tests), so it reads what sim/running-kit.ts writes itself rather than importing it.

/** Whether process `pid` exists (signal 0 sends nothing; EPERM: it runs, as another user). */
function isProcessRunning(pid: unknown): boolean {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The kits `npm start` recorded as running (sim/running-kit.ts: `$FACEKIT_STATE_DIR`, else `$XDG_STATE_HOME/facekit`, `kits/*.json`). */
function recordedKits(): Array<{ endpoint: string; pid: number; projectDir: string }> {
  const stateDir = process.env.FACEKIT_STATE_DIR || join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'facekit');
  const kitsDir = join(stateDir, 'kits');
  if (!existsSync(kitsDir)) return [];
  return readdirSync(kitsDir)
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => {
      try {
        return [JSON.parse(readFileSync(join(kitsDir, name), 'utf8')) as { endpoint: string; pid: number; projectDir: string }];
      } catch {
        return [];
      }
    });
}

function kitEndpoint(): string {
  const fromEnvironment = process.env.FACEKIT_ENDPOINT;
  if (fromEnvironment !== undefined) return fromEnvironment === 'aws' ? '' : fromEnvironment.replace(/\/+$/, '');
  const recorded = resolve(process.env.FACEKIT_DATA_DIR ?? resolve(projectDir, '.facekit'), 'endpoint.json');
  try {
    const { endpoint, pid } = JSON.parse(readFileSync(recorded, 'utf8')) as { endpoint: string; pid?: number };
    if (pid === undefined || isProcessRunning(pid)) return endpoint;
  } catch {
    // No kit has run on that folder.
  }
  const running = recordedKits().filter((kit) => isProcessRunning(kit.pid));
  const fromHere = running.filter((kit) => resolve(kit.projectDir) === projectDir);
  const [only] = fromHere.length === 1 ? fromHere : running.length === 1 ? running : [];
  return only?.endpoint ?? 'http://127.0.0.1:4566';
}

/**
 * The dev server says which kit its page targets, and serves `./cdk-outputs.json` from the
 * project (what `cdk deploy --outputs-file` wrote), which the page reads when it targets AWS.
 */
function facekitDevServer(endpoint: string): Plugin {
  return {
      name: 'facekit-dev-server',
      configureServer(server) {
        server.config.logger.info(
          endpoint
            ? `  facekit: the page signs in against the kit at ${endpoint} (start it with \`npm start\`; FACEKIT_ENDPOINT to change)`
            : '  facekit: the page signs in against AWS, from cdk-outputs.json (FACEKIT_ENDPOINT=aws)',
        );
        server.middlewares.use('/cdk-outputs.json', (_request, response) => {
          const file = resolve(projectDir, process.env.FACEKIT_OUTPUTS_FILE ?? 'cdk-outputs.json');
          if (!existsSync(file)) {
            response.statusCode = 404;
            response.end('cdk-outputs.json not found: run `npm run deploy` first');
            return;
          }
          response.setHeader('content-type', 'application/json');
          response.end(readFileSync(file));
        });
      },
  };
}

export default defineConfig(({ command }) => {
  const endpoint = command === 'serve' ? kitEndpoint() : undefined;
  return {
    root: webDir,
    // Relative asset URLs: the same build is served at /_sim/web/ by the kit or from any folder of a host.
    base: './',
    // Vite's dependency cache, per checkout (not in a node_modules another checkout may share).
    cacheDir: resolve(webDir, '.vite'),
    plugins: [react(), ...(endpoint === undefined ? [] : [facekitDevServer(endpoint)])],
    // Only the dev server knows a kit endpoint ('' for AWS); a build finds its target when it loads (src/stack-config.js).
    define: endpoint === undefined ? {} : { 'import.meta.env.FACEKIT_ENDPOINT': JSON.stringify(endpoint) },
    server: { host: 'localhost', port: 5173, strictPort: true },
    build: {
      outDir: resolve(webDir, process.env.FACEKIT_WEB_OUT_DIR ?? 'dist'),
      emptyOutDir: true,
      // Amplify alone is ~400 kB before gzip; one chunk is fine for a sample page.
      chunkSizeWarningLimit: 1024,
    },
    logLevel: command === 'build' ? 'warn' : 'info',
  };
});
