// dynalite's expression parsers as sim/dynamodb/load-dynalite.ts loads them: the same parses, and
// optimized code that outlives a full garbage collection. Each case runs in a process of its own,
// since node's module cache (where the changed parsers go) is shared by every test in a worker.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DYNALITE_PARSERS } from '../../sim/dynamodb/load-dynalite.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const moduleUrl = new URL('../../sim/dynamodb/load-dynalite.ts', import.meta.url).href;

/** Expressions of the handlers (handlers/*.ts), names and functions, and ones that fail to parse. */
const EXPRESSIONS = [
  ['condition', 'attribute_not_exists(pk) OR (windowEndsAt > :now AND codesSent < :max)'],
  ['condition', 'enrolSecretHash = :hash AND enrolSecretExpiresAt > :now'],
  ['condition', 'begins_with(#name, :prefix) AND size(#list) BETWEEN :low AND :high'],
  ['condition', 'attribute_exists(pk) AND NOT #status IN (:a, :b)'],
  ['condition', 'count = :one'],
  ['condition', 'pk = :unknown'],
  ['condition', 'AND AND'],
  ['update', 'ADD #count :one SET expiresAt = :expiresAt'],
  ['update', 'SET windowEndsAt = if_not_exists(windowEndsAt, :end), expiresAt = if_not_exists(expiresAt, :expiresAt) ADD codesSent :one'],
  ['update', 'REMOVE enrolSecretHash, enrolSecretExpiresAt'],
  ['update', 'SET a = list_append(a, :list), b[2].c = :one - :one'],
  ['update', 'SET'],
  ['projection', 'pk, #name, faces[0].id'],
  ['projection', 'pk,,'],
];

/** Runs `body` in a fresh node; `keep` decides whether the changed parsers are loaded first. */
function inFreshProcess(keep: boolean, body: string, nodeFlags: string[] = []): string {
  const script = `
    import { createRequire } from 'node:module';
    const { keepParsersOptimized } = await import(${JSON.stringify(moduleUrl)});
    const changed = ${keep} ? keepParsersOptimized() : [];
    const requireDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
    const parsers = {
      condition: requireDynalite('./db/conditionParser.js'),
      update: requireDynalite('./db/updateParser.js'),
      projection: requireDynalite('./db/projectionParser.js'),
    };
    const { compare } = requireDynalite('./db/index.js');
    const context = () => ({
      attrNames: { '#name': 'name', '#list': 'list', '#count': 'count', '#status': 'status' },
      attrVals: { ':now': { N: '5' }, ':max': { N: '3' }, ':hash': { S: 'h' }, ':prefix': { S: 'p' }, ':low': { N: '1' }, ':high': { N: '9' },
        ':a': { S: 'a' }, ':b': { S: 'b' }, ':one': { N: '1' }, ':expiresAt': { N: '9' }, ':end': { N: '7' }, ':list': { L: [] } },
      unusedAttrNames: {}, unusedAttrVals: {},
      isReserved: (name) => /^(count|status|name)$/i.test(name),
      compare,
    });
    const parse = (kind, expression) => {
      try { return parsers[kind].parse(expression, { context: context() }); } catch (error) { return { error: error.name + ': ' + error.message }; }
    };
    ${body}
  `;
  return execFileSync(process.execPath, [...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: projectRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

describe('keepParsersOptimized', () => {
  it('changes all three parsers, and each parses every expression as dynalite ships it does, errors included', () => {
    const body = `console.log(JSON.stringify({ changed, results: ${JSON.stringify(EXPRESSIONS)}.map(([kind, expression]) => parse(kind, expression)) }));`;
    const changed = JSON.parse(inFreshProcess(true, body).trim()) as { changed: string[]; results: unknown[] };
    const shipped = JSON.parse(inFreshProcess(false, body).trim()) as { changed: string[]; results: unknown[] };

    expect(changed.changed).toEqual(DYNALITE_PARSERS);
    expect(shipped.changed).toEqual([]);
    expect(changed.results).toEqual(shipped.results);
    // The list holds real parses and real failures, so the comparison above compares something.
    expect(shipped.results.filter((result) => (result as { error?: string } | null)?.error?.startsWith('SyntaxError'))).toHaveLength(3);
    expect(shipped.results.filter((result) => !(result as { error?: string } | null)?.error).length).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('keeps the parsers\' optimized code through full collections, where the parsers as shipped have it compiled again after each', () => {
    // A count of V8's optimizing compilations, not a timing: 20 busy spells of 300 parses, each
    // followed by a full collection, as the sim's main thread sees them under load.
    const body = `
      for (let spell = 0; spell < 20; spell++) {
        for (let i = 0; i < 300; i++) parse('condition', 'attribute_not_exists(pk) OR (windowEndsAt > :now AND codesSent < :max)');
        globalThis.gc();
      }
    `;
    // Node 20's V8 prints two `completed` lines per compilation; the ratio is what counts.
    const parserCompilationLines = (keep: boolean) =>
      inFreshProcess(keep, body, ['--expose-gc', '--trace-opt'])
        .split('\n')
        .filter((line) => /completed (optimizing|compiling) .*peg\$/.test(line)).length;

    const shipped = parserCompilationLines(false);
    const kept = parserCompilationLines(true);

    // Measured here: about 1,300 lines against under 100 (some 640 compilations against 40).
    expect(shipped).toBeGreaterThan(200);
    expect(kept * 4).toBeLessThan(shipped);
  }, 60_000);
});
