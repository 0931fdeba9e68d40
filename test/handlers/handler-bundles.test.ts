// Each entry point bundles as ESM for nodejs22.x the way the stack's NodejsFunction builds it
// (SDK included, module fields first, a `require` for CommonJS leftovers), and the bundle loads
// in a plain Node process with only its environment: no test runner, no TypeScript.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRY_POINTS = [
  'pre-sign-up',
  'custom-message',
  'post-confirmation',
  'define-auth-challenge',
  'create-auth-challenge',
  'verify-auth-challenge-response',
  'post-authentication',
  'pre-token-generation',
  'face-indexer',
];
const outDir = (() => {
  const parent = join(projectRoot, '.facekit', 'test-bundles');
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(join(parent, 'handlers-'));
})();

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('handler bundles', () => {
  it('build as ESM for node22 and export a handler function when loaded by Node', async () => {
    await build({
      entryPoints: ENTRY_POINTS.map((name) => join(projectRoot, 'handlers', `${name}.ts`)),
      outdir: outDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      banner: { js: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);" },
      logLevel: 'silent',
    });
    const loader = `
      const names = ${JSON.stringify(ENTRY_POINTS)};
      const kinds = {};
      for (const name of names) kinds[name] = typeof (await import(${JSON.stringify(pathToFileURL(outDir).href)} + '/' + name + '.mjs')).handler;
      console.log(JSON.stringify(kinds));`;

    const output = execFileSync(process.execPath, ['--input-type=module', '-e', loader], {
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', USERS_TABLE: 'users' },
      encoding: 'utf8',
    });

    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual(Object.fromEntries(ENTRY_POINTS.map((name) => [name, 'function'])));
  });
});
