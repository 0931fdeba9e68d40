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
    expect(s3AuthorizationRequest('GET', 'b', 'k', { tagging: '' })).toEqual({ action: 's3:GetObjectTagging', resource: 'arn:aws:s3:::b/k' });
    expect(s3AuthorizationRequest('DELETE', 'b', 'k', {})).toEqual({ action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/k' });
    // Multipart: written with s3:PutObject; abort and ListParts have actions of their own.
    expect(s3AuthorizationRequest('POST', 'b', 'k', { uploads: '' })).toEqual({ action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' });
    expect(s3AuthorizationRequest('PUT', 'b', 'k', { partNumber: '1', uploadId: 'u' })).toEqual({ action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' });
    expect(s3AuthorizationRequest('POST', 'b', 'k', { uploadId: 'u' })).toEqual({ action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' });
    expect(s3AuthorizationRequest('DELETE', 'b', 'k', { uploadId: 'u' })).toEqual({ action: 's3:AbortMultipartUpload', resource: 'arn:aws:s3:::b/k' });
    expect(s3AuthorizationRequest('GET', 'b', 'k', { uploadId: 'u' })).toEqual({ action: 's3:ListMultipartUploadParts', resource: 'arn:aws:s3:::b/k' });
    expect(s3AuthorizationRequest('GET', 'b', '', { uploads: '' })).toEqual({ action: 's3:ListBucketMultipartUploads', resource: 'arn:aws:s3:::b' });
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

  it('names * for a resource it cannot read from the call, and asks nothing of an image that names no S3 object', () => {
    expect(jsonApiRequests('cognito-idp', 'AdminGetUser', { UserPoolId: 5 }, names)).toEqual([{ action: 'cognito-idp:AdminGetUser', resource: '*' }]);
    expect(jsonApiRequests('rekognition', 'IndexFaces', { CollectionId: ['faces'], Image: { S3Object: { Bucket: 'b' } } }, names))
      .toEqual([{ action: 'rekognition:IndexFaces', resource: '*' }]);
    expect(jsonApiRequests('rekognition', 'DetectFaces', { Image: 'b/k' }, names)).toEqual([{ action: 'rekognition:DetectFaces', resource: '*' }]);
    expect(jsonApiRequests('rekognition', 'DetectFaces', { Image: { S3Object: ['b', 'k'] } }, names)).toHaveLength(1);
    expect(jsonApiRequests('lambda', 'Invoke', {}, names)).toEqual([{ action: 'lambda:Invoke', resource: '*' }]);
    expect(jsonApiRequests('dynamodb', 'DescribeTable', { TableName: 'Users' }, names)).toEqual([{ action: 'dynamodb:DescribeTable', resource: TABLE }]);
    expect(jsonApiRequests('dynamodb', 'ListTables', {}, names)).toEqual([{ action: 'dynamodb:ListTables', resource: '*' }]);
    expect(jsonApiRequests('dynamodb', 'GetItem', { Key: { pk: { S: 'USER#1' } } }, names)).toEqual([{ action: 'dynamodb:GetItem', resource: '*', context: {} }]);
  });

  it('reads key values of every scalar type, and none from what is no attribute value', () => {
    const keysOf = (key: unknown) => jsonApiRequests('dynamodb', 'DeleteItem', { TableName: 'Users', Key: key }, names)[0];
    expect(keysOf({ pk: { N: '42' } })).toEqual({ action: 'dynamodb:DeleteItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['42'] } });
    expect(keysOf({ pk: { B: 'AAEC' } })!.context).toEqual({ 'dynamodb:LeadingKeys': ['AAEC'] });
    expect(keysOf({ pk: { S: 7 } })!.context).toEqual({ 'dynamodb:LeadingKeys': [] });
    expect(keysOf({ pk: 'USER#1' })!.context).toEqual({ 'dynamodb:LeadingKeys': [] });
    expect(keysOf({ pk: null })!.context).toEqual({ 'dynamodb:LeadingKeys': [] });
    expect(keysOf('USER#1')!.context).toEqual({ 'dynamodb:LeadingKeys': [] });
    expect(jsonApiRequests('dynamodb', 'GetItem', { TableName: 'Other', Key: { id: { S: 'x' } } }, names)[0]!.context).toEqual({});
    expect(jsonApiRequests('dynamodb', 'BatchGetItem', { RequestItems: { Users: { ConsistentRead: true } } }, names)[0]!.context)
      .toEqual({ 'dynamodb:LeadingKeys': [] });
    expect(jsonApiRequests('dynamodb', 'BatchGetItem', { RequestItems: { Users: 'USER#1' } }, names)[0]!.context).toEqual({ 'dynamodb:LeadingKeys': [] });
  });

  it('checks every kind of transaction item as the item operation it is, and skips what is none', () => {
    const item = (table: string, pk: string) => ({ TableName: table, Key: { pk: { S: pk } } });
    expect(jsonApiRequests('dynamodb', 'TransactGetItems', { TransactItems: [{ Get: item('Users', 'USER#1') }] }, names)).toEqual([
      { action: 'dynamodb:GetItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['USER#1'] } },
    ]);
    expect(jsonApiRequests('dynamodb', 'TransactWriteItems', {
      TransactItems: [{ Update: item('Users', 'USER#2') }, { Delete: item('Users', 'UPLOAD#3') }, { Unknown: item('Users', 'X#4') }, 'junk'],
    }, names)).toEqual([
      { action: 'dynamodb:UpdateItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['USER#2'] } },
      { action: 'dynamodb:DeleteItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['UPLOAD#3'] } },
    ]);
  });

  it('finds the queried partition key however the condition is spaced or ordered, and only on the table itself', () => {
    const query = (input: Record<string, unknown>) => jsonApiRequests('dynamodb', 'Query', { TableName: 'Users', ...input }, names)[0]!.context;
    const values = { ':sortValue': { S: 'a' }, ':partitionValue': { S: 'USER#5' } };
    expect(query({ KeyConditionExpression: 'sk=:sortValue AND pk=:partitionValue', ExpressionAttributeValues: values })).toEqual({ 'dynamodb:LeadingKeys': ['USER#5'] });
    expect(query({ KeyConditionExpression: 'sk  =  :sortValue AND :partitionValue  =  pk', ExpressionAttributeValues: values })).toEqual({ 'dynamodb:LeadingKeys': ['USER#5'] });
    expect(query({ KeyConditionExpression: 'sk = :sortValue', ExpressionAttributeValues: values })).toEqual({});
    expect(query({ KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: { S: 'USER#7' } } } })).toEqual({});
    expect(query({ IndexName: 'byEmail', KeyConditionExpression: 'pk = :partitionValue', ExpressionAttributeValues: values })).toEqual({});
    expect(jsonApiRequests('dynamodb', 'Query', { TableName: 'Other', KeyConditionExpression: 'id = :v', ExpressionAttributeValues: { ':v': { S: 'x' } } }, names)[0]!.context).toEqual({});
    expect(jsonApiRequests('dynamodb', 'Query', { KeyConditionExpression: 'pk = :v', ExpressionAttributeValues: { ':v': { S: 'x' } } }, names))
      .toEqual([{ action: 'dynamodb:Query', resource: '*', context: {} }]);
    expect(jsonApiRequests('dynamodb', 'Scan', { TableName: 'Users', KeyConditionExpression: 'pk = :v', ExpressionAttributeValues: { ':v': { S: 'x' } } }, names)[0]!.context)
      .toEqual({});
  });

  it('maps the bucket operations to their own actions', () => {
    const bucket = 'arn:aws:s3:::b';
    expect(s3AuthorizationRequest('PUT', 'b', '', {})).toEqual({ action: 's3:CreateBucket', resource: bucket });
    expect(s3AuthorizationRequest('DELETE', 'b', '', {})).toEqual({ action: 's3:DeleteBucket', resource: bucket });
    expect(s3AuthorizationRequest('GET', 'b', '', { location: '' })).toEqual({ action: 's3:GetBucketLocation', resource: bucket });
    expect(s3AuthorizationRequest('GET', 'b', '', { cors: '' })).toEqual({ action: 's3:GetBucketCORS', resource: bucket });
    expect(s3AuthorizationRequest('GET', 'b', '', { notification: '' })).toEqual({ action: 's3:GetBucketNotification', resource: bucket });
    expect(s3AuthorizationRequest('GET', 'b', '', { lifecycle: '' })).toEqual({ action: 's3:GetLifecycleConfiguration', resource: bucket });
    expect(s3AuthorizationRequest('GET', 'b', '', { versioning: '' })).toEqual({ action: 's3:GetBucketVersioning', resource: bucket });
    expect(s3AuthorizationRequest('GET', 'b', '', { encryption: '' })).toEqual({ action: 's3:GetEncryptionConfiguration', resource: bucket });
    expect(s3AuthorizationRequest('GET', 'b', '', { publicAccessBlock: '' })).toEqual({ action: 's3:GetBucketPublicAccessBlock', resource: bucket });
    expect(s3AuthorizationRequest('GET', 'b', '', { ownershipControls: '' })).toEqual({ action: 's3:GetBucketOwnershipControls', resource: bucket });
    expect(s3AuthorizationRequest('GET', 'b', '', { policy: '' })).toEqual({ action: 's3:GetBucketPolicy', resource: bucket });
    expect(s3AuthorizationRequest('GET', 'b', '', { versions: '', prefix: 'signin/' })).toEqual({ action: 's3:ListBucketVersions', resource: bucket });
    expect(s3AuthorizationRequest('HEAD', 'b', '', {})).toEqual({ action: 's3:ListBucket', resource: bucket, context: { 's3:prefix': [''] } });
    expect(s3AuthorizationRequest('GET', 'b', '', { prefix: ['enrol/', 'signin/'], delimiter: '/' })).toEqual({
      action: 's3:ListBucket', resource: bucket, context: { 's3:prefix': ['enrol/'], 's3:delimiter': ['/'] },
    });
  });

  it('names only the identity itself for a From without a domain', () => {
    expect(sendEmailIdentityRequests('example.com', names)).toEqual([{ action: 'ses:SendEmail', resource: 'arn:aws:ses:eu-west-1:123456789012:identity/example.com' }]);
    // The address is the last <...>, where the display name may hold brackets of its own; spaces may follow it.
    expect(sendEmailIdentityRequests('"A <b>" <no-reply@example.com> ', names).map((request) => request.resource.split('/')[1]))
      .toEqual(['no-reply@example.com', 'example.com']);
  });
});
