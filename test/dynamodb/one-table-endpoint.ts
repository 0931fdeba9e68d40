// The DynamoDB service alone behind the sim's JSON endpoint, with one table keyed on `pk`: for the
// tests that send it items through the real client and read its raw answers.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import Fastify from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { registerJsonServices } from '../../sim/aws-json-protocol.js';
import { createDynamoDbService } from '../../sim/dynamodb/index.js';

export interface OneTableEndpoint {
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

async function startOneTableEndpoint(tableName: string): Promise<OneTableEndpoint> {
  const service = await createDynamoDbService({ ttlSweepIntervalMs: 0 });
  const app = Fastify();
  registerJsonServices(app, [], 'us-east-1', { passthrough: [service.passthrough] });
  const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await service.createTable({
    TableName: tableName,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  return {
    endpoint,
    client,
    async close() {
      client.destroy();
      await app.close();
      await service.close();
    },
  };
}

/**
 * Starts the endpoint before a test file's tests and closes it after them. The members are read
 * through getters, as they exist only once `beforeAll` has run.
 */
export function useOneTableEndpoint(tableName: string): Omit<OneTableEndpoint, 'close'> {
  let started: OneTableEndpoint | undefined;
  beforeAll(async () => {
    started = await startOneTableEndpoint(tableName);
  });
  afterAll(() => started?.close());
  const running = () => {
    if (!started) throw new Error('the DynamoDB endpoint starts in beforeAll');
    return started;
  };
  return {
    get endpoint() {
      return running().endpoint;
    },
    get client() {
      return running().client;
    },
  };
}
