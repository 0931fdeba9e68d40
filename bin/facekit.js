#!/usr/bin/env node
// `facekit`: the TypeScript CLI (cli/facekit.ts) run from a JavaScript bundle kept in
// node_modules/.cache/facekit/ and rebuilt when its sources change (sim/source-bundle.mjs), so that
// `npx facekit` works from a clone without a build step and without tsx's loader on every command
// (about half a second). Where the bundle cannot be built (a read-only install), through tsx.
import { currentBundle, importBundleOrSources } from '../sim/source-bundle.mjs';

// The SDK warns that releases after January 2027 need Node 22; the kit pins its SDK versions, so
// on Node 20 the warning would only bury the output users need.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Progress lines go to stderr: scripts read what a command prints on stdout.
const bundle = await currentBundle({ entry: 'cli/facekit.ts', name: 'cli', what: 'the facekit command', sources: 'its sources', log: (line) => console.error(line) });
const cli = await importBundleOrSources(bundle, 'cli/facekit.ts');
await cli.main();
