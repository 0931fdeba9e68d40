// PreSignUp: every account needs a plausible email address, because the mailbox is what a face
// gets enrolled against, and nothing else: whoever signs up first with an address that is not
// theirs leaves an unconfirmed account its owner takes over by confirming it (docs/handlers.md),
// so any other attribute (name, phone_number, preferred_username...) would be the stranger's,
// in the owner's ID token. Accounts are never auto-confirmed: the emailed code confirms them.
import type { PreSignUpTriggerHandler } from 'aws-lambda';
import { logger } from './logger.js';
import { UserFacingError, withErrorBoundary } from './trigger-errors.js';

// Deliberately loose (one @, a dot in the domain, no spaces): the emailed code is the real check.
const PLAUSIBLE_EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const MAX_EMAIL_LENGTH = 254;
/** The one attribute a sign-up may carry (Cognito's own `cognito:` names are not the client's). */
const SIGN_UP_ATTRIBUTE = 'email';

function isPlausibleEmail(email: string | undefined): email is string {
  return !!email && email.length <= MAX_EMAIL_LENGTH && PLAUSIBLE_EMAIL.test(email);
}

/**
 * Whether a character is the small or capital half of a plain case pair, each the other's case.
 * The pool compares addresses case-insensitively (signInCaseSensitive: false), and the Kelvin sign
 * lower-cases to an ASCII k: an unconfirmed `\u212Aate@example.com` would hold
 * `kate@example.com`, and the code Kate asks for would go to the other address, so she could never
 * confirm. The long s, dotless i and dotted capital I, ß, the final sigma, the micro and Angstrom
 * signs and titlecase letters become other letters the same way, one way or the other.
 */
function hasPlainCase(character: string): boolean {
  const lower = character.toLowerCase();
  const upper = character.toUpperCase();
  return (character === lower || character === upper) && lower.toUpperCase() === upper && upper.toLowerCase() === lower;
}

/**
 * Whether the address is written in Unicode's compatibility-composed form (NFKC), the one spelling
 * of what it shows. A fullwidth letter (`\uFF4Bate@`), a ligature (`van\u0133k@`, ij) or a letter
 * typed as a base and a combining mark (`ka\u0301te@`) looks like, or is, another address in
 * its usual form: IDNA maps a fullwidth domain to ASCII, so its mail reaches the ASCII domain's
 * mailbox, and nothing in Cognito's documentation says whether it folds such forms when it compares
 * usernames, which would make the twin hold the other address as the Kelvin sign does. RFC 6532
 * asks for normalized addresses too.
 */
function isCompatibilityComposed(email: string): boolean {
  return email.normalize('NFKC') === email;
}

export const handler: PreSignUpTriggerHandler = withErrorBoundary('PreSignUp', async (event) => {
  const email = event.request.userAttributes.email;
  if (!email) throw new UserFacingError('an email address is required to sign up');
  if (!isPlausibleEmail(email)) throw new UserFacingError('the email address does not look valid');
  if (![...email].every(hasPlainCase)) throw new UserFacingError('the email address has a letter that a change of case turns into another');
  if (!isCompatibilityComposed(email)) throw new UserFacingError('the email address has a character in an unusual form (fullwidth, a ligature or a combining mark)');
  // Only a public sign-up: an administrator's AdminCreateUser (email_verified, a name...) is trusted.
  const others = Object.keys(event.request.userAttributes).filter((name) => name !== SIGN_UP_ATTRIBUTE && !name.startsWith('cognito:'));
  if (event.triggerSource === 'PreSignUp_SignUp' && others.length > 0) throw new UserFacingError('only an email address can be given at sign-up');
  event.response.autoConfirmUser = false;
  event.response.autoVerifyEmail = false;
  event.response.autoVerifyPhone = false;
  logger.info('sign-up accepted', { triggerSource: event.triggerSource });
  return event;
});
