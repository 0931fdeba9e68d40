import './handler-test-environment.js';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { AdminUserGlobalSignOutCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DeleteFacesCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/pre-token-generation.js';
import { COLLECTION } from './handler-test-environment.js';
import { attributesOf, getItem, invoke, newUser, putItem, type TestUser } from './trigger-events.js';
import { captureLogs } from './log-capture.js';

captureLogs();
const cognito = mockClient(CognitoIdentityProviderClient);
const rekognition = mockClient(RekognitionClient);
const ses = mockClient(SESv2Client);

beforeEach(() => {
  cognito.reset();
  rekognition.reset();
  ses.reset();
  cognito.on(AdminUserGlobalSignOutCommand).resolves({});
  rekognition.on(DeleteFacesCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'message-1' });
});

function tokenGeneration(user: TestUser, triggerSource: PreTokenGenerationTriggerEvent['triggerSource'] = 'TokenGeneration_Authentication'): PreTokenGenerationTriggerEvent {
  return {
    version: '1',
    region: 'us-east-1',
    userPoolId: 'us-east-1_FaceKit01',
    userName: user.email,
    callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: 'client' },
    triggerSource,
    request: { userAttributes: attributesOf(user), groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] } },
    response: { claimsOverrideDetails: { claimsToSuppress: ['custom:keep'] } },
  } as PreTokenGenerationTriggerEvent;
}
const claims = async (event: PreTokenGenerationTriggerEvent) =>
  (await invoke<PreTokenGenerationTriggerEvent, PreTokenGenerationTriggerEvent>(handler, event)).response.claimsOverrideDetails;

describe('PreTokenGeneration', () => {
  it('claims the face factor of a sign-in and that a face is enrolled, keeping other overrides', async () => {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, faceId: 'face-1', lastFactor: 'face' });

    const details = await claims(tokenGeneration(user));

    expect(details).toEqual({ claimsToSuppress: ['custom:keep'], claimsToAddOrOverride: { face_factor: 'face', face_enrolled: 'true' } });
  });

  it('claims the enrolment factor right after enrolment, also on a refresh', async () => {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, faceId: 'face-1', lastFactor: 'face-enrolment' });

    const details = await claims(tokenGeneration(user, 'TokenGeneration_RefreshTokens'));

    expect(details.claimsToAddOrOverride).toEqual({ face_factor: 'face-enrolment', face_enrolled: 'true' });
  });

  it('claims face_enrolled "false" and no factor for a user without a face', async () => {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub });

    const details = await claims(tokenGeneration(user));

    // Strict: a `face_factor` key holding undefined is a claim Cognito would refuse.
    expect(details.claimsToAddOrOverride).toStrictEqual({ face_enrolled: 'false' });
  });

  it('claims face_enrolled "false" for a user without a record, and for an event without a sub', async () => {
    const withoutRecord = await claims(tokenGeneration(newUser()));
    const withoutSub = tokenGeneration(newUser());
    delete withoutSub.request.userAttributes.sub;

    const withoutSubDetails = await claims(withoutSub);

    expect(withoutRecord.claimsToAddOrOverride).toStrictEqual({ face_enrolled: 'false' });
    expect(withoutSubDetails.claimsToAddOrOverride).toStrictEqual({ face_enrolled: 'false' });
  });
});

describe('PreTokenGeneration after a face bind cut short (the Verify that bound it died before it finished)', () => {
  const takeBack = { signOut: true, retiredFaceId: 'face-old' };
  const signOuts = () => cognito.commandCalls(AdminUserGlobalSignOutCommand).map((call) => call.args[0].input);

  it('finishes it before a sign-in gets its tokens: ends the old sessions, removes the old face, tells the mailbox', async () => {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, faceId: 'face-new', lastFactor: 'face', followUp: takeBack });
    const event = tokenGeneration(user);

    const details = await claims(event);

    expect(details.claimsToAddOrOverride).toEqual({ face_factor: 'face', face_enrolled: 'true' });
    expect(signOuts()).toEqual([{ UserPoolId: event.userPoolId, Username: event.userName }]);
    expect(rekognition.commandCalls(DeleteFacesCommand).map((call) => call.args[0].input)).toEqual([{ CollectionId: COLLECTION, FaceIds: ['face-old'] }]);
    expect(ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input.Destination?.ToAddresses)).toEqual([[user.email]]);
    expect(await getItem(`USER#${user.sub}`)).not.toHaveProperty('followUp');
  });

  it('refuses a refresh once it has ended the sessions: the refresh token came from before the sign-out', async () => {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, faceId: 'face-new', followUp: takeBack });

    await expect(claims(tokenGeneration(user, 'TokenGeneration_RefreshTokens'))).rejects.toThrow('This session ended when a new face was enrolled. Sign in again.');
    expect(signOuts()).toHaveLength(1);
    expect(await getItem(`USER#${user.sub}`)).not.toHaveProperty('followUp');
  });

  it('lets a refresh through after a first enrolment, which ends no session, and still tells the mailbox', async () => {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, faceId: 'face-new', followUp: { signOut: false } });

    const details = await claims(tokenGeneration(user, 'TokenGeneration_RefreshTokens'));

    expect(details.claimsToAddOrOverride).toMatchObject({ face_enrolled: 'true' });
    expect(signOuts()).toEqual([]);
    expect(rekognition.commandCalls(DeleteFacesCommand)).toHaveLength(0);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(await getItem(`USER#${user.sub}`)).not.toHaveProperty('followUp');
  });

  it('does nothing more for a record whose bind finished', async () => {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, faceId: 'face-new' });

    await claims(tokenGeneration(user, 'TokenGeneration_RefreshTokens'));

    expect([signOuts(), rekognition.commandCalls(DeleteFacesCommand), ses.commandCalls(SendEmailCommand)]).toEqual([[], [], []]);
  });

  it('fails the tokens when the sessions cannot be ended, keeping the follow-up for the next try', async () => {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, faceId: 'face-new', followUp: takeBack });
    cognito.on(AdminUserGlobalSignOutCommand).rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));

    await expect(claims(tokenGeneration(user))).rejects.toThrow('internal error, please try again');
    expect(await getItem(`USER#${user.sub}`)).toMatchObject({ followUp: takeBack });
  });
});
