// Cognito trigger events and S3 events as Lambda receives them, with the fields tests vary.
import { randomUUID } from 'node:crypto';
import type {
  Context,
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  S3Event,
  VerifyAuthChallengeResponseTriggerEvent,
} from 'aws-lambda';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../handlers/aws-clients/dynamodb.js';
import type { SessionEntry } from '../../handlers/challenges/challenge-sequence.js';
import { TABLE } from './handler-test-environment.js';

export const USER_POOL_ID = 'us-east-1_FaceKit01';
const common = {
  version: '1',
  region: 'us-east-1',
  userPoolId: USER_POOL_ID,
  callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: 'facekitclient0000000000000' },
};

/** Calls a Lambda handler the way the runtime does: event, context, callback. */
export async function invoke<E, R>(handler: (event: E, context: Context, callback: () => void) => unknown, event: E): Promise<R> {
  return (await handler(event, {} as Context, () => undefined)) as R;
}

export interface TestUser {
  sub: string;
  email: string;
}

export function newUser(): TestUser {
  const sub = randomUUID();
  return { sub, email: `user-${sub.slice(0, 8)}@example.com` };
}

export function attributesOf(user: TestUser | undefined): Record<string, string> {
  return user ? { sub: user.sub, email: user.email, email_verified: 'true' } : {};
}

export const entry = (challengeMetadata: string, challengeResult: boolean): SessionEntry => ({
  challengeName: 'CUSTOM_CHALLENGE',
  challengeResult,
  challengeMetadata,
});

/** RespondToAuthChallenge's ClientMetadata when the answer asks to enrol. */
export const ENROL_REQUEST = { intent: 'ENROL' };

export function defineEvent(
  user: TestUser | undefined,
  session: SessionEntry[],
  userName = user?.email ?? 'nobody@example.com',
  clientMetadata?: Record<string, string>,
): DefineAuthChallengeTriggerEvent {
  return {
    ...common,
    triggerSource: 'DefineAuthChallenge_Authentication',
    userName,
    request: { userAttributes: attributesOf(user), session, userNotFound: !user, ...(clientMetadata ? { clientMetadata } : {}) },
    response: { challengeName: undefined, issueTokens: false, failAuthentication: false },
  };
}

export function createEvent(
  user: TestUser | undefined,
  session: SessionEntry[],
  userName = user?.email ?? 'nobody@example.com',
  clientMetadata?: Record<string, string>,
): CreateAuthChallengeTriggerEvent {
  return {
    ...common,
    triggerSource: 'CreateAuthChallenge_Authentication',
    userName,
    request: {
      userAttributes: attributesOf(user),
      challengeName: 'CUSTOM_CHALLENGE',
      session,
      userNotFound: !user,
      ...(clientMetadata ? { clientMetadata } : {}),
    },
    response: { publicChallengeParameters: {}, privateChallengeParameters: {}, challengeMetadata: '' },
  };
}

export function verifyEvent(
  user: TestUser | undefined,
  privateChallengeParameters: Record<string, string>,
  challengeAnswer = 'uploaded',
  clientMetadata?: Record<string, string>,
): VerifyAuthChallengeResponseTriggerEvent {
  return {
    ...common,
    triggerSource: 'VerifyAuthChallengeResponse_Authentication',
    userName: user?.email ?? 'nobody@example.com',
    request: { userAttributes: attributesOf(user), privateChallengeParameters, challengeAnswer, userNotFound: !user, clientMetadata },
    response: { answerCorrect: false },
  };
}

export function s3Event(...keys: string[]): S3Event {
  return {
    Records: keys.map((key) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: new Date().toISOString(),
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:FACEKIT' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'REQ', 'x-amz-id-2': 'ID2' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'enrol-photos',
        bucket: { name: 'face-kit-uploads-test', ownerIdentity: { principalId: 'FACEKIT' }, arn: 'arn:aws:s3:::face-kit-uploads-test' },
        object: { key, size: 1000, eTag: 'etag', sequencer: '0' },
      },
    })),
  };
}

/** Writes an item straight into the users table (the state other functions would have left). */
export async function putItem(item: Record<string, unknown>): Promise<void> {
  await documentClient.send(new PutCommand({ TableName: TABLE, Item: item }));
}

export async function getItem(pk: string): Promise<Record<string, unknown> | undefined> {
  return (await documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk }, ConsistentRead: true }))).Item;
}
