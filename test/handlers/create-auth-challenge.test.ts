import './handler-test-environment.js';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CreateAuthChallengeTriggerEvent } from 'aws-lambda';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/create-auth-challenge.js';
import { BUCKET, SENDER } from './handler-test-environment.js';
import { captureLogs } from './log-capture.js';
import { createEvent, entry, invoke, newUser, putItem, type TestUser } from './trigger-events.js';

const ses = mockClient(SESv2Client);
const logs = captureLogs();
const create = (event: CreateAuthChallengeTriggerEvent) => invoke<CreateAuthChallengeTriggerEvent, CreateAuthChallengeTriggerEvent>(handler, event);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const HEX_KEY = '[0-9a-f]{32}';

beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'message-1' });
});

async function enrolledUser(): Promise<TestUser> {
  const user = newUser();
  await putItem({ pk: `USER#${user.sub}`, sub: user.sub, email: user.email, faceId: '11111111-2222-4333-8444-555555555555' });
  return user;
}

async function unenrolledUser(secret?: { hash: string; expiresAt: number }): Promise<TestUser> {
  const user = newUser();
  await putItem({
    pk: `USER#${user.sub}`,
    sub: user.sub,
    email: user.email,
    ...(secret ? { enrolSecretHash: secret.hash, enrolSecretExpiresAt: secret.expiresAt } : {}),
  });
  return user;
}

function sentEmail() {
  const calls = ses.commandCalls(SendEmailCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0].args[0].input;
  const text = input.Content?.Simple?.Body?.Text?.Data ?? '';
  return { input, text, code: /\b(\d{6})\b/.exec(text)?.[1] };
}

describe('CreateAuthChallenge: FACE_MATCH', () => {
  it('gives an enrolled user a presigned PUT for a fresh signin/<sub>/ key, and keeps the key private', async () => {
    const user = await enrolledUser();

    const { response } = await create(createEvent(user, []));

    expect(response.challengeMetadata).toBe('FACE_MATCH');
    expect(response.privateChallengeParameters).toEqual({ challenge: 'FACE_MATCH', key: expect.stringMatching(new RegExp(`^signin/${user.sub}/${HEX_KEY}$`)) });
    expect(Object.keys(response.publicChallengeParameters).sort()).toEqual(['challenge', 'expiresAt', 'maxBytes', 'uploadUrl']);
    expect(response.publicChallengeParameters).toMatchObject({ challenge: 'FACE_MATCH', maxBytes: '5242880' });
    const url = new URL(response.publicChallengeParameters.uploadUrl);
    expect(decodeURIComponent(url.pathname)).toContain(`${response.privateChallengeParameters.key}`);
    expect(url.hostname.startsWith(BUCKET) || url.pathname.startsWith(`/${BUCKET}/`)).toBe(true);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('170');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(response.publicChallengeParameters.expiresAt) - Date.now()).toBeGreaterThan(160_000);
  });

  it('chooses a new key for every challenge', async () => {
    const user = await enrolledUser();

    const first = await create(createEvent(user, []));
    const second = await create(createEvent(user, [entry('FACE_MATCH', false)]));

    expect(second.response.privateChallengeParameters.key).not.toBe(first.response.privateChallengeParameters.key);
  });

  it('gives an unknown user the same public shape, under a stand-in sub that is stable per username', async () => {
    const known = await create(createEvent(await enrolledUser(), []));

    const unknown = await create(createEvent(undefined, [], 'Nobody@Example.com'));
    const again = await create(createEvent(undefined, [entry('FACE_MATCH', false)], 'nobody@example.com'));
    const other = await create(createEvent(undefined, [], 'someone-else@example.com'));

    expect(Object.keys(unknown.response.publicChallengeParameters).sort()).toEqual(Object.keys(known.response.publicChallengeParameters).sort());
    expect(unknown.response.publicChallengeParameters).toMatchObject({ challenge: 'FACE_MATCH', maxBytes: '5242880' });
    expect(unknown.response.challengeMetadata).toBe(known.response.challengeMetadata);
    const standIn = /^signin\/([0-9a-f-]{36})\//.exec(unknown.response.privateChallengeParameters.key)?.[1];
    expect(standIn).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(again.response.privateChallengeParameters.key.startsWith(`signin/${standIn}/`)).toBe(true);
    expect(other.response.privateChallengeParameters.key.startsWith(`signin/${standIn}/`)).toBe(false);
    expect(unknown.response.privateChallengeParameters.userNotFound).toBe('true');
  });
});

describe('CreateAuthChallenge: MAILBOX_PROOF', () => {
  it('asks for the enrolment secret when the user has a live one, and emails nothing', async () => {
    const user = await unenrolledUser({ hash: sha256('s'.repeat(40)), expiresAt: Date.now() + 60_000 });

    const { response } = await create(createEvent(user, []));

    expect(response.publicChallengeParameters).toEqual({ challenge: 'MAILBOX_PROOF', method: 'ENROL_SECRET' });
    expect(response.privateChallengeParameters).toEqual({ challenge: 'MAILBOX_PROOF', method: 'ENROL_SECRET' });
    expect(response.challengeMetadata).toBe('MAILBOX_PROOF');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('gives a stranger who knows only the email no upload URL: the first challenge is MAILBOX_PROOF', async () => {
    const user = await unenrolledUser();

    const { response } = await create(createEvent(user, []));

    expect(response.publicChallengeParameters.challenge).toBe('MAILBOX_PROOF');
    expect(response.publicChallengeParameters.uploadUrl).toBeUndefined();
    expect(response.privateChallengeParameters.key).toBeUndefined();
  });

  it('emails a 6-digit code from EMAIL_SENDER to the user when there is no secret, keeping only its hash', async () => {
    const user = await unenrolledUser();

    const { response } = await create(createEvent(user, []));

    const { input, code } = sentEmail();
    expect(input.FromEmailAddress).toBe(SENDER);
    expect(input.Destination?.ToAddresses).toEqual([user.email]);
    expect(input.Content?.Simple?.Subject?.Data).toContain('Face Kit <Test>');
    expect(input.Content?.Simple?.Body?.Html?.Data).toContain('Face Kit &#60;Test&#62;');
    expect(code).toMatch(/^\d{6}$/);
    expect(response.publicChallengeParameters).toEqual({ challenge: 'MAILBOX_PROOF', method: 'EMAIL_CODE' });
    expect(response.privateChallengeParameters).toEqual({ challenge: 'MAILBOX_PROOF', method: 'EMAIL_CODE', codeHash: sha256(code!) });
    expect(logs.text()).not.toContain(code);
  });

  it('emails a code when the enrolment secret has expired', async () => {
    const user = await unenrolledUser({ hash: sha256('s'.repeat(40)), expiresAt: Date.now() - 1 });

    const { response } = await create(createEvent(user, []));

    expect(response.publicChallengeParameters.method).toBe('EMAIL_CODE');
    expect(sentEmail().code).toMatch(/^\d{6}$/);
  });

  it('refuses clearly when there is neither a live secret nor an email sender', async () => {
    const user = await unenrolledUser();
    vi.resetModules();
    vi.stubEnv('EMAIL_SENDER', '');
    try {
      const { handler: withoutSender } = await import('../../handlers/create-auth-challenge.js');

      const attempt = invoke(withoutSender, createEvent(user, []));

      await expect(attempt).rejects.toThrow('enrolment needs the one-time secret from ConfirmSignUp; no email sender is configured');
      expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});

describe('CreateAuthChallenge: ENROL_FACE', () => {
  it('follows a correct MAILBOX_PROOF with a presigned PUT for a fresh enrol/<sub>/ key, named in the metadata', async () => {
    const user = await unenrolledUser();

    const { response } = await create(createEvent(user, [entry('MAILBOX_PROOF', true)]));

    const key = response.privateChallengeParameters.key;
    expect(key).toMatch(new RegExp(`^enrol/${user.sub}/${HEX_KEY}$`));
    expect(response.privateChallengeParameters).toEqual({ challenge: 'ENROL_FACE', key });
    expect(response.challengeMetadata).toBe(`ENROL_FACE:${key}`);
    expect(Object.keys(response.publicChallengeParameters).sort()).toEqual(['challenge', 'expiresAt', 'maxBytes', 'uploadUrl']);
    expect(decodeURIComponent(new URL(response.publicChallengeParameters.uploadUrl).pathname)).toContain(key);
  });

  it.each(['NO_FACE', 'MULTIPLE_FACES', 'LOW_QUALITY', 'NOT_AN_IMAGE', 'TOO_LARGE', 'NOT_UPLOADED'])(
    'reports the previous photo’s rejection %s in the next ENROL_FACE challenge',
    async (reason) => {
      const user = await unenrolledUser();
      const previousKey = `enrol/${user.sub}/${'a'.repeat(32)}`;
      await putItem({ pk: `UPLOAD#${previousKey}`, status: 'REJECTED', reason, sub: user.sub, expiresAt: Math.floor(Date.now() / 1000) + 3600 });

      const { response } = await create(createEvent(user, [entry('MAILBOX_PROOF', true), entry(`ENROL_FACE:${previousKey}`, false)]));

      expect(response.publicChallengeParameters).toMatchObject({ challenge: 'ENROL_FACE', previousRejection: reason });
      expect(response.privateChallengeParameters.key).not.toBe(previousKey);
    },
  );

  it('reports no rejection on the first ENROL_FACE, nor when the previous photo has no verdict', async () => {
    const user = await unenrolledUser();

    const first = await create(createEvent(user, [entry('MAILBOX_PROOF', true)]));
    const second = await create(createEvent(user, [entry('MAILBOX_PROOF', true), entry(`ENROL_FACE:enrol/${user.sub}/${'b'.repeat(32)}`, false)]));

    expect(first.response.publicChallengeParameters.previousRejection).toBeUndefined();
    expect(second.response.publicChallengeParameters.previousRejection).toBeUndefined();
  });
});

describe('CreateAuthChallenge logs', () => {
  it('never contain the upload URL or its signature', async () => {
    const { response } = await create(createEvent(await enrolledUser(), []));
    const enrol = await create(createEvent(await unenrolledUser(), [entry('MAILBOX_PROOF', true)]));

    const text = logs.text();
    expect(text).toContain('challenge created');
    for (const url of [response.publicChallengeParameters.uploadUrl, enrol.response.publicChallengeParameters.uploadUrl]) {
      expect(text).not.toContain(url);
      expect(text).not.toContain(new URL(url).searchParams.get('X-Amz-Signature'));
    }
    expect(text).not.toContain('X-Amz-');
  });
});
