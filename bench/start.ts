// `npm run bench -- start`: how long `npm start` takes to answer GET /_sim/health, as the user runs
// it (npm included), with the stack synthesized and the page built. Starts alternate between
//  - `npm start` on a data folder used before (the everyday start),
//  - `node sim/start.mjs`, what the start script runs: the difference is npm's own start-up,
// and a first start on a new data folder (DynamoDB tables, Cognito signing keys) is timed apart.
// The machine is shared: read the medians, and the split between npm and the kit.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizeIfChanged } from '../sim/cloud-assembly/synth-cache.js';
import { buildWebPageIfChanged } from '../sim/web-page/build-cache.js';
import { percentile } from './face-users.js';
import { projectDir, startSimProcess } from './sim-process.js';

const STARTS = Number(process.env.BENCH_STARTS ?? 7);
const ms = (value: number) => `${value.toFixed(0)} ms`;
const describe = (values: number[]) => {
  const sorted = values.slice().sort((a, b) => a - b);
  return `median ${ms(percentile(sorted, 50))}, min ${ms(sorted[0]!)}, max ${ms(sorted.at(-1)!)}`;
};

await synthesizeIfChanged({ projectDir, log: (line) => console.log(line) });
await buildWebPageIfChanged({ projectDir, log: (line) => console.log(line) });
console.log(`machine: ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at the start, shared with other work`);

const scratch = mkdtempSync(join(tmpdir(), 'facekit-bench-start-'));
try {
  const first: number[] = [];
  for (let run = 0; run < Math.min(STARTS, 3); run++) {
    const sim = await startSimProcess({ dataDir: join(scratch, `new-${run}`), viaNpm: true });
    first.push(sim.readyAfterMs);
    await sim.stop();
  }
  const dataDir = join(scratch, 'used');
  // Also builds the server's bundle when sim/ changed since the last start.
  await (await startSimProcess({ dataDir, viaNpm: true })).stop();
  const viaNpm: number[] = [];
  const viaNode: number[] = [];
  for (let run = 0; run < STARTS; run++) {
    for (const npm of run % 2 === 0 ? [true, false] : [false, true]) {
      const sim = await startSimProcess({ dataDir, viaNpm: npm });
      (npm ? viaNpm : viaNode).push(sim.readyAfterMs);
      await sim.stop();
    }
  }
  console.log(`npm start -> healthy, used data folder, n=${STARTS}: ${describe(viaNpm)}`);
  console.log(`node sim/start.mjs -> healthy (the same without npm's start-up), n=${STARTS}: ${describe(viaNode)}`);
  console.log(`npm start -> healthy, new data folder (tables, signing keys), n=${first.length}: ${describe(first)}`);
  console.log(`load average ${loadavg()[0]!.toFixed(1)} at the end`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
