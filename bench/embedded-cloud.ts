// Benchmarks of the embedded cloud: every row of issue 12's table from one run, on this machine.
//  - `npm start` (the command, npm included) to healthy with the synthesized stack cached (a data
//    folder used before);
//  - one full face sign-in at a time (InitiateAuth -> upload photo -> RespondToAuthChallenge), warm:
//    after 3 sign-ins, and again after a few hundred more;
//  - 16 concurrent clients (npm run load): throughput, p99, errors, server CPU per sign-in, RSS
//    of the server's process tree idle, under load and a while after;
//  - SignUp / AdminGetUser / InitiateAuth against cognito-local, presigned PUT/GET of 100 KB
//    against s3rver, in the same run, order alternating, medians over rounds.
// The machine is shared: read the ratios and medians, not one absolute figure.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { synthesizeIfChanged } from '../sim/cloud-assembly/synth-cache.js';
import { cognitoClient, enrolUser, percentile, signIn, signInPhotos, stackTarget } from './face-users.js';
import { describeLoad, runLoad } from './load.js';
import { compareWithCognitoLocal, compareWithS3rver, describeComparisons, ratioAboveFloor } from './peers.js';
import { mebibytes, projectDir, startSimProcess, treeCpuMs } from './sim-process.js';

const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const SIGN_INS = Number(process.env.BENCH_SIGN_INS ?? 40);
/**
 * Sign-ins between the two sequential measurements. Three sign-ins warm the functions'
 * environments (no cold start left), but V8 optimizes the SDK clients in them only after
 * hundreds of calls: the second measurement is of a kit that has been in use a while.
 */
const JIT_WARMING_SIGN_INS = Number(process.env.BENCH_JIT_WARMING_SIGN_INS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 25);
const LOAD_CLIENTS = Number(process.env.BENCH_LOAD_CLIENTS ?? 16);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 30);
const AFTER_SECONDS = Number(process.env.BENCH_AFTER_SECONDS ?? 120);

const ms = (value: number) => `${value.toFixed(0)} ms`;

async function timeStarts(): Promise<number[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'facekit-bench-start-'));
  try {
    // The first start creates the signing keys and tables (and builds the server's bundle if sim/
    // changed); `npm start` itself, npm included, is then timed on that folder.
    await (await startSimProcess({ dataDir, viaNpm: true })).stop();
    const starts: number[] = [];
    for (let run = 0; run < STARTS; run++) {
      const sim = await startSimProcess({ dataDir, viaNpm: true });
      starts.push(sim.readyAfterMs);
      await sim.stop();
    }
    return starts;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await synthesizeIfChanged({ projectDir, log: (line) => console.log(line) });
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`machine: ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, shared with other work`);

const starts = (await timeStarts()).sort((a, b) => a - b);
console.log(`npm start -> healthy (cached synth), ${starts.length} starts: median ${ms(percentile(starts, 50))}, min ${ms(starts[0]!)}, max ${ms(starts.at(-1)!)}`);

const dataDir = mkdtempSync(join(tmpdir(), 'facekit-bench-'));
const kit = await startSimProcess({ dataDir });
let comparisons;
let sequential: number[];
let sequentialCpuMs: number | undefined;
let sequentialInUse: number[];
try {
  const target = await stackTarget(kit.endpoint);
  const outputs = Object.values((await (await fetch(`${kit.endpoint}/_sim/outputs`)).json()) as Record<string, Record<string, string>>)[0]!;
  const cognito = cognitoClient(target);
  const email = `bench-sequential@example.com`;
  await enrolUser(target, cognito, email, 'bench-sequential');
  const photos = await signInPhotos('bench-sequential', 5);
  for (let warm = 0; warm < 3; warm++) await signIn(target, cognito, email, photos[warm]!);
  const timeSequential = async () => {
    const times: number[] = [];
    for (let round = 0; round < SIGN_INS; round++) {
      const started = performance.now();
      await signIn(target, cognito, email, photos[round % photos.length]!);
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b);
  };
  // The server's CPU over sign-ins one at a time: nothing shared with other clients' work, so
  // the figure to compare two versions by (alternated, as docs/lambda-dynamodb.md does).
  const cpuBefore = kit.child.pid ? treeCpuMs(kit.child.pid) : undefined;
  sequential = await timeSequential();
  if (cpuBefore !== undefined && kit.child.pid) sequentialCpuMs = (treeCpuMs(kit.child.pid) - cpuBefore) / SIGN_INS;
  console.log(`full sign-in, sequential, warm: n=${SIGN_INS} p50 ${ms(percentile(sequential, 50))} p90 ${ms(percentile(sequential, 90))} p99 ${ms(percentile(sequential, 99))}` +
    (sequentialCpuMs === undefined ? '' : `, server CPU ${ms(sequentialCpuMs)} per sign-in`));
  for (let round = 0; round < JIT_WARMING_SIGN_INS; round++) await signIn(target, cognito, email, photos[round % photos.length]!);
  sequentialInUse = await timeSequential();
  console.log(`full sign-in, sequential, after ${JIT_WARMING_SIGN_INS} more: n=${SIGN_INS} p50 ${ms(percentile(sequentialInUse, 50))} ` +
    `p90 ${ms(percentile(sequentialInUse, 90))} p99 ${ms(percentile(sequentialInUse, 99))}`);
  cognito.destroy();

  comparisons = [
    ...(await compareWithCognitoLocal({ ...target, userPoolId: outputs.UserPoolId! }, ROUNDS, PER_ROUND)),
    ...(await compareWithS3rver({ ...target, bucket: outputs.BucketName! }, ROUNDS, PER_ROUND)),
  ];
  console.log(`\nkit vs peers, ${ROUNDS} rounds x ${PER_ROUND} calls, order alternating, medians of the rounds' p50 and p99:`);
  console.log(describeComparisons(comparisons));
} finally {
  await kit.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

console.log(`\n${LOAD_CLIENTS} concurrent clients for ${LOAD_SECONDS} s (npm run load), RSS read again ${AFTER_SECONDS} s after:`);
const load = await runLoad({
  clients: LOAD_CLIENTS,
  durationSeconds: LOAD_SECONDS,
  maxSignIns: 100_000,
  users: LOAD_CLIENTS * 4,
  afterSeconds: AFTER_SECONDS,
});
console.log(describeLoad(load, AFTER_SECONDS));

const ratio = (what: string, key: 'p50' | 'p99') => {
  const found = comparisons.find((comparison) => comparison.what.startsWith(what))!;
  return found.kit[key] / found.peer[key];
};
const aboveFloor = (what: string) => ratioAboveFloor(comparisons.find((comparison) => comparison.what.startsWith(what))!);
const x = (value: number) => `${value.toFixed(2)}x`;
const rows: Array<[string, string, string]> = [
  ['full face sign-in, sequential, warm', `p50 ${ms(percentile(sequential, 50))}, p99 ${ms(percentile(sequential, 99))} after 3 sign-ins; ` +
    `p50 ${ms(percentile(sequentialInUse, 50))}, p99 ${ms(percentile(sequentialInUse, 99))} after ${JIT_WARMING_SIGN_INS + 3 + SIGN_INS}`, 'p50 <= 40 ms, p99 <= 150 ms'],
  [`${LOAD_CLIENTS} concurrent clients, full sign-ins`, `${load.perSecond.toFixed(1)}/s, p99 ${ms(load.p99)}, ${load.errors} errors`, '>= 100/s, p99 <= 1 s, 0 errors'],
  ['server CPU per sign-in', `${load.serverCpuMsPerSignIn?.toFixed(0)} ms (${load.users} users, under load)` +
    (sequentialCpuMs === undefined ? '' : `; ${ms(sequentialCpuMs)} one at a time`), '<= 15 ms'],
  ['npm start to healthy, cached synth', `median ${ms(percentile(starts, 50))}`, '<= 1 s'],
  ['idle RSS of the server process tree', mebibytes(load.idleRss ?? 0), '<= 200 MiB'],
  ['RSS under load; after it stops', `${mebibytes(load.peakRss ?? 0)}; ${mebibytes(load.afterRss ?? 0)} after ${AFTER_SECONDS} s`, '<= 500 MiB; idle + 10 %'],
  ['SignUp / AdminGetUser / InitiateAuth vs cognito-local', ['SignUp', 'AdminGetUser', 'InitiateAuth'].map((what) => x(ratio(what, 'p50'))).join(' / ') +
    ' (p50); above the floor: ' + ['SignUp', 'AdminGetUser', 'InitiateAuth'].map(aboveFloor).join(' / '), '<= 0.5x'],
  ['presigned PUT / GET 100 KB vs s3rver', `PUT ${x(ratio('presigned PUT', 'p50'))} / ${x(ratio('presigned PUT', 'p99'))}, GET ${x(ratio('presigned GET', 'p50'))} / ${x(ratio('presigned GET', 'p99'))} (p50 / p99); ` +
    `p50 above the floor: PUT ${aboveFloor('presigned PUT')}, GET ${aboveFloor('presigned GET')}`, '<= 0.5x at p50 and p99'],
];
console.log('\n| what | measured | target |\n|---|---|---|');
for (const [what, measured, target] of rows) console.log(`| ${what} | ${measured} | ${target} |`);
