import './handler-test-environment.js';
import { describe, expect, it } from 'vitest';
import type { PostAuthenticationTriggerEvent } from 'aws-lambda';
import { handler } from '../../handlers/post-authentication.js';
import { attributesOf, getItem, invoke, newUser, putItem, type TestUser } from './trigger-events.js';
import { captureLogs } from './log-capture.js';

const logs = captureLogs();

function authenticated(user: TestUser): PostAuthenticationTriggerEvent {
  return {
    version: '1',
    region: 'us-east-1',
    userPoolId: 'us-east-1_FaceKit01',
    userName: user.email,
    callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: 'client' },
    triggerSource: 'PostAuthentication_Authentication',
    request: { userAttributes: attributesOf(user), newDeviceUsed: false },
    response: {},
  };
}

describe('PostAuthentication', () => {
  it('records when the user signed in', async () => {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, faceId: 'face-1' });
    const before = Date.now();

    await invoke(handler, authenticated(user));

    const record = await getItem(`USER#${user.sub}`);
    expect(Date.parse(String(record?.lastSignInAt))).toBeGreaterThanOrEqual(before - 1);
    expect(record?.faceId).toBe('face-1');
  });

  it('does not create a record for a user without one', async () => {
    const user = newUser();

    await invoke(handler, authenticated(user));

    expect(await getItem(`USER#${user.sub}`)).toBeUndefined();
    expect(logs.text()).toContain('sign-in of a user without a record');
  });

  it('logs a recorded sign-in as such, not as a user without a record', async () => {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub });

    await invoke(handler, authenticated(user));

    expect(logs.text()).toContain('sign-in recorded');
    expect(logs.text()).not.toContain('without a record');
  });

  it('passes an event without a sub through, writing and logging nothing', async () => {
    const event = authenticated(newUser());
    delete event.request.userAttributes.sub;

    const result = await invoke(handler, event);

    expect(result).toBe(event);
    expect(await getItem('USER#undefined')).toBeUndefined();
    expect(logs.text()).toBe('');
  });
});
