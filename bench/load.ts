// `npm run load`: a load test of the embedded cloud that stops by itself. Starts `npm start` on a
// free loopback port with a fresh data folder (or uses --endpoint, loopback only), enrols users
// through the real flow, then runs full face sign-ins (InitiateAuth -> PUT photo ->
// RespondToAuthChallenge) from N concurrent raw SDK clients until --duration or --max-sign-ins,
// and prints throughput, latency percentiles, errors, the server's CPU per sign-in, the RSS of
// its process tree (idle, peak under load, after it) and, per function, its REPORT lines' figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { withoutPositionalAdvice } from '../sim/parse-args-errors.js';
import { describeFunctions, isReportLine, summarizeReports, type FunctionFigures } from './function-reports.js';
import { cognitoClient, enrolUser, inParallel, percentile, realFaceOf, signIn, signInPhotos, stackTarget, type FaceUser } from './face-users.js';
import { mainThreadCpuMs, mebibytes, startSimProcess, treeCpuMs, treeRssBytes, type SimProcess } from './sim-process.js';

const HELP = `Usage: npm run load [-- options]

  --clients <n>       concurrent clients (default 16)
  --duration <s>      seconds of load (default 30; the run also stops at --max-sign-ins)
  --max-sign-ins <n>  stop after this many sign-ins (default 100000)
  --users <n>         users enrolled before the load (default 4 per client, at least 8)
  --after <s>         seconds to wait after the load before the last RSS reading (default 5)

  --cpu-prof <dir>    run the server under node --cpu-prof, profile written to <dir> on exit
  --faces <kind>      synthetic (default: generated faces, the synthetic matcher) or real
                      (photographs from test/fixtures/real-faces through the neural model; the
                      kit is started with FACEKIT_NEURAL_FACES=preload)
  --endpoint <url>    use a running sim (loopback only) instead of starting one
  --json              print the figures as one JSON line as well

A run that starts its own kit first waits 35-65 s for the kit's memory to settle (the idle RSS
reading), then enrols the users, then loads; with --endpoint it reads no RSS and starts at once.
`;

export interface LoadFigures {
  clients: number;
  users: number;
  signIns: number;
  errors: number;
  /** Users whose enrolment failed (the kit killed or gone meanwhile): left out of the load. */
  enrolErrors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  enrolSeconds: number;
  serverCpuMsPerSignIn?: number;
  /** The part of it on the server's main thread (the event loop); the rest is Lambda workers and libuv's pool. */
  mainThreadCpuMsPerSignIn?: number;
  readyMs?: number;
  idleRss?: number;
  peakRss?: number;
  afterRss?: number;
  /** From the functions' REPORT lines during the load (not with --endpoint: another process's output). */
  functions?: FunctionFigures[];
  firstErrors: string[];
}

export interface LoadOptions {
  clients: number;
  durationSeconds: number;
  maxSignIns: number;
  users: number;
  afterSeconds: number;
  /** Generated faces (the synthetic matcher; the default) or real photographs (the neural model). */
  faces?: 'synthetic' | 'real';
  cpuProfDir?: string;
  endpoint?: string;
  log?: (line: string) => void;
}

/** The idle reading comes this long after ready at the earliest (why: in runLoad). */
const IDLE_AFTER_MS = 35_000;

async function settledRss(pid: number, log: (line: string) => void): Promise<number> {
  const started = performance.now();
  // Half a minute or more with nothing else to show: said, so the run does not look hung.
  log(`waiting ${IDLE_AFTER_MS / 1000}-${IDLE_AFTER_MS / 1000 + 30} s for the kit's memory to settle, for the idle RSS reading...`);
  let previous = treeRssBytes(pid);
  let steady = 0;
  while (performance.now() - started < IDLE_AFTER_MS + 30_000) {
    await new Promise((wait) => setTimeout(wait, 1000));
    const current = treeRssBytes(pid);
    steady = Math.abs(current - previous) < 2 ** 20 ? steady + 1 : 0;
    previous = current;
    if (steady >= 3 && performance.now() - started >= IDLE_AFTER_MS) break;
  }
  log(`idle RSS settled after ${((performance.now() - started) / 1000).toFixed(0)} s: ${mebibytes(previous)}`);
  return previous;
}

export async function runLoad(options: LoadOptions): Promise<LoadFigures> {
  const log = options.log ?? (() => undefined);
  let server: SimProcess | undefined;
  let dataDir: string | undefined;
  let endpoint = options.endpoint;
  const reportLines: string[] = [];
  let collectingReports = false;
  if (endpoint) {
    checkLoopback(endpoint);
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'facekit-load-'));
    server = await startSimProcess({
      dataDir,
      // Real photographs need the model: loaded before the load, as the first one would otherwise
      // load it inside its sign-in.
      env: options.faces === 'real' ? { FACEKIT_NEURAL_FACES: 'preload' } : {},
      nodeFlags: options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [],
      onOutput: (line) => {
        if (collectingReports && isReportLine(line)) reportLines.push(line);
      },
    });
    endpoint = server.endpoint;
    log(`sim ready in ${server.readyAfterMs.toFixed(0)} ms at ${endpoint}`);
  }
  const pid = server?.child.pid;
  try {
    const target = await stackTarget(endpoint);
    const cognito = cognitoClient(target, options.clients);
    // Idle: after start-up work settled, before any user. The warmed function workers hold their
    // bundles' loading garbage until V8's memory reducer runs in each, some seconds after their
    // allocations stop: read 2 s after ready, the tree was at 215 MiB; 15 s after, at 176-181 MiB.
    // And `npm start` gives freed memory back at its first quiet look, 10, 20 or 30 s after ready
    // (sim/freed-memory.ts): read before it, idle was 160 MiB; after it, 151-153 MiB. So: at least
    // IDLE_AFTER_MS, then the first reading that moved by under 1 MiB three seconds running.
    const idleRss = pid ? await settledRss(pid, log) : undefined;

    const runId = Date.now().toString(36);
    const faces = await Promise.all(Array.from({ length: options.users }, async (_, index) =>
      options.faces === 'real' ? realFaceOf(index) : { enrolPhoto: `load-${index}`, signInPhotos: await signInPhotos(`load-${index}`, 2) }));
    const candidates: FaceUser[] = faces.map((face, index) => ({ email: `load-${runId}-${index}@example.com`, photos: face.signInPhotos }));
    const enrolStarted = performance.now();
    // A failed enrolment (the kit killed, as a crash test does) is counted and its user left out,
    // rather than ending the run with a stack trace and no figures.
    const enrolErrors: string[] = [];
    const enrolled = new Set<FaceUser>();
    await inParallel(candidates, Math.min(8, options.clients), async (user, index) => {
      try {
        await enrolUser(target, cognito, user.email, faces[index]!.enrolPhoto);
        enrolled.add(user);
      } catch (error) {
        enrolErrors.push(`enrolment: ${(error as Error).name}: ${(error as Error).message}`);
      }
    });
    const users = candidates.filter((user) => enrolled.has(user));
    const enrolSeconds = (performance.now() - enrolStarted) / 1000;
    log(`${users.length} users enrolled in ${enrolSeconds.toFixed(1)} s${enrolErrors.length ? `, ${enrolErrors.length} failed` : ''}`);
    if (users.length === 0) throw new Error(`no user could be enrolled (${enrolErrors[0]})`);

    const latencies: number[] = [];
    const errors: string[] = [];
    let peakRss = pid ? treeRssBytes(pid) : 0;
    const sampler = pid ? setInterval(() => { peakRss = Math.max(peakRss, treeRssBytes(pid)); }, 500) : undefined;
    const cpuBefore = pid ? treeCpuMs(pid) : 0;
    const mainBefore = pid ? mainThreadCpuMs(pid) : 0;
    collectingReports = true;
    const loadStarted = performance.now();
    const stopAt = loadStarted + options.durationSeconds * 1000;
    let issued = 0;
    await Promise.all(Array.from({ length: options.clients }, async (_, client) => {
      for (let round = 0; performance.now() < stopAt && issued < options.maxSignIns; round++) {
        issued++;
        const user = users[(client + round * options.clients) % users.length]!;
        const started = performance.now();
        try {
          await signIn(target, cognito, user.email, user.photos[round % user.photos.length]!);
          latencies.push(performance.now() - started);
        } catch (error) {
          errors.push(`${(error as Error).name}: ${(error as Error).message}`);
        }
      }
    }));
    const seconds = (performance.now() - loadStarted) / 1000;
    collectingReports = false;
    const cpuAfter = pid ? treeCpuMs(pid) : 0;
    const mainAfter = pid ? mainThreadCpuMs(pid) : 0;
    clearInterval(sampler);
    if (pid) peakRss = Math.max(peakRss, treeRssBytes(pid));
    cognito.destroy();
    let afterRss: number | undefined;
    if (pid) {
      await new Promise((wait) => setTimeout(wait, options.afterSeconds * 1000));
      afterRss = treeRssBytes(pid);
    }
    const sorted = latencies.sort((a, b) => a - b);
    return {
      clients: options.clients,
      users: users.length,
      signIns: latencies.length,
      errors: errors.length,
      enrolErrors: enrolErrors.length,
      seconds,
      perSecond: latencies.length / seconds,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? NaN,
      enrolSeconds,
      serverCpuMsPerSignIn: pid && latencies.length ? (cpuAfter - cpuBefore) / (latencies.length + errors.length) : undefined,
      mainThreadCpuMsPerSignIn: pid && latencies.length ? (mainAfter - mainBefore) / (latencies.length + errors.length) : undefined,
      readyMs: server?.readyAfterMs,
      idleRss,
      peakRss: pid ? peakRss : undefined,
      afterRss,
      functions: server ? summarizeReports(reportLines) : undefined,
      firstErrors: [...new Set([...enrolErrors, ...errors])].slice(0, 5),
    };
  } finally {
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

export function describeLoad(figures: LoadFigures, afterSeconds: number): string {
  const lines = [
    `${figures.clients} clients, ${figures.users} users${figures.enrolErrors ? ` (${figures.enrolErrors} more failed to enrol)` : ''}, ${figures.seconds.toFixed(1)} s: ${figures.signIns} sign-ins, ${figures.errors} errors`,
    `throughput   ${figures.perSecond.toFixed(1)} sign-ins/s`,
    `latency      p50 ${figures.p50.toFixed(0)} ms   p90 ${figures.p90.toFixed(0)} ms   p99 ${figures.p99.toFixed(0)} ms   max ${figures.max.toFixed(0)} ms`,
  ];
  if (figures.serverCpuMsPerSignIn !== undefined) {
    lines.push(`server CPU   ${figures.serverCpuMsPerSignIn.toFixed(1)} ms per sign-in (process tree, user + system), ` +
      `of which ${figures.mainThreadCpuMsPerSignIn!.toFixed(1)} ms on the main thread`);
  }
  if (figures.idleRss !== undefined) {
    lines.push(`server RSS   idle ${mebibytes(figures.idleRss)}   peak under load ${mebibytes(figures.peakRss!)}   ${afterSeconds} s after ${mebibytes(figures.afterRss!)}`);
  }
  if (figures.functions?.length) {
    lines.push('functions    during the load, from their REPORT lines:', ...describeFunctions(figures.functions));
  }
  for (const error of figures.firstErrors) lines.push(`error        ${error}`);
  return lines.join('\n');
}

/** The load test sends traffic to this machine only. */
function checkLoopback(endpoint: string): void {
  const host = new URL(endpoint).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) throw new Error(`the load test runs on loopback only, not ${host}`);
}

/** The options of `npm run load`; a usage error is one line that names --help. */
function loadOptionsFromArgs(args: string[]): { options: LoadOptions; json: boolean; help: boolean } {
  const { values } = parseArgs({
    args,
    options: {
      clients: { type: 'string', default: '16' },
      duration: { type: 'string', default: '30' },
      'max-sign-ins': { type: 'string', default: '100000' },
      users: { type: 'string' },
      after: { type: 'string', default: '5' },
      faces: { type: 'string', default: 'synthetic' },
      'cpu-prof': { type: 'string' },
      endpoint: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const clients = Number(values.clients);
  const options: LoadOptions = {
    clients,
    durationSeconds: Number(values.duration),
    maxSignIns: Number(values['max-sign-ins']),
    users: Number(values.users ?? Math.max(8, clients * 4)),
    afterSeconds: Number(values.after),
    faces: values.faces as LoadOptions['faces'],
    cpuProfDir: values['cpu-prof'],
    endpoint: values.endpoint,
    log: (line) => console.log(line),
  };
  if (!['synthetic', 'real'].includes(options.faces!)) throw new Error(`--faces must be synthetic or real, not ${options.faces}`);
  for (const [name, value] of Object.entries({ clients, duration: options.durationSeconds, users: options.users, after: options.afterSeconds })) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
  }
  if (options.endpoint) checkLoopback(options.endpoint);
  return { options, json: values.json, help: values.help };
}

if (process.argv[1]?.endsWith('load.ts')) {
  let parsed: ReturnType<typeof loadOptionsFromArgs>;
  try {
    parsed = loadOptionsFromArgs(process.argv.slice(2));
  } catch (error) {
    const [problem] = withoutPositionalAdvice((error as Error).message).split('\n');
    console.error(`npm run load: ${problem} (npm run load -- --help)`);
    process.exit(1);
  }
  if (parsed.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { options } = parsed;
  let figures: LoadFigures;
  try {
    figures = await runLoad(options);
  } catch (error) {
    // The kit gone before the load could start (unreachable, killed while users were enrolled).
    console.error(`npm run load: ${(error as Error).message}`);
    process.exit(1);
  }
  console.log(describeLoad(figures, options.afterSeconds));
  if (parsed.json) console.log(JSON.stringify(figures));
  // Errors make the run fail loudly, so a script can rely on the exit code.
  process.exitCode = figures.errors > 0 || figures.enrolErrors > 0 || figures.signIns === 0 ? 1 : 0;
}
