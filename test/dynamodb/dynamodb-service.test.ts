import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  QueryCommand,
  ResourceNotFoundException,
  ScanCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerJsonServices } from '../../sim/aws-json-protocol.js';
import { ManualClock } from '../../sim/clock.js';
import { DamagedDataError } from '../../sim/damaged-data.js';
import { createDynamoDbService, type DynamoDbService, type DynamoDbServiceOptions } from '../../sim/dynamodb/index.js';
import { assertDataFolderUnused } from '../../sim/dynamodb/dynamodb-service.js';
import { requireFromDynalite } from '../../sim/dynamodb/load-dynalite.js';
import { sweepExpiredItems, TTL_SWEEP_PACE } from '../../sim/dynamodb/time-to-live.js';

/** The users table as CDK synthesizes it (see ARCHITECTURE.md). */
const usersTableProperties = {
  TableName: 'FaceAuthStack-UsersTable9725E9C8-1ABCDEF',
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  BillingMode: 'PAY_PER_REQUEST',
  TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
  PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
};
const TABLE = usersTableProperties.TableName;

interface Sim {
  service: DynamoDbService;
  app: FastifyInstance;
  client: DynamoDBClient;
  documents: DynamoDBDocumentClient;
}

const running: Sim[] = [];
const dataDirs: string[] = [];

/** DynamoDB behind a fastify server that routes it the way the embedded cloud does. */
async function startSim(options: DynamoDbServiceOptions = {}): Promise<Sim> {
  const service = await createDynamoDbService({ ttlSweepIntervalMs: 0, ...options });
  const app = Fastify();
  registerJsonServices(app, [], 'us-east-1', { passthrough: [service.passthrough] });
  const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const sim = { service, app, client, documents: DynamoDBDocumentClient.from(client) };
  running.push(sim);
  return sim;
}

async function stopSim(sim: Sim): Promise<void> {
  running.splice(running.indexOf(sim), 1);
  sim.client.destroy();
  await sim.app.close();
  await sim.service.close();
}

function temporaryDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'facekit-dynamodb-'));
  dataDirs.push(dir);
  return dir;
}

/** `count` sign-in verdicts that expire in an hour, as the Verify trigger writes them. */
async function fillTable(documents: DynamoDBDocumentClient, count: number): Promise<void> {
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  for (let first = 0; first < count; first += 25) {
    const items = Array.from({ length: Math.min(25, count - first) }, (_, index) => ({ PutRequest: { Item: { pk: `UPLOAD#signin/${first + index}`, status: 'USED', expiresAt } } }));
    await documents.send(new BatchWriteCommand({ RequestItems: { [TABLE]: items } }));
  }
}

afterEach(async () => {
  for (const sim of [...running]) await stopSim(sim);
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('createDynamoDbService', () => {
  it('keeps dynalite off every TCP port: it checks no signature and allows any origin, so a web page could reach it', async () => {
    const { service } = await startSim();
    expect(service.endpoint).toMatch(/^unix:\//);
    const socketPath = service.endpoint.slice('unix:'.length);
    expect(statSync(socketPath).isSocket()).toBe(true);
    expect(statSync(dirname(socketPath)).mode & 0o777).toBe(0o700);
    await stopSim(running.at(-1)!);
    expect(existsSync(dirname(socketPath))).toBe(false);
  });

  it('keeps the socket in the data folder, where a killed kit’s is replaced at the next start rather than left in the temporary folder', async () => {
    const dataDir = temporaryDataDir();
    // What SIGKILL leaves: the socket's file, which no process listens on any more.
    const killed = await startSim({ dataDir });
    const socketPath = killed.service.endpoint.slice('unix:'.length);
    expect(socketPath).toBe(join(dataDir, 'dynamodb', 'socket', 'dynalite.sock'));
    await stopSim(killed);
    mkdirSync(dirname(socketPath), { recursive: true });
    writeFileSync(socketPath, 'a stale socket');
    const temporaryBefore = readdirSync(tmpdir()).filter((name) => name.startsWith('facekit-dynalite-')).length;

    const { service, client } = await startSim({ dataDir });

    expect(service.endpoint).toBe(`unix:${socketPath}`);
    expect(statSync(socketPath).isSocket()).toBe(true);
    expect(statSync(dirname(socketPath)).mode & 0o777).toBe(0o700);
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('facekit-dynalite-')).length).toBe(temporaryBefore);
  });

  it('creates a table from CloudFormation properties, once', async () => {
    const { service, client } = await startSim();

    const first = await service.createTable(usersTableProperties);
    const second = await service.createTable(usersTableProperties);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: TABLE }));

    expect(first).toEqual({ tableName: TABLE, tableArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${TABLE}`, created: true });
    expect(second.created).toBe(false);
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    // A UUID, the pattern of botocore's model (dynalite made 8-4-4-4-8 hex digits: stock-tools audit).
    expect(Table?.TableId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('stores, reads and updates items through the document client', async () => {
    const { service, documents } = await startSim();
    await service.createTable(usersTableProperties);

    await documents.send(new PutCommand({ TableName: TABLE, Item: { pk: 'USER#1', email: 'ana@example.com', createdAt: 1 } }));
    await documents.send(new UpdateCommand({
      TableName: TABLE,
      Key: { pk: 'USER#1' },
      UpdateExpression: 'SET faceId = :face',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(faceId)',
      ExpressionAttributeValues: { ':face': 'face-1' },
    }));
    const { Item } = await documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'USER#1' }, ConsistentRead: true }));

    expect(Item).toEqual({ pk: 'USER#1', email: 'ana@example.com', createdAt: 1, faceId: 'face-1' });
  });

  it('surfaces a failed condition as ConditionalCheckFailedException', async () => {
    const { service, documents } = await startSim();
    await service.createTable(usersTableProperties);
    await documents.send(new PutCommand({ TableName: TABLE, Item: { pk: 'UPLOAD#enrol/a/1', status: 'INDEXED' } }));

    const error = await documents.send(new PutCommand({
      TableName: TABLE,
      Item: { pk: 'UPLOAD#enrol/a/1', status: 'REJECTED' },
      ConditionExpression: 'attribute_not_exists(pk)',
    })).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect((error as Error).message).toBe('The conditional request failed');
    const { Item } = await documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'UPLOAD#enrol/a/1' } }));
    expect(Item?.status).toBe('INDEXED');
  });

  it('returns the item as it is with a failed condition when asked (ReturnValuesOnConditionCheckFailure ALL_OLD), which dynalite ignores', async () => {
    const { service, client, documents } = await startSim();
    await service.createTable(usersTableProperties);
    await documents.send(new PutCommand({ TableName: TABLE, Item: { pk: 'USER#a', count: 2 } }));
    const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (caught: unknown) => caught as ConditionalCheckFailedException);

    const put = await failureOf(documents.send(new PutCommand({
      TableName: TABLE, Item: { pk: 'USER#a', count: 9 }, ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    })));
    const update = await failureOf(client.send(new UpdateItemCommand({
      TableName: TABLE, Key: { pk: { S: 'USER#a' } }, UpdateExpression: 'SET #c = :n', ConditionExpression: '#c = :three',
      ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':n': { N: '4' }, ':three': { N: '3' } }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    })));
    const deleted = await failureOf(client.send(new DeleteItemCommand({
      TableName: TABLE, Key: { pk: { S: 'USER#b' } }, ConditionExpression: 'attribute_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    })));
    const notAsked = await failureOf(client.send(new DeleteItemCommand({ TableName: TABLE, Key: { pk: { S: 'USER#a' } }, ConditionExpression: 'attribute_not_exists(pk)' })));

    expect(put).toBeInstanceOf(ConditionalCheckFailedException);
    expect(put?.Item).toEqual({ pk: { S: 'USER#a' }, count: { N: '2' } });
    expect(update?.Item).toEqual({ pk: { S: 'USER#a' }, count: { N: '2' } });
    // No item, no Item; not asked, none either.
    expect(deleted).toBeInstanceOf(ConditionalCheckFailedException);
    expect(deleted?.Item).toBeUndefined();
    expect(notAsked?.Item).toBeUndefined();
  });

  it('answers an unknown table with ResourceNotFoundException', async () => {
    const { documents } = await startSim();

    const error = await documents.send(new GetCommand({ TableName: 'missing', Key: { pk: 'x' } })).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  it('names an operation of DynamoDB it does not serve, where dynalite answered with no message; a made-up one gets DynamoDB\'s bare answer', async () => {
    const { app } = await startSim();
    const endpoint = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const call = async (operation: string) => {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}` },
        body: '{}',
      });
      return { status: response.status, ...(await response.json() as { __type: string; message?: string }) };
    };
    const served = ['BatchGetItem', 'BatchWriteItem', 'CreateTable', 'DeleteItem', 'DeleteTable', 'DescribeTable', 'DescribeTimeToLive', 'GetItem',
      'ListTables', 'ListTagsOfResource', 'PutItem', 'Query', 'Scan', 'TagResource', 'UntagResource', 'UpdateItem', 'UpdateTable', 'UpdateTimeToLive'];
    // Every operation of the SDK's DynamoDB client, so that one added by an SDK upgrade is named too.
    const everyOperation = Object.keys(await import('@aws-sdk/client-dynamodb'))
      .filter((name) => name.endsWith('Command') && name !== 'Command' && !name.startsWith('$'))
      .map((name) => name.slice(0, -'Command'.length));

    expect(everyOperation).toEqual(expect.arrayContaining(['TransactGetItems', 'ExecuteStatement', ...served]));
    for (const operation of everyOperation.filter((name) => !served.includes(name))) {
      expect(await call(operation)).toEqual({
        status: 400,
        __type: 'com.amazonaws.dynamodb.v20120810#UnknownOperationException',
        message: `${operation} is not an operation the local DynamoDB emulates (it serves ${served.join(', ')})`,
      });
    }
    expect(await call('MadeUpOperation')).toEqual({ status: 400, __type: 'com.amazon.coral.service#UnknownOperationException' });
  });

  it('keeps tables and items across a restart on the same data directory', async () => {
    // Prepare
    const dataDir = temporaryDataDir();
    const before = await startSim({ dataDir });
    await before.service.createTable(usersTableProperties);
    await before.documents.send(new PutCommand({ TableName: TABLE, Item: { pk: 'USER#persisted', email: 'bo@example.com' } }));
    await stopSim(before);

    // Act
    const after = await startSim({ dataDir });
    const recreated = await after.service.createTable(usersTableProperties);
    const { Item } = await after.documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'USER#persisted' } }));
    const ttl = await after.client.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));

    // Assess
    expect(recreated.created).toBe(false);
    expect(Item).toEqual({ pk: 'USER#persisted', email: 'bo@example.com' });
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('refuses at start-up a data directory that another service holds', async () => {
    const dataDir = temporaryDataDir();
    await startSim({ dataDir });

    const second = createDynamoDbService({ dataDir, ttlSweepIntervalMs: 0 });

    await expect(second).rejects.toThrow(/cannot be opened \(is another sim using it\?\)/);
  });

  it('refuses, with the same message, the loser of two services started together on one new data directory', async () => {
    // dynalite opened its store lazily: a start whose check of the lock passed just before the
    // other took it ended the process with a raw "Iterator is not open" (and never answered). The
    // window is narrow: each try starts the second service 0-8 ms after the first, and about one
    // try in ten met it before the fix.
    const hung = () => new Promise<never>((_, failed) => setTimeout(() => failed(new Error('no answer in 2 s')), 2000));
    for (let attempt = 0; attempt < 60; attempt++) {
      const dataDir = temporaryDataDir();
      const start = () => Promise.race([createDynamoDbService({ dataDir, ttlSweepIntervalMs: 0 }), hung()]);
      const outcomes = await Promise.allSettled([start(), new Promise((later) => setTimeout(later, attempt % 9)).then(start)]);
      const opened = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [(outcome.reason as Error).message] : []));
      for (const service of opened) await service.close();

      expect(opened).toHaveLength(1);
      expect(refusals).toEqual([expect.stringMatching(/cannot be opened \(is another sim using it\?\)/)]);
    }
  }, 30_000);

  it('closes the LevelDB iterator of every read it streams: an open one keeps the memtable and files of its moment', async () => {
    // Prepare: abstract-level attaches each iterator to its database until the iterator closes
    const { service, client, documents } = await startSim({ dataDir: temporaryDataDir() });
    await service.createTable(usersTableProperties);
    for (const pk of ['USER#a', 'USER#b', 'UPLOAD#c']) await documents.send(new PutCommand({ TableName: TABLE, Item: { pk, expiresAt: 1 } }));
    const { AbstractLevel } = createRequire(createRequire(requireFromDynalite.resolve('level')).resolve('classic-level'))('abstract-level') as {
      AbstractLevel: { prototype: { attachResource(resource: object): void; detachResource(resource: object): void } };
    };
    const { attachResource, detachResource } = AbstractLevel.prototype;
    const open = new Set<object>();
    const attach = vi.spyOn(AbstractLevel.prototype, 'attachResource').mockImplementation(function (this: unknown, resource) {
      open.add(resource);
      return attachResource.call(this, resource);
    });
    const detach = vi.spyOn(AbstractLevel.prototype, 'detachResource').mockImplementation(function (this: unknown, resource) {
      open.delete(resource);
      return detachResource.call(this, resource);
    });

    // Act: the TTL sweep's Scans, a Scan stopped by its Limit, a Query and ListTables
    for (let sweep = 0; sweep < 3; sweep++) await service.sweepExpiredItems();
    await client.send(new ScanCommand({ TableName: TABLE, Limit: 1 }));
    await client.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'USER#a' } } }));
    await client.send(new ListTablesCommand({}));

    // Assess
    expect(attach.mock.calls.length).toBeGreaterThanOrEqual(12);
    await expect.poll(() => open.size, { timeout: 2_000 }).toBe(0);
    detach.mockRestore();
    attach.mockRestore();
  });

  it('keeps nothing across a restart without a data directory', async () => {
    const before = await startSim();
    await before.service.createTable(usersTableProperties);
    await stopSim(before);

    const after = await startSim();
    const error = await after.client.send(new DescribeTableCommand({ TableName: TABLE })).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  describe('Time to Live', () => {
    it('deletes items whose TTL attribute is in the past, and only those', async () => {
      // Prepare
      const clock = new ManualClock(Date.UTC(2026, 10, 23, 12));
      const nowSeconds = clock.now() / 1000;
      const { service, documents } = await startSim({ clock });
      await service.createTable(usersTableProperties);
      const items = [
        { pk: 'UPLOAD#expired', expiresAt: nowSeconds - 1 },
        { pk: 'UPLOAD#fresh', expiresAt: nowSeconds + 600 },
        { pk: 'USER#no-ttl', email: 'c@example.com' },
        { pk: 'UPLOAD#ttl-as-string', expiresAt: String(nowSeconds - 1) },
        { pk: 'UPLOAD#more-than-five-years-old', expiresAt: nowSeconds - 6 * 365 * 24 * 3600 },
      ];
      for (const item of items) await documents.send(new PutCommand({ TableName: TABLE, Item: item }));

      // Act
      const deletedNow = await service.sweepExpiredItems();
      clock.advance(601_000);
      const deletedLater = await service.sweepExpiredItems();

      // Assess
      expect(deletedNow).toBe(1);
      expect(deletedLater).toBe(1);
      const remaining = [];
      for (const { pk } of items) {
        const { Item } = await documents.send(new GetCommand({ TableName: TABLE, Key: { pk } }));
        if (Item) remaining.push(pk);
      }
      expect(remaining).toEqual(['USER#no-ttl', 'UPLOAD#ttl-as-string', 'UPLOAD#more-than-five-years-old']);
    });

    it('sweeps on its own at the configured interval', async () => {
      const clock = new ManualClock(Date.UTC(2026, 10, 23, 12));
      const { service, documents } = await startSim({ clock, ttlSweepIntervalMs: 50 });
      await service.createTable(usersTableProperties);
      await documents.send(new PutCommand({ TableName: TABLE, Item: { pk: 'FAILURES#x', count: 3, expiresAt: clock.now() / 1000 + 10 } }));

      clock.advance(11_000);

      await expect.poll(async () => (await documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'FAILURES#x' } }))).Item, { timeout: 3_000 })
        .toBeUndefined();
    });

    it('sweeps a large table less often instead of for longer: each sweep waits 19 times as long as the last took', async () => {
      // Prepare: 3,000 items, read by every sweep, and an interval far shorter than one sweep
      const sweeps: Array<{ ms: number; endedAt: number }> = [];
      const { service, documents } = await startSim({ ttlSweepIntervalMs: 1, onSweep: ({ ms }) => sweeps.push({ ms, endedAt: performance.now() }) });
      await service.createTable(usersTableProperties);
      await fillTable(documents, 3_000);

      // Act: three sweeps of the whole table
      const filled = sweeps.length + 1; // the sweep running while the table filled may have read part of it
      await expect.poll(() => sweeps.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(filled + 3);

      // Assess: the wait before each sweep against the time the one before it took (a timer fires
      // up to a millisecond early); back to back, the waits were a millisecond
      const whole = sweeps.slice(filled, filled + 3);
      for (const [previous, next] of [[whole[0]!, whole[1]!], [whole[1]!, whole[2]!]] as const) {
        const waited = next.endedAt - next.ms - previous.endedAt;
        expect(waited).toBeGreaterThanOrEqual(TTL_SWEEP_PACE * previous.ms - 2);
      }
    }, 40_000);

    it('ends a sweep after the page in hand once told to stop, reading the table in pages of 500', async () => {
      // Prepare: a table of ten pages, and a stop that comes while the third is read
      const scans: Array<Record<string, unknown>> = [];
      let stopping = false;
      const call = async (operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> => {
        if (operation === 'DescribeTable') return { Table: { KeySchema: [{ AttributeName: 'pk' }] } };
        scans.push(input);
        if (scans.length === 3) stopping = true;
        return { Items: [], ...(scans.length < 10 ? { LastEvaluatedKey: { pk: { S: `page-${scans.length}` } } } : {}) };
      };

      // Act
      const deleted = await sweepExpiredItems(call, TABLE, 'expiresAt', Date.now(), () => stopping);

      // Assess
      expect(deleted).toBe(0);
      expect(scans).toHaveLength(3);
      expect(scans.map((scan) => scan.Limit)).toEqual([500, 500, 500]);
      expect(scans[2]!.ExclusiveStartKey).toEqual({ pk: { S: 'page-2' } });
    });

    it('is switched with UpdateTimeToLive and reported by DescribeTimeToLive', async () => {
      // Prepare: a table without TTL
      const clock = new ManualClock(Date.UTC(2026, 10, 23, 12));
      const { service, client, documents } = await startSim({ clock });
      await service.createTable({ ...usersTableProperties, TimeToLiveSpecification: undefined });
      await documents.send(new PutCommand({ TableName: TABLE, Item: { pk: 'SESSION#1', ttl: clock.now() / 1000 - 5 } }));
      const before = await client.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
      const sweptWhileDisabled = await service.sweepExpiredItems();

      // Act
      const updated = await client.send(new UpdateTimeToLiveCommand({
        TableName: TABLE,
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      }));
      const after = await client.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
      const sweptWhileEnabled = await service.sweepExpiredItems();
      const enablingTwice = await client.send(new UpdateTimeToLiveCommand({
        TableName: TABLE,
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      })).catch((caught: unknown) => caught);

      // Assess
      expect(before.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
      expect(sweptWhileDisabled).toBe(0);
      expect(updated.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
      expect(after.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
      expect(sweptWhileEnabled).toBe(1);
      expect((enablingTwice as Error).name).toBe('ValidationException');
      expect((enablingTwice as Error).message).toBe('TimeToLive is already enabled');
    });

    it('answers UpdateTimeToLive on an unknown table with ResourceNotFoundException', async () => {
      const { client } = await startSim();

      const error = await client.send(new UpdateTimeToLiveCommand({
        TableName: 'missing',
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      })).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ResourceNotFoundException);
    });
  });
});

describe('a damaged DynamoDB data directory', () => {
  /** A store with its items in a table file (.ldb), a MANIFEST, CURRENT and a log: what a kit leaves after two runs. */
  async function storeWithItems(): Promise<{ dataDir: string; tables: string }> {
    const dataDir = temporaryDataDir();
    for (let run = 0; run < 2; run++) {
      const sim = await startSim({ dataDir });
      await sim.service.createTable(usersTableProperties);
      for (let index = 0; index < 20; index++) {
        await sim.documents.send(new PutCommand({ TableName: TABLE, Item: { pk: `USER#${run}-${index}`, email: `user${index}@example.com` } }));
      }
      await stopSim(sim);
    }
    return { dataDir, tables: join(dataDir, 'dynamodb', 'tables') };
  }

  const fileOf = (tables: string, pattern: RegExp) => join(tables, readdirSync(tables).find((name) => pattern.test(name))!);
  /** The store's table files: LevelDB's open may add one (its log, written out) and a MANIFEST listing it, no more. */
  const tableFiles = (tables: string) => readdirSync(tables).filter((name) => name.endsWith('.ldb')).map((name) => `${name} ${statSync(join(tables, name)).size}`);

  const damages: Array<[string, (tables: string) => string, RegExp]> = [
    ['a table file cut short', (tables) => { const file = fileOf(tables, /\.ldb$/); truncateSync(file, 100); return file; }, /^cut short$/],
    ['a table file with garbage inside', (tables) => { const file = fileOf(tables, /\.ldb$/); writeAt(file, 200, 'GARBAGE GARBAGE'); return tables; }, /in one of its table files/],
    ['a missing table file', (tables) => { const file = fileOf(tables, /\.ldb$/); rmSync(file); return file; }, /^missing \(the store lists it\)$/],
    ['a MANIFEST cut short', (tables) => { const file = fileOf(tables, /^MANIFEST-/); truncateSync(file, 20); return file; }, /descriptor/],
    ['an empty CURRENT', (tables) => { truncateSync(join(tables, 'CURRENT'), 0); return join(tables, 'CURRENT'); }, /does not end with newline/],
    ['a CURRENT naming no file', (tables) => { writeFileSync(join(tables, 'CURRENT'), 'garbage\n'); return join(tables, 'CURRENT'); }, /names garbage, which is not there/],
    // LevelDB would take the folder for a new store and delete the table files as obsolete.
    ['a missing CURRENT', (tables) => { rmSync(join(tables, 'CURRENT')); return join(tables, 'CURRENT'); }, /missing/],
  ];

  it.each(damages)('stops the start with %s, naming the file, and removes nothing', async (_, damage, problem) => {
    const { dataDir, tables } = await storeWithItems();
    const file = damage(tables);
    const before = tableFiles(tables);

    const error = await createDynamoDbService({ dataDir, ttlSweepIntervalMs: 0 }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DamagedDataError);
    expect((error as DamagedDataError).file).toBe(file);
    expect((error as DamagedDataError).problem).toMatch(problem);
    expect((error as Error).message).not.toContain('another sim');
    expect(tableFiles(tables)).toEqual(expect.arrayContaining(before));
  });

  it('stops the start when a file stands where the tables folder belongs', async () => {
    const dataDir = temporaryDataDir();
    mkdirSync(join(dataDir, 'dynamodb'));
    writeFileSync(join(dataDir, 'dynamodb', 'tables'), 'not a folder');

    const error = await createDynamoDbService({ dataDir, ttlSweepIntervalMs: 0 }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DamagedDataError);
    expect((error as Error).message).toContain('a file where the tables folder belongs');
  });

  it('lets --reset remove a damaged store, and only refuses one a running service holds', async () => {
    const damaged = await storeWithItems();
    truncateSync(join(damaged.tables, 'CURRENT'), 0);
    const held = temporaryDataDir();
    await startSim({ dataDir: held });

    await expect(assertDataFolderUnused(damaged.dataDir)).resolves.toBeUndefined();
    await expect(assertDataFolderUnused(held)).rejects.toThrow(/is another sim using it\?/);
  });
});

function writeAt(file: string, position: number, text: string): void {
  const descriptor = openSync(file, 'r+');
  try {
    writeSync(descriptor, text, position);
  } finally {
    closeSync(descriptor);
  }
}
