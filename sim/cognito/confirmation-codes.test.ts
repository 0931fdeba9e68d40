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
});
