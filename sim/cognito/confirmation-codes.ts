// Sign-up confirmation codes: 6 digits, valid 24 hours, delivered by email through the
// CustomMessage trigger (when the pool has one) into the sim's outbox.
import type { CognitoContext, PoolRuntime } from './cognito-context.js';
import { CodeMismatchError, ExpiredCodeError } from './errors.js';
import { triggerUserAttributes } from './triggers.js';
import type { StoredUser } from './user-pool-store.js';

const CODE_VALIDITY_MS = 24 * 3600 * 1000;
const CODE_PARAMETER = '{####}';
const DEFAULT_SUBJECT = 'Your verification code';
const DEFAULT_MESSAGE = `Your verification code is ${CODE_PARAMETER}. `;
const DEFAULT_SENDER = 'no-reply@verificationemail.com';

export interface CodeDeliveryDetails {
  Destination: string;
  DeliveryMedium: 'EMAIL';
  AttributeName: 'email';
}

/** `jane@example.com` → `j***@e***`, as Cognito shows a destination. */
export function maskEmail(email: string): string {
  const [
    // Stryker disable next-line StringLiteral: split() returns at least one element, so `local` never takes its default
    local = '',
    domain = '',
  ] = email.split('@');
  return `${local.charAt(0)}***@${domain.charAt(0)}***`;
}

export function codeDeliveryDetails(email: string): CodeDeliveryDetails {
  return { Destination: maskEmail(email), DeliveryMedium: 'EMAIL', AttributeName: 'email' };
}

function newCode(context: CognitoContext): string {
  // Rejection sampling keeps the six digits uniform.
  for (;;) {
    const value = context.random.bytes(4).readUInt32BE(0);
    if (value < 4_294_000_000) return String(value % 1_000_000).padStart(6, '0');
  }
}

/**
 * Gives the user a fresh code (replacing any earlier one), saves it and emails it. Returns the
 * delivery details SignUp and ResendConfirmationCode answer with.
 */
export async function sendConfirmationCode(
  context: CognitoContext,
  pool: PoolRuntime,
  user: StoredUser,
  options: { clientId: string; triggerSource: 'CustomMessage_SignUp' | 'CustomMessage_ResendCode'; clientMetadata?: Record<string, string> },
): Promise<CodeDeliveryDetails> {
  const code = newCode(context);
  user.confirmationCode = { code, expiresAt: context.clock.now() + CODE_VALIDITY_MS };
  pool.store.putUser(user);

  let subject = DEFAULT_SUBJECT;
  let message = DEFAULT_MESSAGE;
  const response = await pool.triggers.run('CustomMessage', {
    triggerSource: options.triggerSource,
    userName: user.username,
    clientId: options.clientId,
    request: {
      userAttributes: triggerUserAttributes(user),
      codeParameter: CODE_PARAMETER,
      linkParameter: '{##Click Here##}',
      usernameParameter: null,
      clientMetadata: options.clientMetadata ?? {},
    },
    response: { smsMessage: null, emailMessage: null, emailSubject: null },
  });
  // A custom message without the code placeholder cannot be used: Cognito falls back to its own.
  if (typeof response?.emailMessage === 'string' && response.emailMessage.includes(CODE_PARAMETER)) {
    message = response.emailMessage;
    if (typeof response.emailSubject === 'string' && response.emailSubject) subject = response.emailSubject;
  }
  const email = user.attributes.email!;
  context.outbox.send({
    to: email,
    from: DEFAULT_SENDER,
    subject,
    body: message.split(CODE_PARAMETER).join(code),
    source: `cognito-idp:${pool.config.userPoolId}`,
  });
  return codeDeliveryDetails(email);
}

/** Throws the exception Cognito gives for a wrong or stale code; on success forgets the code. */
export function consumeConfirmationCode(context: CognitoContext, user: StoredUser, code: string): void {
  const expected = user.confirmationCode;
  if (!expected || expected.code !== code) throw new CodeMismatchError();
  if (expected.expiresAt <= context.clock.now()) throw new ExpiredCodeError();
  delete user.confirmationCode;
}
