// What every challenge kind provides: CreateAuthChallenge and VerifyAuthChallengeResponse only
// dispatch to these two functions.
import type { CreateAuthChallengeTriggerEvent, VerifyAuthChallengeResponseTriggerEvent } from 'aws-lambda';
import type { UserRecord } from '../users-table.js';

export interface CreateContext {
  /** The user's sub, or the stand-in sub of an email that does not exist. */
  sub: string;
  userNotFound: boolean;
  /**
   * The user's record, undefined for an unknown user or one without a record. Read on the first
   * call only: a challenge that needs no record costs no read. Call it for unknown emails too
   * (it then reads the stand-in's), so that the work does not tell them apart.
   */
  readUser(): Promise<UserRecord | undefined>;
  /** Epoch milliseconds. */
  now: number;
}

/**
 * Cognito runs a trigger again, with the same event, when it has not answered in 5 seconds (three
 * attempts in all); the run it gave up on goes on. An answer that run already used up (a deleted
 * photo, a taken secret) is answered as that run found, when it began at most this long ago.
 */
export const RETRIED_CHECK_WINDOW_MS = 30_000;

/** Whether a run that began at `startedAt` is recent enough for its outcome to answer a retry at `now`. */
export function withinRetryWindow(startedAt: number, now: number): boolean {
  return now - startedAt <= RETRIED_CHECK_WINDOW_MS;
}

export interface ChallengeModule {
  /** Fills event.response: public and private parameters, and challengeMetadata. */
  createChallenge(event: CreateAuthChallengeTriggerEvent, context: CreateContext): Promise<void>;
  /** True only for a correct answer; throws only for infrastructure errors. */
  verifyAnswer(event: VerifyAuthChallengeResponseTriggerEvent, now: number): Promise<boolean>;
}
