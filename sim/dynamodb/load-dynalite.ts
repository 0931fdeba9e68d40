// dynalite, loaded with two changes: its expression parsers each keep their latest parse's rule
// functions reachable until the next parse, and the LevelDB iterators its reads stream from are
// closed when their stream ends (`closeIteratorsOfEndedStreams` below).
//
// Why: the parsers are pegjs output, which declares its hundred-odd rule functions inside
// `peg$parse`, so every parse creates them anew. V8 keeps the optimized code of functions made at
// one site only while one of them is alive (the feedback vector holds that code weakly), so each
// full garbage collection of the sim's main thread threw the parsers' optimized code away, and
// V8's background threads compiled it all again for the next busy spell. In a 16-client load (the
// enrolment, then 20 s of sign-ins) that was about 240 optimizing compilations of parser functions
// against about 60 with this change, and about 9 % less CPU per sign-in (docs/lambda-dynamodb.md,
// "Fifth pass"). The parse itself is unchanged: the same source with one assignment added. What
// stays reachable is the last parse (its rule functions and constants, its expression and
// attribute values): 30-36 KB of heap for the three parsers, measured after a full collection.
//
// A third change: a failure of the store itself (LevelDB's `IO error ... No space left on
// device`, a database closed under a request) is answered as DynamoDB's InternalServerError, and
// so is every request after it until the process ends (`answerStoreFailuresAsInternalErrors`
// below). dynalite threw it from the store's callback, which ended the whole kit with a raw stack
// the first time the disk filled up.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { compileFunction } from 'node:vm';
import type { Server } from 'node:http';
import type dynaliteServer from 'dynalite';
import { keepTableDescriptions, type DynaliteStore } from './kept-table-descriptions.js';
import { giveTablesUuids } from './table-ids.js';

const requireHere = createRequire(import.meta.url);
/** `require` as dynalite's own modules resolve: its stores (level, memory-level) at the versions it uses, no dependency of ours. */
export const requireFromDynalite = createRequire(requireHere.resolve('dynalite'));
/** dynalite's `db` folder: its store and its expression parsers. */
const DYNALITE_DB_DIR = join(dirname(requireHere.resolve('dynalite')), 'db');

export const DYNALITE_PARSERS = ['conditionParser.js', 'updateParser.js', 'projectionParser.js'];
/** The line of pegjs output that runs the parse: the rules of this parse exist by then. */
const PARSE_STARTS = '  peg$result = peg$startRuleFunction();';

/**
 * dynalite's server factory, its parsers loaded by `keepParsersOptimized` first, its validation
 * by `keepProtoAttributeNames` (an attribute named `__proto__` is kept), its iterators
 * closed when read, its store's failures answered as InternalServerError.
 */
export function loadDynalite(): typeof dynaliteServer {
  keepParsersOptimized();
  keepProtoAttributeNames();
  closeIteratorsOfEndedStreams();
  answerStoreFailuresAsInternalErrors();
  return requireHere('dynalite') as typeof dynaliteServer;
}

/** Told of the failure of the store that stopped it (the kit logs it). */
let reportStoreFailure = (error: Error): void => {
  process.stderr.write(`[dynamodb] the table store failed: ${error.message}\n`);
};
/**
 * The first failure of the store, after which every request is refused until the process ends.
 * A write LevelDB failed part-way (the disk filled up) leaves part of a record in its log, and at
 * the next open LevelDB drops the rest of that log block as corrupt: the writes acknowledged after
 * the disk had room again were lost without a word (a chaos audit: three users enrolled after
 * the space came back could not sign in after a restart, their records gone). Refusing them keeps
 * every acknowledged write; a restart opens the store afresh.
 */
let storeFailure: Error | undefined;
const internalServerError = (cause: Error) => Object.assign(new Error(cause.message, { cause }), {
  statusCode: 500,
  body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
});

const WRAPPED = Symbol('answers store failures');
type DynaliteAction = (store: unknown, data: unknown, callback: (error: (Error & { statusCode?: number }) | null | undefined, result?: unknown) => void) => unknown;

/**
 * Each of dynalite's operations (`dynalite/actions/*.js`), put in node's module cache wrapped so
 * that an error without an HTTP status, which only the store gives, reaches dynalite's request
 * handler as a 500 `InternalServerError` in DynamoDB's shape; dynalite's own answer to it is
 * `if (err) throw err`, from a LevelDB callback, which nothing can catch. From then on every
 * request gets the same answer (`storeFailure` above says why). Must run before dynalite's index loads (it takes the operations then); an
 * operation already wrapped is left as it is. Returns the files it wrapped.
 */
export function answerStoreFailuresAsInternalErrors(): string[] {
  const actionsDir = join(dirname(requireHere.resolve('dynalite')), 'actions');
  const wrapped: string[] = [];
  for (const file of readdirSync(actionsDir)) {
    if (!file.endsWith('.js')) continue;
    const filename = join(actionsDir, file);
    // Loaded now, or already by another operation (BatchWriteItem loads PutItem's): either way cached.
    const action = requireHere(filename) as DynaliteAction;
    if (WRAPPED in action) continue;
    requireHere.cache[filename]!.exports = Object.assign(function answeringStoreFailures(store: unknown, data: unknown, callback: Parameters<DynaliteAction>[2]) {
      if (storeFailure) return callback(internalServerError(storeFailure));
      return action(store, data, (error, result) => {
        if (!error || error.statusCode) return callback(error, result);
        if (!storeFailure) {
          storeFailure = error;
          reportStoreFailure(error);
        }
        callback(internalServerError(error));
      });
    }, { [WRAPPED]: true }) satisfies DynaliteAction;
    wrapped.push(file);
  }
  return wrapped;
}

/** Where a failure of the store is reported from now on; a new store (the kit's start) starts unfailed. */
export function onStoreFailure(report: (error: Error) => void): void {
  reportStoreFailure = report;
  storeFailure = undefined;
}

/** The LevelDB database dynalite keeps its tables in (abstract-level's API, the calls used here). */
export interface DynaliteDatabase {
  readonly status: string;
  open(options?: { passive?: boolean }): Promise<void>;
  close(): Promise<void>;
  keys(options?: { fillCache?: boolean }): AsyncIterable<string>;
}

/**
 * dynalite's server, with the database it opens (dynalite keeps it to itself), its table
 * descriptions kept in memory (kept-table-descriptions.ts). dynalite opens the database lazily,
 * and a first request racing a failed open (another sim holds the lock, a file is damaged) ended
 * the process with a raw `Iterator is not open`. Holding the database lets the caller open it
 * first and say why it failed. `database` is undefined for the in-memory store.
 */
export function createDynaliteServer(options: Parameters<typeof dynaliteServer>[0]): { server: Server; database?: DynaliteDatabase } {
  const dynalite = loadDynalite();
  // dynalite's index calls `db.create(options)` on its own module's exports, once, synchronously.
  const store = requireHere(join(DYNALITE_DB_DIR, 'index.js')) as { create(options: unknown): DynaliteStore & { db: DynaliteDatabase } };
  const create = store.create;
  let database: DynaliteDatabase | undefined;
  store.create = (createOptions) => {
    const created = create(createOptions);
    database = created.db;
    keepTableDescriptions(created);
    giveTablesUuids(created);
    return created;
  };
  try {
    const server = dynalite(options);
    return { server, database: options?.path ? database : undefined };
  } finally {
    store.create = create;
  }
}

type IteratorClass = { prototype: { return?: () => Promise<void>; close(): Promise<void> } };

/**
 * dynalite reads a table (Scan, Query, ListTables) through a stream over an abstract-level
 * iterator, and the stream's destroy() closes that iterator by calling `iterator.return()`, when
 * it has one. abstract-level's iterators have `close()` and no `return()`, so none was ever
 * closed: each stayed attached to its database until the database closed, and on LevelDB each
 * kept the snapshot, memtable and table files of its moment. The TTL sweep scans every 10 s, so
 * a running kit kept every memtable it filled since it started, and every table file compaction
 * replaced (a table churned by 80,000 writes over 2,000 keys: 393 MiB of RSS and 88 MiB on disk
 * against 159 MiB and 3 MiB with this; docs/lambda-dynamodb.md, "A soak"). Gives the iterator
 * classes of dynalite's two stores (classic-level on disk, memory-level in memory) a `return()`
 * that closes the iterator; a class with a `return()` of its own is left as it is.
 */
function closeIteratorsOfEndedStreams(): void {
  const stores = [createRequire(requireFromDynalite.resolve('level')).resolve('classic-level'), requireFromDynalite.resolve('memory-level')];
  for (const store of stores) {
    const abstractLevel = createRequire(store)('abstract-level') as Record<'AbstractIterator' | 'AbstractKeyIterator' | 'AbstractValueIterator', IteratorClass>;
    for (const iteratorClass of [abstractLevel.AbstractIterator, abstractLevel.AbstractKeyIterator, abstractLevel.AbstractValueIterator]) {
      if (typeof iteratorClass.prototype.return === 'function') continue;
      iteratorClass.prototype.return = function closeIterator(this: IteratorClass['prototype']) {
        return this.close();
      };
    }
  }
}

/**
 * Puts dynalite's expression parsers, changed as the file's comment says, in node's module cache,
 * where dynalite's own `require` finds them. A parser already loaded, or one whose source no
 * longer has the line this relies on (another dynalite version), is left as dynalite ships it:
 * slower after a collection, never different. Returns the files it changed.
 */
export function keepParsersOptimized(): string[] {
  const changed: string[] = [];
  for (const file of DYNALITE_PARSERS) {
    const filename = join(DYNALITE_DB_DIR, file);
    if (requireHere.cache[filename]) continue;
    const source = readFileSync(filename, 'utf8');
    if (source.split(PARSE_STARTS).length !== 2) continue;
    const keepingRules = `${source.replace(PARSE_STARTS, `  peg$latestRules = peg$startRuleFunctions;\n${PARSE_STARTS}`)}\nvar peg$latestRules;\n`;
    cacheModule(filename, keepingRules);
    changed.push(file);
  }
  return changed;
}

/** Runs `source` as node's CommonJS loader runs a file (through the public module and vm APIs) and caches it as `filename`. */
function cacheModule(filename: string, source: string): void {
  const loaded = new Module(filename);
  loaded.filename = filename;
  const run = compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename });
  run.call(loaded.exports, loaded.exports, createRequire(filename), loaded, filename, dirname(filename));
  loaded.loaded = true;
  requireHere.cache[filename] = loaded;
}

/** dynalite's store and item logic, whose `mapPath` and `mapPaths` read and build projections. */
const DYNALITE_DB_INDEX = join(DYNALITE_DB_DIR, 'index.js');
/**
 * The lines of `mapPath` that read an attribute or a map entry by name, and the line of `mapPaths`
 * that makes a projected map, each with what replaces it: own properties only, and a map without
 * a prototype, so that `__proto__` is an entry like any other there too.
 */
const PATH_LINES: Array<[string, string]> = [
  ['    return item[path[0]]\n', '    return Object.prototype.hasOwnProperty.call(item, path[0]) ? item[path[0]] : undefined\n'],
  ['      resolved = resolved.M[piece]\n', '      resolved = Object.prototype.hasOwnProperty.call(resolved.M, piece) ? resolved.M[piece] : undefined\n'],
  ['        curItem.M = curItem.M || {}\n', '        curItem.M = curItem.M || Object.create(null)\n'],
];

/**
 * A projection read attributes by name with `item[name]`: `__proto__` on an item without one was
 * Object.prototype (GetItem projecting it answered `{"__proto__":{}}`), and a projected `m.__proto__`
 * was written into a plain `{}` and lost. dynalite's `db/index.js` is loaded with the three lines
 * of PATH_LINES replaced; a version without exactly those lines, or one already loaded, is left
 * as it ships. Must run before anything requires it (its validation module does).
 */
function keepProtoAttributeNamesInPaths(): boolean {
  if (requireHere.cache[DYNALITE_DB_INDEX]) return false;
  let source = readFileSync(DYNALITE_DB_INDEX, 'utf8');
  for (const [line, replacement] of PATH_LINES) {
    const parts = source.split(line);
    if (parts.length !== 2) return false;
    source = parts.join(replacement);
  }
  cacheModule(DYNALITE_DB_INDEX, source);
  return true;
}

/** dynalite's request validation, which copies every map of a request (an Item, a Key, an M value). */
const DYNALITE_VALIDATIONS = join(dirname(requireHere.resolve('dynalite')), 'validations', 'index.js');
/** The line of it that copies one entry of a map into a plain `{}`, in its Map and ParameterizedMap checks. */
const MAP_ENTRY_COPY = '        newVal[key] = checkType(val[key], children)';
const MAP_ENTRY_DEFINE = '        Object.defineProperty(newVal, key, { value: checkType(val[key], children), enumerable: true, writable: true, configurable: true })';

/**
 * DynamoDB takes any attribute name, `__proto__` included, but dynalite's validation copied each
 * map of a request with `newVal[key] = …` into a plain object, where the key `__proto__` sets the
 * copy's prototype instead of adding an entry: PutItem dropped an attribute named `__proto__`, at
 * the top of the item or inside an M, with no error (found by a fuzzing audit, 2026-12-01). The
 * copy now defines the entry as an own property, which JSON.stringify stores and returns like any
 * other. The copy keeps its usual prototype, so the rest of dynalite reads it as before. A
 * validation module already loaded, or one without exactly the two lines this relies on (another
 * dynalite version), is left as dynalite ships it. Returns whether it changed it.
 */
export function keepProtoAttributeNames(): boolean {
  keepProtoAttributeNamesInPaths();
  if (requireHere.cache[DYNALITE_VALIDATIONS]) return false;
  const source = readFileSync(DYNALITE_VALIDATIONS, 'utf8');
  const parts = source.split(MAP_ENTRY_COPY);
  if (parts.length !== 3) return false;
  cacheModule(DYNALITE_VALIDATIONS, parts.join(MAP_ENTRY_DEFINE));
  return true;
}
