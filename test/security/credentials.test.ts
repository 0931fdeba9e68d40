// Issue 10, findings 1, 5 and 7 against `npm start` (the embedded cloud), as the attacker plays
// them with raw SDK calls: IAM-only operations without credentials, with an unknown key, with a
// wrong secret and with a body changed after signing; and an upload left behind by a session.
import {
  AdminConfirmSignUpCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListFacesCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../sim/embedded-cloud.js';
import { startHarness, type Harness } from '../e2e/embedded-cloud-harness.js';
import { signedOverNoBody, tamperedBody, UNKNOWN_KEY, unsigned, withContentType, withRawByte, WRONG_SECRET } from './request-signing.js';

let harness: Harness;
let sdk: { region: string; endpoint: string; credentials: typeof LOCAL_CREDENTIALS; maxAttempts: number };

beforeAll(async () => {
  harness = await startHarness();
  sdk = { region: harness.outputs.Region, endpoint: harness.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
});
afterAll(async () => {
  await harness?.close();
});

const DAY_MS = 24 * 3600 * 1000;

async function failureOf(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const { name, message, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name, message, status: $metadata?.httpStatusCode };
  }
  throw new Error('expected the call to be refused');
}

const MISSING_TOKEN = { name: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
const UNKNOWN_KEY_REFUSAL = { name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
const BAD_SIGNATURE_NAME = 'InvalidSignatureException';

async function unconfirmedVictim(email: string): Promise<string> {
  const client = new CognitoIdentityProviderClient(sdk);
  const { UserSub } = await client.send(new SignUpCommand({
    ClientId: harness.outputs.UserPoolClientId,
    Username: email,
    Password: 'Unused-Passw0rd!',
  }));
  return UserSub!;
}

async function statusOf(email: string): Promise<string | undefined> {
  const users = await harness.cognito.send(new ListUsersCommand({ UserPoolId: harness.outputs.UserPoolId, Filter: `email = "${email}"` }));
  return users.Users?.[0]?.UserStatus;
}

describe('Cognito IAM-only operations', () => {
  it('refuses an unsigned AdminConfirmSignUp and leaves the victim unconfirmed', async () => {
    const email = 'unsigned-confirm@example.com';
    await unconfirmedVictim(email);
    const attacker = unsigned(new CognitoIdentityProviderClient(sdk));

    const refused = await failureOf(attacker.send(new AdminConfirmSignUpCommand({ UserPoolId: harness.outputs.UserPoolId, Username: email })));

    expect(refused).toMatchObject(MISSING_TOKEN);
    expect(await statusOf(email)).toBe('UNCONFIRMED');
  });

  it('refuses an unsigned AdminDeleteUser and keeps the user', async () => {
    const email = 'unsigned-delete@example.com';
    await unconfirmedVictim(email);
    const attacker = unsigned(new CognitoIdentityProviderClient(sdk));

    const refused = await failureOf(attacker.send(new AdminDeleteUserCommand({ UserPoolId: harness.outputs.UserPoolId, Username: email })));

    expect(refused).toMatchObject(MISSING_TOKEN);
    expect(await statusOf(email)).toBe('UNCONFIRMED');
  });

  it('refuses ListUsers and AdminGetUser signed with an unknown key or a wrong secret', async () => {
    const poolId = harness.outputs.UserPoolId;
    const strangers = new CognitoIdentityProviderClient({ ...sdk, credentials: UNKNOWN_KEY });
    const guesser = new CognitoIdentityProviderClient({ ...sdk, credentials: WRONG_SECRET });

    expect(await failureOf(strangers.send(new ListUsersCommand({ UserPoolId: poolId })))).toMatchObject(UNKNOWN_KEY_REFUSAL);
    const wrongSecret = await failureOf(guesser.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'anyone@example.com' })));
    expect(wrongSecret.name).toBe(BAD_SIGNATURE_NAME);
    expect(wrongSecret.message).toMatch(/^The request signature we calculated does not match the signature you provided/);
  });

  it('checks credentials before it reads the body, as AWS does: unsigned garbage is MissingAuthenticationToken', async () => {
    const response = await fetch(`${harness.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminDeleteUser' },
      body: '{"UserPoolId":',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ __type: MISSING_TOKEN.name, message: MISSING_TOKEN.message });
  });

  it('checks the signature over the bytes sent whatever the content type: a call signed over no body is refused with its body', async () => {
    const email = 'content-type-victim@example.com';
    await unconfirmedVictim(email);
    const input = { UserPoolId: harness.outputs.UserPoolId, Username: email };
    const plainJson = withContentType(new CognitoIdentityProviderClient(sdk), 'application/json');
    const signedOverNothing = signedOverNoBody(withContentType(new CognitoIdentityProviderClient(sdk), 'application/json'));

    expect((await plainJson.send(new AdminGetUserCommand(input))).UserStatus).toBe('UNCONFIRMED');
    expect((await failureOf(signedOverNothing.send(new AdminDeleteUserCommand(input)))).name).toBe(BAD_SIGNATURE_NAME);
    expect(await statusOf(email)).toBe('UNCONFIRMED');
  });

  it('reads an application/json or text/plain body after its byte-order mark, as Fastify’s parsers did for those types', async () => {
    for (const type of ['application/json', 'text/plain;charset=UTF-8']) {
      const response = await fetch(`${harness.endpoint}/`, {
        method: 'POST',
        headers: { 'content-type': type, 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
        body: '\uFEFF{"AuthFlow":"CUSTOM_AUTH","ClientId":"nope","AuthParameters":{"USERNAME":"a@example.com"}}',
      });
      expect(response.headers.get('x-amzn-errortype'), type).toBe('ResourceNotFoundException');
    }
  });

  it('serves the same admin call signed with the local credentials, and public operations unsigned', async () => {
    const email = 'signed-confirm@example.com';
    const publicClient = unsigned(new CognitoIdentityProviderClient(sdk));
    await publicClient.send(new SignUpCommand({ ClientId: harness.outputs.UserPoolClientId, Username: email, Password: 'Unused-Passw0rd!' }));

    await harness.cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: harness.outputs.UserPoolId, Username: email }));

    expect(await statusOf(email)).toBe('CONFIRMED');
  });
});

describe('Lambda', () => {
  it('refuses an unsigned Invoke of PostConfirmation with a crafted event', async () => {
    const postConfirmation = harness.cloud.plan.functions.find((fn) => fn.logicalId.startsWith('PostConfirmation'))!;
    const attacker = unsigned(new LambdaClient(sdk));
    const crafted = { triggerSource: 'PostConfirmation_ConfirmSignUp', userName: 'victim', request: { userAttributes: { email: 'victim@example.com' }, clientMetadata: { enrolSecret: 'attacker' } }, response: {} };

    const refused = await failureOf(attacker.send(new InvokeCommand({ FunctionName: postConfirmation.name, Payload: Buffer.from(JSON.stringify(crafted)) })));

    expect(refused).toMatchObject({ ...MISSING_TOKEN, status: 403 });
  });

  it('refuses an Invoke signed with a wrong secret', async () => {
    const fn = harness.cloud.plan.functions[0]!;
    const refused = await failureOf(new LambdaClient({ ...sdk, credentials: WRONG_SECRET }).send(new InvokeCommand({ FunctionName: fn.name, Payload: Buffer.from('{}') })));
    expect(refused).toMatchObject({ name: BAD_SIGNATURE_NAME, status: 403 });
  });
});

describe('DynamoDB', () => {
  it('refuses an unsigned Scan of the users table', async () => {
    const refused = await failureOf(unsigned(new DynamoDBClient(sdk)).send(new ScanCommand({ TableName: harness.outputs.UsersTableName })));
    expect(refused).toMatchObject({ name: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
  });

  it('refuses a PutItem whose body was changed after signing', async () => {
    const tampering = tamperedBody(new DynamoDBClient(sdk), (body) => {
      (body.Item as Record<string, unknown>).pk = { S: 'USER#victim' };
    });
    const refused = await failureOf(tampering.send(new PutItemCommand({ TableName: harness.outputs.UsersTableName, Item: { pk: { S: 'harmless' } } })));
    expect(refused.name).toBe(BAD_SIGNATURE_NAME);
  });

  it('refuses a body that is not UTF-8 as no JSON, where decoding it merged two keys into one item', async () => {
    const table = harness.outputs.UsersTableName;
    const writer = (byte: number) => withRawByte(new DynamoDBClient(sdk), 'RAW', byte);
    const put = (byte: number, value: string) => writer(byte).send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'utf8-probe-RAW' }, note: { S: value } } }));

    expect(await failureOf(put(0xff, 'first'))).toMatchObject({ name: 'SerializationException', status: 400 });
    expect(await failureOf(put(0xfe, 'second'))).toMatchObject({ name: 'SerializationException', status: 400 });
    const { Items } = await new DynamoDBClient(sdk).send(new ScanCommand({ TableName: table, FilterExpression: 'begins_with(pk, :probe)', ExpressionAttributeValues: { ':probe': { S: 'utf8-probe' } } }));
    expect(Items).toEqual([]);
  });
});

describe('Rekognition and SES', () => {
  it('refuses an unsigned ListFaces', async () => {
    const refused = await failureOf(unsigned(new RekognitionClient(sdk)).send(new ListFacesCommand({ CollectionId: harness.outputs.CollectionId })));
    expect(refused).toMatchObject(MISSING_TOKEN);
  });

  it('refuses a SendEmail signed with an unknown key', async () => {
    const refused = await failureOf(new SESv2Client({ ...sdk, credentials: UNKNOWN_KEY }).send(new SendEmailCommand({
      FromEmailAddress: 'no-reply@example.com',
      Destination: { ToAddresses: ['victim@example.com'] },
      Content: { Simple: { Subject: { Data: 'Your code' }, Body: { Text: { Data: 'Phish' } } } },
    })));
    expect(refused).toMatchObject({ ...UNKNOWN_KEY_REFUSAL, status: 403 });
  });
});

describe('photo retention', () => {
  it("removes an abandoned sign-in upload once the bucket's lifecycle rule expires it", async () => {
    const s3 = new S3Client({ ...sdk, forcePathStyle: true });
    const key = `signin/abandoned-session/${Date.now()}.jpg`;
    await s3.send(new PutObjectCommand({ Bucket: harness.outputs.BucketName, Key: key, Body: Buffer.from('not a photo'), ContentType: 'image/jpeg' }));

    // One day later the object still exists: the rule rounds up to the next midnight UTC.
    harness.clock.advance(DAY_MS - 60_000);
    const later = new S3Client({ ...sdk, forcePathStyle: true, systemClockOffset: DAY_MS - 60_000 });
    await later.send(new GetObjectCommand({ Bucket: harness.outputs.BucketName, Key: key }));

    harness.clock.advance(DAY_MS + 60_000);
    const twoDaysLater = new S3Client({ ...sdk, forcePathStyle: true, systemClockOffset: 2 * DAY_MS });
    const gone = await failureOf(twoDaysLater.send(new GetObjectCommand({ Bucket: harness.outputs.BucketName, Key: key })));
    expect(gone.name).toBe('NoSuchKey');
  });
});
