// Cognito's per-user attempt limits: after too many failed confirmation codes (or too many code
// resends) for one user, Cognito answers LimitExceededException "Attempt limit exceeded, please
// try after some time." until the attempts age out. AWS does not publish the numbers; the ones
// here follow what its users report and are documented in docs/cognito.md.
// Counters live in memory, apart from the user pool's state: a restart forgets them. Only users
// that exist are counted, so the map is bounded by the pool's size, not by what an attacker sends.
import type { Clock } from '../clock.js';
import { LimitExceededError } from './errors.js';

export interface AttemptPolicy {
  /** Attempts allowed within `windowMs`; the next one is refused. */
  maxAttempts: number;
  windowMs: number;
}

const HOUR_MS = 3600 * 1000;

/** Wrong ConfirmSignUp codes per user: 5 an hour, so guessing 6 digits takes ~100,000 hours on average. */
export const CONFIRM_SIGN_UP_POLICY: AttemptPolicy = { maxAttempts: 5, windowMs: HOUR_MS };
/** ResendConfirmationCode calls per user (each one emails a code): 5 an hour. */
export const RESEND_CODE_POLICY: AttemptPolicy = { maxAttempts: 5, windowMs: HOUR_MS };

export class AttemptLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(private readonly clock: Clock) {}

  /** Throws LimitExceededException while `key` has used up its attempts. */
  assertAllowed(key: string, policy: AttemptPolicy): void {
    if (this.recent(key, policy).length >= policy.maxAttempts) throw new LimitExceededError();
  }

  /** Counts one attempt (a wrong code, a resend) against `key`. */
  record(key: string, policy: AttemptPolicy): void {
    const recent = this.recent(key, policy);
    recent.push(this.clock.now());
    this.attempts.set(key, recent);
  }

  /** Forgets `key`'s attempts, e.g. once the user is confirmed. */
  reset(key: string): void {
    this.attempts.delete(key);
  }

  private recent(key: string, policy: AttemptPolicy): number[] {
    const since = this.clock.now() - policy.windowMs;
    // Stryker disable next-line ArrayDeclaration: a placeholder element is a string, never `> since`, so filter drops it
    return (this.attempts.get(key) ?? []).filter((at) => at > since);
  }
}

/** One counter per pool, action and user (by username, so every alias of a user shares it). */
export function attemptKey(userPoolId: string, action: 'confirm-sign-up' | 'resend-code', username: string): string {
  return `${userPoolId}\u0000${action}\u0000${username}`;
}
