// JSON nulls where DynamoDB expects an attribute value, a set member or a structure. dynalite
// answered them with a 500 (which SDKs retry), and a set with a null member in an UpdateItem ended
// the whole process from a `setImmediate` (a fuzzing audit, 2026-12-03). SDK v3 refuses such
// values before sending, so the bodies go raw, as boto3, the CLI or any HTTP client can send them.
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { EMPTY_ATTRIBUTE_VALUE_MESSAGE, NULL_SET_MEMBER_MESSAGE } from '../../sim/dynamodb/attribute-nesting.js';
import { useOneTableEndpoint } from './one-table-endpoint.js';

const TABLE = 'NullsTable';
const dynamodb = useOneTableEndpoint(TABLE);

async function post(operation: string, body: unknown): Promise<{ status: number; type: string; message: string }> {
  const response = await fetch(dynamodb.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      authorization: 'AWS4-HMAC-SHA256 Credential=test/20261203/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      'x-amz-date': '20261203T000000Z',
    },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { __type?: string; message?: string; Message?: string };
  return { status: response.status, type: String(answer.__type).split('#').pop()!, message: answer.message ?? answer.Message ?? '' };
}

const refused = (message: string) => ({ status: 400, type: 'ValidationException', message });

describe('nulls in DynamoDB requests', () => {
  it('refuses a set with a null member in every write, and stays up to answer the next request', async () => {
    await dynamodb.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'kept' }, tags: { SS: ['a'] } } }));
    const key = { pk: { S: 'kept' } };

    for (const set of [{ SS: [null] }, { SS: ['a', null] }, { NS: [null] }, { BS: [null] }, { L: [{ SS: [null] }] }]) {
      expect(await post('UpdateItem', { TableName: TABLE, Key: key, UpdateExpression: 'SET tags = :v', ExpressionAttributeValues: { ':v': set } })).toEqual(refused(NULL_SET_MEMBER_MESSAGE));
    }
    expect(await post('UpdateItem', { TableName: TABLE, Key: key, UpdateExpression: 'ADD tags :v', ExpressionAttributeValues: { ':v': { SS: [null] } } })).toEqual(refused(NULL_SET_MEMBER_MESSAGE));
    expect(await post('UpdateItem', { TableName: TABLE, Key: key, AttributeUpdates: { tags: { Action: 'PUT', Value: { SS: [null] } } } })).toEqual(refused(NULL_SET_MEMBER_MESSAGE));
    expect(await post('PutItem', { TableName: TABLE, Item: { pk: { S: 'kept' }, tags: { SS: [null] } } })).toEqual(refused(NULL_SET_MEMBER_MESSAGE));

    const { Item } = await dynamodb.client.send(new GetItemCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));
    expect(Item).toEqual({ pk: { S: 'kept' }, tags: { SS: ['a'] } });
  });

  it('refuses a null attribute value with a 400, not a 500 the SDKs would retry', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['PutItem', { TableName: TABLE, Item: { pk: { S: 'x' }, a: null } }],
      ['PutItem', { TableName: TABLE, Item: { pk: { S: 'x' }, a: { L: [null] } } }],
      ['PutItem', { TableName: TABLE, Item: { pk: { S: 'x' }, a: { M: { b: null } } } }],
      ['GetItem', { TableName: TABLE, Key: { pk: null } }],
      ['Scan', { TableName: TABLE, FilterExpression: 'a = :v', ExpressionAttributeValues: { ':v': null } }],
      ['Query', { TableName: TABLE, KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [null] } } }],
    ];
    for (const [operation, body] of cases) expect(await post(operation, body), JSON.stringify(body)).toEqual(refused(EMPTY_ATTRIBUTE_VALUE_MESSAGE));
  });

  it('refuses a null condition, update or table request, naming where it is', async () => {
    const notNull = (path: string) => refused(`1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`);

    expect(await post('DeleteItem', { TableName: TABLE, Key: { pk: { S: 'x' } }, Expected: { a: null } })).toEqual(notNull('expected.a'));
    expect(await post('UpdateItem', { TableName: TABLE, Key: { pk: { S: 'x' } }, AttributeUpdates: { a: null } })).toEqual(notNull('attributeUpdates.a'));
    expect(await post('Scan', { TableName: TABLE, ScanFilter: { a: null } })).toEqual(notNull('scanFilter.a'));
    expect(await post('BatchGetItem', { RequestItems: { [TABLE]: null } })).toEqual(notNull(`requestItems.${TABLE}`));
    expect(await post('BatchWriteItem', { RequestItems: { [TABLE]: [null] } })).toEqual(notNull(`requestItems.${TABLE}.member`));
  });

  it('answers a TTL call whose TableName is no string as DescribeTable answers it, not as the name it spells', async () => {
    const described = await post('DescribeTable', { TableName: [TABLE] });
    expect(described.status).toBe(400);

    for (const operation of ['DescribeTimeToLive', 'UpdateTimeToLive']) {
      const answer = await post(operation, { TableName: [TABLE], TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } });
      expect(answer, operation).toEqual(described);
    }
    expect(await post('DescribeTimeToLive', { TableName: { toString: ' ' } })).toEqual(await post('DescribeTable', { TableName: { toString: ' ' } }));
  });
});
