import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { Outbox } from '../outbox.js';
import type { CognitoContext, PoolRuntime } from './cognito-context.js';
import { consumeConfirmationCode, maskEmail, sendConfirmationCode } from './confirmation-codes.js';
import type { StoredUser } from './user-pool-store.js';
import { UserPoolStore } from './user-pool-store.js';

describe('confirmation codes', () => {
  it('masks a destination the way Cognito shows it', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j***@e***');
    expect(maskEmail('x@y.org')).toBe('x***@y***');
    expect(maskEmail('no-at-sign')).toBe('n***@***');
  });

  it('issues six-digit codes, even from random bytes that would give fewer digits', async () => {
    // Bytes chosen so the first draw is rejected (above the uniform range) and the second is 7.
    const draws = [Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from([0, 0, 0, 7])];
    const clock = new ManualClock();
    const outbox = new Outbox({ clock });
    const context = {
      clock, outbox, random: { uuid: () => 'unused', bytes: () => draws.shift()! },
    } as unknown as CognitoContext;
    const pool = {
      config: { userPoolId: 'eu-west-1_Abcdefgh1' }, store: new UserPoolStore(),
      triggers: { run: async () => undefined },
    } as unknown as PoolRuntime;
    const user: StoredUser = {
      username: 'u', attributes: { sub: 'u', email: 'a@b.c' }, status: 'UNCONFIRMED', enabled: true, createdAt: 0, updatedAt: 0,
    };

    await sendConfirmationCode(context, pool, user, { clientId: 'c', triggerSource: 'CustomMessage_SignUp' });

    expect(user.confirmationCode).toEqual({ code: '000007', expiresAt: clock.now() + 24 * 3600 * 1000 });
    expect(outbox.list()[0]!.body).toBe('Your verification code is 000007. ');
    expect(() => consumeConfirmationCode(context, user, '000008')).toThrow('Invalid verification code provided, please try again.');
    consumeConfirmationCode(context, user, '000007');
    expect(user.confirmationCode).toBeUndefined();
  });

  /** A context and pool whose random bytes and CustomMessage answer the test chooses. */
  function fixture(options: { draws?: Buffer[]; customMessage?: Record<string, unknown>; directory?: string } = {}) {
    const draws = [...(options.draws ?? [Buffer.from([0, 0, 0x30, 0x39])])];
    const clock = new ManualClock();
    const outbox = new Outbox({ clock });
    const events: Array<Record<string, unknown>> = [];
    const context = { clock, outbox, random: { uuid: () => 'unused', bytes: () => draws.shift()! } } as unknown as CognitoContext;
    const store = new UserPoolStore(options.directory);
    const pool = {
      config: { userPoolId: 'eu-west-1_Abcdefgh1' },
      store,
      triggers: {
        run: async (_trigger: string, call: Record<string, unknown>) => {
          events.push(call);
          return options.customMessage;
        },
      },
    } as unknown as PoolRuntime;
    const user: StoredUser = {
      username: 'u-1', attributes: { sub: 'u-1', email: 'jane@example.com' }, status: 'UNCONFIRMED', enabled: true, createdAt: 0, updatedAt: 0,
    };
    return { context, clock, outbox, pool, store, user, events };
  }

  it('rejects a draw of exactly 4,294,000,000, the first value outside the uniform range', async () => {
    const { context, pool, user } = fixture({
      draws: [Buffer.from([0xff, 0xf1, 0x3d, 0x80]), Buffer.from([0xff, 0xf1, 0x3d, 0x7f])],
    });
    await sendConfirmationCode(context, pool, user, { clientId: 'c', triggerSource: 'CustomMessage_SignUp' });
    expect(user.confirmationCode?.code).toBe('999999'); // 4,293,999,999 is the last value kept
  });

  it('emails the default message from Cognito\'s sender, and tells the trigger where the code goes', async () => {
    const { context, outbox, pool, user, events } = fixture();
    const details = await sendConfirmationCode(context, pool, user, { clientId: 'web', triggerSource: 'CustomMessage_ResendCode' });

    expect(details).toEqual({ Destination: 'j***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    expect(outbox.list()).toEqual([expect.objectContaining({
      to: 'jane@example.com', from: 'no-reply@verificationemail.com', subject: 'Your verification code',
      body: 'Your verification code is 012345. ', source: 'cognito-idp:eu-west-1_Abcdefgh1',
    })]);
    expect(events).toEqual([{
      triggerSource: 'CustomMessage_ResendCode',
      userName: 'u-1',
      clientId: 'web',
      request: {
        userAttributes: { sub: 'u-1', email: 'jane@example.com', 'cognito:user_status': 'UNCONFIRMED' },
        codeParameter: '{####}',
        linkParameter: '{##Click Here##}',
        usernameParameter: null,
        clientMetadata: {},
      },
      response: { smsMessage: null, emailMessage: null, emailSubject: null },
    }]);
  });

  it('uses the custom message with every placeholder filled, and its subject only when it has one', async () => {
    const custom = fixture({ customMessage: { emailMessage: 'Code {####}, again {####}', emailSubject: 'Face sign-in' } });
    await sendConfirmationCode(custom.context, custom.pool, custom.user, { clientId: 'c', triggerSource: 'CustomMessage_SignUp', clientMetadata: { app: 'kiosk' } });
    expect(custom.outbox.list()[0]).toMatchObject({ subject: 'Face sign-in', body: 'Code 012345, again 012345' });
    expect(custom.events[0]).toMatchObject({ request: { clientMetadata: { app: 'kiosk' } } });

    const noSubject = fixture({ customMessage: { emailMessage: 'Code {####}', emailSubject: '' } });
    await sendConfirmationCode(noSubject.context, noSubject.pool, noSubject.user, { clientId: 'c', triggerSource: 'CustomMessage_SignUp' });
    expect(noSubject.outbox.list()[0]).toMatchObject({ subject: 'Your verification code', body: 'Code 012345' });

    const oddSubject = fixture({ customMessage: { emailMessage: 'Code {####}', emailSubject: 42 } });
    await sendConfirmationCode(oddSubject.context, oddSubject.pool, oddSubject.user, { clientId: 'c', triggerSource: 'CustomMessage_SignUp' });
    expect(oddSubject.outbox.list()[0]).toMatchObject({ subject: 'Your verification code', body: 'Code 012345' });

    const noCode = fixture({ customMessage: { emailMessage: 'Welcome!', emailSubject: 'Face sign-in' } });
    await sendConfirmationCode(noCode.context, noCode.pool, noCode.user, { clientId: 'c', triggerSource: 'CustomMessage_SignUp' });
    expect(noCode.outbox.list()[0]).toMatchObject({ subject: 'Your verification code', body: 'Your verification code is 012345. ' });
  });

  it('saves the code with the user, so it survives a restart of the sim', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'codes-'));
    try {
      const { context, pool, user, clock } = fixture({ directory });
      await sendConfirmationCode(context, pool, user, { clientId: 'c', triggerSource: 'CustomMessage_SignUp' });
      expect(new UserPoolStore(directory).getUser('u-1')?.confirmationCode).toEqual({ code: '012345', expiresAt: clock.now() + 24 * 3600 * 1000 });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('accepts the code until the millisecond its 24 hours end, and checks the code before the expiry', async () => {
    const { context, clock, pool, user } = fixture();
    await sendConfirmationCode(context, pool, user, { clientId: 'c', triggerSource: 'CustomMessage_SignUp' });
    clock.advance(24 * 3600 * 1000 - 1);
    const stillValid = structuredClone(user);
    consumeConfirmationCode(context, stillValid, '012345');
    expect(stillValid.confirmationCode).toBeUndefined();

    clock.advance(1);
    expect(() => consumeConfirmationCode(context, structuredClone(user), '012345')).toThrow(
      expect.objectContaining({ name: 'ExpiredCodeException', message: 'Invalid code provided, please request a code again.' }),
    );
    expect(() => consumeConfirmationCode(context, structuredClone(user), '999999')).toThrow(expect.objectContaining({ name: 'CodeMismatchException' }));
    const noCode = { ...user, confirmationCode: undefined };
    expect(() => consumeConfirmationCode(context, noCode, '012345')).toThrow(expect.objectContaining({ name: 'CodeMismatchException' }));
  });
});
