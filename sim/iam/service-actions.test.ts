import { describe, expect, it } from 'vitest';
import { jsonApiRequests, s3AuthorizationRequest, sendEmailIdentityRequests, type ResourceNames } from './service-actions.js';

const names: ResourceNames = { region: 'eu-west-1', accountId: '123456789012', partitionKeyOf: (table) => (table === 'Users' ? 'pk' : undefined) };
const TABLE = 'arn:aws:dynamodb:eu-west-1:123456789012:table/Users';

describe('what IAM checks for a call', () => {
  it('names the pool of a Cognito call, and * for a call on no pool', () => {
    expect(jsonApiRequests('cognito-idp', 'AdminGetUser', { UserPoolId: 'eu-west-1_abc', Username: 'u' }, names)).toEqual([
      { action: 'cognito-idp:AdminGetUser', resource: 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc' },
    ]);
    expect(jsonApiRequests('cognito-idp', 'ListUserPools', { MaxResults: 1 }, names)).toEqual([{ action: 'cognito-idp:ListUserPools', resource: '*' }]);
  });

  it('names the collection of a Rekognition call, and asks for s3:GetObject on each S3 image it reads', () => {
    expect(jsonApiRequests('rekognition', 'SearchFacesByImage', { CollectionId: 'faces', Image: { S3Object: { Bucket: 'b', Name: 'signin/u/1' } } }, names)).toEqual([
      { action: 'rekognition:SearchFacesByImage', resource: 'arn:aws:rekognition:eu-west-1:123456789012:collection/faces' },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::b/signin/u/1' },
    ]);
    expect(jsonApiRequests('rekognition', 'CompareFaces', {
      SourceImage: { S3Object: { Bucket: 'b', Name: 'one' } }, TargetImage: { Bytes: 'AAAA' },
    }, names)).toEqual([{ action: 'rekognition:CompareFaces', resource: '*' }, { action: 's3:GetObject', resource: 'arn:aws:s3:::b/one' }]);
  });

  it('gives DynamoDB item calls the partition key values as dynamodb:LeadingKeys', () => {
    expect(jsonApiRequests('dynamodb', 'GetItem', { TableName: 'Users', Key: { pk: { S: 'USER#1' } } }, names)).toEqual([
      { action: 'dynamodb:GetItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['USER#1'] } },
    ]);
    expect(jsonApiRequests('dynamodb', 'PutItem', { TableName: 'Users', Item: { pk: { S: 'UPLOAD#k' }, n: { N: '1' } } }, names)[0]!.context)
      .toEqual({ 'dynamodb:LeadingKeys': ['UPLOAD#k'] });
    expect(jsonApiRequests('dynamodb', 'UpdateItem', { TableName: 'Users', Key: { pk: { S: 'FAILURES#1' } } }, names)[0]!.context)
      .toEqual({ 'dynamodb:LeadingKeys': ['FAILURES#1'] });
  });

  it('checks a batch per table and a transaction per item operation', () => {
    expect(jsonApiRequests('dynamodb', 'BatchGetItem', {
      RequestItems: { Users: { Keys: [{ pk: { S: 'USER#1' } }, { pk: { S: 'FAILURES#1' } }] }, Other: { Keys: [{ id: { S: 'x' } }] } },
    }, names)).toEqual([
      { action: 'dynamodb:BatchGetItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['USER#1', 'FAILURES#1'] } },
      { action: 'dynamodb:BatchGetItem', resource: 'arn:aws:dynamodb:eu-west-1:123456789012:table/Other', context: {} },
    ]);
    expect(jsonApiRequests('dynamodb', 'BatchWriteItem', {
      RequestItems: { Users: [{ PutRequest: { Item: { pk: { S: 'USER#2' } } } }, { DeleteRequest: { Key: { pk: { S: 'UPLOAD#k' } } } }] },
    }, names)[0]!.context).toEqual({ 'dynamodb:LeadingKeys': ['USER#2', 'UPLOAD#k'] });
    expect(jsonApiRequests('dynamodb', 'TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: 'Users', Item: { pk: { S: 'USER#3' } } } },
        { ConditionCheck: { TableName: 'Users', Key: { pk: { S: 'MAILBOX#3' } } } },
      ],
    }, names).map(({ action, context }) => [action, context])).toEqual([
      ['dynamodb:PutItem', { 'dynamodb:LeadingKeys': ['USER#3'] }],
      ['dynamodb:ConditionCheckItem', { 'dynamodb:LeadingKeys': ['MAILBOX#3'] }],
    ]);
  });

  it("reads a Query's partition key from its key condition, and gives a Scan none", () => {
    const query = (input: Record<string, unknown>) => jsonApiRequests('dynamodb', 'Query', { TableName: 'Users', ...input }, names)[0]!.context;
    expect(query({ KeyConditionExpression: '#k = :v AND sk > :s', ExpressionAttributeNames: { '#k': 'pk' }, ExpressionAttributeValues: { ':v': { S: 'USER#9' }, ':s': { S: 'a' } } }))
      .toEqual({ 'dynamodb:LeadingKeys': ['USER#9'] });
    expect(query({ KeyConditionExpression: ':v = pk', ExpressionAttributeValues: { ':v': { S: 'USER#8' } } })).toEqual({ 'dynamodb:LeadingKeys': ['USER#8'] });
    expect(query({ KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'USER#7' }] } } })).toEqual({ 'dynamodb:LeadingKeys': ['USER#7'] });
    expect(jsonApiRequests('dynamodb', 'Scan', { TableName: 'Users', IndexName: 'byEmail' }, names)).toEqual([
      { action: 'dynamodb:Scan', resource: `${TABLE}/index/byEmail`, context: {} },
    ]);
  });

  it('maps S3 calls to their actions, objects to object ARNs and listings to s3:ListBucket with the prefix', () => {
    expect(s3AuthorizationRequest('PUT', 'b', 'enrol/u/1', {})).toEqual({ action: 's3:PutObject', resource: 'arn:aws:s3:::b/enrol/u/1' });
    expect(s3AuthorizationRequest('HEAD', 'b', 'k', {})).toEqual({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' });
    expect(s3AuthorizationRequest('GET', 'b', 'k', {})).toEqual({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' });
    expect(s3AuthorizationRequest('DELETE', 'b', 'k', {})).toEqual({ action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/k' });
    expect(s3AuthorizationRequest('GET', 'b', '', { 'list-type': '2', prefix: 'enrol/u/', 'max-keys': '1' })).toEqual({
      action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': ['enrol/u/'], 's3:max-keys': ['1'] },
    });
    expect(s3AuthorizationRequest('GET', 'b', '', {})!.context).toEqual({ 's3:prefix': [''] });
    expect(s3AuthorizationRequest('GET', '', '', {})).toEqual({ action: 's3:ListAllMyBuckets', resource: '*' });
    expect(s3AuthorizationRequest('POST', 'b', '', { delete: '' })).toBeUndefined();
  });

  it('names the address and the domain a SendEmail may be authorised on', () => {
    const identity = (name: string) => ({ action: 'ses:SendEmail', resource: `arn:aws:ses:eu-west-1:123456789012:identity/${name}` });
    expect(sendEmailIdentityRequests('Face sign-in <no-reply@example.com>', names)).toEqual([identity('no-reply@example.com'), identity('example.com')]);
    expect(sendEmailIdentityRequests('no-reply@mail.example.com', names)).toEqual([identity('no-reply@mail.example.com'), identity('mail.example.com')]);
  });
});
