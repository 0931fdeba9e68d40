import {
  AttributeValue,
  BatchWriteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { NESTING_LIMIT_MESSAGE } from '../../sim/dynamodb/attribute-nesting.js';
import { conditionNestingMessage, MAX_CONDITION_PARENTHESES_DEPTH, MAX_EXPRESSION_BYTES } from '../../sim/dynamodb/expression-nesting.js';
import { useOneTableEndpoint } from './one-table-endpoint.js';

// DynamoDB refuses attribute values nested past 32 levels; dynalite has no limit and overflowed its
// stack on a few thousand levels (a 500). Boundary from nubo-db/dynoxide#110, captured on AWS.
const TABLE = 'NestingTable';
const dynamodb = useOneTableEndpoint(TABLE);

/** A scalar wrapped in `wraps` single-member maps: `wraps` 1 is `{ M: { n: { S: 'leaf' } } }`. */
function wrappedInMaps(wraps: number): AttributeValue {
  let value: AttributeValue = { S: 'leaf' };
  for (let wrap = 0; wrap < wraps; wrap += 1) value = { M: { n: value } };
  return value;
}

function wrappedInLists(wraps: number): AttributeValue {
  let value: AttributeValue = { S: 'leaf' };
  for (let wrap = 0; wrap < wraps; wrap += 1) value = { L: [value] };
  return value;
}

/** The same as JSON text, built without recursion: the SDK's own serializer recurses. */
function putItemBodyWrappedInMaps(wraps: number): string {
  return `{"TableName":"${TABLE}","Item":{"pk":{"S":"deep"},"data":${'{"M":{"n":'.repeat(wraps)}{"S":"leaf"}${'}}'.repeat(wraps)}}}`;
}

async function postPutItem(body: string): Promise<Response> {
  return fetch(dynamodb.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.PutItem',
      authorization: 'AWS4-HMAC-SHA256 Credential=test/20261123/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      'x-amz-date': '20261123T000000Z',
    },
    body,
  });
}

async function refusal(command: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  const error = await command.then(() => undefined, (caught: unknown) => caught as Error & { $metadata?: { httpStatusCode?: number } });
  expect(error, 'the request was accepted').toBeDefined();
  return { name: error!.name, message: error!.message, status: error!.$metadata?.httpStatusCode };
}

const NESTING_REFUSAL = { name: 'ValidationException', message: NESTING_LIMIT_MESSAGE, status: 400 };

describe('attribute nesting limit', () => {
  it('stores an item with a scalar wrapped in 31 maps, and reads it back', async () => {
    await dynamodb.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'maps-31' }, data: wrappedInMaps(31) } }));

    const { Item } = await dynamodb.client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'maps-31' } } }));

    expect(Item?.data).toEqual(wrappedInMaps(31));
  });

  it('refuses an item with a scalar wrapped in 32 maps with ValidationException', async () => {
    expect(await refusal(dynamodb.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'maps-32' }, data: wrappedInMaps(32) } }))))
      .toEqual(NESTING_REFUSAL);
  });

  it('counts lists as maps: 31 wraps stored, 32 refused', async () => {
    await dynamodb.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'lists-31' }, data: wrappedInLists(31) } }));

    expect(await refusal(dynamodb.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'lists-32' }, data: wrappedInLists(32) } }))))
      .toEqual(NESTING_REFUSAL);
  });

  it('refuses an over-deep value in UpdateItem, BatchWriteItem and Query expression values', async () => {
    const deep = wrappedInMaps(32);

    const update = await refusal(dynamodb.client.send(new UpdateItemCommand({
      TableName: TABLE, Key: { pk: { S: 'maps-31' } }, UpdateExpression: 'SET #d = :deep',
      ExpressionAttributeNames: { '#d': 'data' }, ExpressionAttributeValues: { ':deep': deep },
    })));
    const batch = await refusal(dynamodb.client.send(new BatchWriteItemCommand({
      RequestItems: { [TABLE]: [{ PutRequest: { Item: { pk: { S: 'batch' }, data: deep } } }] },
    })));
    const query = await refusal(dynamodb.client.send(new QueryCommand({
      TableName: TABLE, KeyConditionExpression: 'pk = :pk', FilterExpression: '#d = :deep',
      ExpressionAttributeNames: { '#d': 'data' }, ExpressionAttributeValues: { ':pk': { S: 'maps-31' }, ':deep': deep },
    })));

    expect([update, batch, query]).toEqual([NESTING_REFUSAL, NESTING_REFUSAL, NESTING_REFUSAL]);
  });

  it('lets a 31-wrap expression value through to the condition, which is then evaluated', async () => {
    // The item has no `data`, so the condition is false: refused as a failed condition, not for its nesting.
    await dynamodb.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'condition' } } }));

    const evaluated = await refusal(dynamodb.client.send(new UpdateItemCommand({
      TableName: TABLE, Key: { pk: { S: 'condition' } }, UpdateExpression: 'SET touched = :t',
      ConditionExpression: '#d = :deep', ExpressionAttributeNames: { '#d': 'data' },
      ExpressionAttributeValues: { ':t': { S: 'yes' }, ':deep': wrappedInMaps(31) },
    })));

    expect(evaluated).toEqual({ name: 'ConditionalCheckFailedException', message: 'The conditional request failed', status: 400 });
  });

  it.each([1_500, 100_000])('answers an item nested %i levels with the 400, and keeps serving', async (wraps) => {
    const response = await postPutItem(putItemBodyWrappedInMaps(wraps));

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ __type: 'com.amazon.coral.validate#ValidationException', message: NESTING_LIMIT_MESSAGE });
    const { Item } = await dynamodb.client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'maps-31' } } }));
    expect(Item?.pk).toEqual({ S: 'maps-31' });
  });
});

// dynalite's condition parser takes time exponential in how deep parenthesized groups nest: a
// ConditionExpression of 100 nested groups never came back and froze the whole kit. Groups that
// mean something (no redundant parentheses, which DynamoDB refuses) alternate AND and OR.
describe('expressions dynalite would take too long to parse', () => {
  const grouped = (levels: number, condition: string) => `${'('.repeat(levels)}${condition}${')'.repeat(levels)}`;
  /** `attribute_not_exists(pk) AND (attribute_not_exists(pk) OR (...))`, `groups` levels deep. */
  const nestedConditions = (groups: number): string =>
    groups === 0 ? 'attribute_not_exists(pk)' : `attribute_not_exists(pk) ${groups % 2 ? 'AND' : 'OR'} (${nestedConditions(groups - 1)})`;

  it.each([
    ['ConditionExpression', () => new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'grouped' } }, ConditionExpression: grouped(100, 'attribute_not_exists(pk)') })],
    ['FilterExpression', () => new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: nestedConditions(20),
      ExpressionAttributeValues: { ':pk': { S: 'grouped' } },
    })],
    ['KeyConditionExpression', () => new QueryCommand({ TableName: TABLE, KeyConditionExpression: grouped(30, 'pk = :pk'), ExpressionAttributeValues: { ':pk': { S: 'grouped' } } })],
  ])('refuses a %s nested past the limit with a ValidationException naming it', async (member, command) => {
    const error = await dynamodb.client.send(command() as PutItemCommand).then(() => undefined, (failure: Error) => failure);
    expect(error?.name).toBe('ValidationException');
    expect(error?.message).toBe(conditionNestingMessage(member));
  });

  it(`accepts ${MAX_CONDITION_PARENTHESES_DEPTH} levels, a function call's own parentheses included`, async () => {
    const condition = nestedConditions(MAX_CONDITION_PARENTHESES_DEPTH - 1);
    await dynamodb.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'grouped' } }, ConditionExpression: condition }));
    const got = await dynamodb.client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'grouped' } } }));
    expect(got.Item).toEqual({ pk: { S: 'grouped' } });
  });

  it(`refuses an expression over ${MAX_EXPRESSION_BYTES} bytes as DynamoDB does, and accepts one of exactly that size`, async () => {
    const shallowGroups = (bytes: number) => {
      const group = '(attribute_not_exists(pk) AND attribute_not_exists(a))';
      const joined = Array.from({ length: Math.ceil(bytes / group.length) }, () => group).join(' OR ');
      return `${joined.slice(0, joined.lastIndexOf(' OR ', bytes))}${' '.repeat(bytes - joined.lastIndexOf(' OR ', bytes))}`;
    };
    const atLimit = shallowGroups(MAX_EXPRESSION_BYTES);
    expect(Buffer.byteLength(atLimit)).toBe(MAX_EXPRESSION_BYTES);
    await dynamodb.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'long' } }, ConditionExpression: atLimit }));
    const error = await dynamodb.client
      .send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'long' } }, ConditionExpression: `${atLimit} ` }))
      .then(() => undefined, (failure: Error) => failure);
    expect(error?.name).toBe('ValidationException');
    expect(error?.message).toBe(`Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: ${MAX_EXPRESSION_BYTES + 1}`);
  });
});
