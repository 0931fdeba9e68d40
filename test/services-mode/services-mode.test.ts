// Services mode without LocalStack: a full embedded cloud A plays LocalStack (it serves S3,
// DynamoDB and the Lambda Invoke API, and runs the handler bundles of the target=localstack
// template), and a services-mode sim B serves only Cognito and Rekognition, reaching A for S3
// images and trigger invocations, exactly as the `localstack` compose profile wires them.
// A's functions call B's Rekognition through AWS_ENDPOINT_URL_REKOGNITION, which the template
// sets from the simEndpoint context: B therefore listens on a port fixed before synthesis.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  DescribeCollectionCommand,
  IndexFacesCommand,
  RekognitionClient,
  SearchFacesByImageCommand,
} from '@aws-sdk/client-rekognition';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceAuthClient, unusablePassword } from '../../cli/face-auth-client.js';
import { synthesizeIfChanged } from '../../sim/cloud-assembly/synth-cache.js';
import { LOCAL_CREDENTIALS, startEmbeddedCloud, startSimServer, type EmbeddedCloud } from '../../sim/embedded-cloud.js';
import { generateFixture } from '../../sim/faces/generate-face.js';
import { LOCALSTACK_SYNTH_CONTEXT } from '../../sim/services-mode.js';

const projectDir = resolve(import.meta.dirname, '../..');
const STACK_NAME = 'FaceAuthStack';
const REGION = 'us-east-1';
/** B's port, baked into the template as simEndpoint; changing it means one more synthesis. */
const SERVICES_PORT = 45873;
const face = (seed: string, variant = 0) => generateFixture('face', seed, variant);

let localStackStandIn: EmbeddedCloud;
let services: EmbeddedCloud;
let cognito: CognitoIdentityProviderClient;
let rekognition: RekognitionClient;
let s3: S3Client;
let dynamo: DynamoDBDocumentClient;

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', () => reject(new Error(`port ${port} is in use: the services-mode test needs it (SERVICES_PORT)`)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePort()));
  });
}

async function latestCode(to: string): Promise<string> {
  const emails = (await (await fetch(`${services.endpoint}/_sim/emails?to=${encodeURIComponent(to)}`)).json()) as Array<{ body: string }>;
  const code = /\b(\d{6})\b/.exec(emails.at(-1)?.body ?? '')?.[1];
  if (!code) throw new Error(`no code emailed to ${to}`);
  return code;
}

const dataDirs = ['facekit-localstack-standin-', 'facekit-services-'].map((prefix) => mkdtempSync(join(tmpdir(), prefix)));

beforeAll(async () => {
  await assertPortFree(SERVICES_PORT);
  // Kept in the temporary folder between runs: the synth cache skips synthesis when nothing changed.
  const { cloudAssemblyDir } = await synthesizeIfChanged({
    projectDir,
    outDir: join(tmpdir(), 'facekit-services-mode-test.cdk.out'),
    context: { ...LOCALSTACK_SYNTH_CONTEXT, simEndpoint: `http://127.0.0.1:${SERVICES_PORT}` },
  });
  localStackStandIn = await startEmbeddedCloud({
    cloudAssemblyDir,
    stackName: STACK_NAME,
    region: REGION,
    dataDir: dataDirs[0],
  });
  services = await startSimServer({
    services: ['rekognition', 'cognito-idp'],
    s3Endpoint: localStackStandIn.endpoint,
    lambdaEndpoint: localStackStandIn.endpoint,
    cloudAssemblyDir,
    stackName: STACK_NAME,
    region: REGION,
    port: SERVICES_PORT,
    dataDir: dataDirs[1],
  });
  const sdk = { region: REGION, credentials: LOCAL_CREDENTIALS };
  cognito = new CognitoIdentityProviderClient({ ...sdk, endpoint: services.endpoint });
  rekognition = new RekognitionClient({ ...sdk, endpoint: services.endpoint });
  s3 = new S3Client({ ...sdk, endpoint: localStackStandIn.endpoint, forcePathStyle: true });
  dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ ...sdk, endpoint: localStackStandIn.endpoint }));
}, 240_000);

afterAll(async () => {
  for (const client of [cognito, rekognition, s3, dynamo]) client?.destroy();
  await services?.close();
  await localStackStandIn?.close();
  for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
});

describe('services mode', () => {
  it('serves only the listed services and the outputs that name them', async () => {
    const health = (await (await fetch(`${services.endpoint}/_sim/health`)).json()) as { status: string; services: string[] };
    expect(health).toEqual({ status: 'ready', services: ['cognito-idp', 'rekognition'] });

    const outputs = (await (await fetch(`${services.endpoint}/_sim/outputs`)).json()) as Record<string, Record<string, string>>;
    expect(Object.keys(outputs)).toEqual([STACK_NAME]);
    expect(Object.keys(outputs[STACK_NAME]).sort()).toEqual(['CollectionId', 'Region', 'UserPoolClientId', 'UserPoolId']);
    expect(outputs[STACK_NAME].UserPoolId).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);
    expect(outputs[STACK_NAME].CollectionId).toBe('faceauthstack-faces');

    // No S3, DynamoDB or Lambda here: a bucket path and the Invoke API are not routes of B.
    const bucketPath = await fetch(`${services.endpoint}/${localStackStandIn.outputs.BucketName}`);
    expect(bucketPath.status).toBe(404);
    const invoke = await fetch(`${services.endpoint}/2015-03-31/functions/${STACK_NAME}-PreSignUp/invocations`, { method: 'POST', body: '{}' });
    expect(invoke.status).toBe(404);
  });

  it('creates the collection named by the CollectionId output, which the localstack template has no resource for', async () => {
    expect(services.plan.collections).toEqual([]);
    const described = await rekognition.send(new DescribeCollectionCommand({ CollectionId: 'faceauthstack-faces' }));
    // Created empty: nothing has been indexed yet (the tests below index into it).
    expect(described.FaceCount).toBe(0);
    expect(described.CollectionARN).toMatch(/:collection\/faceauthstack-faces$/);
  });

  it('runs SignUp and ConfirmSignUp through triggers invoked in the other endpoint by their template names', async () => {
    const clientId = services.outputs.UserPoolClientId;
    const email = 'dora@example.com';
    const signUp = await cognito.send(
      new SignUpCommand({ ClientId: clientId, Username: email, Password: unusablePassword(), UserAttributes: [{ Name: 'email', Value: email }] }),
    );
    expect(signUp.UserConfirmed).toBe(false);
    // CustomMessage ran in A: the code arrives in B's outbox inside the message the trigger wrote.
    const code = await latestCode(email);
    await cognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: code, ClientMetadata: { enrolSecret: 'x'.repeat(43) } }));

    // PostConfirmation ran in A and wrote the user record to A's DynamoDB.
    const record = await dynamo.send(
      new GetCommand({ TableName: localStackStandIn.outputs.UsersTableName, Key: { pk: `USER#${signUp.UserSub}` } }),
    );
    expect(record.Item).toMatchObject({ email });
  });

  it('indexes and searches faces whose images Rekognition reads from the other endpoint S3', async () => {
    const bucket = localStackStandIn.outputs.BucketName;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'test/erin-0.jpg', Body: await face('erin'), ContentType: 'image/jpeg' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'test/erin-2.jpg', Body: await face('erin', 2), ContentType: 'image/jpeg' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'test/frank-0.jpg', Body: await face('frank'), ContentType: 'image/jpeg' }));

    const indexed = await rekognition.send(
      new IndexFacesCommand({ CollectionId: 'faceauthstack-faces', Image: { S3Object: { Bucket: bucket, Name: 'test/erin-0.jpg' } }, ExternalImageId: 'erin', MaxFaces: 1 }),
    );
    expect(indexed.FaceRecords).toHaveLength(1);
    const faceId = indexed.FaceRecords![0].Face!.FaceId;

    const same = await rekognition.send(
      new SearchFacesByImageCommand({ CollectionId: 'faceauthstack-faces', Image: { S3Object: { Bucket: bucket, Name: 'test/erin-2.jpg' } }, FaceMatchThreshold: 90 }),
    );
    expect(same.FaceMatches?.map((match) => match.Face?.FaceId)).toContain(faceId);

    const other = await rekognition.send(
      new SearchFacesByImageCommand({ CollectionId: 'faceauthstack-faces', Image: { S3Object: { Bucket: bucket, Name: 'test/frank-0.jpg' } }, FaceMatchThreshold: 90 }),
    );
    expect(other.FaceMatches?.map((match) => match.Face?.FaceId) ?? []).not.toContain(faceId);

    await expect(
      rekognition.send(new IndexFacesCommand({ CollectionId: 'faceauthstack-faces', Image: { S3Object: { Bucket: bucket, Name: 'test/missing.jpg' } } })),
    ).rejects.toMatchObject({ name: 'InvalidS3ObjectException' });
  });

  it('signs up, enrols and signs in end to end: B for Cognito and Rekognition, A for S3, DynamoDB and the functions', async () => {
    const client = new FaceAuthClient({ region: REGION, userPoolClientId: services.outputs.UserPoolClientId, endpoint: services.endpoint });
    // A serves Rekognition too (it is a full embedded cloud): only face counts show whose the handlers used.
    const standInRekognition = new RekognitionClient({ region: REGION, credentials: LOCAL_CREDENTIALS, endpoint: localStackStandIn.endpoint });
    const faceCount = async (rekognitionClient: RekognitionClient) =>
      (await rekognitionClient.send(new DescribeCollectionCommand({ CollectionId: 'faceauthstack-faces' }))).FaceCount;
    const facesInB = await faceCount(rekognition);
    try {
      const email = 'gina@example.com';
      await client.signUp(email);
      const enrolSecret = await client.confirmSignUp(email, await latestCode(email));
      // Enrolment: the photo goes to A's S3, A's indexer indexes it into B's collection.
      const enrolled = await client.authenticate(email, { photo: await face('gina'), enrolSecret });
      expect(enrolled.kind).toBe('signed-in');
      expect(await faceCount(rekognition)).toBe(facesInB! + 1);
      expect(await faceCount(standInRekognition)).toBe(0);
      // Sign-in: A's Verify searches B's collection.
      const signedIn = await client.authenticate(email, { photo: await face('gina', 3) });
      expect(signedIn).toMatchObject({ kind: 'signed-in', challenges: ['FACE_MATCH'] });
      const stranger = await client.authenticate(email, { photo: await face('hugo') });
      expect(stranger.kind).toBe('face-not-recognised');
    } finally {
      client.cognito.destroy();
      standInRekognition.destroy();
    }
  });
});
