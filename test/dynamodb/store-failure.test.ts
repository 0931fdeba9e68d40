// A failure of dynalite's store under a request (LevelDB's `IO error: ... No space left on device`
// when the data folder's disk fills up; here, the database closed under it): the request, and
// every one after it until the process ends, is answered as DynamoDB's InternalServerError, and
// the process goes on. dynalite threw it from the
// store's callback, which ended the whole kit with a raw stack (found with the data folder on a
// full tmpfs while users enrolled).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDynaliteServer, onStoreFailure } from '../../sim/dynamodb/load-dynalite.js';
import { send, type DynaliteHandler } from './dynalite-requests.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const INTERNAL_SERVER_ERROR = {
  statusCode: 500,
  body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
};

/** A started store with one table, and a way to see what the kit is told. */
async function storeWithTable() {
  const folder = mkdtempSync(join(tmpdir(), 'facekit-store-failure-'));
  folders.push(folder);
  const reported: string[] = [];
  onStoreFailure((error) => reported.push(error.message));
  const { server, database } = createDynaliteServer({ path: folder, createTableMs: 0 });
  await database!.open();
  const handler = server.listeners('request')[0] as DynaliteHandler;
  const created = await send(handler, 'CreateTable', {
    TableName: 'users',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  expect(created.statusCode).toBe(200);
  return { handler, database: database!, reported };
}

describe('a failure of the table store under a request', () => {
  it('is answered InternalServerError in DynamoDB\'s shape, and reported', async () => {
    const { handler, database, reported } = await storeWithTable();

    await database.close();
    const put = await send(handler, 'PutItem', { TableName: 'users', Item: { pk: { S: 'USER#1' } } });

    expect(put).toEqual(INTERNAL_SERVER_ERROR);
    expect(reported).toHaveLength(1);
    await database.open();
  });

  // LevelDB drops the rest of a log block after a record a failed write left in part, so a write
  // acknowledged after the disk had room again would be lost at the next start.
  it('refuses every request after it, even once the store works again, so nothing is acknowledged that a restart may drop', async () => {
    const { handler, database, reported } = await storeWithTable();
    await database.close();
    await send(handler, 'PutItem', { TableName: 'users', Item: { pk: { S: 'USER#1' } } });

    await database.open();
    const put = await send(handler, 'PutItem', { TableName: 'users', Item: { pk: { S: 'USER#2' } } });
    const read = await send(handler, 'GetItem', { TableName: 'users', Key: { pk: { S: 'USER#2' } } });

    expect(put).toEqual(INTERNAL_SERVER_ERROR);
    expect(read).toEqual(INTERNAL_SERVER_ERROR);
    expect(reported).toHaveLength(1);
  });
});
