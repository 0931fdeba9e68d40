// dynalite with its ACTIVE table descriptions kept in memory (sim/dynamodb/kept-table-descriptions.ts):
// item operations stop reading the description from LevelDB, and every change of a table
// (UpdateTable, DeleteTable, CreateTable again) is seen by the next request as before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keepTableDescriptions, type TableDescriptionDb } from '../../sim/dynamodb/kept-table-descriptions.js';
import { createDynaliteServer } from '../../sim/dynamodb/load-dynalite.js';
import { send, type DynaliteHandler } from './dynalite-requests.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const USERS_TABLE = {
  TableName: 'users',
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
};

/** dynalite on a LevelDB folder, as the kit runs it, with the keys of every read of its database. */
async function dynaliteWithTable(table: Record<string, unknown> = USERS_TABLE) {
  const folder = mkdtempSync(join(tmpdir(), 'facekit-kept-tables-'));
  folders.push(folder);
  const { server, database } = createDynaliteServer({ path: folder, createTableMs: 0, updateTableMs: 0, deleteTableMs: 0 });
  await database!.open();
  const reads: string[] = [];
  const db = database as unknown as { get(key: string, callback: unknown): void };
  const get = db.get.bind(db);
  db.get = (key, callback) => {
    reads.push(key);
    get(key, callback);
  };
  const handler = server.listeners('request')[0] as DynaliteHandler;
  const request = async (operation: string, input: unknown) => send(handler, operation, input);
  expect((await request('CreateTable', table)).statusCode).toBe(200);
  await untilActive(request, 'users');
  return { request, tableReads: () => reads.filter((key) => key.startsWith('table~')).length };
}

type Request = (operation: string, input: unknown) => ReturnType<typeof send>;

async function untilActive(request: Request, tableName: string): Promise<void> {
  for (;;) {
    const { body } = await request('DescribeTable', { TableName: tableName });
    const table = body.Table as { TableStatus: string; GlobalSecondaryIndexes?: Array<{ IndexStatus: string }> };
    if (table.TableStatus === 'ACTIVE' && (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE')) return;
    await new Promise((wait) => setTimeout(wait, 5));
  }
}

describe('table descriptions kept in memory', () => {
  it('reads an ACTIVE table\'s description from LevelDB once for any number of item operations', async () => {
    const { request, tableReads } = await dynaliteWithTable();
    const before = tableReads();

    for (let i = 0; i < 5; i += 1) {
      expect((await request('PutItem', { TableName: 'users', Item: { pk: { S: `USER#${i}` } } })).statusCode).toBe(200);
      expect((await request('GetItem', { TableName: 'users', Key: { pk: { S: `USER#${i}` } } })).body).toEqual({ Item: { pk: { S: `USER#${i}` } } });
    }

    expect(tableReads() - before).toBeLessThanOrEqual(1);
  });

  it('sees what UpdateTable changed once the table is ACTIVE again', async () => {
    const { request } = await dynaliteWithTable({ ...USERS_TABLE, BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } });
    await request('GetItem', { TableName: 'users', Key: { pk: { S: 'USER#1' } } });

    const updated = await request('UpdateTable', { TableName: 'users', ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 5 } });
    expect(updated.statusCode).toBe(200);
    await untilActive(request, 'users');
    await request('GetItem', { TableName: 'users', Key: { pk: { S: 'USER#1' } } });
    const described = await request('DescribeTable', { TableName: 'users' });

    expect(described.body.Table).toMatchObject({ TableStatus: 'ACTIVE', ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 5 } });
  });

  it('forgets a deleted table, and checks items against the key schema of a table created again under its name', async () => {
    const { request } = await dynaliteWithTable();
    await request('GetItem', { TableName: 'users', Key: { pk: { S: 'USER#1' } } });

    expect((await request('DeleteTable', { TableName: 'users' })).statusCode).toBe(200);
    for (;;) {
      const described = await request('DescribeTable', { TableName: 'users' });
      if (described.statusCode === 400) break;
      await new Promise((wait) => setTimeout(wait, 5));
    }
    const afterDelete = await request('GetItem', { TableName: 'users', Key: { pk: { S: 'USER#1' } } });
    expect(afterDelete.body.__type).toBe('com.amazonaws.dynamodb.v20120810#ResourceNotFoundException');

    await request('CreateTable', { ...USERS_TABLE, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] });
    await untilActive(request, 'users');
    const withOldKey = await request('PutItem', { TableName: 'users', Item: { pk: { S: 'USER#1' } } });
    const withNewKey = await request('PutItem', { TableName: 'users', Item: { id: { S: 'USER#1' } } });

    expect(withOldKey.statusCode).toBe(400);
    expect(withOldKey.body.message).toMatch(/key/i);
    expect(withNewKey.statusCode).toBe(200);
  });
});

/**
 * A description store whose reads and writes end only when the test says. A read finds what was
 * stored when it began, as a LevelDB read may run before a write issued earlier is applied.
 */
function heldTableDb() {
  const stored = new Map<string, unknown>();
  const held = { reads: [] as Array<() => void>, writes: [] as Array<() => void> };
  let reads = 0;
  const db: TableDescriptionDb = {
    get(name, callback) {
      reads += 1;
      const found = structuredClone(stored.get(name));
      held.reads.push(() => callback(null, found));
    },
    put(name, table, callback) {
      held.writes.push(() => {
        stored.set(name, structuredClone(table));
        callback();
      });
    },
    del(name, callback) {
      held.writes.push(() => {
        stored.delete(name);
        callback();
      });
    },
    batch(_operations, callback) {
      held.writes.push(() => {
        stored.clear();
        callback();
      });
    },
  };
  const end = (kind: 'reads' | 'writes') => {
    for (const ending of held[kind].splice(0)) ending();
  };
  return {
    db,
    stored,
    reads: () => reads,
    /** Ends the held operations of one kind, or writes then reads. */
    settle: (kind?: 'reads' | 'writes') => {
      if (kind) return end(kind);
      end('writes');
      end('reads');
    },
  };
}

const read = (db: TableDescriptionDb, name: string) =>
  new Promise<unknown>((done, failed) => db.get(name, (error, table) => (error ? failed(error) : done(table))));
const written = (write: (callback: (error?: Error | null) => void) => void) =>
  new Promise<void>((done, failed) => write((error) => (error ? failed(error) : done())));

describe('keepTableDescriptions', () => {
  it('answers from memory after one read of an ACTIVE description, with a new object each time', async () => {
    const held = heldTableDb();
    held.stored.set('users', { TableName: 'users', TableStatus: 'ACTIVE' });
    keepTableDescriptions({ tableDb: held.db });

    const first = read(held.db, 'users');
    held.settle();
    const one = (await first) as { TableStatus: string };
    one.TableStatus = 'UPDATING';
    const second = read(held.db, 'users');
    held.settle();
    const two = await second;

    expect(held.reads()).toBe(1);
    expect(two).toEqual({ TableName: 'users', TableStatus: 'ACTIVE' });
  });

  it('keeps no description that is not ACTIVE, nor a missing one', async () => {
    const held = heldTableDb();
    held.stored.set('users', { TableName: 'users', TableStatus: 'CREATING' });
    keepTableDescriptions({ tableDb: held.db });

    for (const name of ['users', 'users', 'missing', 'missing']) {
      const reading = read(held.db, name);
      held.settle();
      await reading;
    }

    expect(held.reads()).toBe(4);
  });

  it.each([
    ['put', (db: TableDescriptionDb) => written((done) => db.put('users', { TableName: 'users', TableStatus: 'UPDATING' }, done))],
    ['del', (db: TableDescriptionDb) => written((done) => db.del('users', done))],
    ['batch', (db: TableDescriptionDb) => written((done) => db.batch([], done))],
  ])('reads the store again after a %s of the descriptions', async (_write, write) => {
    const held = heldTableDb();
    held.stored.set('users', { TableName: 'users', TableStatus: 'ACTIVE' });
    keepTableDescriptions({ tableDb: held.db });
    const first = read(held.db, 'users');
    held.settle();
    await first;

    const writing = write(held.db);
    held.settle();
    await writing;
    const again = read(held.db, 'users');
    held.settle();
    const after = await again;

    expect(held.reads()).toBe(2);
    expect(after).toEqual(held.stored.get('users'));
  });

  it.each([
    ['a write began and ended while the read was under way', ['read', 'write', 'end writes', 'end reads']],
    ['the read began and ended while a write was under way', ['write', 'read', 'end reads', 'end writes']],
  ])('does not keep what a read found when %s', async (_case, steps) => {
    const held = heldTableDb();
    held.stored.set('users', { TableName: 'users', TableStatus: 'ACTIVE' });
    keepTableDescriptions({ tableDb: held.db });

    let reading: Promise<unknown> = Promise.resolve();
    let writing: Promise<void> = Promise.resolve();
    for (const step of steps) {
      if (step === 'read') reading = read(held.db, 'users');
      if (step === 'write') writing = written((done) => held.db.put('users', { TableName: 'users', TableStatus: 'ACTIVE', ItemCount: 1 }, done));
      if (step === 'end reads') held.settle('reads');
      if (step === 'end writes') held.settle('writes');
    }
    const [found] = await Promise.all([reading, writing]);
    const next = read(held.db, 'users');
    held.settle();

    expect(found).not.toHaveProperty('ItemCount');
    expect(await next).toMatchObject({ ItemCount: 1 });
    expect(held.reads()).toBe(2);
  });

  it('goes to the store for every read once it is closed', async () => {
    const held = heldTableDb();
    held.stored.set('users', { TableName: 'users', TableStatus: 'ACTIVE' });
    let state = 'open';
    keepTableDescriptions({ tableDb: held.db, lifecycleManager: { getState: () => state } });
    const first = read(held.db, 'users');
    held.settle();
    await first;

    state = 'closed';
    const second = read(held.db, 'users');
    held.settle();
    await second;

    expect(held.reads()).toBe(2);
  });
});
