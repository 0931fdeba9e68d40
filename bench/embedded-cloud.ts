// Benchmarks of the embedded cloud, reported as distributions from one run:
//  - start-to-ready: `npm start` (synthesized stack cached) until /_sim/health answers;
//  - one full sign-in: InitiateAuth → presigned PUT → RespondToAuthChallenge → tokens,
//    through the real handler bundles, Rekognition matcher, S3 and DynamoDB.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { synthesizeIfChanged } from '../sim/cloud-assembly/synth-cache.js';
import { startEmbeddedCloud } from '../sim/embedded-cloud.js';
import { generateFixture } from '../sim/faces/generate-face.js';
import { FaceAuthClient } from '../cli/face-auth-client.js';
import { freePort } from '../sim/free-port.js';

const projectDir = resolve(import.meta.dirname, '..');
const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const SIGN_INS = Number(process.env.BENCH_SIGN_INS ?? 30);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  return `${label.padEnd(34)} n=${String(samples.length).padEnd(3)} p50 ${percentile(sorted, 50).toFixed(0).padStart(6)} ms  p90 ${percentile(sorted, 90).toFixed(0).padStart(6)} ms  max ${sorted.at(-1)!.toFixed(0).padStart(6)} ms  mean ${mean.toFixed(0).padStart(6)} ms`;
}


async function timeStartToReady(): Promise<number> {
  const port = await freePort('127.0.0.1');
  const dataDir = mkdtempSync(join(tmpdir(), 'facekit-bench-'));
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'sim/main.ts', '--port', String(port), '--data-dir', dataDir], {
    cwd: projectDir,
    env: { ...process.env, FACEKIT_OUTPUTS_FILE: join(dataDir, 'cdk-outputs.json') },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/_sim/health`)).ok) return performance.now() - started;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      if (performance.now() - started > 60_000) throw new Error('not ready within 60 s');
      await new Promise((wait) => setTimeout(wait, 20));
    }
  } finally {
    child.kill('SIGINT');
    await new Promise((done) => child.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function timeSignIns(): Promise<{ signIn: number[]; enrolment: number }> {
  const { cloudAssemblyDir } = await synthesizeIfChanged({ projectDir });
  const cloud = await startEmbeddedCloud({ cloudAssemblyDir, stackName: 'FaceAuthStack', port: 0, log: () => undefined });
  try {
    const client = new FaceAuthClient({ region: cloud.outputs.Region!, userPoolClientId: cloud.outputs.UserPoolClientId!, endpoint: cloud.endpoint });
    const email = 'bench@example.com';
    await client.signUp(email);
    const emails = cloud.outbox.list({ to: email });
    const code = /\b(\d{6})\b/.exec(emails.at(-1)!.body)![1]!;
    const enrolSecret = await client.confirmSignUp(email, code);
    const enrolStarted = performance.now();
    const enrolled = await client.authenticate(email, { photo: await generateFixture('face', 'bench'), enrolSecret });
    const enrolment = performance.now() - enrolStarted;
    if (enrolled.kind !== 'signed-in') throw new Error(`enrolment failed: ${JSON.stringify(enrolled)}`);
    const photos = await Promise.all(Array.from({ length: 5 }, (_, variant) => generateFixture('face', 'bench', variant + 1)));
    const signIn: number[] = [];
    for (let round = 0; round < SIGN_INS; round++) {
      const started = performance.now();
      const outcome = await client.authenticate(email, { photo: photos[round % photos.length]! });
      if (outcome.kind !== 'signed-in') throw new Error('sign-in refused');
      signIn.push(performance.now() - started);
    }
    return { signIn, enrolment };
  } finally {
    await cloud.close();
  }
}

await synthesizeIfChanged({ projectDir, log: (line) => console.log(line) });
const starts: number[] = [];
for (let run = 0; run < STARTS; run++) starts.push(await timeStartToReady());
const { signIn, enrolment } = await timeSignIns();
console.log('\nembedded cloud (synthesized stack cached)');
console.log(summary('npm start → ready', starts));
console.log(summary('full sign-in (warm functions)', signIn.slice(1)));
console.log(`${'first sign-in (cold workers)'.padEnd(34)} ${signIn[0]!.toFixed(0)} ms;  enrolment (sign-up excluded) ${enrolment.toFixed(0)} ms`);
