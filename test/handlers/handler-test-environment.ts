// Imported first by every handler test: sets the handlers' environment and starts an in-memory
// DynamoDB (dynalite) with the users table, so conditional writes, ADD and consistent reads are
// the real thing. S3, Rekognition and SES are mocked per test with aws-sdk-client-mock.
// Top-level await: the handlers' modules, imported after this one, see the finished environment.
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

export const TABLE = 'face-kit-users-test';
export const BUCKET = 'face-kit-uploads-test';
export const COLLECTION = 'face-kit-faces-test';
export const SENDER = 'no-reply@face-kit.example';

const server = dynalite({ createTableMs: 0 });
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
export const dynamoEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
// Let the test process exit without an explicit close in every file.
server.unref();

Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIAFACEKITTEST00000',
  AWS_SECRET_ACCESS_KEY: 'face-kit-test-secret-access-key',
  AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
  USERS_TABLE: TABLE,
  UPLOAD_BUCKET: BUCKET,
  FACE_COLLECTION_ID: COLLECTION,
  EMAIL_SENDER: SENDER,
  ENROL_WAIT_MS: '600',
  APP_NAME: 'Face Kit <Test>',
});

await new DynamoDBClient({ endpoint: dynamoEndpoint }).send(
  new CreateTableCommand({
    TableName: TABLE,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  }),
);
