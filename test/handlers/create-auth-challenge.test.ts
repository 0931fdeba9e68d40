import './handler-test-environment.js';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CreateAuthChallengeTriggerEvent } from 'aws-lambda';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/create-auth-challenge.js';
import { BUCKET, SENDER } from './handler-test-environment.js';
import { dynamoDbCommandsOf } from './dynamodb-calls.js';
import { captureLogs } from './log-capture.js';
import { createEvent, ENROL_REQUEST, entry, getItem, invoke, newUser, putItem, type TestUser } from './trigger-events.js';

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
  return { input, text, code: /\b(\d{8})\b/.exec(text)?.[1] };
}

/** The MAILBOX_PROOF that follows a FACE_MATCH answered with the ENROL intent. */
const askToEnrol = (user: TestUser | undefined, metadata: Record<string, string> = {}, userName?: string) =>
  createEvent(user, [entry('FACE_MATCH', false)], userName, { ...ENROL_REQUEST, ...metadata });

describe('CreateAuthChallenge: FACE_MATCH', () => {
  it('gives an enrolled user a presigned PUT for a fresh signin/<hex> key that names nobody, and keeps the key private', async () => {
    const user = await enrolledUser();

    const before = Date.now();
    const { response } = await create(createEvent(user, []));

    // The issue time, for Define to refuse a match made with a face enrolled again since.
    const issuedAt = Number(/^FACE_MATCH:(\d+)$/.exec(response.challengeMetadata ?? '')?.[1]);
    expect(issuedAt).toBeGreaterThanOrEqual(before);
    expect(issuedAt).toBeLessThanOrEqual(Date.now());
    expect(response.privateChallengeParameters).toEqual({ challenge: 'FACE_MATCH', key: expect.stringMatching(new RegExp(`^signin/${HEX_KEY}$`)) });
    expect(Object.keys(response.publicChallengeParameters).sort()).toEqual(['challenge', 'expiresAt', 'maxBytes', 'uploadFormFields', 'uploadFormUrl']);
    expect(response.publicChallengeParameters).toMatchObject({ challenge: 'FACE_MATCH', maxBytes: '5242880' });
    const url = new URL(response.publicChallengeParameters.uploadFormUrl);
    expect(url.hostname.startsWith(BUCKET) || url.pathname === `/${BUCKET}`).toBe(true);
    const fields = JSON.parse(response.publicChallengeParameters.uploadFormFields) as Record<string, string>;
    expect(fields.key).toBe(response.privateChallengeParameters.key);
    expect(fields['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
    // The policy S3 enforces: this key only, 1 byte to maxBytes, for 170 s.
    const policy = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8')) as { expiration: string; conditions: unknown[] };
    expect(policy.conditions).toEqual(expect.arrayContaining([{ key: fields.key }, { bucket: BUCKET }, ['content-length-range', 1, 5_242_880], ['starts-with', '$Content-Type', '']]));
    expect(Date.parse(policy.expiration) - before).toBeGreaterThan(169_000);
    expect(Date.parse(policy.expiration) - Date.now()).toBeLessThanOrEqual(170_000);
    expect(Date.parse(response.publicChallengeParameters.expiresAt) - Date.now()).toBeGreaterThan(160_000);
  });

  it('builds it without a DynamoDB call, whoever the email belongs to', async () => {
    await create(createEvent(undefined, [])); // reads the key of stand-in subs, once per container
    for (const user of [await enrolledUser(), await unenrolledUser(), undefined]) {
      const commands = await dynamoDbCommandsOf(async () => {
        expect((await create(createEvent(user, []))).response.challengeMetadata).toMatch(/^FACE_MATCH:\d+$/);
      });
      expect(commands).toEqual([]);
    }
  });

  it('chooses a new key for every challenge', async () => {
    const user = await enrolledUser();

    const first = await create(createEvent(user, []));
    const second = await create(createEvent(user, [entry('FACE_MATCH', false)]));

    expect(second.response.privateChallengeParameters.key).not.toBe(first.response.privateChallengeParameters.key);
  });

  it('gives an unknown user, and a user without a face, the same FACE_MATCH with the same private shape', async () => {
    const known = await create(createEvent(await enrolledUser(), []));

    const unknown = await create(createEvent(undefined, [], 'Nobody@Example.com'));
    const fresh = await create(createEvent(await unenrolledUser(), []));

    for (const other of [unknown, fresh]) {
      expect(Object.keys(other.response.publicChallengeParameters).sort()).toEqual(Object.keys(known.response.publicChallengeParameters).sort());
      expect(other.response.publicChallengeParameters).toMatchObject({ challenge: 'FACE_MATCH', maxBytes: '5242880' });
      expect(other.response.challengeMetadata?.replace(/\d+$/, '<time>')).toBe(known.response.challengeMetadata?.replace(/\d+$/, '<time>'));
      expect(Object.keys(other.response.privateChallengeParameters).sort()).toEqual(['challenge', 'key']);
      expect(other.response.privateChallengeParameters.key).toMatch(new RegExp(`^signin/${HEX_KEY}$`));
    }
  });
});

describe('CreateAuthChallenge: MAILBOX_PROOF', () => {
  it('asks for the enrolment secret when the client sends one, and emails nothing', async () => {
    const user = await unenrolledUser({ hash: sha256('s'.repeat(40)), expiresAt: Date.now() + 60_000 });

    const { response } = await create(askToEnrol(user, { enrolSecret: 's'.repeat(40) }));
    const again = await create(askToEnrol(user, { enrolSecret: 's'.repeat(40) }));

    expect(response.publicChallengeParameters).toEqual({ challenge: 'MAILBOX_PROOF', method: 'ENROL_SECRET' });
    // The proof id names this challenge, so Cognito's retry of its answer is told from another's.
    expect(response.privateChallengeParameters).toEqual({ challenge: 'MAILBOX_PROOF', method: 'ENROL_SECRET', proofId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(again.response.privateChallengeParameters.proofId).not.toBe(response.privateChallengeParameters.proofId);
    expect(response.challengeMetadata).toBe('MAILBOX_PROOF');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('gives no upload form before the mailbox is proven', async () => {
    const user = await unenrolledUser();

    const { response } = await create(askToEnrol(user));

    expect(response.publicChallengeParameters.challenge).toBe('MAILBOX_PROOF');
    expect(response.publicChallengeParameters.uploadFormUrl).toBeUndefined();
    expect(response.publicChallengeParameters.uploadFormFields).toBeUndefined();
    expect(response.privateChallengeParameters.key).toBeUndefined();
  });

  it('emails an 8-digit code from EMAIL_SENDER to the user when the client has no secret, keeping only its hash', async () => {
    const user = await enrolledUser();

    const { response } = await create(askToEnrol(user));

    const { input, code } = sentEmail();
    expect(input.FromEmailAddress).toBe(SENDER);
    expect(input.Destination?.ToAddresses).toEqual([user.email]);
    expect(input.Content?.Simple?.Subject?.Data).toContain('Face Kit <Test>');
    expect(input.Content?.Simple?.Body?.Html?.Data).toContain('Face Kit &#60;Test&#62;');
    expect(code).toMatch(/^\d{8}$/);
    expect(response.publicChallengeParameters).toEqual({ challenge: 'MAILBOX_PROOF', method: 'EMAIL_CODE' });
    expect(response.privateChallengeParameters).toEqual({ challenge: 'MAILBOX_PROOF', method: 'EMAIL_CODE', codeHash: sha256(code!) });
    expect(logs.text()).not.toContain(code);
  });

  it('gives an unknown email the same challenge and private shape, sends nothing, and spends the stand-in’s budget', async () => {
    const { response } = await create(askToEnrol(undefined, {}, 'nobody-mailbox@example.com'));

    expect(response.publicChallengeParameters).toEqual({ challenge: 'MAILBOX_PROOF', method: 'EMAIL_CODE' });
    expect(Object.keys(response.privateChallengeParameters).sort()).toEqual(['challenge', 'codeHash', 'method']);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('sends at most 10 codes a day per account, then one notice to the owner, then nothing', async () => {
    const user = await enrolledUser();

    for (let request = 0; request < 12; request++) await create(askToEnrol(user));

    const subjects = ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input.Content?.Simple?.Subject?.Data);
    expect(subjects.filter((subject) => subject?.endsWith('enrolment code'))).toHaveLength(10);
    // The notice goes with the first refusal (the 11th request), not a later one.
    expect(subjects[10]).toContain('paused');
    expect(subjects).toHaveLength(11);
    const budget = await getItem(`MAILBOX#${user.sub}`);
    expect(budget).toMatchObject({ codesSent: 10, noticeSent: true });
    // A day's window, and DynamoDB's TTL a minute after it.
    expect(budget?.windowEndsAt).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    expect(budget?.expiresAt).toBe(Math.floor(Number(budget?.windowEndsAt) / 1000) + 60);
    expect(logs.text().match(/enrolment code refused: budget used up/g)).toHaveLength(2);
  }, 30_000);

  it('tells the owner until when codes are paused: the end of the window already counted', async () => {
    const user = await enrolledUser();
    const windowEndsAt = Date.now() + 3_600_000;
    await putItem({ pk: `MAILBOX#${user.sub}`, codesSent: 10, windowEndsAt, expiresAt: Math.floor(windowEndsAt / 1000) + 60 });

    await create(askToEnrol(user));

    const { text } = sentEmail();
    expect(text).toContain(`none will be sent until ${new Date(windowEndsAt).toISOString()}`);
  });

  it('sends the code to the email on the user’s record, and to the sign-in email when there is no record', async () => {
    const recorded = await enrolledUser();
    const withoutRecord = newUser();
    const event = askToEnrol(recorded);
    event.request.userAttributes.email = 'changed@example.com';

    await create(event);
    await create(askToEnrol(withoutRecord));

    const recipients = ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input.Destination?.ToAddresses);
    expect(recipients).toEqual([[recorded.email], [withoutRecord.email]]);
    expect(logs.text()).not.toContain('budget used up');
  });

  it('starts a new budget once the day is over', async () => {
    const user = await enrolledUser();
    await putItem({ pk: `MAILBOX#${user.sub}`, codesSent: 10, noticeSent: true, windowEndsAt: Date.now() - 1, expiresAt: Math.floor(Date.now() / 1000) + 60 });

    await create(askToEnrol(user));

    expect(sentEmail().code).toMatch(/^\d{8}$/);
    expect(await getItem(`MAILBOX#${user.sub}`)).toMatchObject({ codesSent: 1 });
  });
});

describe('CreateAuthChallenge: ENROL_FACE', () => {
  it('follows a correct MAILBOX_PROOF with a presigned PUT for a fresh enrol/<sub>/ key, named in the metadata', async () => {
    const user = await unenrolledUser();

    const { response } = await create(createEvent(user, [entry('FACE_MATCH', false), entry('MAILBOX_PROOF', true)]));

    const key = response.privateChallengeParameters.key;
    expect(key).toMatch(new RegExp(`^enrol/${user.sub}/${HEX_KEY}$`));
    expect(response.privateChallengeParameters).toEqual({ challenge: 'ENROL_FACE', key });
    expect(response.challengeMetadata).toBe(`ENROL_FACE:${key}`);
    expect(Object.keys(response.publicChallengeParameters).sort()).toEqual(['challenge', 'expiresAt', 'maxBytes', 'uploadFormFields', 'uploadFormUrl']);
    expect(JSON.parse(response.publicChallengeParameters.uploadFormFields)).toMatchObject({ key });
  });

  it.each(['NO_FACE', 'MULTIPLE_FACES', 'LOW_QUALITY', 'NOT_AN_IMAGE', 'TOO_LARGE', 'NOT_UPLOADED', 'NOT_CHECKED_IN_TIME'])(
    'reports the previous photo’s rejection %s in the next ENROL_FACE challenge',
    async (reason) => {
      const user = await unenrolledUser();
      const previousKey = `enrol/${user.sub}/${'a'.repeat(32)}`;
      await putItem({ pk: `UPLOAD#${previousKey}`, status: 'REJECTED', reason, sub: user.sub, expiresAt: Math.floor(Date.now() / 1000) + 3600 });

      const { response } = await create(createEvent(user, [entry('FACE_MATCH', false), entry('MAILBOX_PROOF', true), entry(`ENROL_FACE:${previousKey}`, false)]));

      expect(response.publicChallengeParameters).toMatchObject({ challenge: 'ENROL_FACE', previousRejection: reason });
      expect(response.privateChallengeParameters.key).not.toBe(previousKey);
    },
  );

  it('reports no rejection on the first ENROL_FACE, nor when the previous photo has no verdict', async () => {
    const user = await unenrolledUser();

    const first = await create(createEvent(user, [entry('FACE_MATCH', false), entry('MAILBOX_PROOF', true)]));
    const second = await create(createEvent(user, [entry('FACE_MATCH', false), entry('MAILBOX_PROOF', true), entry(`ENROL_FACE:enrol/${user.sub}/${'b'.repeat(32)}`, false)]));

    expect(first.response.publicChallengeParameters.previousRejection).toBeUndefined();
    expect(second.response.publicChallengeParameters.previousRejection).toBeUndefined();
  });
});

describe('CreateAuthChallenge refuses to build', () => {
  it('a challenge that is not CUSTOM_CHALLENGE', async () => {
    const event = createEvent(await enrolledUser(), []);
    event.request.challengeName = 'SMS_MFA';

    await expect(create(event)).rejects.toThrow('internal error, please try again');
    expect(logs.text()).toContain('unexpected challenge SMS_MFA');
    expect(event.response.privateChallengeParameters).toEqual({});
  });

  it('a challenge for a session Define has failed or finished', async () => {
    const user = await enrolledUser();
    const failed = createEvent(user, [entry('FACE_MATCH', false), entry('FACE_MATCH', false), entry('FACE_MATCH', false)]);
    const finished = createEvent(user, [entry('FACE_MATCH', true)]);

    await expect(create(failed)).rejects.toThrow('internal error, please try again');
    await expect(create(finished)).rejects.toThrow('internal error, please try again');
    expect(logs.text()).toContain('no challenge to create: the session is at FAIL');
    expect(logs.text()).toContain('no challenge to create: the session is at ISSUE_TOKENS');
  });
});

describe('CreateAuthChallenge logs', () => {
  it('never contain the upload form, its policy or its signature', async () => {
    const { response } = await create(createEvent(await enrolledUser(), []));
    const enrol = await create(createEvent(await unenrolledUser(), [entry('FACE_MATCH', false), entry('MAILBOX_PROOF', true)]));

    const text = logs.text();
    expect(text).toContain('challenge created');
    for (const { publicChallengeParameters } of [response, enrol.response]) {
      const fields = JSON.parse(publicChallengeParameters.uploadFormFields) as Record<string, string>;
      expect(text).not.toContain(fields.Policy);
      expect(text).not.toContain(fields['X-Amz-Signature']);
    }
    expect(text).not.toContain('X-Amz-');
  });
});
