// `npm start` runs this: sim/main.ts from a JavaScript bundle that esbuild builds once and keeps,
// instead of through tsx, whose loader costs about a second before any of the kit's code runs and
// then transforms every module on every start (docs/lambda-dynamodb.md, "Performance").
// Plain JavaScript on purpose: it must run on bare `node`.
//
// The bundle is rebuilt only when a file it was built from changed. Its manifest lists those files
// (esbuild's metafile) with their size, mtime and content hash: a start stats them (milliseconds),
// and hashes only a file whose stat changed (a checkout that rewrote it unchanged keeps the bundle).
// A file the bundle does not import cannot change it without an imported file changing too.
// Packages stay external: node resolves them from node_modules as it does under tsx.
// Each module keeps its own location: `import.meta.url` / `dirname` / `filename` are replaced by
// the source file's, so paths relative to a source (web/dist, the function worker) still resolve.
// When the bundle cannot be built or written (a read-only install), the kit runs through tsx.
// Stack traces name the bundle; NODE_OPTIONS=--enable-source-maps maps them back to sim/ (not on
// by default: parsing the maps at every start would cost what the bundle saves).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(projectDir, 'sim', 'main.ts');
/** Change it when the build options below change: every cached bundle is then stale. */
const BUILD_FORMAT = 2;
// One folder per checkout: node_modules may be shared by several worktrees, and a bundle holds its
// sources' absolute paths.
const cacheDir = join(projectDir, 'node_modules', '.cache', 'facekit', `sim-${createHash('sha256').update(projectDir).digest('hex').slice(0, 12)}`);
const bundleFile = join(cacheDir, 'main.mjs');
const manifestFile = join(cacheDir, 'manifest.json');

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** True when the manifest matches the bundle's sources as they are now. */
function bundleIsCurrent() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    statSync(bundleFile);
  } catch {
    return false;
  }
  if (manifest.format !== BUILD_FORMAT || manifest.node !== process.versions.node) return false;
  for (const input of manifest.inputs) {
    const path = join(projectDir, input.path);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return false;
    if (stat.size === input.size && stat.mtimeMs === input.mtimeMs) continue;
    if (stat.size !== input.size || sha256(readFileSync(path)) !== input.sha256) return false;
  }
  return true;
}

/**
 * Pure-JavaScript packages on the path to the first answer, bundled in with their dependencies:
 * node's module loader resolving and reading their hundreds of files cost 150-300 ms of each start.
 * Every other package (native ones such as sharp and LevelDB, the AWS SDK loaded on first use, the
 * face model) stays external, and the lockfile is an input of the bundle.
 */
const BUNDLED_PACKAGES = new Set(['fastify', 'jose', 'aws-jwt-verify', '@smithy/signature-v4']);
const packageNameOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const bundleOnlyListedPackages = {
  name: 'bundle-only-listed-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      const fromBundledPackage = args.importer.includes('/node_modules/');
      if (args.path.startsWith('node:') || !(fromBundledPackage || BUNDLED_PACKAGES.has(packageNameOf(args.path)))) {
        return { path: args.path, external: true };
      }
      return undefined;
    });
  },
};

/** Replaces `import.meta.*` in each source with that source's own location. */
const keepSourceLocations = {
  name: 'keep-source-locations',
  setup(build) {
    build.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      const contents = text
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path))
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
      return { contents, loader: args.path.endsWith('ts') ? 'ts' : 'js', resolveDir: dirname(args.path) };
    });
  },
};

async function buildBundle() {
  const started = Date.now();
  console.log('building the kit server (esbuild, once per change of sim/)...');
  const { build, stop } = await import('esbuild');
  // esbuild builds in a service process that otherwise lives as long as the kit (about 140 MiB
  // of RSS in the server's process tree, for nothing after the build).
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    target: `node${process.versions.node.split('.')[0]}`,
    // Split, so that what the sources import lazily (`await import(...)`) stays lazy.
    splitting: true,
    outdir: cacheDir,
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    write: false,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    plugins: [bundleOnlyListedPackages, keepSourceLocations],
    // The bundled packages are CommonJS: their require() of node's modules needs a require here.
    banner: { js: "import { createRequire as createRequireForBundledPackages } from 'node:module'; const require = createRequireForBundledPackages(import.meta.url);" },
  }).finally(() => stop());
  const sources = Object.keys(result.metafile.inputs).map((input) => resolve(process.cwd(), input)).filter((path) => !path.includes('/node_modules/'));
  const inputs = [...sources, join(projectDir, 'package-lock.json')].map((path) => {
    const stat = statSync(path);
    return { path: relative(projectDir, path), size: stat.size, mtimeMs: stat.mtimeMs, sha256: sha256(readFileSync(path)) };
  });
  mkdirSync(cacheDir, { recursive: true });
  // Written aside and renamed: a start running at the same time reads a whole bundle or none.
  for (const file of result.outputFiles) {
    const aside = `${file.path}.${process.pid}`;
    writeFileSync(aside, file.contents);
    renameSync(aside, file.path);
  }
  // Chunks of earlier builds (their names hash their contents) would otherwise pile up.
  const written = new Set(result.outputFiles.map((file) => basename(file.path)));
  for (const name of readdirSync(cacheDir)) {
    if (name.startsWith('chunk-') && !written.has(name)) rmSync(join(cacheDir, name), { force: true });
  }
  const aside = `${manifestFile}.${process.pid}`;
  writeFileSync(aside, JSON.stringify({ format: BUILD_FORMAT, node: process.versions.node, inputs }, null, 1));
  renameSync(aside, manifestFile);
  console.log(`built the kit server in ${((Date.now() - started) / 1000).toFixed(1)} s (${relative(projectDir, cacheDir)})`);
}

let runnable = bundleIsCurrent();
if (!runnable) {
  try {
    await buildBundle();
    runnable = true;
  } catch (error) {
    console.log(`could not build the kit server (${error.message.split('\n')[0]}): running its sources through tsx`);
  }
}
if (process.argv.includes('--build-only')) {
  process.exit(runnable ? 0 : 1);
}
if (runnable) {
  await import(pathToFileURL(bundleFile).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(entry).href);
}
