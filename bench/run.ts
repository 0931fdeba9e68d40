// `npm run bench`: every benchmark of the kit, one after the other, each printing its own table.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

// The SDK's notice that its 2027 releases need Node 22; the kit pins its SDK versions.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Each benchmark, in the order a full run takes them, with what it measures. */
const BENCHES: ReadonlyArray<readonly [file: string, measures: string]> = [
  ['matcher-quality.ts', 'synthetic matcher: genuine and impostor similarities, FNMR/FMR at 80/90/95/99'],
  ['matcher-transforms.ts', 'synthetic matcher against edited photos and pictures with no face'],
  ['face-search.ts', 'SearchFacesByImage p50/p99 at 1k, 100k and 1M faces (2-3 minutes)'],
  ['real-face-calibration.ts', 'neural matcher on real photographs: FMR/FNMR at the usual thresholds'],
  ['real-faces.ts', 'the neural and synthetic paths side by side (about two minutes)'],
  ['user-pool-store.ts', "Cognito state: one change and one lookup at 1,000 and 5,000 users"],
  ['start.ts', '`npm start` to healthy, npm included (BENCH_STARTS)'],
  ['embedded-cloud.ts', "every row of issue 12's table: starts, sign-ins, a 16-client load, the peers (BENCH_*)"],
  ['enumeration-timing.ts', 'answer times of the face flow for enrolled, face-less and unknown emails'],
];

const HELP = `Usage: npm run bench [-- <name> ...]

Runs every benchmark below, one after the other, or only those whose file name contains a
<name>: npm run bench -- face-search.

${BENCHES.map(([file, measures]) => `  ${file.replace(/\.ts$/, '').padEnd(22)} ${measures}`).join('\n')}

Sizes: BENCH_STARTS, BENCH_SIGN_INS, BENCH_JIT_WARMING_SIGN_INS, BENCH_ROUNDS, BENCH_PER_ROUND,
BENCH_LOAD_CLIENTS, BENCH_LOAD_SECONDS, BENCH_AFTER_SECONDS (embedded-cloud; BENCH_STARTS for
start too). The matcher
and search benchmarks take sizes as arguments when run alone (npx tsx bench/face-search.ts 1000).
A load test alone: npm run load -- --help.`;

const wanted = process.argv.slice(2);
if (wanted.includes('--help') || wanted.includes('-h')) {
  console.log(HELP);
} else {
  const unknown = wanted.filter((name) => !BENCHES.some(([file]) => file.includes(name)));
  if (unknown.length > 0) {
    console.error(`npm run bench: no benchmark named ${unknown.map((name) => JSON.stringify(name)).join(', ')}; the names are ${BENCHES.map(([file]) => file.replace(/\.ts$/, '')).join(', ')} (npm run bench -- --help)`);
    process.exitCode = 2;
  } else {
    let failed = false;
    for (const [bench] of BENCHES.filter(([file]) => wanted.length === 0 || wanted.some((name) => file.includes(name)))) {
      console.log(`\n=== ${bench} ===`);
      // --expose-gc lets the memory figures collect garbage before they measure.
      const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', resolve(import.meta.dirname, bench)], { stdio: 'inherit' });
      if (result.status !== 0) failed = true;
    }
    process.exitCode = failed ? 1 : 0;
  }
}
