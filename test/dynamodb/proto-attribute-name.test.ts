// DynamoDB takes any attribute name, `__proto__` included. dynalite's validation copied each map of
// a request into a plain object, where `__proto__` set the copy's prototype instead of adding an
// entry, so PutItem dropped the attribute without an error (sim/dynamodb/load-dynalite.ts,
// keepProtoAttributeNames).
import { BatchWriteItemCommand, GetItemCommand, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { useOneTableEndpoint } from './one-table-endpoint.js';

const TABLE = 'ProtoTable';
const dynamodb = useOneTableEndpoint(TABLE);

/** An item with `__proto__` as an attribute and as a key of a map attribute; JSON.parse makes both own properties. */
const itemWithProto = (pk: string) => JSON.parse(`{"pk":{"S":"${pk}"},"__proto__":{"S":"top"},"profile":{"M":{"__proto__":{"N":"7"},"name":{"S":"Ana"}}}}`) as Record<string, AttributeValue>;

/** GetItem's answer as DynamoDB's JSON, read without the SDK (its deserializer drops a top-level `__proto__` key). */
async function rawGetItem(pk: string, projection: Record<string, unknown> = {}): Promise<string> {
  const response = await fetch(dynamodb.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.GetItem',
      authorization: 'AWS4-HMAC-SHA256 Credential=test/20261123/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      'x-amz-date': '20261123T000000Z',
    },
    body: JSON.stringify({ TableName: TABLE, Key: { pk: { S: pk } }, ...projection }),
  });
  return response.text();
}

describe('an attribute named __proto__', () => {
  it('is stored by PutItem and returned by GetItem, at the top of the item and inside a map', async () => {
    await dynamodb.client.send(new PutItemCommand({ TableName: TABLE, Item: itemWithProto('put') }));

    const got = await dynamodb.client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'put' } } }));
    expect(Object.hasOwn(got.Item!.profile!.M!, '__proto__')).toBe(true);
    expect(got.Item!.profile!.M!.__proto__).toEqual({ N: '7' });
    expect(JSON.parse(await rawGetItem('put'))).toEqual({ Item: itemWithProto('put') });
  });

  it('is stored by BatchWriteItem and returned by Scan', async () => {
    await dynamodb.client.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: [{ PutRequest: { Item: itemWithProto('batch') } }] } }));

    const scanned = await dynamodb.client.send(new ScanCommand({ TableName: TABLE }));
    const batch = scanned.Items!.find((item) => item.pk!.S === 'batch');
    expect(Object.hasOwn(batch!.profile!.M!, '__proto__')).toBe(true);
    expect(JSON.parse(await rawGetItem('batch'))).toEqual({ Item: itemWithProto('batch') });
  });

  it('is projected like any other name, and is no attribute of an item that lacks it', async () => {
    await dynamodb.client.send(new PutItemCommand({ TableName: TABLE, Item: itemWithProto('projected') }));
    await dynamodb.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'plain' }, profile: { M: { name: { S: 'Bo' } } } } }));
    const names = { ExpressionAttributeNames: { '#p': '__proto__' } };

    const nested = await dynamodb.client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'projected' } }, ProjectionExpression: 'profile.#p', ...names }));
    expect(Object.hasOwn(nested.Item!.profile!.M!, '__proto__')).toBe(true);
    expect(JSON.parse(await rawGetItem('projected', { ProjectionExpression: '#p', ...names }))).toEqual(JSON.parse('{"Item":{"__proto__":{"S":"top"}}}'));
    // Not Object.prototype's members, read as if they were the item's.
    expect(await rawGetItem('plain', { ProjectionExpression: '#p', ...names })).toBe('{"Item":{}}');
    expect(await rawGetItem('plain', { ProjectionExpression: 'profile.#p', ...names })).toBe('{"Item":{}}');
  });
});
