import './handler-test-environment.js';
import { describe, expect, it } from 'vitest';
import type { DefineAuthChallengeTriggerEvent } from 'aws-lambda';
import { handler } from '../../handlers/define-auth-challenge.js';
import { nextStep } from '../../handlers/challenges/challenge-sequence.js';
import { defineEvent, ENROL_REQUEST, entry, invoke, newUser, putItem, type TestUser } from './trigger-events.js';
import { dynamoDbCommandsOf } from './dynamodb-calls.js';
import { captureLogs } from './log-capture.js';

captureLogs();

const define = (event: DefineAuthChallengeTriggerEvent) => invoke<DefineAuthChallengeTriggerEvent, DefineAuthChallengeTriggerEvent>(handler, event);

async function enrolledUser(): Promise<TestUser> {
  const user = newUser();
  await putItem({ pk: `USER#${user.sub}`, sub: user.sub, email: user.email, faceId: '11111111-2222-4333-8444-555555555555' });
  return user;
}

async function unenrolledUser(): Promise<TestUser> {
  const user = newUser();
  await putItem({ pk: `USER#${user.sub}`, sub: user.sub, email: user.email });
  return user;
}

describe('DefineAuthChallenge for an enrolled user', () => {
  it('asks for a custom challenge when the session starts', async () => {
    const user = await enrolledUser();

    const result = await define(defineEvent(user, []));

    expect(result.response).toEqual({ challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false });
  });

  it('issues tokens after a correct FACE_MATCH', async () => {
    const user = await enrolledUser();

    const result = await define(defineEvent(user, [entry('FACE_MATCH', false), entry('FACE_MATCH', true)]));

    expect(result.response).toEqual({ challengeName: undefined, issueTokens: true, failAuthentication: false });
  });

  it('fails a correct FACE_MATCH whose challenge was issued before the face now bound (enrolled again meanwhile), and issues tokens for one issued after', async () => {
    const user = newUser();
    const enrolledAt = Date.UTC(2026, 10, 30, 12, 0, 0);
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, email: user.email, faceId: '11111111-2222-4333-8444-555555555555', enrolledAt: new Date(enrolledAt).toISOString() });

    const before = await define(defineEvent(user, [entry(`FACE_MATCH:${enrolledAt - 1}`, true)]));
    const sameMoment = await define(defineEvent(user, [entry(`FACE_MATCH:${enrolledAt}`, true)]));
    const after = await define(defineEvent(user, [entry(`FACE_MATCH:${enrolledAt + 1}`, true)]));

    expect(before.response).toEqual({ challengeName: undefined, issueTokens: false, failAuthentication: true });
    expect(sameMoment.response.failAuthentication).toBe(true);
    expect(after.response).toEqual({ challengeName: undefined, issueTokens: true, failAuthentication: false });
  });

  it('asks again after one or two wrong answers', async () => {
    const user = await enrolledUser();

    const result = await define(defineEvent(user, [entry('FACE_MATCH', false), entry('FACE_MATCH', false)]));

    expect(result.response).toEqual({ challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false });
  });

  it('fails the session on the third wrong answer', async () => {
    const user = await enrolledUser();

    const result = await define(defineEvent(user, [entry('FACE_MATCH', false), entry('FACE_MATCH', false), entry('FACE_MATCH', false)]));

    expect(result.response).toEqual({ challengeName: undefined, issueTokens: false, failAuthentication: true });
  });

  it('fails a session that contains an SRP step, even after a correct FACE_MATCH', async () => {
    const user = await enrolledUser();
    const session = [{ challengeName: 'SRP_A' as const, challengeResult: true }, entry('FACE_MATCH', true)];

    const result = await define(defineEvent(user, session));

    expect(result.response).toMatchObject({ issueTokens: false, failAuthentication: true });
  });

  it('fails a session that contains a password verifier step', async () => {
    const user = await enrolledUser();

    const result = await define(defineEvent(user, [{ challengeName: 'PASSWORD_VERIFIER', challengeResult: true }]));

    expect(result.response).toMatchObject({ issueTokens: false, failAuthentication: true });
  });

  it('fails a session entry without the metadata CreateAuthChallenge sets', async () => {
    const user = await enrolledUser();

    const result = await define(defineEvent(user, [entry('', true)]));

    expect(result.response).toMatchObject({ issueTokens: false, failAuthentication: true });
  });

  it('does not issue tokens for a correct MAILBOX_PROOF alone', async () => {
    const user = await enrolledUser();

    const result = await define(defineEvent(user, [entry('MAILBOX_PROOF', true)]));

    expect(result.response).toEqual({ challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false });
  });
});

describe('DefineAuthChallenge for a user who has not enrolled', () => {
  it('asks for a challenge (MAILBOX_PROOF) first', async () => {
    const user = await unenrolledUser();

    const result = await define(defineEvent(user, []));

    expect(result.response).toEqual({ challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false });
  });

  it('issues tokens after a correct MAILBOX_PROOF then a correct ENROL_FACE', async () => {
    const user = await unenrolledUser();

    const result = await define(defineEvent(user, [entry('FACE_MATCH', false), entry('MAILBOX_PROOF', true), entry('ENROL_FACE:enrol/x/y', true)]));

    expect(result.response).toMatchObject({ issueTokens: true, failAuthentication: false });
  });

  it('does not issue tokens for an ENROL_FACE without a proven mailbox in the session', async () => {
    const user = await unenrolledUser();

    const result = await define(defineEvent(user, [entry('ENROL_FACE:enrol/x/y', true)]));

    expect(result.response.issueTokens).toBe(false);
  });

  it('fails after three wrong answers in total across the two challenges', async () => {
    const user = await unenrolledUser();
    const session = [entry('FACE_MATCH', false), entry('MAILBOX_PROOF', false), entry('MAILBOX_PROOF', true), entry('ENROL_FACE:a', false), entry('ENROL_FACE:b', false)];

    const result = await define(defineEvent(user, session));

    expect(result.response).toMatchObject({ issueTokens: false, failAuthentication: true });
  });

  it('treats a confirmed user without a record as not enrolled', async () => {
    const user = newUser();

    const result = await define(defineEvent(user, [entry('FACE_MATCH', true)]));

    expect(result.response).toEqual({ challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false });
  });
});

describe('DefineAuthChallenge reads the user’s record only when the step depends on it', () => {
  it('decides a session’s start, a wrong answer, the request to enrol and a finished enrolment without reading it, for every kind of email', async () => {
    const known = await enrolledUser();
    const fresh = await unenrolledUser();
    await define(defineEvent(undefined, [])); // reads the key of stand-in subs, once per container
    for (const user of [known, fresh, undefined]) {
      const enrolment = [entry('FACE_MATCH', false), entry('MAILBOX_PROOF', true)];
      for (const [session, clientMetadata] of [
        [[], undefined],
        [[entry('FACE_MATCH', false)], undefined],
        [[entry('FACE_MATCH', false)], ENROL_REQUEST],
        [enrolment, undefined],
        [[...enrolment, entry('ENROL_FACE:enrol/x/y', true)], undefined],
      ] as const) {
        const commands = await dynamoDbCommandsOf(() => define(defineEvent(user, [...session], undefined, clientMetadata)));
        expect(commands).toEqual([]);
      }
    }
  });

  it('reads it once after a correct FACE_MATCH, for every kind of email', async () => {
    await define(defineEvent(undefined, [])); // reads the key of stand-in subs, once per container
    for (const user of [await enrolledUser(), await unenrolledUser(), undefined]) {
      const commands = await dynamoDbCommandsOf(() => define(defineEvent(user, [entry('FACE_MATCH', true)])));
      expect(commands).toEqual(['GetCommand']);
    }
  });
});

describe('DefineAuthChallenge for an unknown user', () => {
  it('asks for a challenge like for a known user', async () => {
    const result = await define(defineEvent(undefined, []));

    expect(result.response).toEqual({ challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false });
  });

  it.each([
    ['a verified FACE_MATCH', [entry('FACE_MATCH', true)]],
    ['an enrolment: verified MAILBOX_PROOF and ENROL_FACE', [entry('FACE_MATCH', false), entry('MAILBOX_PROOF', true), entry('ENROL_FACE:enrol/x/y', true)]],
  ])('never issues tokens to an unknown user, even when the session holds %s', async (_, session) => {
    const result = await define(defineEvent(undefined, session));

    expect(result.response.issueTokens).toBe(false);
  });

  it('fails on the third wrong answer, like a known user', async () => {
    const result = await define(defineEvent(undefined, [entry('FACE_MATCH', false), entry('FACE_MATCH', false), entry('FACE_MATCH', false)]));

    expect(result.response).toMatchObject({ issueTokens: false, failAuthentication: true });
  });
});

describe('the challenge sequence', () => {
  const enrolled = { userNotFound: false, enrolled: true };
  const fresh = { userNotFound: false, enrolled: false };
  const unknown = { userNotFound: true, enrolled: false };

  it('starts every session with FACE_MATCH, whoever the email belongs to', () => {
    for (const user of [enrolled, fresh, unknown]) expect(nextStep([], user)).toEqual({ action: 'CHALLENGE', kind: 'FACE_MATCH' });
  });

  it('moves to MAILBOX_PROOF when a FACE_MATCH is answered with the ENROL intent, for every kind of email', () => {
    for (const user of [enrolled, fresh, unknown]) {
      expect(nextStep([entry('FACE_MATCH', false)], { ...user, enrolRequested: true })).toEqual({ action: 'CHALLENGE', kind: 'MAILBOX_PROOF' });
    }
  });

  it('keeps asking MAILBOX_PROOF until the mailbox is proven, then ENROL_FACE, whatever later answers carry', () => {
    expect(nextStep([entry('FACE_MATCH', false), entry('MAILBOX_PROOF', false)], fresh)).toEqual({ action: 'CHALLENGE', kind: 'MAILBOX_PROOF' });
    expect(nextStep([entry('FACE_MATCH', false), entry('MAILBOX_PROOF', true)], enrolled)).toEqual({ action: 'CHALLENGE', kind: 'ENROL_FACE' });
  });

  it('does not count the request to enrol as a wrong answer', () => {
    const session = [entry('FACE_MATCH', false), entry('MAILBOX_PROOF', false), entry('MAILBOX_PROOF', false)];
    expect(nextStep(session, fresh)).toEqual({ action: 'CHALLENGE', kind: 'MAILBOX_PROOF' });
    expect(nextStep([...session, entry('MAILBOX_PROOF', false)], fresh)).toMatchObject({ action: 'FAIL' });
  });

  it('counts wrong faces before the request to enrol', () => {
    const twoWrongFaces = [entry('FACE_MATCH', false), entry('FACE_MATCH', false)];
    expect(nextStep([...twoWrongFaces, entry('FACE_MATCH', false)], enrolled)).toMatchObject({ action: 'FAIL' });
    expect(nextStep([...twoWrongFaces, entry('FACE_MATCH', false)], { ...enrolled, enrolRequested: true })).toEqual({ action: 'CHALLENGE', kind: 'MAILBOX_PROOF' });
    expect(nextStep([...twoWrongFaces, entry('FACE_MATCH', false), entry('MAILBOX_PROOF', false)], enrolled)).toMatchObject({ action: 'FAIL' });
  });

  it('re-enrols an enrolled user: tokens after a proven mailbox and a correct ENROL_FACE', () => {
    expect(nextStep([entry('FACE_MATCH', false), entry('MAILBOX_PROOF', true), entry('ENROL_FACE:k', true)], enrolled)).toEqual({ action: 'ISSUE_TOKENS' });
  });

  it('reads a FACE_MATCH entry with or without its issue time, and nothing else after the colon', () => {
    expect(nextStep([entry('FACE_MATCH:1764504000000', true)], enrolled)).toEqual({ action: 'ISSUE_TOKENS' });
    expect(nextStep([entry('FACE_MATCH:1764504000000', true)], { ...enrolled, enrolledAt: 1764504000000 })).toEqual({
      action: 'FAIL', reason: 'the face was enrolled again during this session',
    });
    expect(nextStep([entry('FACE_MATCH', true)], { ...enrolled, enrolledAt: 1764504000000 })).toEqual({ action: 'ISSUE_TOKENS' });
    for (const metadata of ['FACE_MATCH:', 'FACE_MATCH:12x', 'FACE_MATCH:-5', 'FACE_MATCH:1234567890123456', 'xFACE_MATCH:1']) {
      expect(nextStep([entry(metadata, true)], enrolled), metadata).toMatchObject({ action: 'FAIL', reason: 'session holds a step this flow never asks for' });
    }
  });

  it('never issues tokens for an unknown email, even when every answer verified', () => {
    expect(nextStep([entry('FACE_MATCH', false), entry('MAILBOX_PROOF', true), entry('ENROL_FACE:k', true)], unknown).action).not.toBe('ISSUE_TOKENS');
    // Even if the unknown email were somehow taken for an enrolled one.
    expect(nextStep([entry('FACE_MATCH', true)], { ...unknown, enrolled: true }).action).not.toBe('ISSUE_TOKENS');
  });
});
