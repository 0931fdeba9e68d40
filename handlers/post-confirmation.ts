// PostConfirmation: creates the user's record once the sign-up code is confirmed, and replaces the
// password SignUp was given by one nobody knows (pool-password.ts). A client may pass a one-time
// `enrolSecret` (>= 32 characters) in ClientMetadata; its hash, valid for ten minutes, then stands
// in for an emailed code in the first enrolment (MAILBOX_PROOF).
import type { PostConfirmationTriggerHandler } from 'aws-lambda';
import { logger } from './logger.js';
import { replacePassword } from './pool-password.js';
import { sha256Hex } from './secret-hashing.js';
import { withErrorBoundary } from './trigger-errors.js';
import { createUserUnlessEnrolled, type UserRecord } from './users-table.js';

const MIN_ENROL_SECRET_LENGTH = 32;
const ENROL_SECRET_LIFETIME_MS = 10 * 60_000;

export const handler: PostConfirmationTriggerHandler = withErrorBoundary('PostConfirmation', async (event) => {
  if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event;
  const { sub, email } = event.request.userAttributes;
  if (!sub) throw new Error('confirmed user has no sub');
  const now = Date.now();
  const record: UserRecord = { sub, email, createdAt: new Date(now).toISOString() };
  const secret = event.request.clientMetadata?.enrolSecret;
  if (secret && secret.length >= MIN_ENROL_SECRET_LENGTH) {
    record.enrolSecretHash = sha256Hex(secret);
    record.enrolSecretExpiresAt = now + ENROL_SECRET_LIFETIME_MS;
  } else if (secret) {
    logger.warn('enrolment secret ignored: too short', { sub, minimumLength: MIN_ENROL_SECRET_LENGTH });
  }
  const created = await createUserUnlessEnrolled(record);
  logger.info(created ? 'user record created' : 'user already enrolled: record kept', {
    sub,
    enrolSecret: !!record.enrolSecretHash && created,
  });
  try {
    await replacePassword({ userPoolId: event.userPoolId, userName: event.userName });
  } catch (error) {
    // Cognito keeps the account confirmed when this trigger fails, so failing now would only turn
    // its owner away; the sign-up's password opens nothing while no client allows password sign-in.
    logger.error('sign-up password not replaced', { sub, error: error instanceof Error ? error.name : String(error) });
  }
  return event;
});
