// End to end: every function of the embedded cloud signs with its own role's credentials, and each
// service checks the call against the role's policies from the template, as AWS does. These tests
// call with a function's credentials the way a handler would (raw SDK clients, a presigned URL),
// and take a grant out of the template to see the flow fail where it would fail after `cdk deploy`.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { IndexFacesCommand, RekognitionClient, SearchFacesByImageCommand } from '@aws-sdk/client-rekognition';
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { planStack, type PlannedFunction, type StackPlan } from '../../sim/cloud-assembly/stack-plan.js';
import { LOCAL_CREDENTIALS, startEmbeddedCloud } from '../../sim/embedded-cloud.js';
import { AccessControl } from '../../sim/iam/access-control.js';
import { cloudAssembly, latestCode, startHarness, STACK_NAME, type Harness } from './embedded-cloud-harness.js';

let harness: Harness;
let plan: StackPlan;

function functionNamed(logicalIdPrefix: string): PlannedFunction {
  const fn = plan.functions.find((candidate) => candidate.logicalId.startsWith(logicalIdPrefix));
  if (!fn) throw new Error(`no function ${logicalIdPrefix} in the template`);
  return fn;
}

/** The credentials the kit gives the function: derived from the kit's own secret (sim/iam/access-control.ts). */
function credentialsOf(logicalIdPrefix: string) {
  const fn = functionNamed(logicalIdPrefix);
  return new AccessControl({ accountId: plan.accountId, rootSecret: LOCAL_CREDENTIALS.secretAccessKey }).credentialsFor(fn.name, fn.role)!;
}

function clientsOf(logicalIdPrefix: string) {
  const sdk = { region: harness.outputs.Region, endpoint: harness.endpoint, credentials: credentialsOf(logicalIdPrefix), maxAttempts: 1 };
  return {
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(sdk)),
    s3: new S3Client({ ...sdk, forcePathStyle: true }),
    rekognition: new RekognitionClient(sdk),
    cognito: new CognitoIdentityProviderClient(sdk),
    ses: new SESv2Client(sdk),
    lambda: new LambdaClient(sdk),
  };
}

const deniedAs = (functionPrefix: string, action: string) =>
  expect.objectContaining({
    name: expect.stringMatching(/^AccessDenied(Exception)?$/),
    message: expect.stringMatching(new RegExp(`^User: arn:aws:sts::000000000000:assumed-role/${STACK_NAME}-${functionPrefix}Role\\w+/${STACK_NAME}-${functionPrefix}Function\\w+ is not authorized to perform: ${action} on resource: `)),
  });

beforeAll(async () => {
  harness = await startHarness();
  plan = planStack({ cloudAssemblyDir: await cloudAssembly(), stackName: STACK_NAME, region: harness.outputs.Region });
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

describe("functions' calls are checked against their roles", () => {
  it('lets a function read the items its role names and refuses the rest, in AWS shape', async () => {
    const { dynamo } = clientsOf('PreTokenGeneration');
    const table = harness.outputs.UsersTableName;
    await expect(dynamo.send(new GetCommand({ TableName: table, Key: { pk: 'USER#nobody' } }))).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    await expect(dynamo.send(new GetCommand({ TableName: table, Key: { pk: 'UPLOAD#enrol/x' } }))).rejects.toEqual(deniedAs('PreTokenGeneration', 'dynamodb:GetItem'));
    await expect(dynamo.send(new PutCommand({ TableName: table, Item: { pk: 'USER#forged' } }))).rejects.toEqual(deniedAs('PreTokenGeneration', 'dynamodb:PutItem'));
    // Nothing was written, and the kit's own key is not limited by any role.
    await expect(harness.dynamo.send(new GetCommand({ TableName: table, Key: { pk: 'USER#forged' } }))).resolves.not.toHaveProperty('Item');
    await harness.dynamo.send(new PutCommand({ TableName: table, Item: { pk: 'ADMIN#any', note: 'kit key' } }));
  });

  it('checks S3 calls by object key and listings by prefix', async () => {
    const { s3 } = clientsOf('VerifyAuthChallengeResponse');
    const bucket = harness.outputs.BucketName;
    await harness.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'enrol/someone/photo', Body: 'x' }));
    // A missing object is a 404 only to a caller who may list the bucket; Verify's listing is
    // narrowed by s3:prefix, which a HeadObject does not carry, so it gets 403 (and reads it as missing).
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'signin/someone/missing' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'signin/someone/missing' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(harness.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'signin/someone/missing' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'enrol/someone/photo' }))).rejects.toEqual(deniedAs('VerifyAuthChallengeResponse', 's3:GetObject'));
    await expect(s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'enrol/someone/' }))).resolves.toMatchObject({ KeyCount: 1 });
    await expect(s3.send(new ListObjectsV2Command({ Bucket: bucket }))).rejects.toEqual(deniedAs('VerifyAuthChallengeResponse', 's3:ListBucket'));
    // DeleteObjects is checked key by key: the key outside the role's prefixes is reported, not deleted.
    await harness.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'elsewhere/keep', Body: 'x' }));
    const deleted = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'enrol/someone/photo' }, { Key: 'elsewhere/keep' }] } }));
    expect(deleted.Deleted?.map((entry) => entry.Key)).toEqual(['enrol/someone/photo']);
    expect(deleted.Errors).toEqual([expect.objectContaining({ Key: 'elsewhere/keep', Code: 'AccessDenied' })]);
    await expect(harness.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'elsewhere/keep' }))).resolves.toBeDefined();
  });

  it("holds a presigned URL to its signer's permissions", async () => {
    const { s3 } = clientsOf('CreateAuthChallenge');
    const bucket = harness.outputs.BucketName;
    const presignedPut = (key: string) => getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 60 });
    expect((await fetch(await presignedPut('signin/someone/1'), { method: 'PUT', body: 'photo' })).status).toBe(200);
    const refused = await fetch(await presignedPut('elsewhere/1'), { method: 'PUT', body: 'photo' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/<Code>AccessDenied<\/Code><Message>User: arn:aws:sts::000000000000:assumed-role\/[^<]+ is not authorized to perform: s3:PutObject/);
    await expect(harness.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'elsewhere/1' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('checks Rekognition calls on the collection, and the S3 object a call has Rekognition read', async () => {
    const verify = clientsOf('VerifyAuthChallengeResponse').rekognition;
    const collection = harness.outputs.CollectionId;
    const image = (key: string) => ({ S3Object: { Bucket: harness.outputs.BucketName, Name: key } });
    await expect(verify.send(new IndexFacesCommand({ CollectionId: collection, Image: image('signin/someone/1') })))
      .rejects.toEqual(deniedAs('VerifyAuthChallengeResponse', 'rekognition:IndexFaces'));
    // Verify may search, but may not have Rekognition read an enrolment photo for it.
    await expect(verify.send(new SearchFacesByImageCommand({ CollectionId: collection, Image: image('enrol/someone/photo') })))
      .rejects.toEqual(deniedAs('VerifyAuthChallengeResponse', 's3:GetObject'));
  });

  it('checks Cognito admin calls on the pool', async () => {
    const { cognito } = clientsOf('DeletedUserSweep');
    const pool = harness.outputs.UserPoolId;
    await expect(cognito.send(new AdminGetUserCommand({ UserPoolId: pool, Username: 'nobody@example.com' }))).rejects.toMatchObject({ name: 'UserNotFoundException' });
    await expect(cognito.send(new AdminDeleteUserCommand({ UserPoolId: pool, Username: 'nobody@example.com' })))
      .rejects.toEqual(deniedAs('DeletedUserSweep', 'cognito-idp:AdminDeleteUser'));
  });

  it('checks SendEmail on the sender identity the role names', async () => {
    const email = (from: string) => new SendEmailCommand({
      FromEmailAddress: from,
      Destination: { ToAddresses: ['someone@example.com'] },
      Content: { Simple: { Subject: { Data: 'hi' }, Body: { Text: { Data: 'hi' } } } },
    });
    // The kit synthesizes the stack with emailSender=no-reply@facekit.local (ARCHITECTURE.md).
    const create = clientsOf('CreateAuthChallenge').ses;
    await expect(create.send(email('no-reply@facekit.local'))).resolves.toHaveProperty('MessageId');
    await expect(create.send(email('no-reply@example.com'))).rejects.toEqual(deniedAs('CreateAuthChallenge', 'ses:SendEmail'));
    await expect(clientsOf('PostAuthentication').ses.send(email('no-reply@facekit.local'))).rejects.toEqual(deniedAs('PostAuthentication', 'ses:SendEmail'));
    const sdk = { region: harness.outputs.Region, endpoint: harness.endpoint, credentials: LOCAL_CREDENTIALS };
    await expect(new SESv2Client(sdk).send(email('no-reply@example.com'))).resolves.toHaveProperty('MessageId');
  });

  it('checks Lambda API calls on the function: no function of the stack may invoke another', async () => {
    const { lambda } = clientsOf('DefineAuthChallenge');
    const sweep = functionNamed('DeletedUserSweep');
    await expect(lambda.send(new InvokeCommand({ FunctionName: sweep.name, Payload: '{}' }))).rejects.toEqual(deniedAs('DefineAuthChallenge', 'lambda:InvokeFunction'));
    // Refused before the lookup, as Lambda does: a caller without the permission learns nothing of what exists.
    await expect(lambda.send(new GetFunctionCommand({ FunctionName: 'no-such-function' }))).rejects.toEqual(deniedAs('DefineAuthChallenge', 'lambda:GetFunction'));
    const sdk = { region: harness.outputs.Region, endpoint: harness.endpoint, credentials: LOCAL_CREDENTIALS };
    await expect(new LambdaClient(sdk).send(new GetFunctionCommand({ FunctionName: sweep.name }))).resolves.toHaveProperty('Configuration.FunctionName', sweep.name);
  });

  it("refuses a function's key and secret without its session token, as AWS refuses a role session's", async () => {
    const { sessionToken, ...keyAndSecret } = credentialsOf('PreTokenGeneration');
    expect(sessionToken).toMatch(/^FwoGZXIvYXdzE/);
    const sdk = { region: harness.outputs.Region, endpoint: harness.endpoint, maxAttempts: 1 };
    const table = harness.outputs.UsersTableName;
    for (const credentials of [keyAndSecret, { ...keyAndSecret, sessionToken: `${sessionToken}x` }]) {
      const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ ...sdk, credentials }));
      await expect(dynamo.send(new GetCommand({ TableName: table, Key: { pk: 'USER#nobody' } }))).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      });
    }
    // Verify may delete sign-in photos: with its token the call goes through, without it S3 knows no such key.
    const verifyKeys = credentialsOf('VerifyAuthChallengeResponse');
    const deletePhoto = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
      new S3Client({ ...sdk, credentials, forcePathStyle: true }).send(
        new DeleteObjectsCommand({ Bucket: harness.outputs.BucketName, Delete: { Objects: [{ Key: 'signin/no-such-photo' }] } }),
      );
    await expect(deletePhoto({ ...verifyKeys, sessionToken: undefined })).rejects.toMatchObject({ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } });
    await expect(deletePhoto({ ...verifyKeys, sessionToken: 'FwoGZXIvYXdzEforged' })).rejects.toMatchObject({ name: 'InvalidToken', $metadata: { httpStatusCode: 400 } });
    await expect(deletePhoto(verifyKeys)).resolves.toMatchObject({ Deleted: [{ Key: 'signin/no-such-photo' }] });
  });

  it("names a function's caller identity as its role's session, as Lambda's credentials are", async () => {
    const url = new URL(harness.endpoint);
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const request = {
      method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: {}, body,
      headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } as Record<string, string>,
    };
    const callerOf = async (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => {
      const signed = await new SignatureV4({ service: 'sts', region: harness.outputs.Region, credentials, sha256: Hash.bind(null, 'sha256') }).sign(request);
      const xml = await (await fetch(harness.endpoint, { method: 'POST', headers: signed.headers, body })).text();
      return { arn: /<Arn>([^<]*)<\/Arn>/.exec(xml)?.[1], userId: /<UserId>([^<]*)<\/UserId>/.exec(xml)?.[1] };
    };
    const verify = functionNamed('VerifyAuthChallengeResponse');
    expect(await callerOf(credentialsOf('VerifyAuthChallengeResponse'))).toEqual({
      arn: `arn:aws:sts::000000000000:assumed-role/${verify.role!.name}/${verify.name}`,
      userId: expect.stringMatching(new RegExp(`^AROA[A-Z2-7]{17}:${verify.name}$`)),
    });
    expect(await callerOf(LOCAL_CREDENTIALS)).toEqual({ arn: 'arn:aws:iam::000000000000:root', userId: '000000000000' });
  });
});

describe('a grant taken out of the template', () => {
  it('fails the flow in the embedded cloud, where it would fail on AWS', async () => {
    // A copy of the cloud assembly whose PostConfirmation role lost its PutItem on USER# items.
    const original = await cloudAssembly();
    const copy = mkdtempSync(join(tmpdir(), 'facekit-iam-'));
    for (const entry of readdirSync(original)) {
      if (entry.endsWith('.template.json') || entry === 'manifest.json') cpSync(join(original, entry), join(copy, entry));
      else symlinkSync(join(original, entry), join(copy, entry));
    }
    const templateFile = join(copy, `${STACK_NAME}.template.json`);
    const template = JSON.parse(readFileSync(templateFile, 'utf8')) as { Resources: Record<string, { Type: string; Properties: { PolicyDocument?: { Statement: Array<{ Action: unknown }> } } }> };
    const [, policy] = Object.entries(template.Resources).find(([id, resource]) => resource.Type === 'AWS::IAM::Policy' && id.startsWith('PostConfirmationRoleDefaultPolicy'))!;
    const statements = policy.Properties.PolicyDocument!.Statement;
    policy.Properties.PolicyDocument!.Statement = statements.filter((statement) => statement.Action !== 'dynamodb:PutItem');
    expect(policy.Properties.PolicyDocument!.Statement).toHaveLength(statements.length - 1);
    writeFileSync(templateFile, JSON.stringify(template));

    const log: string[] = [];
    const dataDir = mkdtempSync(join(tmpdir(), 'facekit-iam-data-'));
    const cloud = await startEmbeddedCloud({ cloudAssemblyDir: copy, stackName: STACK_NAME, port: 0, dataDir, log: (line) => log.push(line) });
    try {
      const outputs = cloud.outputs as unknown as { Region: string; UserPoolClientId: string };
      const cognito = new CognitoIdentityProviderClient({ region: outputs.Region, endpoint: cloud.endpoint, credentials: LOCAL_CREDENTIALS });
      const email = 'grantless@example.com';
      await cognito.send(new SignUpCommand({ ClientId: outputs.UserPoolClientId, Username: email, Password: 'Unused-password-1', UserAttributes: [{ Name: 'email', Value: email }] }));
      const { code } = await latestCode(cloud.endpoint, email);
      await expect(cognito.send(new ConfirmSignUpCommand({ ClientId: outputs.UserPoolClientId, Username: email, ConfirmationCode: code })))
        .rejects.toMatchObject({ name: 'UserLambdaValidationException', message: expect.stringMatching(/^PostConfirmation failed/) });
      expect(log.join('\n')).toMatch(/AccessDeniedException.*is not authorized to perform: dynamodb:PutItem/);
    } finally {
      await cloud.close();
      for (const folder of [copy, dataDir]) rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
