// `npm run bench`: every benchmark of the kit, one after the other, each printing its own table.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

// The SDK's notice that its 2027 releases need Node 22; the kit pins its SDK versions.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const benches = ['matcher-quality.ts', 'matcher-transforms.ts', 'face-search.ts', 'real-face-calibration.ts', 'real-faces.ts', 'user-pool-store.ts', 'start.ts', 'embedded-cloud.ts', 'enumeration-timing.ts'];
const only = process.argv.slice(2);
let failed = false;
for (const bench of benches.filter((name) => only.length === 0 || only.some((wanted) => name.includes(wanted)))) {
  const file = resolve(import.meta.dirname, bench);
  if (!existsSync(file)) continue;
  console.log(`\n=== ${bench} ===`);
  // --expose-gc lets the memory figures collect garbage before they measure.
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
