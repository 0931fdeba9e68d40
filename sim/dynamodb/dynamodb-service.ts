// The embedded DynamoDB: dynalite (a DynamoDB-compatible server on LevelDB or memory), fronted by
// the sim's single endpoint, which hands it each request in this process. Requests are forwarded
// byte for byte and answered verbatim, except Time to Live, which dynalite lacks and which is
// emulated here (settings plus a periodic sweep of expired items), and attribute values nested past
// DynamoDB's limit, refused here (attribute-nesting.ts) since dynalite has no limit.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { AwsServiceError, type PassthroughResponse, type PassthroughService } from '../aws-json-protocol.js';
import { systemClock, type Clock } from '../clock.js';
import { nestsTooDeep, NESTING_LIMIT_MESSAGE } from './attribute-nesting.js';
import { createTableInput, timeToLiveAttribute, type CloudFormationTableProperties } from './cloudformation-table.js';
import { loadDynalite } from './load-dynalite.js';
import { sweepExpiredItems, TimeToLiveSettings } from './time-to-live.js';

export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810';

export interface DynamoDbServiceOptions {
  /** Tables persist in LevelDB under `<dataDir>/dynamodb` when given; in memory otherwise. */
  dataDir?: string;
  /** The time TTL compares against. */
  clock?: Clock;
  /** How often expired items are deleted; 0 turns the periodic sweep off. Default 10 s. */
  ttlSweepIntervalMs?: number;
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
  if (tablesDir) await assertStoreAvailable(tablesDir);
  const dynalite = loadDynalite();
  const server: Server = dynalite({
    ...(tablesDir ? { path: tablesDir } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  // dynalite closes its LevelDB only when its server closes, so the server must listen. Not on a TCP
  // port: dynalite checks no signature and answers any origin (CORS *), so a loopback port let any
  // web page on this machine that found it read and rewrite the users table. A Unix socket in a
  // directory only this user can enter is out of every browser's reach.
  const socketDir = mkdtempSync(join(tmpdir(), 'facekit-dynalite-'));
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

  /** UpdateTimeToLive and DescribeTimeToLive, answered here since dynalite cannot. */
  const timeToLiveOperations: Record<string, (input: Record<string, unknown>) => Promise<Record<string, unknown>>> = {
    async DescribeTimeToLive(input) {
      const tableName = String(input.TableName ?? '');
      await call('DescribeTable', { TableName: tableName });
      const attributeName = timeToLive.attributeOf(tableName);
      return { TimeToLiveDescription: attributeName ? { TimeToLiveStatus: 'ENABLED', AttributeName: attributeName } : { TimeToLiveStatus: 'DISABLED' } };
    },
    async UpdateTimeToLive(input) {
      const tableName = String(input.TableName ?? '');
      const specification = input.TimeToLiveSpecification as { AttributeName?: unknown; Enabled?: unknown } | undefined;
      if (!specification || typeof specification.Enabled !== 'boolean' || typeof specification.AttributeName !== 'string' || !specification.AttributeName) {
        throw new AwsServiceError('ValidationException', '1 validation error detected: TimeToLiveSpecification must have AttributeName and Enabled');
      }
      await call('DescribeTable', { TableName: tableName });
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
    // Own properties only: a target such as `toLocaleString` must reach dynalite, which refuses it.
    if (Object.hasOwn(timeToLiveOperations, operation)) return answerLocally(timeToLiveOperations[operation]!, body);

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
    return response;
  };

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

  // dynalite opens its store on the next tick, and LevelDB takes the directory's lock only once
  // that open completes. A call waits for it, so this service holds the lock before it is handed
  // out: a second sim started right after then meets the lock, not an unlocked directory.
  if (storeDir) await call('ListTables', {});

  let sweeping: Promise<number> | undefined;
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
        deleted += await sweepExpiredItems(call, tableName, attributeName, clock.now());
      } catch (error) {
        if ((error as AwsServiceError).code === 'ResourceNotFoundException') timeToLive.disable(tableName);
        else throw error;
      }
    }
    return deleted;
  }

  const sweepIntervalMs = options.ttlSweepIntervalMs ?? 10_000;
  const sweepTimer = sweepIntervalMs > 0
    ? setInterval(() => sweepAll().catch((error: unknown) => log(`TTL sweep failed: ${(error as Error).message}`)), sweepIntervalMs)
    : undefined;
  sweepTimer?.unref();

  async function close(): Promise<void> {
    clearInterval(sweepTimer);
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
 * acknowledged afterwards into the removed files, would be lost.
 */
export async function assertDataFolderUnused(dataDir: string): Promise<void> {
  const tables = tablesFolderOf(dataDir);
  if (existsSync(tables)) await assertStoreAvailable(tables);
}

/** Where dynalite keeps the tables (LevelDB) of a data folder. */
function tablesFolderOf(dataDir: string): string {
  return join(dataDir, 'dynamodb', 'tables');
}

/**
 * dynalite opens its LevelDB lazily and, when that fails (another sim holds the lock), throws
 * from inside its request handler, which ends the process. Opening the store once beforehand
 * turns that into a clear error at start-up.
 */
async function assertStoreAvailable(path: string): Promise<void> {
  // `level` as dynalite itself resolves it: the same version, no dependency of our own.
  const requireFromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const { Level } = requireFromDynalite('level') as { Level: new (location: string) => LevelDatabase };
  const database = new Level(path);
  try {
    await database.open();
  } catch (error) {
    const cause = (error as { cause?: Error }).cause ?? (error as Error);
    throw new Error(`DynamoDB data in ${path} cannot be opened (is another sim using it?): ${cause.message}`);
  } finally {
    await database.close().catch(() => undefined);
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
