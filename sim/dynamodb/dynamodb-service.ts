// The embedded DynamoDB: dynalite (a DynamoDB-compatible server on LevelDB or memory), fronted by
// the sim's single endpoint, which hands it each request in this process. Requests are forwarded
// byte for byte and answered verbatim, except Time to Live, which dynalite lacks and which is
// emulated here (settings plus a periodic sweep of expired items), and attribute values nested past
// DynamoDB's limit, refused here (attribute-nesting.ts) since dynalite has no limit.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { EventEmitter } from 'node:events';
import { basename, join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { AwsServiceError, type PassthroughResponse, type PassthroughService } from '../aws-json-protocol.js';
import { systemClock, type Clock } from '../clock.js';
import { DamagedDataError } from '../damaged-data.js';
import { isProcessRunning } from '../process-running.js';
import { nestsTooDeep, NESTING_LIMIT_MESSAGE, nullMemberRefusal } from './attribute-nesting.js';
import { expressionRefusal } from './expression-nesting.js';
import { createTableInput, timeToLiveAttribute, type CloudFormationTableProperties } from './cloudformation-table.js';
import { createDynaliteServer, onStoreFailure, requireFromDynalite, type DynaliteDatabase } from './load-dynalite.js';
import { nextSweepDelay, sweepExpiredItems, TimeToLiveSettings } from './time-to-live.js';

export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810';

/** What dynalite 4.0.0 serves (its `actions/`), and Time to Live, served here. */
const SERVED_OPERATIONS = [
  'BatchGetItem', 'BatchWriteItem', 'CreateTable', 'DeleteItem', 'DeleteTable', 'DescribeTable', 'DescribeTimeToLive', 'GetItem', 'ListTables',
  'ListTagsOfResource', 'PutItem', 'Query', 'Scan', 'TagResource', 'UntagResource', 'UpdateItem', 'UpdateTable', 'UpdateTimeToLive',
].join(', ');

/**
 * DynamoDB's other operations (the commands of @aws-sdk/client-dynamodb 3.1164.0). dynalite
 * answers them as DynamoDB answers a made-up one, UnknownOperationException with no message,
 * which the AWS CLI prints as `... when calling the TransactGetItems operation: ` and nothing
 * more: an outside audit read that as a broken kit. A made-up name still gets DynamoDB's answer.
 */
const NOT_EMULATED_OPERATIONS = new Set([
  'BatchExecuteStatement', 'CancelBulkOperation', 'CreateBackup', 'CreateGlobalTable', 'DeleteBackup', 'DeleteResourcePolicy', 'DescribeBackup',
  'DescribeBulkOperation', 'DescribeContinuousBackups', 'DescribeContributorInsights', 'DescribeEndpoints', 'DescribeExport', 'DescribeGlobalTable',
  'DescribeGlobalTableSettings', 'DescribeImport', 'DescribeKinesisStreamingDestination', 'DescribeLimits', 'DescribeTableReplicaAutoScaling',
  'DisableKinesisStreamingDestination', 'EnableKinesisStreamingDestination', 'ExecuteStatement', 'ExecuteTransaction', 'ExportTableToPointInTime',
  'GetResourcePolicy', 'ImportTable', 'ListBackups', 'ListBulkOperations', 'ListContributorInsights', 'ListExports', 'ListGlobalTables', 'ListImports',
  'PutResourcePolicy', 'RestoreTableFromBackup', 'RestoreTableToPointInTime', 'SearchVectors', 'StartBulkPutItems', 'TransactGetItems',
  'TransactWriteItems', 'UpdateContinuousBackups', 'UpdateContributorInsights', 'UpdateGlobalTable', 'UpdateGlobalTableSettings',
  'UpdateKinesisStreamingDestination', 'UpdateTableReplicaAutoScaling',
]);

export interface DynamoDbServiceOptions {
  /** Tables persist in LevelDB under `<dataDir>/dynamodb` when given; in memory otherwise. */
  dataDir?: string;
  /** The time TTL compares against. */
  clock?: Clock;
  /**
   * How often expired items are deleted; 0 turns the periodic sweep off. Default 10 s. A sweep
   * reads the whole table, so the next one waits at least `TTL_SWEEP_PACE` times as long as the
   * last one took: a large table is swept less often rather than taking more of the main thread.
   */
  ttlSweepIntervalMs?: number;
  /** Told after each periodic sweep what it deleted and how long it took. */
  onSweep?: (sweep: { deleted: number; ms: number }) => void;
  /** Problems of the background sweep. */
  log?: (line: string) => void;
}

export interface CreatedTable {
  tableName: string;
  tableArn: string;
  /** false when the table already existed (it is left as it is). */
  created: boolean;
}

export interface DynamoDbService {
  /** Where dynalite listens: `unix:<socket path>`, private to this user (see below). */
  endpoint: string;
  /** Serves one DynamoDB JSON 1.0 request; give it to `registerJsonServices` as a passthrough. */
  forward: PassthroughService['forward'];
  /** The passthrough entry for `registerJsonServices(app, services, region, { passthrough: [...] })`. */
  passthrough: PassthroughService;
  /** Creates a table from `AWS::DynamoDB::Table` Properties; an existing table is left alone. */
  createTable(properties: Record<string, unknown>): Promise<CreatedTable>;
  /** Deletes every expired item now; returns how many. */
  sweepExpiredItems(): Promise<number>;
  close(): Promise<void>;
}

// dynalite insists on a SigV4-looking request but checks no signature.
const INTERNAL_AUTHORIZATION = 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';
const FORWARDED_HEADERS = ['content-type', 'x-amz-target', 'authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'];
const RETURNED_HEADERS = ['content-type', 'x-amz-crc32', 'x-amzn-requestid'];

export async function createDynamoDbService(options: DynamoDbServiceOptions = {}): Promise<DynamoDbService> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => process.stderr.write(`[dynamodb] ${line}\n`));
  const storeDir = options.dataDir ? join(options.dataDir, 'dynamodb') : undefined;
  const timeToLive = new TimeToLiveSettings(storeDir ? join(storeDir, 'time-to-live.json') : undefined);

  const tablesDir = options.dataDir ? tablesFolderOf(options.dataDir) : undefined;
  if (tablesDir) assertTablesFolderWhole(tablesDir);
  // A request the store failed (a full disk), and every one after it, is answered
  // InternalServerError (sim/dynamodb/load-dynalite.ts); the kit's log says why and what to do.
  onStoreFailure((error) => log(
    `the table store failed: ${error.message}\n` +
      'Every DynamoDB request is now answered InternalServerError, so that nothing written after a failed write is lost (LevelDB drops the rest of a log after one). Free space if the disk is full, then restart the kit.',
  ));
  const { server, database } = createDynaliteServer({
    ...(tablesDir ? { path: tablesDir } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  // Opened here, before any request, rather than lazily by dynalite's first one: a failed open
  // (another sim holds the lock, a damaged file) then stops the start with its reason.
  if (tablesDir && database) await openTables(database, tablesDir);
  // dynalite closes its LevelDB only when its server closes, so the server must listen. Not on a TCP
  // port: dynalite checks no signature and answers any origin (CORS *), so a loopback port let any
  // web page on this machine that found it read and rewrite the users table. A Unix socket in a
  // directory only this user can enter is out of every browser's reach.
  const socketDir = socketFolder(storeDir);
  chmodSync(socketDir, 0o700);
  const socketPath = join(socketDir, 'dynalite.sock');
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(socketPath, () => listening());
  });
  const endpoint = `unix:${socketPath}`;
  const handleRequest = server.listeners('request')[0] as DynaliteRequestHandler;

  /**
   * Hands the request to dynalite's own request handler in this process: the same code its HTTP
   * server runs, without a second HTTP round trip over loopback (a connection, a request to
   * write and parse, a response to write and parse) for every DynamoDB call.
   */
  function send(_target: string, headers: Record<string, string>, body: string): Promise<PassthroughResponse> {
    return new Promise((answered, failed) => {
      const request = Object.assign(new EventEmitter(), { method: 'POST', url: '/', headers: lowerCaseKeys(headers) });
      const returned: Record<string, string> = {};
      const response = {
        statusCode: 200,
        setHeader(name: string, value: unknown) {
          const lower = name.toLowerCase();
          if (RETURNED_HEADERS.includes(lower)) returned[lower] = String(value);
        },
        end(chunk?: string | Buffer) {
          answered({ statusCode: response.statusCode, headers: returned, body: chunk === undefined ? '' : String(chunk) });
        },
      };
      try {
        handleRequest(request, response);
        request.emit('data', Buffer.from(body, 'utf8'));
        request.emit('end');
      } catch (error) {
        failed(error);
      }
    });
  }

  const call = async (operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const response = await send(`${DYNAMODB_TARGET_PREFIX}.${operation}`, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `${DYNAMODB_TARGET_PREFIX}.${operation}`,
      authorization: INTERNAL_AUTHORIZATION,
      'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''),
    }, JSON.stringify(input));
    let output: Record<string, unknown>;
    try {
      output = JSON.parse(response.body || '{}') as Record<string, unknown>;
    } catch {
      output = { __type: 'InternalServerError', message: response.body };
    }
    if (response.statusCode !== 200) {
      const type = String(output.__type ?? 'InternalServerError');
      throw new AwsServiceError(type.slice(type.indexOf('#') + 1), String(output.message ?? output.Message ?? ''), response.statusCode);
    }
    return output;
  };

  /**
   * The table a TTL call names, found as DescribeTable finds it: a TableName that is no string gets
   * DescribeTable's own refusal (an array was read as the name it spells, and an object whose
   * `toString` is no function was a 500, when String() took it).
   */
  const describedTableName = async (input: Record<string, unknown>): Promise<string> => {
    await call('DescribeTable', { TableName: input.TableName });
    if (typeof input.TableName !== 'string') throw new AwsServiceError('SerializationException', 'TableName must be a string');
    return input.TableName;
  };

  /** UpdateTimeToLive and DescribeTimeToLive, answered here since dynalite cannot. */
  const timeToLiveOperations: Record<string, (input: Record<string, unknown>) => Promise<Record<string, unknown>>> = {
    async DescribeTimeToLive(input) {
      const tableName = await describedTableName(input);
      const attributeName = timeToLive.attributeOf(tableName);
      return { TimeToLiveDescription: attributeName ? { TimeToLiveStatus: 'ENABLED', AttributeName: attributeName } : { TimeToLiveStatus: 'DISABLED' } };
    },
    async UpdateTimeToLive(input) {
      const specification = input.TimeToLiveSpecification as { AttributeName?: unknown; Enabled?: unknown } | undefined;
      if (!specification || typeof specification.Enabled !== 'boolean' || typeof specification.AttributeName !== 'string' || !specification.AttributeName) {
        throw new AwsServiceError('ValidationException', '1 validation error detected: TimeToLiveSpecification must have AttributeName and Enabled');
      }
      const tableName = await describedTableName(input);
      const current = timeToLive.attributeOf(tableName);
      if (specification.Enabled) {
        if (current) throw new AwsServiceError('ValidationException', 'TimeToLive is already enabled');
        timeToLive.enable(tableName, specification.AttributeName);
      } else {
        if (!current) throw new AwsServiceError('ValidationException', 'TimeToLive is already disabled');
        if (current !== specification.AttributeName) {
          throw new AwsServiceError('ValidationException', `TimeToLive attribute name mismatch: the enabled attribute is ${current}`);
        }
        timeToLive.disable(tableName);
      }
      return { TimeToLiveSpecification: { AttributeName: specification.AttributeName, Enabled: specification.Enabled } };
    },
  };

  const forward: PassthroughService['forward'] = async (target, headers, body) => {
    const operation = target.slice(target.lastIndexOf('.') + 1);
    const request = parsedBody(body);
    // dynalite never answers a body that is JSON but not an object (`null`, `[]`, `7`): refuse it here.
    if (request === NOT_AN_OBJECT) return answerLocally(notAnObject, body);
    if (request !== UNPARSEABLE && nestsTooDeep(operation, request)) {
      return errorResponse(new AwsServiceError('ValidationException', NESTING_LIMIT_MESSAGE));
    }
    const nullMember = request !== UNPARSEABLE ? nullMemberRefusal(operation, request) : undefined;
    if (nullMember) return errorResponse(new AwsServiceError('ValidationException', nullMember));
    // dynalite's condition parser takes exponential time in nested groups (expression-nesting.ts).
    const refusedExpression = request !== UNPARSEABLE ? expressionRefusal(request) : undefined;
    if (refusedExpression) return errorResponse(new AwsServiceError('ValidationException', refusedExpression));
    // Own properties only: a target such as `toLocaleString` must reach dynalite, which refuses it.
    if (Object.hasOwn(timeToLiveOperations, operation)) return answerLocally(timeToLiveOperations[operation]!, body);
    if (NOT_EMULATED_OPERATIONS.has(operation)) {
      return errorResponse(new AwsServiceError('UnknownOperationException', `${operation} is not an operation the local DynamoDB emulates (it serves ${SERVED_OPERATIONS})`));
    }

    const forwarded: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = headers[name];
      if (value !== undefined) forwarded[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    forwarded['x-amz-target'] = target;
    const response = await send(target, forwarded, body);
    if (operation === 'DeleteTable' && response.statusCode === 200 && typeof request === 'object') {
      timeToLive.disable(String(request.TableName ?? ''));
    }
    if (response.statusCode === 400 && typeof request === 'object' && request.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && SINGLE_ITEM_WRITES.has(operation)) {
      return withItemAsItWas(response, operation, request);
    }
    return response;
  };

  /**
   * ReturnValuesOnConditionCheckFailure ALL_OLD, which dynalite ignores: a failed condition's
   * ConditionalCheckFailedException carries the item as it is (none when there is none). It is
   * read right after the failure, in the same process; a write landing in between would show
   * through, which on DynamoDB cannot happen.
   */
  async function withItemAsItWas(response: PassthroughResponse, operation: string, request: Record<string, unknown>): Promise<PassthroughResponse> {
    const output = JSON.parse(response.body) as Record<string, unknown>;
    if (!String(output.__type).endsWith('#ConditionalCheckFailedException')) return response;
    const tableName = String(request.TableName);
    let key = request.Key as Record<string, unknown> | undefined;
    if (operation === 'PutItem') {
      const { Table } = await call('DescribeTable', { TableName: tableName });
      const names = ((Table as { KeySchema: Array<{ AttributeName: string }> }).KeySchema).map((element) => element.AttributeName);
      const item = request.Item as Record<string, unknown>;
      key = Object.fromEntries(names.map((name) => [name, item[name]]));
    }
    const { Item } = await call('GetItem', { TableName: tableName, Key: key, ConsistentRead: true });
    return Item === undefined ? response : jsonResponse(400, { ...output, Item });
  }

  async function createTable(properties: Record<string, unknown>): Promise<CreatedTable> {
    const table = properties as CloudFormationTableProperties;
    const input = createTableInput(table);
    let created = false;
    try {
      await call('DescribeTable', { TableName: table.TableName });
    } catch (error) {
      if ((error as AwsServiceError).code !== 'ResourceNotFoundException') throw error;
      await call('CreateTable', input);
      created = true;
    }
    const description = await waitUntilActive(table.TableName);
    // The template is the source of truth for TTL, also for a table kept from an earlier run.
    const attributeName = timeToLiveAttribute(table);
    if (attributeName) timeToLive.enable(table.TableName, attributeName);
    else timeToLive.disable(table.TableName);
    return { tableName: table.TableName, tableArn: String(description.TableArn), created };
  }

  async function waitUntilActive(tableName: string): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt += 1) {
      const table = (await call('DescribeTable', { TableName: tableName })).Table as Record<string, unknown>;
      if (table.TableStatus === 'ACTIVE' || attempt >= 250) return table;
      await new Promise((wait) => setTimeout(wait, 20));
    }
  }

  let sweeping: Promise<number> | undefined;
  let closing = false;
  /** One sweep at a time: a call during a sweep shares it. */
  function sweepAll(): Promise<number> {
    if (!sweeping) {
      const sweep = sweepEnabledTables();
      sweeping = sweep;
      void sweep.finally(() => {
        if (sweeping === sweep) sweeping = undefined;
      }).catch(() => undefined);
    }
    return sweeping;
  }

  async function sweepEnabledTables(): Promise<number> {
    let deleted = 0;
    for (const [tableName, attributeName] of timeToLive.enabledTables()) {
      try {
        // A stop waits for the page in hand only, not for the rest of a large table.
        deleted += await sweepExpiredItems(call, tableName, attributeName, clock.now(), () => closing);
      } catch (error) {
        if ((error as AwsServiceError).code === 'ResourceNotFoundException') timeToLive.disable(tableName);
        else throw error;
      }
    }
    return deleted;
  }

  const sweepIntervalMs = options.ttlSweepIntervalMs ?? 10_000;
  let sweepTimer: NodeJS.Timeout | undefined;
  function scheduleSweep(delayMs: number): void {
    sweepTimer = setTimeout(() => {
      const started = performance.now();
      void sweepAll().then(
        (deleted) => options.onSweep?.({ deleted, ms: performance.now() - started }),
        (error: unknown) => log(`TTL sweep failed: ${(error as Error).message}`),
      ).finally(() => {
        if (!closing) scheduleSweep(nextSweepDelay(sweepIntervalMs, performance.now() - started));
      });
    }, delayMs);
    sweepTimer.unref();
  }
  if (sweepIntervalMs > 0) scheduleSweep(sweepIntervalMs);

  async function close(): Promise<void> {
    closing = true;
    clearTimeout(sweepTimer);
    await sweeping?.catch(() => undefined);
    server.closeIdleConnections();
    await new Promise<void>((closed, failed) => server.close((error) => (error ? failed(error) : closed())));
    rmSync(socketDir, { recursive: true, force: true });
  }

  return {
    endpoint,
    forward,
    // 16 MB is BatchWriteItem's documented maximum request.
    passthrough: { targetPrefix: DYNAMODB_TARGET_PREFIX, forward, signingName: 'dynamodb', maxRequestBytes: 16 * 1024 * 1024 },
    createTable,
    sweepExpiredItems: sweepAll,
    close,
  };
}

/** dynalite's `http.createServer` listener, called with request and response stand-ins. */
type DynaliteRequestHandler = (request: EventEmitter, response: object) => void;

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Refuses when a running kit holds the DynamoDB store of `dataDir` (LevelDB's lock), so that
 * `--reset` never removes a folder from under a kit: everything it had, and everything it
 * acknowledged afterwards into the removed files, would be lost. A damaged store is no reason to
 * refuse: starting afresh is what `--reset` is for.
 */
export async function assertDataFolderUnused(dataDir: string): Promise<void> {
  const tables = tablesFolderOf(dataDir);
  if (!existsSync(tables) || !statSync(tables).isDirectory()) return;
  const { Level } = requireFromDynalite('level') as { Level: new (location: string) => LevelDatabase };
  const database = new Level(tables);
  try {
    await database.open();
  } catch (error) {
    const cause = causeOf(error);
    if (cause.code === 'LEVEL_LOCKED') throw new Error(inUseMessage(tables, cause));
  } finally {
    await database.close().catch(() => undefined);
  }
}

/**
 * Where dynalite's socket goes: in the data folder when the path fits a Unix socket's (at most
 * 103 bytes on macOS, 107 on Linux), so that a kit killed with SIGKILL leaves nothing in the
 * temporary folder (one folder a kill, found by the hundred after a day of crash tests); the next
 * start on the folder, holding LevelDB's lock by then, replaces it. Otherwise, and without a data
 * folder, a new folder in the temporary folder.
 */
function socketFolder(storeDir: string | undefined): string {
  if (storeDir) {
    const folder = resolve(storeDir, 'socket');
    if (Buffer.byteLength(join(folder, 'dynalite.sock')) <= 100) {
      rmSync(folder, { recursive: true, force: true });
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      return folder;
    }
  }
  return mkdtempSync(join(tmpdir(), 'facekit-dynalite-'));
}

/** Where dynalite keeps the tables (LevelDB) of a data folder. */
function tablesFolderOf(dataDir: string): string {
  return join(dataDir, 'dynamodb', 'tables');
}

const WHAT = 'the DynamoDB data';

/** The LevelDB error under abstract-level's "Database failed to open" (classic-level gives it a code). */
function causeOf(error: unknown): Error & { code?: string } {
  return ((error as { cause?: Error }).cause ?? error) as Error & { code?: string };
}

function inUseMessage(tables: string, cause: Error): string {
  return `DynamoDB data in ${tables} cannot be opened (${holderOf(join(tables, '..', '..')) ?? 'is another sim using it?'}): ${cause.message}`;
}

/**
 * The kit that holds the data folder, from the endpoint.json it wrote there once it started
 * (sim/main.ts), when its process still runs: which one to stop, rather than a guess.
 */
function holderOf(dataDir: string): string | undefined {
  try {
    const { endpoint, pid } = JSON.parse(readFileSync(join(dataDir, 'endpoint.json'), 'utf8')) as { endpoint?: unknown; pid?: unknown };
    if (typeof endpoint !== 'string' || typeof pid !== 'number' || pid === process.pid || !isProcessRunning(pid)) return undefined;
    return `the kit at ${endpoint}, process ${pid}, is using it`;
  } catch {
    return undefined;
  }
}

/**
 * What LevelDB cannot see for itself before it opens: a store whose CURRENT file is gone (LevelDB
 * would take the folder for a new store, and delete the tables' files as obsolete), and a file
 * where the folder belongs.
 */
function assertTablesFolderWhole(tables: string): void {
  const stat = statSync(tables, { throwIfNoEntry: false });
  if (!stat) return;
  if (!stat.isDirectory()) throw new DamagedDataError(WHAT, tables, 'a file where the tables folder belongs');
  const files = readdirSync(tables);
  // Every write LevelDB acknowledged is in a .log or a table file (.ldb, .sst of older versions).
  if (!files.includes('CURRENT') && files.some((file) => /\.(log|ldb|sst)$/.test(file))) {
    throw new DamagedDataError(WHAT, join(tables, 'CURRENT'), 'missing, beside the tables\' files (it names the store\'s MANIFEST)');
  }
}

/**
 * Opens dynalite's database, then reads every key once: LevelDB opens a store whose table files
 * are cut short or corrupted and fails only when a read reaches them, which dynalite does inside a
 * request, where the error ended the process. The read is a few milliseconds for the kit's tables.
 */
async function openTables(database: DynaliteDatabase, tables: string): Promise<void> {
  try {
    await database.open();
  } catch (error) {
    throw openFailure(error, tables);
  }
  try {
    for await (const key of database.keys({ fillCache: false })) void key;
  } catch (error) {
    await database.close().catch(() => undefined);
    throw openFailure(error, tables);
  }
}

/** LevelDB's error as the kit words it: another kit holds the store, a file is damaged, or the folder cannot be used. */
function openFailure(error: unknown, tables: string): Error {
  const cause = causeOf(error);
  if (cause.code === 'LEVEL_LOCKED') return new Error(inUseMessage(tables, cause), { cause });
  const damaged = cause.code === 'LEVEL_CORRUPTION' || cause.code === 'LEVEL_IO_ERROR' ? damagedFileOf(cause.message, tables) : undefined;
  if (damaged) return new DamagedDataError(WHAT, damaged.file, damaged.problem, { cause });
  return new Error(`DynamoDB data in ${tables} cannot be opened: ${cause.message}`, { cause });
}

const STORE_FILE = /^(?:\d+\.(?:ldb|sst|log)|MANIFEST-\d+)$/;

/**
 * Which file of the store LevelDB's message is about, and what is wrong with it; undefined for an
 * error that is not damage (a permission, a full disk). LevelDB words these as
 * "Corruption: <what>" and "IO error: <path>: <reason>".
 */
function damagedFileOf(message: string, tables: string): { file: string; problem: string } | undefined {
  const text = message.replace(/^(Corruption|IO error): /, '');
  const inFolder = (name: string) => join(tables, name);
  const missing = /missing files; e\.g\.: (\S+)$/.exec(text);
  if (missing) return { file: missing[1]!, problem: 'missing (the store lists it)' };
  const named = /^(\/.*?): (.*)$/.exec(text);
  if (named) {
    const [, file, reason] = named as unknown as [string, string, string];
    const name = basename(file);
    // CURRENT names the MANIFEST: a name that is no store file, or none there, is CURRENT's fault.
    if (/No such file or directory/.test(reason)) {
      return STORE_FILE.test(name)
        ? { file, problem: 'missing (the store lists it)' }
        : { file: inFolder('CURRENT'), problem: `names ${name}, which is not there` };
    }
    // A read past the end of a table file cut short.
    if (/Invalid argument/.test(reason) && STORE_FILE.test(name)) return { file, problem: 'cut short' };
    return undefined;
  }
  if (!message.startsWith('Corruption: ')) return undefined;
  if (text.includes('CURRENT')) return { file: inFolder('CURRENT'), problem: text };
  if (/descriptor|manifest/i.test(text)) return { file: inFolder(manifestOf(tables) ?? 'MANIFEST'), problem: text };
  return { file: tables, problem: `${text} (in one of its table files)` };
}

/** The MANIFEST file CURRENT names, if it names one. */
function manifestOf(tables: string): string | undefined {
  try {
    const name = readFileSync(join(tables, 'CURRENT'), 'utf8').trim();
    return /^MANIFEST-\d+$/.test(name) ? name : undefined;
  } catch {
    return undefined;
  }
}

const UNPARSEABLE = Symbol('not JSON');
const NOT_AN_OBJECT = Symbol('JSON but not an object');

/** The request as an object; an empty body reads as `{}`, and text that is not JSON is for dynalite to answer. */
function parsedBody(body: string): Record<string, unknown> | typeof UNPARSEABLE | typeof NOT_AN_OBJECT {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return UNPARSEABLE;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : NOT_AN_OBJECT;
}

async function notAnObject(): Promise<Record<string, unknown>> {
  throw new AwsServiceError('SerializationException', 'Start of structure or map expected');
}

async function answerLocally(
  operation: (input: Record<string, unknown>) => Promise<Record<string, unknown>>,
  body: string,
): Promise<PassthroughResponse> {
  try {
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      throw new AwsServiceError('SerializationException', 'Start of structure or map found where not expected');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new AwsServiceError('SerializationException', 'Start of structure or map expected');
    }
    return jsonResponse(200, await operation(input));
  } catch (error) {
    if (!(error instanceof AwsServiceError)) throw error;
    return errorResponse(error);
  }
}

/** The writes whose condition failure may return the item (ReturnValuesOnConditionCheckFailure). */
const SINGLE_ITEM_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

/** An error in DynamoDB's JSON shape, as dynalite words its own (validation errors in coral's namespace). */
function errorResponse(error: AwsServiceError): PassthroughResponse {
  const namespace = error.code === 'ValidationException' ? 'com.amazon.coral.validate' : 'com.amazonaws.dynamodb.v20120810';
  return jsonResponse(error.statusCode, { __type: `${namespace}#${error.code}`, message: error.message });
}

function jsonResponse(statusCode: number, output: Record<string, unknown>): PassthroughResponse {
  const text = JSON.stringify(output);
  return {
    statusCode,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-crc32': String(crc32(text)),
      'x-amzn-requestid': randomBytes(39).toString('base64').toUpperCase().replace(/[+/]/g, '0'),
    },
    body: text,
  };
}
