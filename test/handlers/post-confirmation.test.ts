import './handler-test-environment.js';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { AdminSetUserPasswordCommand, CognitoIdentityProviderClient, InternalErrorException } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/post-confirmation.js';
import { captureLogs } from './log-capture.js';
import { attributesOf, getItem, invoke, newUser, putItem, type TestUser } from './trigger-events.js';

const logs = captureLogs();
const cognito = mockClient(CognitoIdentityProviderClient);
beforeEach(() => {
  cognito.reset();
  cognito.on(AdminSetUserPasswordCommand).resolves({});
});
const passwordsSet = () => cognito.commandCalls(AdminSetUserPasswordCommand).map((call) => call.args[0].input);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const SECRET = 'k4Jd9s0QpL2mN8vX1cR7tY5wE3uI6oA0';

function confirmation(
  user: TestUser,
  clientMetadata?: Record<string, string>,
  triggerSource: PostConfirmationTriggerEvent['triggerSource'] = 'PostConfirmation_ConfirmSignUp',
): PostConfirmationTriggerEvent {
  return {
    version: '1',
    region: 'us-east-1',
    userPoolId: 'us-east-1_FaceKit01',
    userName: user.email,
    callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: 'client' },
    triggerSource,
    request: { userAttributes: attributesOf(user), clientMetadata },
    response: {},
  };
}
const confirm = (event: PostConfirmationTriggerEvent) => invoke(handler, event);

describe('PostConfirmation', () => {
  it('replaces the password the sign-up gave (perhaps a stranger\'s) by a permanent one nobody knows', async () => {
    const [first, second] = [newUser(), newUser()];

    await confirm(confirmation(first));
    await confirm(confirmation(second));

    const [set, other] = passwordsSet();
    expect(set).toEqual({ UserPoolId: 'us-east-1_FaceKit01', Username: first.email, Password: expect.any(String), Permanent: true });
    expect(other).toMatchObject({ Username: second.email });
    // 100 characters with every class a pool's policy may require, and new each time.
    expect(set!.Password).toHaveLength(100);
    expect(set!.Password).toMatch(/[a-z]/);
    expect(set!.Password).toMatch(/[A-Z]/);
    expect(set!.Password).toMatch(/[0-9]/);
    expect(set!.Password).toMatch(/[^a-zA-Z0-9]/);
    expect(other!.Password).not.toBe(set!.Password);
    expect(logs.text()).not.toContain(set!.Password);
  });

  it('still confirms, with the record made, when the password cannot be replaced, and says so in the log', async () => {
    const user = newUser();
    cognito.on(AdminSetUserPasswordCommand).rejects(new InternalErrorException({ message: 'internal error', $metadata: {} }));

    await expect(confirm(confirmation(user))).resolves.toBeDefined();

    expect(await getItem(`USER#${user.sub}`)).toMatchObject({ sub: user.sub });
    expect(logs.text()).toContain('sign-up password not replaced');
    expect(logs.text()).toContain('InternalErrorException');
  });

  it('creates an unenrolled user record', async () => {
    const user = newUser();

    await confirm(confirmation(user));

    const record = await getItem(`USER#${user.sub}`);
    expect(record).toMatchObject({ sub: user.sub, email: user.email, createdAt: expect.any(String) });
    expect(record?.faceId).toBeUndefined();
    expect(record?.enrolSecretHash).toBeUndefined();
  });

  it('stores the hash of the enrolment secret, valid for ten minutes, and never the secret', async () => {
    const user = newUser();
    const before = Date.now();

    await confirm(confirmation(user, { enrolSecret: SECRET }));

    const record = await getItem(`USER#${user.sub}`);
    expect(record?.enrolSecretHash).toBe(sha256(SECRET));
    expect(record?.enrolSecretExpiresAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(record?.enrolSecretExpiresAt).toBeLessThanOrEqual(Date.now() + 600_000);
    expect(JSON.stringify(record)).not.toContain(SECRET);
    expect(logs.text()).toContain('user record created');
    expect(logs.text()).not.toContain(SECRET);
  });

  it('ignores an enrolment secret shorter than 32 characters', async () => {
    const user = newUser();

    await confirm(confirmation(user, { enrolSecret: SECRET.slice(0, 31) }));

    expect((await getItem(`USER#${user.sub}`))?.enrolSecretHash).toBeUndefined();
  });

  it('logs that a short enrolment secret was ignored, and says nothing of a missing one', async () => {
    await confirm(confirmation(newUser(), { enrolSecret: SECRET.slice(0, 31) }));
    const afterShort = logs.text();
    await confirm(confirmation(newUser()));

    expect(afterShort).toContain('enrolment secret ignored: too short');
    expect(logs.text().match(/enrolment secret ignored/g)).toHaveLength(1);
  });

  it('refuses a confirmation without a sub, creating no record', async () => {
    const event = confirmation(newUser(), { enrolSecret: SECRET });
    delete event.request.userAttributes.sub;

    await expect(confirm(event)).rejects.toThrow('internal error, please try again');
    expect(logs.text()).toContain('confirmed user has no sub');
    expect(await getItem('USER#undefined')).toBeUndefined();
  });

  it('does not overwrite the record of a user who has already enrolled', async () => {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, email: user.email, faceId: 'face-1', createdAt: '2026-01-01T00:00:00.000Z' });

    await confirm(confirmation(user, { enrolSecret: SECRET }));

    expect(await getItem(`USER#${user.sub}`)).toEqual({
      pk: `USER#${user.sub}`,
      sub: user.sub,
      email: user.email,
      faceId: 'face-1',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('does nothing after a forgotten-password confirmation', async () => {
    const user = newUser();

    await confirm(confirmation(user, undefined, 'PostConfirmation_ConfirmForgotPassword'));

    expect(await getItem(`USER#${user.sub}`)).toBeUndefined();
    expect(passwordsSet()).toEqual([]);
  });
});
