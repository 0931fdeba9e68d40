// MAILBOX_PROOF: before a face is bound to an account (first enrolment or a new one), whoever
// asks proves they read the account's mailbox. Either with the one-time enrolment secret the
// client passed to ConfirmSignUp (ENROL_SECRET: the code Cognito emailed for sign-up already
// proved the mailbox), or with an 8-digit code emailed now through SES (EMAIL_CODE).
//
// The method is the client's choice (it sends its secret in ClientMetadata, or not), never a
// fact about the account, and an unknown email gets the same challenge, the same writes and the
// same time: the answer tells nobody whether the email exists or what state it is in.
import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { config } from '../config.js';
import { subjectOf } from '../decoy-identities.js';
import { enrolmentCodeEmail, enrolmentPausedEmail } from '../email-messages.js';
import { logger } from '../logger.js';
import { takeCode } from '../mailbox-budget.js';
import { sameDigest, sha256Hex } from '../secret-hashing.js';
import { sendEmail } from '../send-email.js';
import { UserFacingError } from '../trigger-errors.js';
import { consumeEnrolSecret, getUser, type UserRecord } from '../users-table.js';
import { challengeMetadata } from './challenge-sequence.js';
import { withinRetryWindow, type ChallengeModule } from './challenge-module.js';
import { enrolSecretOf } from './client-requests.js';

type MailboxProofMethod = 'ENROL_SECRET' | 'EMAIL_CODE';

export const CODE_DIGITS = 8;
/**
 * An EMAIL_CODE challenge takes at least this long to create, whether a code was emailed (SES
 * answers in tens of milliseconds), refused by the budget, or the email does not exist.
 */
export const EMAIL_CODE_MIN_CREATE_MS = 400;

const NO_EMAIL_SENDER_MESSAGE =
  'enrolment needs the one-time secret from ConfirmSignUp; no email sender is configured';

export const createChallenge: ChallengeModule['createChallenge'] = async (event, { sub, userNotFound, readUser, now }) => {
  const startedAt = Date.now();
  const privateParameters: Record<string, string> = { challenge: 'MAILBOX_PROOF' };
  let method: MailboxProofMethod;
  if (enrolSecretOf(event.request.clientMetadata)) {
    method = 'ENROL_SECRET';
    // Names this challenge: the answer that takes the secret is recognised when Cognito retries it.
    privateParameters.proofId = randomBytes(16).toString('hex');
  } else {
    const sender = config.emailSender;
    if (!sender) throw new UserFacingError(NO_EMAIL_SENDER_MESSAGE);
    method = 'EMAIL_CODE';
    const user = await readUser(); // for unknown emails too: same work
    const recipient = userNotFound ? undefined : (user?.email ?? event.request.userAttributes.email);
    const allowance = await takeCode(sub, now);
    let codeHash = sha256Hex(randomBytes(32).toString('hex')); // matches no code: nothing was sent
    if (allowance.granted && recipient) {
      const code = randomInt(0, 10 ** CODE_DIGITS).toString().padStart(CODE_DIGITS, '0');
      await sendEmail(sender, recipient, enrolmentCodeEmail(config.appName, code));
      codeHash = sha256Hex(code);
    } else if (!allowance.granted && allowance.notifyOwner && recipient) {
      await sendEmail(sender, recipient, enrolmentPausedEmail(config.appName, new Date(allowance.windowEndsAt)));
    }
    if (!allowance.granted) logger.warn('enrolment code refused: budget used up', { sub });
    privateParameters.codeHash = codeHash;
    await sleep(Math.max(0, startedAt + EMAIL_CODE_MIN_CREATE_MS - Date.now()));
  }
  privateParameters.method = method;
  event.response.publicChallengeParameters = { challenge: 'MAILBOX_PROOF', method };
  event.response.privateChallengeParameters = privateParameters;
  event.response.challengeMetadata = challengeMetadata('MAILBOX_PROOF');
  logger.info('challenge created', { challenge: 'MAILBOX_PROOF', method });
};

export const verifyAnswer: ChallengeModule['verifyAnswer'] = async (event, now) => {
  const { privateChallengeParameters: privateParameters, clientMetadata } = event.request;
  // Stryker disable next-line StringLiteral: any other fallback is refused as well (not 8 digits, matches no secret)
  const answer = (event.request.challengeAnswer ?? '').trim();
  if (privateParameters.method === 'EMAIL_CODE') {
    // Stryker disable next-line StringLiteral: the digest comparison refuses what the pattern refuses; the pattern spares hashing junk
    const pattern = new RegExp(`^\\d{${CODE_DIGITS}}$`);
    // Stryker disable next-line StringLiteral: sameDigest refuses any fallback that is not a digest
    return pattern.test(answer) && sameDigest(sha256Hex(answer), privateParameters.codeHash ?? '');
  }
  if (privateParameters.method !== 'ENROL_SECRET') return false;
  const { sub, userNotFound } = await subjectOf(event);
  // The secret may come as the answer or, to keep it out of the ANSWER field, in ClientMetadata.
  const secret = enrolSecretOf(clientMetadata) ?? answer;
  const user = await getUser(sub); // read for unknown emails too: same work
  // The checks below spare the write; consumeEnrolSecret's condition (this hash, not expired) is
  // the one that decides, so mutating them cannot change an answer (docs/mutation-testing.md).
  // Stryker disable next-line ConditionalExpression,LogicalOperator: redundant with the conditional write
  if (userNotFound || !secret) return false;
  const secretHash = sha256Hex(secret);
  const takenBy = sha256Hex(`${privateParameters.proofId}:${secretHash}`);
  if (tookTheSecretBefore(user, privateParameters.proofId, takenBy, now)) {
    logger.info('enrolment secret already taken by this answer: accepted again (Cognito retried)', { sub });
    return true;
  }
  if (!user?.enrolSecretHash) return false;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: redundant with the conditional write
  if ((user.enrolSecretExpiresAt ?? 0) <= now) return false;
  // Stryker disable next-line ConditionalExpression: redundant with the conditional write
  if (!sameDigest(secretHash, user.enrolSecretHash)) return false;
  // Single use: only the first of two concurrent answers removes it.
  if (await consumeEnrolSecret(sub, secretHash, now, takenBy)) return true;
  // Another answer took it meanwhile: another challenge's (refused), or this one's in a run Cognito
  // gave up on while this retry was reading.
  return tookTheSecretBefore(await getUser(sub), privateParameters.proofId, takenBy, now);
};

/**
 * Cognito runs Verify again, with the same event, when it has not answered in 5 seconds; the run
 * it gave up on may have taken the secret already. That answer (this challenge's proof id, this
 * secret) is accepted again within the retry window (withinRetryWindow); another challenge's never is.
 */
function tookTheSecretBefore(user: UserRecord | undefined, proofId: string | undefined, takenBy: string, now: number): boolean {
  // Challenges made before proof ids existed have none: their answers are never taken as retries.
  if (!proofId || !user?.enrolSecretTakenBy) return false;
  return withinRetryWindow(user.enrolSecretTakenAt ?? 0, now) && sameDigest(takenBy, user.enrolSecretTakenBy);
}
