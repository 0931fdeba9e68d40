// Fuzzes every API the embedded cloud serves (Cognito, Rekognition, DynamoDB, Lambda, SES, S3,
// STS and the Query protocol's refusals, the JWKS and /_sim routes) with seeded random requests over loopback: prototype-named targets,
// wrong JSON types, invalid JSON, oversized strings, odd methods and paths, and inputs aimed at the
// parsers (bodies that are not UTF-8, nested parentheses in DynamoDB conditions, XML character
// references and DTDs in DeleteObjects; `parserRequest` below). Most requests are
// signed with the local credentials so they get past the signature check into the operations.
// No answer may be a 5xx, every JSON-protocol error must be in AWS's shape, and the server must
// still serve a real sign-up afterwards. Set FUZZ_SEED to replay a run; FUZZ_REQUESTS to go longer.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../sim/embedded-cloud.js';
import { SeededRandom } from '../../sim/faces/seeded-random.js';
import { startHarness, type Harness } from '../e2e/embedded-cloud-harness.js';

const SEED = process.env.FUZZ_SEED ?? 'issue-10';
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 400);
/** The run stops early past this much time, so a slow machine keeps `npm test` bounded. */
const TIME_BUDGET_MS = 40_000;
const REQUEST_TIMEOUT_MS = 10_000;

const JS_MEMBERS = ['__proto__', 'constructor', 'valueOf', 'hasOwnProperty', 'toString', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__', 'prototype'];
const OPERATIONS: Record<string, { prefix: string; service: string; operations: string[] }> = {
  cognito: {
    prefix: 'AWSCognitoIdentityProviderService',
    service: 'cognito-idp',
    operations: ['SignUp', 'ConfirmSignUp', 'ResendConfirmationCode', 'InitiateAuth', 'RespondToAuthChallenge', 'GetTokensFromRefreshToken', 'GetUser', 'GlobalSignOut', 'RevokeToken', 'DeleteUser', 'AdminGetUser', 'AdminDeleteUser', 'AdminConfirmSignUp', 'AdminInitiateAuth', 'AdminRespondToAuthChallenge', 'ListUsers', 'ForgotPassword', 'DescribeUserPool'],
  },
  rekognition: {
    prefix: 'RekognitionService',
    service: 'rekognition',
    operations: ['CreateCollection', 'DescribeCollection', 'ListCollections', 'DeleteCollection', 'IndexFaces', 'ListFaces', 'DeleteFaces', 'SearchFaces', 'SearchFacesByImage', 'DetectFaces', 'CompareFaces'],
  },
  dynamodb: {
    prefix: 'DynamoDB_20120810',
    service: 'dynamodb',
    operations: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'ListTables', 'DescribeTable', 'BatchWriteItem', 'TransactWriteItems', 'DescribeTimeToLive'],
  },
};
const MEMBER_NAMES = [
  'ClientId', 'Username', 'Password', 'UserAttributes', 'ValidationData', 'ClientMetadata', 'ConfirmationCode', 'AuthFlow',
  'AuthParameters', 'ChallengeName', 'ChallengeResponses', 'Session', 'AccessToken', 'Token', 'RefreshToken', 'UserPoolId',
  'Filter', 'Limit', 'PaginationToken', 'AttributesToGet', 'CollectionId', 'Image', 'FaceId', 'FaceIds', 'MaxFaces',
  'FaceMatchThreshold', 'QualityFilter', 'ExternalImageId', 'DetectionAttributes', 'SourceImage', 'TargetImage', 'NextToken',
  'MaxResults', 'TableName', 'Key', 'Item', 'KeyConditionExpression', 'ExpressionAttributeValues', 'RequestItems',
  'TransactItems', 'USERNAME', 'ANSWER', 'REFRESH_TOKEN', 'ContextData', 'AnalyticsMetadata', 'HttpHeaders', '__proto__', 'constructor',
];
const AUTH_FLOWS = ['CUSTOM_AUTH', 'REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN', 'USER_SRP_AUTH', 'ADMIN_NO_SRP_AUTH', 'USER_AUTH'];

let harness: Harness;
let random: SeededRandom;

beforeAll(async () => {
  harness = await startHarness();
  random = new SeededRandom('fuzz', SEED);
});
afterAll(async () => {
  await harness?.close();
});

const pick = <T>(items: readonly T[]): T => items[random.integerBelow(items.length)]!;
const chance = (probability: number) => random.next() < probability;

function randomString(): string {
  switch (random.integerBelow(8)) {
    case 0: return '';
    case 1: return pick(JS_MEMBERS);
    case 2: return 'x'.repeat(random.integerBelow(5000));
    case 3: return pick([harness.outputs.UserPoolId, harness.outputs.UserPoolClientId, harness.outputs.CollectionId, harness.outputs.UsersTableName, harness.outputs.BucketName]);
    case 4: return pick(AUTH_FLOWS);
    case 5: return `${random.integerBelow(1e6)}@example.com`;
    case 6: return String.fromCharCode(...Array.from({ length: random.integerBelow(40) }, () => random.integerBelow(0xd7ff)));
    default: return Buffer.from(Array.from({ length: random.integerBelow(64) }, () => random.integerBelow(256))).toString('base64');
  }
}

function randomValue(depth = 0): unknown {
  switch (random.integerBelow(depth > 2 ? 5 : 8)) {
    case 0: return null;
    case 1: return random.integerBelow(3) === 0 ? -1 : random.integerBelow(1e9) / (chance(0.5) ? 1 : 7);
    case 2: return chance(0.5);
    case 3:
    case 4: return randomString();
    case 5: return Array.from({ length: random.integerBelow(4) }, () => randomValue(depth + 1));
    default: return randomObject(depth + 1);
  }
}

function randomObject(depth = 0): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  const count = random.integerBelow(6);
  for (let index = 0; index < count; index++) {
    Object.defineProperty(object, pick(MEMBER_NAMES), { value: randomValue(depth), enumerable: true, configurable: true, writable: true });
  }
  return object;
}

function randomBody(): string {
  switch (random.integerBelow(10)) {
    case 0: return '';
    case 1: return '{"ClientId":';
    case 2: return JSON.stringify(randomValue(3));
    case 3: return `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`;
    case 4: return chance(0.1) ? JSON.stringify({ Username: 'x'.repeat(2 * 1024 * 1024) }) : '[]';
    default: return JSON.stringify(randomObject());
  }
}

const signers = new Map<string, SignatureV4>();
async function signed(url: URL, init: { method: string; headers: Record<string, string>; body: string | Buffer | undefined }, service: string) {
  if (!signers.has(service)) {
    signers.set(service, new SignatureV4({ credentials: LOCAL_CREDENTIALS, region: harness.outputs.Region, service, sha256: Sha256, uriEscapePath: service !== 's3' }));
  }
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, name) => (query[name] = value));
  const request = await signers.get(service)!.sign({
    method: init.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query,
    headers: { host: url.host, ...init.headers, ...(service === 's3' ? { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } : {}) },
    body: init.body,
  });
  return { ...init, headers: request.headers as Record<string, string> };
}

interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** The SigV4 service to sign for, or undefined to send unsigned. */
  signAs?: string;
  /** JSON-protocol errors must carry `__type`. */
  jsonProtocol?: boolean;
}

function jsonProtocolRequest(): FuzzRequest {
  const api = pick(Object.values(OPERATIONS));
  // Header values are bytes: characters past Latin-1 cannot be sent, so they are cut to one byte.
  const operation = chance(0.25) ? pick(JS_MEMBERS) : chance(0.1) ? randomString().slice(0, 300).replace(/[^\x20-\xff]/g, '?') : pick(api.operations);
  const prefix = chance(0.05) ? pick(JS_MEMBERS) : api.prefix;
  const jsonContentType = !chance(0.05);
  return {
    kind: `${api.service} ${operation}`,
    method: 'POST',
    path: '/',
    headers: {
      'content-type': !jsonContentType ? 'text/plain' : api.service === 'dynamodb' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
      ...(chance(0.03) ? {} : { 'x-amz-target': `${prefix}.${operation}` }),
    },
    body: randomBody(),
    signAs: chance(0.85) ? api.service : undefined,
    // DynamoDB answers a body of another content type with an XML <UnknownOperationException/>, as dynalite does.
    jsonProtocol: jsonContentType || api.service !== 'dynamodb',
  };
}

/** The AWS Query protocol (STS's GetCallerIdentity is served; SNS, IAM and the rest are refused in XML). */
function queryProtocolRequest(): FuzzRequest {
  const action = pick(['GetCallerIdentity', 'GetCallerIdentity', 'AssumeRole', 'GetSessionToken', 'ListTopics', '', ...JS_MEMBERS, randomString().slice(0, 200)]);
  const version = pick(['2011-06-15', '2011-06-15', '2010-03-31', '', randomString().slice(0, 50)]);
  const form = new URLSearchParams({ Action: action, Version: version });
  if (chance(0.3)) form.append(pick(MEMBER_NAMES), randomString().slice(0, 500));
  const body = chance(0.1) ? pick(['Action=%zz&Version=%', `Action=GetCallerIdentity&Version=2011-06-15&Pad=${'x'.repeat(70 * 1024)}`, randomBody()]) : form.toString();
  const viaQuery = chance(0.2);
  return {
    kind: 'query',
    method: viaQuery ? 'GET' : 'POST',
    path: viaQuery ? `/?${form.toString()}` : '/',
    headers: viaQuery ? {} : { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: viaQuery ? undefined : body,
    // A GET / signed for anything but sts, or unsigned, is S3's ListBuckets.
    signAs: viaQuery ? 'sts' : pick(['sts', 'sts', 'sns', 'iam', undefined]),
  };
}

function restRequest(): FuzzRequest {
  const functionName = pick([...harness.cloud.plan.functions.map((fn) => fn.name), ...JS_MEMBERS, randomString().slice(0, 200)]);
  const bucket = pick([harness.outputs.BucketName, ...JS_MEMBERS, 'no-such-bucket']);
  // Keys as stock clients send them and as they never would: malformed or non-UTF-8 escapes, dot
  // segments, empty segments, a trailing slash.
  const key = pick(['enrol/x.jpg', 'signin/../../etc/passwd', '%E0%A4%A', '%ff%fe', 'a%zz', 'enrol//x/', encodeURIComponent(randomString().slice(0, 100)), '__proto__']);
  const choices: Array<() => FuzzRequest> = [
    () => ({ kind: 'lambda invoke', method: 'POST', path: `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`, headers: { 'content-type': 'application/json', 'x-amz-invocation-type': pick(['RequestResponse', 'Event', 'DryRun', 'Bogus']) }, body: randomBody(), signAs: chance(0.8) ? 'lambda' : undefined }),
    () => ({ kind: 'lambda get', method: pick(['GET', 'DELETE', 'PUT']), path: `/2015-03-31/functions/${encodeURIComponent(functionName)}`, headers: {}, signAs: 'lambda' }),
    () => ({ kind: 'ses', method: 'POST', path: '/v2/email/outbound-emails', headers: { 'content-type': 'application/json' }, body: randomBody(), signAs: chance(0.8) ? 'ses' : undefined }),
    () => ({ kind: 's3', method: pick(['GET', 'PUT', 'HEAD', 'DELETE', 'POST', 'OPTIONS', 'PATCH']), path: `/${bucket}/${key}${chance(0.3) ? `?${pick(['list-type=2', 'delete', 'acl', 'uploads', 'X-Amz-Algorithm=AWS4-HMAC-SHA256', 'prefix=%ZZ', '__proto__=1'])}` : ''}`, headers: { 'content-type': pick(['image/jpeg', 'application/xml', '']) }, body: chance(0.5) ? randomBody() : undefined, signAs: chance(0.8) ? 's3' : undefined }),
    () => ({ kind: 's3', method: pick(['GET', 'POST', 'PUT']), path: `/${pick([`${'b'.repeat(101 + random.integerBelow(300))}`, '%ff', 'b%zz'])}${chance(0.5) ? '?delete' : ''}`, headers: {}, body: '<Delete/>', signAs: chance(0.5) ? 's3' : undefined }),
    () => ({ kind: 'jwks', method: 'GET', path: `/${encodeURIComponent(pick([harness.outputs.UserPoolId, ...JS_MEMBERS]))}/.well-known/${pick(['jwks.json', 'openid-configuration', '__proto__'])}`, headers: {} }),
    () => ({ kind: '_sim', method: pick(['GET', 'POST', 'DELETE']), path: `/_sim/${pick(['health', 'outputs', `emails?to=${encodeURIComponent(randomString().slice(0, 50))}`, `web/${encodeURIComponent(randomString().slice(0, 30))}`, 'web/../package.json', '__proto__'])}`, headers: {} }),
  ];
  return pick(choices)();
}

/**
 * Inputs that once took the kit down or past its parsers: JSON bodies that are not UTF-8 (they
 * became U+FFFD unnoticed), condition expressions of nested parentheses (dynalite's parser takes
 * exponential time in them: 100 levels froze the kit), DeleteObjects keys with character
 * references to no XML character (a 500) and DTD entities.
 */
function parserRequest(): FuzzRequest {
  const choices: Array<() => FuzzRequest> = [
    () => {
      const api = pick(Object.values(OPERATIONS));
      const bytes = pick([[0xc0, 0xaf], [0xff, 0xfe], [0xed, 0xa0, 0x80], [0xe2, 0x82]]);
      return {
        kind: `${api.service} not UTF-8`,
        method: 'POST',
        path: '/',
        headers: { 'content-type': api.service === 'dynamodb' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1', 'x-amz-target': `${api.prefix}.${pick(api.operations)}` },
        body: Buffer.concat([Buffer.from('{"Username":"'), Buffer.from(bytes), Buffer.from('x@example.com","ClientId":"x"}')]),
        signAs: chance(0.7) ? api.service : undefined,
        jsonProtocol: true,
      };
    },
    () => {
      const levels = random.integerBelow(200);
      const member = pick(['ConditionExpression', 'FilterExpression', 'KeyConditionExpression']);
      const condition = `${'('.repeat(levels)}${member === 'KeyConditionExpression' ? 'pk = :v' : 'attribute_not_exists(pk)'}${')'.repeat(levels)}`;
      const operation = member === 'ConditionExpression' ? 'PutItem' : 'Query';
      const input = operation === 'PutItem'
        ? { TableName: harness.outputs.UsersTableName, Item: { pk: { S: 'fuzz-parentheses' } }, [member]: condition }
        : { TableName: harness.outputs.UsersTableName, KeyConditionExpression: 'pk = :v', ExpressionAttributeValues: { ':v': { S: 'fuzz' } }, [member]: condition };
      return {
        kind: `dynamodb ${operation} ${member} ${levels} levels`,
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}` },
        body: JSON.stringify(input),
        signAs: 'dynamodb',
        jsonProtocol: true,
      };
    },
    () => {
      const key = pick(['&#x110000;', '&#99999999999;', '&#0;', '&#xD800;', '&ext;', 'a&b', '&amp;&#x1F600;', '&#65;']);
      const body = `${chance(0.5) ? '<!DOCTYPE Delete [<!ENTITY ext SYSTEM "file:///etc/passwd">]>' : ''}<Delete><Object><Key>${key}</Key></Object></Delete>`;
      return {
        kind: 's3',
        method: 'POST',
        path: `/${harness.outputs.BucketName}?delete`,
        headers: { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(body).digest('base64') },
        body,
        signAs: 's3',
      };
    },
  ];
  return pick(choices)();
}

async function send(request: FuzzRequest): Promise<{ status: number; text: string }> {
  const url = new URL(request.path, harness.endpoint);
  const bodyAllowed = !['GET', 'HEAD'].includes(request.method);
  let init = { method: request.method, headers: request.headers, body: bodyAllowed ? request.body : undefined };
  if (request.signAs) init = await signed(url, init, request.signAs);
  const headers = Object.fromEntries(Object.entries(init.headers).filter(([name]) => name !== 'host'));
  try {
    const response = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    // A request the server never answers counts as a server failure.
    return { status: 599, text: `no answer: ${(error as Error).name}` };
  }
}

describe('fuzzing every served API', () => {
  it(`answers ${REQUESTS} seeded random requests (seed "${SEED}") without a 5xx, in AWS's error shape`, async () => {
    const started = Date.now();
    const serverErrors: string[] = [];
    const shapeless: string[] = [];
    let sent = 0;
    while (sent < REQUESTS && Date.now() - started < TIME_BUDGET_MS) {
      const request = chance(0.1) ? parserRequest() : chance(0.55) ? jsonProtocolRequest() : chance(0.15) ? queryProtocolRequest() : restRequest();
      const { status, text } = await send(request);
      sent++;
      const described = `#${sent} ${request.kind} ${request.method} ${request.path.slice(0, 80)} ${String(request.body ?? '').slice(0, 200)} → ${status} ${text.slice(0, 160)}`;
      // S3 answers 501 NotImplemented for a feature it has and the sim does not (?acl, ?uploads):
      // a truthful refusal rather than a failure, so it is the one 5xx allowed.
      const notImplemented = request.kind === 's3' && status === 501 && (request.method === 'HEAD' || text.includes('<Code>NotImplemented</Code>'));
      if (status >= 500 && !notImplemented) serverErrors.push(described);
      // S3 errors are XML (a HEAD's has no body): never Fastify's JSON.
      if (request.kind === 's3' && status >= 400 && request.method !== 'HEAD' && !/^<\?xml[^>]*>\s*<Error><Code>\w+<\/Code>/.test(text)) {
        shapeless.push(described);
      }
      // Query-protocol errors are XML in its <ErrorResponse> shape, which the CLI and SDKs parse.
      if (request.kind === 'query' && status >= 400 && !/^<ErrorResponse( xmlns="[^"]+")?><Error><Type>(Sender|Receiver)<\/Type><Code>\w+<\/Code>/.test(text)) {
        shapeless.push(described);
      }
      if (request.jsonProtocol && status >= 400) {
        let type: unknown;
        try {
          type = (JSON.parse(text) as { __type?: unknown }).__type;
        } catch {
          type = undefined;
        }
        if (typeof type !== 'string') shapeless.push(described);
      }
    }

    expect(serverErrors).toEqual([]);
    expect(shapeless).toEqual([]);
    expect(sent).toBeGreaterThan(50);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 90_000);

  it('leaves a healthy server that still signs a user up', async () => {
    const health = await fetch(`${harness.endpoint}/_sim/health`);
    expect(((await health.json()) as { status: string }).status).toBe('ready');
    const signedUp = await harness.cognito.send(new SignUpCommand({
      ClientId: harness.outputs.UserPoolClientId,
      Username: 'after-the-fuzz@example.com',
      Password: 'Unused-Passw0rd!',
    }));
    expect(signedUp.UserSub).toBeTruthy();
  });
});
