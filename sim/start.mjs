// `npm start` runs this: sim/main.ts from a JavaScript bundle that esbuild builds once and keeps
// (sim/source-bundle.mjs), instead of through tsx, whose loader costs about a second before any of
// the kit's code runs and then transforms every module on every start (docs/lambda-dynamodb.md,
// "Performance"). When the bundle cannot be built or written (a read-only install), the kit runs
// through tsx. Plain JavaScript on purpose: it must run on bare `node`.
import { currentBundle, importBundleOrSources } from './source-bundle.mjs';

/**
 * Pure-JavaScript packages on the path to the first answer, bundled in with their dependencies:
 * node's module loader resolving and reading their hundreds of files cost 150-300 ms of each start.
 * Every other package (native ones such as sharp and LevelDB, the AWS SDK loaded on first use, the
 * face model) stays external, and the lockfile is an input of the bundle.
 */
const BUNDLED_PACKAGES = ['fastify', 'jose', 'aws-jwt-verify', '@smithy/signature-v4'];

const bundle = await currentBundle({ entry: 'sim/main.ts', name: 'sim', what: 'the kit server', sources: 'sim/', bundledPackages: BUNDLED_PACKAGES });
if (process.argv.includes('--build-only')) {
  process.exit(bundle ? 0 : 1);
}
await importBundleOrSources(bundle, 'sim/main.ts');
