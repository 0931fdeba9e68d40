// Stock tools against the embedded cloud: the operations they call first (ListUserPools,
// DescribeUserPool, ListUserPoolClients, DescribeUserPoolClient), a request id on every response,
// and the whole face flow driven by Debian's AWS CLI (also as a backend, with the admin calls) and
// boto3 (skipped, with the reason printed, only when those packages are not installed: `.ci/run`
// installs them).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DescribeCollectionCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadPhoto } from '../../cli/face-auth-client.js';
import { generateFixture } from '../../sim/faces/generate-face.js';
import { LOCAL_CREDENTIALS } from '../../sim/embedded-cloud.js';
import { latestCode, startHarness, type Harness } from './embedded-cloud-harness.js';
import { boto3Missing as whyBoto3Missing, PYTHON } from '../stock-clients/debian-python.js';

const run = promisify(execFile);
// Debian's packages, not whatever else is on PATH (a pyenv shim, a pip install): the contract is
// with the clients CI installs. Override with FACEKIT_AWS_CLI / FACEKIT_PYTHON.
const AWS_CLI = process.env.FACEKIT_AWS_CLI ?? '/usr/bin/aws';
const BOTO3_SCRIPT = resolve(import.meta.dirname, '../stock-clients/boto3_face_flow.py');

const awsCliMissing = existsSync(AWS_CLI) ? undefined : `${AWS_CLI} not found (apt-get install awscli)`;
const boto3Missing = await whyBoto3Missing();
if (awsCliMissing) console.warn(`skipping the AWS CLI face flow: ${awsCliMissing}`);
if (boto3Missing) console.warn(`skipping the boto3 face flow: ${boto3Missing}`);

let harness: Harness;
let scratch: string;
beforeAll(async () => {
  harness = await startHarness();
  scratch = mkdtempSync(join(tmpdir(), 'stock-tools-'));
});
afterAll(async () => {
  await harness?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The environment a developer's shell would have: local credentials, nothing from ~/.aws. */
function clientEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: scratch,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(scratch, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'no-credentials'),
    AWS_PAGER: '',
    PYTHONNOUSERSITE: '1',
  };
}

describe('operations stock tools call first', () => {
  it('lists and describes the pool and its client as the template configured them', async () => {
    const { UserPoolId, UserPoolClientId } = harness.outputs;

    const pools = await harness.cognito.send(new ListUserPoolsCommand({ MaxResults: 10 }));
    const pool = await harness.cognito.send(new DescribeUserPoolCommand({ UserPoolId }));
    const clients = await harness.cognito.send(new ListUserPoolClientsCommand({ UserPoolId }));
    const client = await harness.cognito.send(new DescribeUserPoolClientCommand({ UserPoolId, ClientId: UserPoolClientId }));

    expect(pools.UserPools?.map((entry) => entry.Id)).toEqual([UserPoolId]);
    expect(pools.UserPools?.[0]?.LambdaConfig?.DefineAuthChallenge).toBeTruthy();
    expect(pool.UserPool).toMatchObject({ Id: UserPoolId, Arn: `arn:aws:cognito-idp:us-east-1:000000000000:userpool/${UserPoolId}`, UsernameAttributes: ['email'] });
    expect(pool.UserPool?.CreationDate).toBeInstanceOf(Date);
    expect(clients.UserPoolClients).toEqual([{ ClientId: UserPoolClientId, UserPoolId, ClientName: expect.any(String) }]);
    expect(client.UserPoolClient).toMatchObject({ ClientId: UserPoolClientId, UserPoolId, PreventUserExistenceErrors: 'ENABLED' });
    expect(client.UserPoolClient?.ExplicitAuthFlows).toContain('ALLOW_CUSTOM_AUTH');
    expect(client.UserPoolClient?.ExplicitAuthFlows).not.toContain('ALLOW_USER_SRP_AUTH');
  });

  it('answers an unknown pool or client with ResourceNotFoundException and a missing MaxResults with InvalidParameterException', async () => {
    const { UserPoolId } = harness.outputs;

    await expect(harness.cognito.send(new DescribeUserPoolCommand({ UserPoolId: 'us-east-1_Nopool123' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: 'User pool us-east-1_Nopool123 does not exist.',
    });
    await expect(harness.cognito.send(new DescribeUserPoolClientCommand({ UserPoolId, ClientId: 'nosuchclient' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(harness.cognito.send(new ListUserPoolsCommand({} as never))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('what the AWS CLI asks beside the stack', () => {
  const aws = (...args: string[]) => run(AWS_CLI, [...args, '--endpoint-url', harness.endpoint, '--output', 'json'], { env: clientEnvironment() });
  const stderrOf = (call: Promise<unknown>) => call.then(() => '', (error: { stderr?: string }) => error.stderr ?? '');

  it.skipIf(awsCliMissing)("Debian's AWS CLI: sts get-caller-identity answers the local account, get-bucket-cors the stack's rules, the other get-bucket-* reads its configuration; APIs the kit does not serve say so", async () => {
    const identity = JSON.parse((await aws('sts', 'get-caller-identity')).stdout) as Record<string, string>;

    expect(identity).toEqual({ UserId: '000000000000', Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root' });
    // Which web origins may upload photos, as the stack configured the bucket.
    const cors = JSON.parse((await aws('s3api', 'get-bucket-cors', '--bucket', harness.outputs.BucketName)).stdout) as { CORSRules: Array<{ AllowedOrigins: string[] }> };
    expect(cors.CORSRules[0]!.AllowedOrigins).toContain('http://localhost:5173');
    // The rest of the bucket's configuration, as the stack set it (they answered 501 before).
    const bucketArgs = ['--bucket', harness.outputs.BucketName];
    expect(JSON.parse((await aws('s3api', 'get-bucket-encryption', ...bucketArgs)).stdout)).toEqual({
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }] },
    });
    expect(JSON.parse((await aws('s3api', 'get-bucket-ownership-controls', ...bucketArgs)).stdout)).toEqual({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } });
    const policy = JSON.parse(JSON.parse((await aws('s3api', 'get-bucket-policy', ...bucketArgs)).stdout).Policy) as { Statement: Array<{ Effect: string; Resource: string[] }> };
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Deny', Resource: [`arn:aws:s3:::${harness.outputs.BucketName}`, `arn:aws:s3:::${harness.outputs.BucketName}/*`] });
    expect((await aws('s3api', 'get-bucket-versioning', ...bucketArgs)).stdout.trim()).toBe('');
    expect(await stderrOf(aws('logs', 'describe-log-groups'))).toMatch(
      /\(UnknownOperationException\) when calling the DescribeLogGroups operation: Unknown target: Logs_20140328\.DescribeLogGroups; the JSON APIs served here are .*AWSCognitoIdentityProviderService.*\. CloudWatch Logs is not emulated: the functions' log lines .* are printed by the running kit/,
    );
    expect(await stderrOf(aws('sns', 'list-topics'))).toMatch(/\(InvalidAction\) when calling the ListTopics operation: The local kit does not emulate the sns Query API/);
    // Paths that are S3's too: answered as S3's NoSuchBucket for a bucket "restapis" before.
    expect(await stderrOf(aws('apigateway', 'get-rest-apis'))).toMatch(
      /\(UnknownOperationException\) when calling the GetRestApis operation: GET \/restapis, signed for "apigateway", is not an API the local kit emulates/,
    );
    expect(await stderrOf(aws('sesv2', 'list-email-identities'))).toMatch(
      /\(UnknownOperationException\) when calling the ListEmailIdentities operation: GET \/v2\/email\/identities is not an operation the local SES emulates/,
    );
  }, 60_000);
});

describe("the AWS CLI's large-file commands", () => {
  it.skipIf(awsCliMissing)("Debian's AWS CLI: s3 cp of a 12 MB file up (multipart), from one S3 path to another (UploadPartCopy) and down, byte for byte", async () => {
    const aws = (...args: string[]) => run(AWS_CLI, [...args, '--endpoint-url', harness.endpoint], { env: clientEnvironment() });
    const original = randomBytes(12 * 1024 * 1024);
    const [source, back] = [join(scratch, 'large.bin'), join(scratch, 'large-back.bin')];
    writeFileSync(source, original);
    const bucket = `s3://${harness.outputs.BucketName}`;

    await aws('s3', 'cp', source, `${bucket}/test/large.bin`);
    await aws('s3', 'cp', `${bucket}/test/large.bin`, `${bucket}/test/large-copy.bin`);
    await aws('s3', 'cp', `${bucket}/test/large-copy.bin`, back);

    expect(readFileSync(back).equals(original)).toBe(true);
    const head = JSON.parse((await aws('s3api', 'head-object', '--bucket', harness.outputs.BucketName, '--key', 'test/large-copy.bin', '--output', 'json')).stdout) as { ETag: string };
    // Copied in parts: the multipart ETag (two 8 MiB-or-less parts).
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
  }, 120_000);
});

describe('a client configured for another region', () => {
  // The kit stands for one region's endpoints. Served from this region's pools and tables, a client
  // set to another passed every local test and then found nothing once deployed (an outside audit:
  // `--region eu-west-1` listed the us-east-1 pool, tables and collection).
  const elsewhere = () => ({ region: 'eu-west-1', endpoint: harness.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const refusalOf = (call: Promise<unknown>) => call.then(() => undefined, (error: Error) => ({ name: error.name, message: error.message }));
  const WRONG_REGION = { name: 'InvalidSignatureException', message: "Credential should be scoped to a valid region, not 'eu-west-1'. " };

  it('is refused by every signed service as a regional AWS endpoint refuses it, and the same calls pass in the kit\'s region', async () => {
    const clients = {
      cognito: new CognitoIdentityProviderClient(elsewhere()),
      rekognition: new RekognitionClient(elsewhere()),
      dynamodb: new DynamoDBClient(elsewhere()),
      lambda: new LambdaClient(elsewhere()),
      ses: new SESv2Client(elsewhere()),
    };
    const email = new SendEmailCommand({
      FromEmailAddress: 'kit@example.com', Destination: { ToAddresses: ['region@example.com'] },
      Content: { Simple: { Subject: { Data: 'hello' }, Body: { Text: { Data: 'hello' } } } },
    });

    expect(await refusalOf(clients.cognito.send(new ListUserPoolsCommand({ MaxResults: 10 })))).toEqual(WRONG_REGION);
    expect(await refusalOf(clients.rekognition.send(new DescribeCollectionCommand({ CollectionId: harness.outputs.CollectionId })))).toEqual(WRONG_REGION);
    expect(await refusalOf(clients.dynamodb.send(new DescribeTableCommand({ TableName: harness.outputs.UsersTableName })))).toEqual(WRONG_REGION);
    expect(await refusalOf(clients.lambda.send(new ListFunctionsCommand({})))).toEqual(WRONG_REGION);
    expect(await refusalOf(clients.ses.send(email))).toEqual(WRONG_REGION);
    const here = { region: harness.outputs.Region, endpoint: harness.endpoint, credentials: LOCAL_CREDENTIALS };
    expect((await new DynamoDBClient(here).send(new DescribeTableCommand({ TableName: harness.outputs.UsersTableName }))).Table?.TableName)
      .toBe(harness.outputs.UsersTableName);
    expect((await harness.cognito.send(new ListUserPoolsCommand({ MaxResults: 10 }))).UserPools).toHaveLength(1);
    for (const client of Object.values(clients)) client.destroy();
  });

  it.skipIf(awsCliMissing)("Debian's AWS CLI with --region says which region is wrong", async () => {
    const refused = await run(AWS_CLI, ['dynamodb', 'list-tables', '--region', 'eu-west-1', '--endpoint-url', harness.endpoint], { env: clientEnvironment() })
      .then(() => '', (error: { stderr?: string }) => error.stderr ?? '');

    expect(refused).toMatch(/\(InvalidSignatureException\) when calling the ListTables operation: Credential should be scoped to a valid region, not 'eu-west-1'\./);
  }, 60_000);
});

describe('request ids', () => {
  const sdk = () => ({ region: 'us-east-1', endpoint: harness.endpoint, credentials: LOCAL_CREDENTIALS });
  const requestIdOfFailure = async (call: Promise<unknown>) => {
    try {
      await call;
    } catch (error) {
      return (error as { $metadata?: { requestId?: string } }).$metadata?.requestId;
    }
    throw new Error('expected the call to fail');
  };

  it('names every Cognito, Rekognition, DynamoDB, Lambda and SES response with x-amzn-RequestId, errors included', async () => {
    const rekognition = new RekognitionClient(sdk());
    const dynamodb = new DynamoDBClient(sdk());
    const lambda = new LambdaClient(sdk());
    const ses = new SESv2Client(sdk());
    const { UserPoolId, CollectionId, UsersTableName } = harness.outputs;

    const successes = [
      (await harness.cognito.send(new DescribeUserPoolCommand({ UserPoolId }))).$metadata.requestId,
      (await rekognition.send(new DescribeCollectionCommand({ CollectionId }))).$metadata.requestId,
      (await dynamodb.send(new DescribeTableCommand({ TableName: UsersTableName }))).$metadata.requestId,
      (await lambda.send(new ListFunctionsCommand({}))).$metadata.requestId,
      (await ses.send(new SendEmailCommand({
        FromEmailAddress: 'kit@example.com', Destination: { ToAddresses: ['request-id@example.com'] },
        Content: { Simple: { Subject: { Data: 'hello' }, Body: { Text: { Data: 'hello' } } } },
      }))).$metadata.requestId,
    ];
    const failures = [
      await requestIdOfFailure(harness.cognito.send(new DescribeUserPoolCommand({ UserPoolId: 'us-east-1_Nopool123' }))),
      await requestIdOfFailure(rekognition.send(new DescribeCollectionCommand({ CollectionId: 'no-such-collection' }))),
      await requestIdOfFailure(dynamodb.send(new DescribeTableCommand({ TableName: 'no-such-table' }))),
      await requestIdOfFailure(lambda.send(new GetFunctionCommand({ FunctionName: 'no-such-function' }))),
      await requestIdOfFailure(ses.send(new SendEmailCommand({ FromEmailAddress: 'kit@example.com', Destination: { ToAddresses: [] }, Content: {} }))),
    ];
    const unparseable = await fetch(harness.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.SignUp' },
      body: '{not json',
    });

    // Refused before any operation runs: an IAM-only call without a signature.
    const unsigned = await fetch(harness.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.ListUsers' },
      body: JSON.stringify({ UserPoolId }),
    });

    for (const requestId of [...successes, ...failures]) expect(requestId).toMatch(/^[0-9a-zA-Z-]{16,}$/);
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(unsigned.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(successes).size).toBe(successes.length);
    expect(unparseable.status).toBe(400);
    expect(unparseable.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    for (const client of [rekognition, dynamodb, lambda, ses]) client.destroy();
  });

  it('names every S3 response with x-amz-request-id and x-amz-id-2, errors included', async () => {
    const listing = await harness.s3.send(new ListObjectsV2Command({ Bucket: harness.outputs.BucketName }));
    let failure: { $metadata?: { requestId?: string; extendedRequestId?: string } } = {};
    await harness.s3.send(new HeadObjectCommand({ Bucket: harness.outputs.BucketName, Key: 'no/such/key' })).catch((error) => (failure = error));

    expect(listing.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
    expect(listing.$metadata.extendedRequestId).toBeTruthy();
    expect(failure.$metadata?.requestId).toMatch(/^[0-9A-F]{16}$/);
    expect(failure.$metadata?.extendedRequestId).toBeTruthy();
  });
});

describe('the face flow with stock clients', () => {
  const aws = async (...args: string[]) => {
    const { stdout } = await run(AWS_CLI, [...args, '--endpoint-url', harness.endpoint, '--output', 'json'], { env: clientEnvironment() })
      // The command line holds sessions and secrets: report the operation and the CLI's own error only.
      .catch((error: { stderr?: string }) => { throw new Error(`aws ${args.slice(0, 2).join(' ')} failed: ${error.stderr?.trim()}`); });
    return (stdout.trim() ? JSON.parse(stdout) : {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it.skipIf(awsCliMissing)("Debian's AWS CLI: describe, sign-up, confirm from the outbox, enrol a face, sign in, list users", async () => {
    const email = 'aws-cli@example.com';
    const enrolSecret = 'cli-enrol-secret-0123456789abcdefghij';

    const poolId = (await aws('cognito-idp', 'list-user-pools', '--max-results', '10')).UserPools[0].Id as string;
    const clientId = (await aws('cognito-idp', 'list-user-pool-clients', '--user-pool-id', poolId)).UserPoolClients[0].ClientId as string;
    const describedClient = (await aws('cognito-idp', 'describe-user-pool-client', '--user-pool-id', poolId, '--client-id', clientId)).UserPoolClient;
    expect((await aws('cognito-idp', 'describe-user-pool', '--user-pool-id', poolId)).UserPool.Id).toBe(poolId);
    expect(describedClient.ExplicitAuthFlows).toContain('ALLOW_CUSTOM_AUTH');

    const { UserSub: sub } = await aws('cognito-idp', 'sign-up', '--client-id', clientId, '--username', email,
      '--password', 'Unused-Passw0rd!-cli', '--user-attributes', JSON.stringify([{ Name: 'email', Value: email }]));
    const { code } = await latestCode(harness.endpoint, email);
    await aws('cognito-idp', 'confirm-sign-up', '--client-id', clientId, '--username', email, '--confirmation-code', code,
      '--client-metadata', JSON.stringify({ enrolSecret }));

    const respond = (session: string, username: string, answer: string, metadata?: Record<string, string>) =>
      aws('cognito-idp', 'respond-to-auth-challenge', '--client-id', clientId, '--challenge-name', 'CUSTOM_CHALLENGE', '--session', session,
        '--challenge-responses', JSON.stringify({ USERNAME: username, ANSWER: answer }),
        ...(metadata ? ['--client-metadata', JSON.stringify(metadata)] : []));
    const initiate = () => aws('cognito-idp', 'initiate-auth', '--client-id', clientId, '--auth-flow', 'CUSTOM_AUTH',
      '--auth-parameters', JSON.stringify({ USERNAME: email }));

    expect(await enrolThroughChallenges(initiate, respond, enrolSecret, 'aws-cli')).toEqual(['FACE_MATCH', 'MAILBOX_PROOF', 'ENROL_FACE']);

    let step = await initiate();
    expect(step.ChallengeParameters.challenge).toBe('FACE_MATCH');
    await uploadPhoto(step.ChallengeParameters, await generateFixture('face', 'aws-cli', 2));
    step = await respond(step.Session, step.ChallengeParameters.USERNAME, 'uploaded');
    expect(step.AuthenticationResult.TokenType).toBe('Bearer');

    const listed = await aws('cognito-idp', 'list-users', '--user-pool-id', poolId, '--filter', `email = "${email}"`);
    expect(listed.Users.map((user: { Attributes: Array<{ Name: string; Value: string }> }) =>
      user.Attributes.find((attribute) => attribute.Name === 'sub')?.Value)).toEqual([sub]);
  }, 120_000);

  it.skipIf(awsCliMissing)("Debian's AWS CLI as a backend: admin-initiate-auth and admin-respond-to-auth-challenge enrol a face and sign in through the kit's triggers", async () => {
    const email = 'aws-cli-admin@example.com';
    const enrolSecret = 'cli-admin-enrol-secret-0123456789abcd';
    const poolId = harness.outputs.UserPoolId;
    const clientId = harness.outputs.UserPoolClientId;
    await aws('cognito-idp', 'sign-up', '--client-id', clientId, '--username', email,
      '--password', 'Unused-Passw0rd!-cli', '--user-attributes', JSON.stringify([{ Name: 'email', Value: email }]));
    await aws('cognito-idp', 'confirm-sign-up', '--client-id', clientId, '--username', email,
      '--confirmation-code', (await latestCode(harness.endpoint, email)).code, '--client-metadata', JSON.stringify({ enrolSecret }));

    const initiate = () => aws('cognito-idp', 'admin-initiate-auth', '--user-pool-id', poolId, '--client-id', clientId,
      '--auth-flow', 'CUSTOM_AUTH', '--auth-parameters', `USERNAME=${email}`);
    const respond = (session: string, username: string, answer: string, metadata?: Record<string, string>) =>
      aws('cognito-idp', 'admin-respond-to-auth-challenge', '--user-pool-id', poolId, '--client-id', clientId,
        '--challenge-name', 'CUSTOM_CHALLENGE', '--session', session, '--challenge-responses', JSON.stringify({ USERNAME: username, ANSWER: answer }),
        ...(metadata ? ['--client-metadata', JSON.stringify(metadata)] : []));

    expect(await enrolThroughChallenges(initiate, respond, enrolSecret, 'aws-cli-admin')).toEqual(['FACE_MATCH', 'MAILBOX_PROOF', 'ENROL_FACE']);

    let step = await initiate();
    await uploadPhoto(step.ChallengeParameters, await generateFixture('face', 'aws-cli-admin', 2));
    step = await respond(step.Session, step.ChallengeParameters.USERNAME, 'uploaded');
    expect(step.AuthenticationResult.TokenType).toBe('Bearer');
    const refreshed = await aws('cognito-idp', 'admin-initiate-auth', '--user-pool-id', poolId, '--client-id', clientId,
      '--auth-flow', 'REFRESH_TOKEN_AUTH', '--auth-parameters', `REFRESH_TOKEN=${step.AuthenticationResult.RefreshToken}`);
    expect(refreshed.AuthenticationResult.AccessToken).toBeTruthy();
    // USER_PASSWORD_AUTH is InitiateAuth's alone; the CLI shows AWS's refusal.
    await expect(aws('cognito-idp', 'admin-initiate-auth', '--user-pool-id', poolId, '--client-id', clientId,
      '--auth-flow', 'USER_PASSWORD_AUTH', '--auth-parameters', `USERNAME=${email},PASSWORD=x`))
      .rejects.toThrow('An error occurred (InvalidParameterException) when calling the AdminInitiateAuth operation: Initiate Auth method not supported.');
  }, 120_000);

  it.skipIf(boto3Missing)("Debian's boto3: the same flow, request ids in ResponseMetadata, and presigned URLs as S3 answers them", async () => {
    const enrolPhoto = join(scratch, 'boto3-enrol.jpg');
    const signinPhoto = join(scratch, 'boto3-signin.jpg');
    writeFileSync(enrolPhoto, await generateFixture('face', 'boto3', 0));
    writeFileSync(signinPhoto, await generateFixture('face', 'boto3', 3));

    const { stdout } = await run(PYTHON, [BOTO3_SCRIPT, harness.endpoint, 'boto3@example.com', enrolPhoto, signinPhoto], { env: clientEnvironment() });
    const result = JSON.parse(stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.explicitAuthFlows).toContain('ALLOW_CUSTOM_AUTH');
    expect(result.enrolment).toEqual(['FACE_MATCH', 'MAILBOX_PROOF', 'ENROL_FACE']);
    expect(result.signIn).toEqual(['FACE_MATCH']);
    expect(result.tokenType).toBe('Bearer');
    expect(result.getUserSub).toBe(result.signedUpSub);
    expect(result.listedEmails).toEqual(['boto3@example.com']);
    expect(result.errorCode).toBe('ResourceNotFoundException');
    expect(result.errorRequestId).toMatch(/^[0-9a-f-]{36}$/);
    // SigV4 presigned URLs work; a SigV2 one (older botocore's default in us-east-1) gets what S3
    // answers for buckets created since June 2020: 400 InvalidRequest (docs/s3.md).
    expect(result.presigned_s3v4).toMatchObject({ sigV2: false, status: 200 });
    if (result.presigned_default.sigV2) expect(result.presigned_default).toMatchObject({ status: 400, code: 'InvalidRequest', requestId: expect.any(String) });
    else expect(result.presigned_default).toMatchObject({ status: 200 });
  }, 120_000);
});

/** Runs a new user's first sign-in, which enrols a face, through the CLI's calls; returns the challenges met. */
async function enrolThroughChallenges(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  initiate: () => Promise<any>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  respond: (session: string, username: string, answer: string, metadata?: Record<string, string>) => Promise<any>,
  enrolSecret: string,
  fixtureSeed: string,
): Promise<string[]> {
  const challenges: string[] = [];
  let step = await initiate();
  while (!step.AuthenticationResult) {
    const parameters = step.ChallengeParameters as Record<string, string>;
    challenges.push(parameters.challenge!);
    // Every session starts with FACE_MATCH; the ENROL intent (with the secret) asks to enrol instead.
    if (parameters.challenge === 'FACE_MATCH') {
      step = await respond(step.Session, parameters.USERNAME!, 'ENROL', { intent: 'ENROL', enrolSecret });
    } else if (parameters.challenge === 'MAILBOX_PROOF') {
      step = await respond(step.Session, parameters.USERNAME!, enrolSecret, { enrolSecret });
    } else {
      await uploadPhoto(parameters, await generateFixture('face', fixtureSeed, 0));
      step = await respond(step.Session, parameters.USERNAME!, 'uploaded');
    }
  }
  return challenges;
}
