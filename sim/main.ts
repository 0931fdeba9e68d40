// `npm start`: synthesizes the stack when it changed, starts the embedded cloud from it, writes
// cdk-outputs.json as `cdk deploy --outputs-file` would, and runs until Ctrl-C.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { synthesizeIfChanged } from './cloud-assembly/synth-cache.js';
import { startEmbeddedCloud } from './embedded-cloud.js';

const HELP = `Usage: npm start [-- options]

Runs the whole face sign-in system locally (Cognito, Rekognition, S3, DynamoDB, Lambda, SES)
on one endpoint, from the synthesized CDK stack.

Options:
  --port <n>       port to listen on (default: $PORT or 4566)
  --host <addr>    address to bind (default: $HOST or 127.0.0.1)
  --data-dir <d>   state folder (default: $FACEKIT_DATA_DIR or .facekit)
  --reset          wipe the state folder before starting
  --no-synth       use cdk.out as it is (default when $FACEKIT_CLOUD_ASSEMBLY is set)
  -h, --help       this help
`;

const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    reset: { type: 'boolean', default: false },
    'no-synth': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

// The SDK warns that releases after January 2027 need Node 22; the kit pins its SDK versions.
// Set before any client exists, and inherited by the function workers.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const started = Date.now();
const port = Number(args.port ?? process.env.PORT ?? 4566);
const host = args.host ?? process.env.HOST ?? '127.0.0.1';
const dataDir = resolve(args['data-dir'] ?? process.env.FACEKIT_DATA_DIR ?? join(projectDir, '.facekit'));
const stackName = process.env.FACEKIT_STACK_NAME ?? 'FaceAuthStack';
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
const outputsFile = resolve(process.env.FACEKIT_OUTPUTS_FILE ?? join(projectDir, 'cdk-outputs.json'));
const log = (line: string) => console.log(line);

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`facekit: invalid port ${args.port ?? process.env.PORT}`);
  process.exit(2);
}
if (args.reset && existsSync(dataDir)) {
  rmSync(dataDir, { recursive: true, force: true });
  log(`reset: removed ${dataDir}`);
}
mkdirSync(dataDir, { recursive: true });

let cloudAssemblyDir = process.env.FACEKIT_CLOUD_ASSEMBLY;
try {
  if (!cloudAssemblyDir) {
    cloudAssemblyDir = join(projectDir, 'cdk.out');
    // A production image carries a synthesized cloud assembly and no CDK toolkit.
    const canSynthesize = existsSync(join(projectDir, 'node_modules', 'aws-cdk'));
    if (!canSynthesize) log('no CDK toolkit installed: using cdk.out as it is');
    if (!args['no-synth'] && canSynthesize) {
      const synth = await synthesizeIfChanged({ projectDir, outDir: cloudAssemblyDir, log });
      if (!synth.synthesized) log('stack unchanged since the last synth: using cdk.out');
    }
  }
} catch (error) {
  console.error(`facekit: ${(error as Error).message}`);
  process.exit(1);
}

const cloud = await startEmbeddedCloud({
  cloudAssemblyDir,
  stackName,
  region,
  port,
  host,
  dataDir,
  log,
  onEmail: (email) => log(`email to ${email.to}: ${email.subject}\n${email.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()}`),
}).catch((error: Error & { code?: string }) => {
  console.error(`facekit: could not start: ${error.code === 'EADDRINUSE' ? `port ${port} is in use (set PORT or --port)` : error.message}`);
  process.exit(1);
});

const endpointFile = join(dataDir, 'endpoint.json');
writeFileSync(outputsFile, JSON.stringify({ [stackName]: cloud.outputs }, null, 2) + '\n');
writeFileSync(endpointFile, JSON.stringify({ endpoint: cloud.endpoint, pid: process.pid }) + '\n');

log(`
facekit embedded cloud ready in ${((Date.now() - started) / 1000).toFixed(1)} s
  endpoint   ${cloud.endpoint}   (Cognito, Rekognition, S3, DynamoDB, Lambda, SES)
  outputs    ${outputsFile}
${Object.entries(cloud.outputs).map(([key, value]) => `             ${key.padEnd(17)} ${value}`).join('\n')}
  emails     printed here and at ${cloud.endpoint}/_sim/emails
  state      ${dataDir}
Try it from another terminal:
  npx facekit face --seed alice --out alice.jpg
  npx facekit signup --email alice@example.com --photo alice.jpg
  npx facekit face --seed alice --variant 3 --out alice-2.jpg
  npx facekit signin --email alice@example.com --photo alice-2.jpg
Ctrl-C to stop.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log('stopping...');
    rmSync(endpointFile, { force: true });
    void cloud.close().then(() => process.exit(0));
  });
}
