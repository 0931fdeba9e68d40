// A TypeScript entry point run from a JavaScript bundle that esbuild builds once and keeps,
// instead of through tsx, whose loader costs about half a second before any of the kit's code
// runs and then transforms every module on every start (docs/lambda-dynamodb.md, "Performance").
// `npm start` (sim/start.mjs) and the `facekit` command (bin/facekit.js) both run this way.
// Plain JavaScript on purpose: it must run on bare `node`.
//
// A bundle is rebuilt only when a file it was built from changed. Its manifest lists those files
// (esbuild's metafile) with their size, mtime and content hash: a start stats them (milliseconds),
// and hashes only a file whose stat changed (a checkout that rewrote it unchanged keeps the bundle).
// A file the bundle does not import cannot change it without an imported file changing too.
// Packages stay external unless listed: node resolves them from node_modules as it does under tsx.
// Each module keeps its own location: `import.meta.url` / `dirname` / `filename` are replaced by
// the source file's, so paths relative to a source (web/dist, the function worker) still resolve.
// When the bundle cannot be built or written (a read-only install), the caller runs the sources
// through tsx. Stack traces name the bundle; NODE_OPTIONS=--enable-source-maps maps them back to
// the sources (not on by default: parsing the maps at every start would cost what the bundle saves).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Change it when the build options below change: every cached bundle is then stale. */
const BUILD_FORMAT = 2;

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const packageNameOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Bundles the listed packages (with their dependencies) in; every other package stays external. */
function bundleOnlyListedPackages(bundledPackages) {
  return {
    name: 'bundle-only-listed-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        const fromBundledPackage = args.importer.includes('/node_modules/');
        if (args.path.startsWith('node:') || !(fromBundledPackage || bundledPackages.has(packageNameOf(args.path)))) {
          return { path: args.path, external: true };
        }
        return undefined;
      });
    },
  };
}

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

/**
 * The bundle of `entry` (a path from the project folder), current with its sources: the one kept
 * in node_modules/.cache/facekit/<name>-<checkout>/, or one built now. Returns the bundle's file
 * URL, or undefined when it can neither be found current nor built (then `log` has said why).
 *
 * - `name`: the cache folder's prefix (`sim`, `cli`).
 * - `what`: what the progress lines call it ("the kit server"), `sources` the folder it is built from.
 * - `bundledPackages`: pure-JavaScript packages worth bundling in (each start would otherwise
 *   resolve and read their hundreds of files).
 * - `log`: where the progress lines go (the CLI keeps them off stdout, which scripts read).
 */
export async function currentBundle({ entry, name, what, sources, bundledPackages = [], log = console.log }) {
  const entryPath = join(projectDir, entry);
  // One folder per checkout: node_modules may be shared by several worktrees, and a bundle holds
  // its sources' absolute paths.
  const cacheDir = join(projectDir, 'node_modules', '.cache', 'facekit', `${name}-${sha256(projectDir).slice(0, 12)}`);
  const bundleFile = join(cacheDir, `${basename(entry).replace(/\.[cm]?[jt]s$/, '')}.mjs`);
  const manifestFile = join(cacheDir, 'manifest.json');
  if (isCurrent(bundleFile, manifestFile)) return pathToFileURL(bundleFile).href;
  try {
    await build({ entryPath, cacheDir, manifestFile, what, sources, bundledPackages: new Set(bundledPackages), log });
    return pathToFileURL(bundleFile).href;
  } catch (error) {
    log(`could not build ${what} (${error.message.split('\n')[0]}): running its sources through tsx`);
    return undefined;
  }
}

/** The entry's module: from its bundle when there is one, otherwise its sources through tsx. */
export async function importBundleOrSources(bundle, entry) {
  if (bundle) return import(bundle);
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(join(projectDir, entry)).href);
}

/** True when the manifest matches the bundle's sources as they are now. */
function isCurrent(bundleFile, manifestFile) {
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

async function build({ entryPath, cacheDir, manifestFile, what, sources, bundledPackages, log }) {
  const started = Date.now();
  log(`building ${what} (esbuild, once per change of ${sources})...`);
  const { build: esbuild, stop } = await import('esbuild');
  // esbuild builds in a service process that otherwise lives as long as the kit (about 140 MiB
  // of RSS in the server's process tree, for nothing after the build).
  const result = await esbuild({
    entryPoints: [entryPath],
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
    plugins: [bundleOnlyListedPackages(bundledPackages), keepSourceLocations],
    // The bundled packages are CommonJS: their require() of node's modules needs a require here.
    banner: { js: "import { createRequire as createRequireForBundledPackages } from 'node:module'; const require = createRequireForBundledPackages(import.meta.url);" },
  }).finally(() => stop());
  const sourceFiles = Object.keys(result.metafile.inputs).map((input) => resolve(process.cwd(), input)).filter((path) => !path.includes('/node_modules/'));
  const inputs = [...sourceFiles, join(projectDir, 'package-lock.json')].map((path) => {
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
  log(`built ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s (${relative(projectDir, cacheDir)})`);
}
