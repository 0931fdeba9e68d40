// PreSignUp: every account needs a plausible email address, because the mailbox is what a face
// gets enrolled against. Accounts are never auto-confirmed: the emailed code confirms them.
import type { PreSignUpTriggerHandler } from 'aws-lambda';
import { logger } from './logger.js';
import { UserFacingError, withErrorBoundary } from './trigger-errors.js';

// Deliberately loose (one @, a dot in the domain, no spaces): the emailed code is the real check.
const PLAUSIBLE_EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const MAX_EMAIL_LENGTH = 254;

function isPlausibleEmail(email: string | undefined): email is string {
  return !!email && email.length <= MAX_EMAIL_LENGTH && PLAUSIBLE_EMAIL.test(email);
}

export const handler: PreSignUpTriggerHandler = withErrorBoundary('PreSignUp', async (event) => {
  const email = event.request.userAttributes.email;
  if (!email) throw new UserFacingError('an email address is required to sign up');
  if (!isPlausibleEmail(email)) throw new UserFacingError('the email address does not look valid');
  event.response.autoConfirmUser = false;
  event.response.autoVerifyEmail = false;
  event.response.autoVerifyPhone = false;
  logger.info('sign-up accepted', { triggerSource: event.triggerSource });
  return event;
});
