// What IAM checks for a call: its actions, the ARNs of the resources it touches and the condition
// keys it supplies (DynamoDB's LeadingKeys, S3's prefix), as the services' authorization
// references list them. One call may need several: a BatchGetItem is checked per table, a
// Rekognition call that names an S3 object needs s3:GetObject on it as well (Rekognition reads the
// object with the caller's permissions).
import type { AuthorizationRequest } from './policy-evaluation.js';

export interface ResourceNames {
  region: string;
  accountId: string;
  /** A table's partition key attribute, for dynamodb:LeadingKeys; undefined for a table the stack does not define. */
  partitionKeyOf(tableName: string): string | undefined;
}

type Input = Record<string, unknown>;

const isObject = (value: unknown): value is Input => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function s3ObjectArn(bucket: string, key: string): string {
  return `arn:aws:s3:::${bucket}/${key}`;
}

/** The requests IAM checks for a call to a JSON API (`signingName` as in the SigV4 scope). */
export function jsonApiRequests(signingName: string, operation: string, input: Input, names: ResourceNames): AuthorizationRequest[] {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${names.region}:${names.accountId}:${resource}`;
  switch (signingName) {
    case 'cognito-idp': {
      const pool = text(input.UserPoolId);
      return [{ action: `cognito-idp:${operation}`, resource: pool ? arn('cognito-idp', `userpool/${pool}`) : '*' }];
    }
    case 'rekognition': {
      const collection = text(input.CollectionId);
      const requests: AuthorizationRequest[] = [
        { action: `rekognition:${operation}`, resource: collection ? arn('rekognition', `collection/${collection}`) : '*' },
      ];
      for (const image of [input.Image, input.SourceImage, input.TargetImage]) {
        const object = isObject(image) && isObject(image.S3Object) ? image.S3Object : undefined;
        if (object && text(object.Bucket) && text(object.Name)) {
          requests.push({ action: 's3:GetObject', resource: s3ObjectArn(text(object.Bucket)!, text(object.Name)!) });
        }
      }
      return requests;
    }
    case 'dynamodb':
      return dynamoDbRequests(operation, input, names, (table) => arn('dynamodb', `table/${table}`));
    default:
      return [{ action: `${signingName}:${operation}`, resource: '*' }];
  }
}

/** The value of an attribute in DynamoDB's JSON (`{ "S": "USER#1" }`) as IAM compares it. */
function scalarOf(attribute: unknown): string | undefined {
  if (!isObject(attribute)) return undefined;
  for (const type of ['S', 'N', 'B']) if (typeof attribute[type] === 'string') return attribute[type] as string;
  return undefined;
}

function dynamoDbRequests(operation: string, input: Input, names: ResourceNames, tableArn: (table: string) => string): AuthorizationRequest[] {
  const leadingKeysOf = (table: string, items: unknown[]): Record<string, string[]> => {
    const partitionKey = names.partitionKeyOf(table);
    if (!partitionKey) return {};
    const values = items.map((item) => (isObject(item) ? scalarOf(item[partitionKey]) : undefined)).filter((value): value is string => value !== undefined);
    return { 'dynamodb:LeadingKeys': values };
  };
  const onItems = (action: string, table: string | undefined, items: unknown[]): AuthorizationRequest => ({
    action: `dynamodb:${action}`,
    resource: table ? tableArn(table) : '*',
    context: table ? leadingKeysOf(table, items) : {},
  });
  const table = text(input.TableName);
  switch (operation) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [onItems(operation, table, [input.Key])];
    case 'PutItem':
      return [onItems(operation, table, [input.Item])];
    case 'BatchGetItem':
      return Object.entries(isObject(input.RequestItems) ? input.RequestItems : {}).map(([name, request]) =>
        onItems(operation, name, isObject(request) && Array.isArray(request.Keys) ? request.Keys : []));
    case 'BatchWriteItem':
      return Object.entries(isObject(input.RequestItems) ? input.RequestItems : {}).map(([name, requests]) =>
        onItems(operation, name, (Array.isArray(requests) ? requests : []).map((request: unknown) =>
          isObject(request) ? (isObject(request.PutRequest) ? request.PutRequest.Item : isObject(request.DeleteRequest) ? request.DeleteRequest.Key : undefined) : undefined)));
    case 'TransactGetItems':
    case 'TransactWriteItems': {
      // A transaction is authorised as the item operations it holds.
      const actions: Record<string, [string, string]> = {
        Get: ['GetItem', 'Key'], Put: ['PutItem', 'Item'], Update: ['UpdateItem', 'Key'], Delete: ['DeleteItem', 'Key'], ConditionCheck: ['ConditionCheckItem', 'Key'],
      };
      return (Array.isArray(input.TransactItems) ? input.TransactItems : []).flatMap((entry: unknown) =>
        Object.entries(isObject(entry) ? entry : {}).filter(([kind]) => Object.hasOwn(actions, kind)).map(([kind, item]) => {
          const [action, keyField] = actions[kind]!;
          return onItems(action, isObject(item) ? text(item.TableName) : undefined, [isObject(item) ? item[keyField] : undefined]);
        }));
    }
    case 'Query':
    case 'Scan': {
      const index = text(input.IndexName);
      const resource = table ? tableArn(index ? `${table}/index/${index}` : table) : '*';
      const leadingKey = operation === 'Query' && table && !index ? queriedPartitionKey(input, names.partitionKeyOf(table)) : undefined;
      return [{ action: `dynamodb:${operation}`, resource, context: leadingKey === undefined ? {} : { 'dynamodb:LeadingKeys': [leadingKey] } }];
    }
    default:
      return [{ action: `dynamodb:${operation}`, resource: table ? tableArn(table) : '*' }];
  }
}

/** The partition key value a Query names (`KeyConditionExpression: '#pk = :pk'`, or the older KeyConditions). */
function queriedPartitionKey(input: Input, partitionKey: string | undefined): string | undefined {
  if (!partitionKey) return undefined;
  if (isObject(input.KeyConditions)) {
    const condition = input.KeyConditions[partitionKey];
    return isObject(condition) && Array.isArray(condition.AttributeValueList) ? scalarOf(condition.AttributeValueList[0]) : undefined;
  }
  const expression = text(input.KeyConditionExpression) ?? '';
  const names = isObject(input.ExpressionAttributeNames) ? input.ExpressionAttributeNames : {};
  const values = isObject(input.ExpressionAttributeValues) ? input.ExpressionAttributeValues : {};
  for (const match of expression.matchAll(/([#\w.]+)\s*=\s*(:\w+)|(:\w+)\s*=\s*([#\w.]+)/g)) {
    const [name, value] = match[1] ? [match[1], match[2]!] : [match[4]!, match[3]!];
    const attribute = name.startsWith('#') ? text(names[name]) : name;
    if (attribute === partitionKey) return scalarOf(values[value]);
  }
  return undefined;
}

/**
 * The request IAM checks for an S3 call by method and path; undefined for DeleteObjects, which is
 * checked key by key (s3:DeleteObject on each).
 */
export function s3AuthorizationRequest(method: string, bucket: string, key: string, query: Record<string, string | string[]>): AuthorizationRequest | undefined {
  const first = (name: string) => {
    const value = query[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if (!bucket) return { action: 's3:ListAllMyBuckets', resource: '*' };
  const bucketArn = `arn:aws:s3:::${bucket}`;
  if (key) {
    // A multipart upload is written with s3:PutObject (create, parts, completion); its abort and
    // its parts' listing have actions of their own. A copy's source is checked by the operation.
    const multipart = 'uploadId' in query;
    const action = method === 'PUT' || method === 'POST' ? 's3:PutObject'
      : method === 'DELETE' ? (multipart ? 's3:AbortMultipartUpload' : 's3:DeleteObject')
        : multipart ? 's3:ListMultipartUploadParts' : 'tagging' in query ? 's3:GetObjectTagging' : 's3:GetObject';
    return { action, resource: s3ObjectArn(bucket, key) };
  }
  switch (method) {
    case 'PUT':
      return { action: 's3:CreateBucket', resource: bucketArn };
    case 'DELETE':
      return { action: 's3:DeleteBucket', resource: bucketArn };
    case 'POST':
      return undefined;
  }
  if ('location' in query) return { action: 's3:GetBucketLocation', resource: bucketArn };
  if ('uploads' in query) return { action: 's3:ListBucketMultipartUploads', resource: bucketArn };
  if ('cors' in query) return { action: 's3:GetBucketCORS', resource: bucketArn };
  if ('notification' in query) return { action: 's3:GetBucketNotification', resource: bucketArn };
  if ('lifecycle' in query) return { action: 's3:GetLifecycleConfiguration', resource: bucketArn };
  if ('versioning' in query) return { action: 's3:GetBucketVersioning', resource: bucketArn };
  if ('encryption' in query) return { action: 's3:GetEncryptionConfiguration', resource: bucketArn };
  if ('publicAccessBlock' in query) return { action: 's3:GetBucketPublicAccessBlock', resource: bucketArn };
  if ('ownershipControls' in query) return { action: 's3:GetBucketOwnershipControls', resource: bucketArn };
  if ('policy' in query) return { action: 's3:GetBucketPolicy', resource: bucketArn };
  if ('versions' in query) return { action: 's3:ListBucketVersions', resource: bucketArn };
  // A listing (and HeadBucket) is s3:ListBucket; a listing without a prefix has the empty one.
  const context: Record<string, string[]> = { 's3:prefix': [first('prefix') ?? ''] };
  const delimiter = first('delimiter');
  if (delimiter !== undefined) context['s3:delimiter'] = [delimiter];
  const maxKeys = first('max-keys');
  if (maxKeys !== undefined) context['s3:max-keys'] = [maxKeys];
  return { action: 's3:ListBucket', resource: bucketArn, context };
}

/**
 * SES authorises SendEmail on the identity the From address uses: the address itself, or its
 * domain. The requests for both; a caller allowed either may send.
 */
export function sendEmailIdentityRequests(fromEmailAddress: string, names: ResourceNames): AuthorizationRequest[] {
  // `Name <address>` or the bare address.
  const address = /<([^<>]*)>\s*$/.exec(fromEmailAddress)?.[1] ?? fromEmailAddress;
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const identity = (name: string) => ({ action: 'ses:SendEmail', resource: `arn:aws:ses:${names.region}:${names.accountId}:identity/${name}` });
  return address.includes('@') ? [identity(address), identity(domain)] : [identity(address)];
}
