import './handler-test-environment.js';
import { describe, expect, it } from 'vitest';
import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { handler } from '../../handlers/pre-token-generation.js';
import { attributesOf, invoke, newUser, putItem, type TestUser } from './trigger-events.js';
import { captureLogs } from './log-capture.js';

captureLogs();

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
