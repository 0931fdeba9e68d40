// Per-user attempt limits: the count, the sliding window's exact edge, and independent counters.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { AttemptLimiter, attemptKey, CONFIRM_SIGN_UP_POLICY, RESEND_CODE_POLICY, type AttemptPolicy } from './attempt-limits.js';

const POLICY: AttemptPolicy = { maxAttempts: 3, windowMs: 10_000 };
const LIMIT = 'Attempt limit exceeded, please try after some time.';

describe('AttemptLimiter', () => {
  it('allows maxAttempts attempts in the window and refuses the next with LimitExceededException', () => {
    const limiter = new AttemptLimiter(new ManualClock());
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(() => limiter.assertAllowed('key', POLICY)).not.toThrow();
      limiter.record('key', POLICY);
    }
    expect(() => limiter.assertAllowed('key', POLICY)).toThrow(expect.objectContaining({ name: 'LimitExceededException', message: LIMIT }));
  });

  it('forgets an attempt exactly windowMs after it was made, not a millisecond sooner', () => {
    const clock = new ManualClock();
    const limiter = new AttemptLimiter(clock);
    limiter.record('key', POLICY);
    clock.advance(5000);
    limiter.record('key', POLICY);
    limiter.record('key', POLICY);
    clock.advance(4999);
    expect(() => limiter.assertAllowed('key', POLICY)).toThrow(LIMIT);
    clock.advance(1);
    expect(() => limiter.assertAllowed('key', POLICY)).not.toThrow();
    // The aged-out attempt stays gone: two recent ones plus one new reach the limit again.
    limiter.record('key', POLICY);
    expect(() => limiter.assertAllowed('key', POLICY)).toThrow(LIMIT);
  });

  it('counts each key on its own, and reset clears one key only', () => {
    const limiter = new AttemptLimiter(new ManualClock());
    for (let attempt = 0; attempt < 3; attempt++) {
      limiter.record('victim', POLICY);
      limiter.record('other', POLICY);
    }
    expect(() => limiter.assertAllowed('bystander', POLICY)).not.toThrow();
    limiter.reset('victim');
    expect(() => limiter.assertAllowed('victim', POLICY)).not.toThrow();
    expect(() => limiter.assertAllowed('other', POLICY)).toThrow(LIMIT);
  });

  it('keys a counter by pool, action and username, with no way to make two of them collide', () => {
    const keys = [
      attemptKey('eu-west-1_A', 'confirm-sign-up', 'user'),
      attemptKey('eu-west-1_B', 'confirm-sign-up', 'user'),
      attemptKey('eu-west-1_A', 'resend-code', 'user'),
      attemptKey('eu-west-1_A', 'confirm-sign-up', 'user2'),
    ];
    expect(new Set(keys).size).toBe(4);
    expect(attemptKey('eu-west-1_A', 'confirm-sign-up', 'user')).toBe(keys[0]);
    expect(keys[0]).toBe('eu-west-1_A\u0000confirm-sign-up\u0000user');
  });

  it('documents five attempts an hour for codes and resends (docs/cognito.md)', () => {
    expect(CONFIRM_SIGN_UP_POLICY).toEqual({ maxAttempts: 5, windowMs: 3600 * 1000 });
    expect(RESEND_CODE_POLICY).toEqual({ maxAttempts: 5, windowMs: 3600 * 1000 });
  });
});
