// `npm start`: synthesizes the stack when it changed, starts the embedded cloud from it, writes
// cdk-outputs.json as `cdk deploy --outputs-file` would, and runs until Ctrl-C.
// With FACEKIT_MODE=services (next to LocalStack, see sim/services-mode.ts) it serves only the
// listed services, from the target=localstack template, and leaves cdk-outputs.json to deploy:local.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesizeIfChanged } from './cloud-assembly/synth-cache.js';
import { DamagedDataError } from './damaged-data.js';
import { entriesNotTheKits, foreignEntriesMessage } from './data-folder.js';
import { assertDataFolderUnused } from './dynamodb/dynamodb-service.js';
import { SERVICE_NAMES, startSimServer } from './embedded-cloud.js';
import { glibcMallocTrim, releaseFreedMemoryWhenQuiet } from './freed-memory.js';
import { sharedNeuralFaceModel } from './rekognition/matcher/neural-model.js';
import { localCredentialsFromEnvironment, type LocalCredentials } from './request-signature.js';
import { KIT_ENDPOINT_OUTPUT, recordRunningKit } from './running-kit.js';
import { parseStartOptions, type StartOptions } from './start-options.js';
import { buildWebPageIfChanged, canBuildWebPage, webDistDir } from './web-page/build-cache.js';
import { LOCALSTACK_ASSEMBLY_DIR, LOCALSTACK_SYNTH_CONTEXT, simModeFromEnvironment, type SimMode } from './services-mode.js';

const HELP = `Usage: npm start [-- options]

Runs the whole face sign-in system locally (Cognito, Rekognition, S3, DynamoDB, Lambda, SES)
on one endpoint, from the synthesized CDK stack.

Options:
  --port <n>       port to listen on (default: $PORT, or 4566; 4567 in services mode)
  --host <addr>    address to bind (default: $HOST or 127.0.0.1)
  --data-dir <d>   state folder (default: $FACEKIT_DATA_DIR, or .facekit; .facekit/services in services mode)
  --reset          wipe the state folder before starting (refused while a kit uses it, or
                   when it holds files the kit did not write)
  --no-synth       use cdk.out as it is (default when $FACEKIT_CLOUD_ASSEMBLY is set)
  -h, --help       this help
Options given without the -- (npm start --port 4610) are read back from npm's settings, with a note.

Writes cdk-outputs.json ($FACEKIT_OUTPUTS_FILE) with the stack's outputs plus FacekitEndpoint, under
the stack's name ($FACEKIT_STACK_NAME, default FaceAuthStack, as a deploy with -c stackName names it), and
records the running kit in $XDG_STATE_HOME/facekit/kits ($FACEKIT_STATE_DIR) so that facekit finds it
from any folder.

Credentials: IAM-authenticated APIs (Cognito Admin*, Rekognition, DynamoDB, Lambda, SES, S3) must be
signed with FACEKIT_ACCESS_KEY_ID / FACEKIT_SECRET_ACCESS_KEY (default test / test).

Host names: requests naming the kit by a public DNS name are refused (403; DNS rebinding): IP
addresses, localhost and *.localhost, names without a dot, *.local, *.internal and
localhost.localstack.cloud are answered, and
FACEKIT_ALLOWED_HOSTS=kit.example.com,.dev.example.org adds others (* for any).

Web origins: a page on an origin the stack's webOrigins (cdk.json) do not list cannot upload a photo
or read /_sim/*; FACEKIT_WEB_ORIGINS=http://localhost:5999,http://127.0.0.1:5999 lets it in on this
kit only, without a new synth (a deployed stack needs it in webOrigins).

Timeouts: a socket silent for FACEKIT_IDLE_TIMEOUT_MS (default 20000) is closed, a stalled upload
answered as S3 does (400 RequestTimeout); a request must arrive whole within
FACEKIT_REQUEST_TIMEOUT_MS (default 300000, enough for a 5 MB photo at 150 kbit/s). Request bodies
on their way in hold at most FACEKIT_BODY_MEMORY_MB together (default 256); one beyond is refused
(S3: 503 SlowDown), which the SDKs retry.

Output: every function's log lines are printed, as CloudWatch would keep them (about 5 MiB per 1,000
operations in a soak); FACEKIT_FUNCTION_LOGS=warnings prints only their WARN and ERROR lines, errors and timeouts.

Real faces: the neural face model loads on the first real photo and is unloaded after
FACEKIT_NEURAL_IDLE_MS milliseconds without one (default 60000; \`never\` keeps it); a second
copy loads while photos queue (FACEKIT_NEURAL_THREADS, default 2 on two cores or more);
FACEKIT_NEURAL_FACES=preload loads it at start and keeps it, =off turns real faces off
(docs/rekognition.md). Memory freed is given back to the system while the kit is quiet
(FACEKIT_RELEASE_MEMORY=off to keep it).

Services mode (next to LocalStack; docs/localstack.md): FACEKIT_MODE=services,
FACEKIT_SERVICES=rekognition,cognito-idp, FACEKIT_S3_ENDPOINT and FACEKIT_LAMBDA_ENDPOINT
(e.g. http://localhost:4566). Uses ${LOCALSTACK_ASSEMBLY_DIR}/ (synthesized with -c target=localstack).
`;

const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** File system errors that say the data folder, or something in it, is not what the kit can write to. */
const UNUSABLE_FOLDER_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'EEXIST', 'EISDIR']);
let args: StartOptions;
try {
  const parsed = parseStartOptions(process.argv.slice(2));
  args = parsed.options;
  for (const note of parsed.notes) console.log(`note: ${note}`);
} catch (error) {
  console.error(`facekit: ${(error as Error).message}`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

// The SDK warns that releases after January 2027 need Node 22; the kit pins its SDK versions.
// Set before any client exists, and inherited by the function workers.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const started = Date.now();
let mode: SimMode;
let credentials: LocalCredentials;
try {
  mode = simModeFromEnvironment(process.env);
  credentials = localCredentialsFromEnvironment(process.env);
} catch (error) {
  console.error(`facekit: ${(error as Error).message}`);
  process.exit(2);
}
const servicesMode = mode.kind === 'services' ? mode : undefined;
// Next to LocalStack (which has 4566) the services default to 4567, as in docker-compose.yml.
const port = Number(args.port ?? process.env.PORT ?? (servicesMode ? 4567 : 4566));
const host = args.host ?? process.env.HOST ?? '127.0.0.1';
const dataDir = resolve(args['data-dir'] ?? process.env.FACEKIT_DATA_DIR ?? join(projectDir, '.facekit', ...(servicesMode ? ['services'] : [])));
const stackName = process.env.FACEKIT_STACK_NAME ?? 'FaceAuthStack';
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
const outputsFile = resolve(process.env.FACEKIT_OUTPUTS_FILE ?? join(projectDir, 'cdk-outputs.json'));
/**
 * The kit's log, on stdout. Lines are gathered and written once per turn of the event loop: a
 * write to a pipe is synchronous on Linux, and under load the functions' lines (START, the
 * handler's own, END, REPORT: about 40 per sign-in) took 7 % of the main thread written one by
 * one. What a turn gathered is written before the process exits.
 */
let unwrittenLog = '';
function writeLog(): void {
  if (unwrittenLog === '') return;
  const text = unwrittenLog;
  unwrittenLog = '';
  process.stdout.write(text);
}
process.on('exit', writeLog);
const log = (line: string) => {
  if (unwrittenLog === '') setImmediate(writeLog);
  unwrittenLog += `${line}\n`;
};

/**
 * Why the start failed, and what to do, for a failure of the data folder: a damaged file (which
 * one, what is wrong, and that nothing was removed), or a folder the kit cannot use.
 */
function startFailure(error: Error & { code?: string; path?: string }): string {
  if (error instanceof DamagedDataError) {
    const reset = `npm start -- --reset${args['data-dir'] ? ` --data-dir ${args['data-dir']}` : ''}`;
    return `${error.message}\n` +
      'Nothing was removed. To go on, either:\n' +
      `  - restore ${dataDir} from a copy (with no kit running on it), or\n` +
      `  - start afresh with \`${reset}\`, which deletes all the kit's data in ${dataDir} (users, faces, photos, tables, emails).`;
  }
  if (error.path && error.code && UNUSABLE_FOLDER_CODES.has(error.code)) {
    return `${error.message}\nThe kit keeps its state in ${dataDir}: it must be a folder this user can write (not a file, nor a file in place of one of its folders), on a disk with free space.`;
  }
  return error.message;
}

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`facekit: invalid port ${args.port ?? process.env.PORT}`);
  process.exit(2);
}
// A port already taken stops the start before anything is written (a data folder, a synth):
// found only when the server listened, it left a whole new data folder behind (an audit).
if (port !== 0) {
  const taken = await new Promise<boolean>((answer) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => answer(error.code === 'EADDRINUSE'));
    probe.listen({ port, host }, () => probe.close(() => answer(false)));
  });
  if (taken) {
    console.error(`facekit: could not start: port ${port} is in use (set PORT or --port)`);
    process.exit(1);
  }
}

if (args.reset && existsSync(dataDir)) {
  if (!statSync(dataDir).isDirectory()) {
    console.error(`facekit: --reset refused, nothing removed: ${dataDir} is a file, not a data folder`);
    process.exit(1);
  }
  const strangers = entriesNotTheKits(readdirSync(dataDir));
  if (strangers.length > 0) {
    console.error(`facekit: --reset refused, nothing removed: ${foreignEntriesMessage(dataDir, strangers)}`);
    process.exit(1);
  }
  try {
    await assertDataFolderUnused(dataDir);
  } catch (error) {
    console.error(`facekit: --reset refused, nothing removed: ${(error as Error).message}\nStop the kit that uses ${dataDir} (Ctrl-C) and run --reset again.`);
    process.exit(1);
  }
  rmSync(dataDir, { recursive: true, force: true });
  log(`reset: removed ${dataDir}`);
}
try {
  mkdirSync(dataDir, { recursive: true });
} catch (error) {
  console.error(`facekit: could not start: ${startFailure(error as Error)}`);
  process.exit(1);
}

// The page builds (when its sources changed) in a child process while the stack synthesizes and
// the kit starts; /_sim/web/ says "building" until it is done. A runtime image carries it built.
let webPage: string | Promise<string> = webDistDir(projectDir);
if (!servicesMode && canBuildWebPage(projectDir)) {
  webPage = buildWebPageIfChanged({ projectDir, log }).then(({ distDir, built }) => {
    if (!built) log('web page unchanged since the last build: using web/dist');
    return distDir;
  });
  webPage.catch((error: Error) => console.error(`facekit: the web page could not be built (the APIs still run):\n${error.message}`));
}

let cloudAssemblyDir = process.env.FACEKIT_CLOUD_ASSEMBLY;
try {
  if (!cloudAssemblyDir) {
    // Services mode plans from the template cdklocal deploys: same function names, no collection.
    const assemblyName = servicesMode ? LOCALSTACK_ASSEMBLY_DIR : 'cdk.out';
    const context = servicesMode ? { ...LOCALSTACK_SYNTH_CONTEXT } : undefined;
    cloudAssemblyDir = join(projectDir, assemblyName);
    // A production image carries a synthesized cloud assembly and no CDK toolkit.
    const canSynthesize = existsSync(join(projectDir, 'node_modules', 'aws-cdk'));
    if (!canSynthesize) log(`no CDK toolkit installed: using ${assemblyName} as it is`);
    if (!args['no-synth'] && canSynthesize) {
      const synth = await synthesizeIfChanged({ projectDir, outDir: cloudAssemblyDir, context, log });
      if (!synth.synthesized) log(`stack unchanged since the last synth: using ${assemblyName}`);
    }
  }
} catch (error) {
  console.error(`facekit: ${(error as Error).message}`);
  process.exit(1);
}

const cloud = await startSimServer({
  services: servicesMode?.services ?? SERVICE_NAMES,
  s3Endpoint: servicesMode?.s3Endpoint,
  lambdaEndpoint: servicesMode?.lambdaEndpoint,
  cloudAssemblyDir,
  stackName,
  region,
  port,
  host,
  dataDir,
  credentials,
  log,
  webPage,
  onEmail: (email) => log(`email to ${email.to}: ${email.subject}\n${email.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()}`),
}).catch((error: Error & { code?: string }) => {
  console.error(`facekit: could not start: ${error.code === 'EADDRINUSE' ? `port ${port} is in use (set PORT or --port)` : startFailure(error)}`);
  process.exit(1);
});

const endpointFile = join(dataDir, 'endpoint.json');
let forgetRunningKit = () => undefined as void;
// Which faces the Rekognition emulator recognises (docs/rekognition.md). The neural model loads on
// the first picture the synthetic detector finds no face in (that request waits for it, the rest
// never do), and is unloaded after FACEKIT_NEURAL_IDLE_MS without one: loaded, it holds 75-190 MiB
// that a kit used with synthetic faces never needs. FACEKIT_NEURAL_FACES=preload loads it after
// the banner instead, and keeps it.
const faceModel = sharedNeuralFaceModel();
const preloadFaceModel = process.env.FACEKIT_NEURAL_FACES === 'preload';
const unloadedAfter = Number.isFinite(faceModel.idleReleaseMs) ? `, unloaded after ${faceModel.idleReleaseMs / 1000} s without one` : '';
const facesLine = `  faces      synthetic (pictures from \`facekit face\`) + ${
  !faceModel.enabled
    ? 'real photos OFF (FACEKIT_NEURAL_FACES=off)'
    : preloadFaceModel
      ? 'real photos (neural model loading in the background, kept loaded)'
      : `real photos (neural model loaded on the first real photo${unloadedAfter}; FACEKIT_NEURAL_FACES=preload loads it now)`
}`;
// Said at the start: until a page on it was let in, nothing else shows the variable took effect.
const webOriginsLine = cloud.extraWebOrigins.length > 0 ? `\n  web origins + ${cloud.extraWebOrigins.join(', ')} (FACEKIT_WEB_ORIGINS, this kit only)` : '';
const outputLines = Object.entries(cloud.outputs).map(([key, value]) => `             ${key.padEnd(17)} ${value}`).join('\n');
if (servicesMode) {
  // cdk-outputs.json belongs to `npm run deploy:local` here: it merges these ids into LocalStack's.
  log(`
facekit services ready in ${((Date.now() - started) / 1000).toFixed(1)} s
  endpoint   ${cloud.endpoint}   (${cloud.services.join(', ')})
  images     ${servicesMode.s3Endpoint ?? cloud.endpoint} (S3)
  triggers   ${servicesMode.lambdaEndpoint ?? cloud.endpoint} (Lambda Invoke API)
  outputs    ${cloud.endpoint}/_sim/outputs
${outputLines}${webOriginsLine}
${facesLine}
  state      ${dataDir}
Ctrl-C to stop.`);
} else {
  // The stack's outputs as `cdk deploy --outputs-file` writes them, plus one that says which kit
  // wrote the file: the CLI then talks to this kit, and to AWS only for a file without it.
  writeFileSync(outputsFile, JSON.stringify({ [stackName]: { ...cloud.outputs, [KIT_ENDPOINT_OUTPUT]: cloud.endpoint } }, null, 2) + '\n');
  writeFileSync(endpointFile, JSON.stringify({ endpoint: cloud.endpoint, pid: process.pid }) + '\n');
  // So `facekit` finds this kit from any folder ($XDG_STATE_HOME/facekit/kits/); gone at Ctrl-C.
  try {
    forgetRunningKit = recordRunningKit({ endpoint: cloud.endpoint, pid: process.pid, projectDir, outputsFile, stackName, startedAt: new Date().toISOString() });
  } catch (error) {
    log(`could not record this kit in the state folder (facekit finds it from this folder only): ${(error as Error).message}`);
  }

  log(`
facekit embedded cloud ready in ${((Date.now() - started) / 1000).toFixed(1)} s
  endpoint   ${cloud.endpoint}   (Cognito, Rekognition, S3, DynamoDB, Lambda, SES)
  outputs    ${outputsFile}
${outputLines}
  emails     printed here and at ${cloud.endpoint}/_sim/emails
  web page   ${cloud.endpoint}/_sim/web/   (face sign-in in a browser; 'npm run web' for its Vite dev server)${webOriginsLine}
${facesLine}
  state      ${dataDir}
Try it from another terminal:
  npx facekit face --seed alice --out alice.jpg
  npx facekit signup --email alice@example.com --photo alice.jpg
  npx facekit face --seed alice --variant 3 --out alice-2.jpg
  npx facekit signin --email alice@example.com --photo alice-2.jpg
Ctrl-C to stop.`);
}

// Memory the process freed (workers shut down after a load, request buffers, decoded photos) goes
// back to the system while the kit is quiet (sim/freed-memory.ts); FACEKIT_RELEASE_MEMORY=off
// leaves it to the C library.
if (process.env.FACEKIT_RELEASE_MEMORY !== 'off') {
  void glibcMallocTrim().then((release) => {
    if (release) releaseFreedMemoryWhenQuiet({ release });
  });
}

// Before the face model loads: a Ctrl-C while it loads must still stop the kit cleanly (and forget
// its record in the state folder).
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C does not wait: acknowledged writes are already on disk (a SIGKILL loses none).
    if (stopping) {
      log('stopping now');
      process.exit(130);
    }
    stopping = true;
    log('stopping... (Ctrl-C again to stop at once)');
    if (!servicesMode) {
      rmSync(endpointFile, { force: true });
      forgetRunningKit();
    }
    void cloud.close().then(() => process.exit(0));
  });
}

// Preloading starts a moment after listening: loading keeps a core busy for a second or more (in
// the model's own thread), and the first requests (a readiness probe, `npm start`'s own user
// checking the endpoint) are answered first. Either way requests that need the model wait for it
// (sim/rekognition/matcher/neural-model.ts), and the outcome of the first load is printed once it
// ends.
const MODEL_LOAD_DELAY_MS = 300;
if (faceModel.enabled && (!servicesMode || cloud.services.includes('rekognition'))) {
  if (preloadFaceModel) {
    await new Promise((resume) => setTimeout(resume, MODEL_LOAD_DELAY_MS));
    faceModel.keepLoaded().catch(() => undefined);
  }
  void faceModel.loadStarted().then(() =>
    faceModel.load().then(
      () => log(`faces: neural model ready in ${((faceModel.loadTime ?? 0) / 1000).toFixed(1)} s, real photos are recognised`),
      (error: Error) =>
        log(
          `faces: the neural face model FAILED to load (${error.message}).\n` +
            '       Real photos will have no face; synthetic faces (npx facekit face) still work. FACEKIT_NEURAL_FACES=off skips the model.',
        ),
    ),
  );
}
