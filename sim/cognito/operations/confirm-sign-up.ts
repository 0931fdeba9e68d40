// ConfirmSignUp (client) and the confirmation step it shares with AdminConfirmSignUp.
import { clientById, optionalStringMap, requireClientId, requireString, requireUsername, type CognitoContext, type PoolRuntime } from '../cognito-context.js';
import { checkPublicCallContext } from '../context-data.js';
import { attemptKey, CONFIRM_SIGN_UP_POLICY } from '../attempt-limits.js';
import { consumeConfirmationCode } from '../confirmation-codes.js';
import { CodeMismatchError, NotAuthorizedError, UserNotFoundError } from '../errors.js';
import { triggerUserAttributes } from '../triggers.js';
import type { StoredUser } from '../user-pool-store.js';

export async function confirmSignUp(context: CognitoContext, input: Record<string, unknown>) {
  const clientId = requireClientId(input);
  const username = requireUsername(input);
  const code = requireString(input, 'ConfirmationCode');
  const clientMetadata = optionalStringMap(input, 'ClientMetadata') ?? {};
  checkPublicCallContext(input);
  const { pool, client } = clientById(context, clientId);

  const user = pool.store.findUser(username);
  if (!user) {
    // With existence errors hidden, an unknown user looks like a wrong code.
    if (client.preventUserExistenceErrors === 'ENABLED') throw new CodeMismatchError();
    throw new UserNotFoundError('Username/client id combination not found.');
  }
  if (user.status === 'CONFIRMED') throw new NotAuthorizedError('User cannot be confirmed. Current status is CONFIRMED');
  // Checked before the code: while the limit holds, even the right code is refused.
  // Stryker disable next-line StringLiteral: the action name only keeps this counter apart from the resend counter, which '' does too
  const attempts = attemptKey(pool.config.userPoolId, 'confirm-sign-up', user.username);
  context.limiter.assertAllowed(attempts, CONFIRM_SIGN_UP_POLICY);
  try {
    consumeConfirmationCode(context, user, code);
  } catch (error) {
    context.limiter.record(attempts, CONFIRM_SIGN_UP_POLICY);
    throw error;
  }
  context.limiter.reset(attempts);
  // Stryker disable next-line ConditionalExpression,StringLiteral: a user with no email got no code, so cannot be here; the guard only keeps email_verified off such a user
  if (user.attributes.email) user.attributes.email_verified = 'true';
  await confirmUser(context, pool, user, { clientId: client.clientId, clientMetadata });
  return {};
}

/**
 * Marks the user CONFIRMED, then runs PostConfirmation. As on AWS, the user stays confirmed when
 * the trigger fails; the caller still sees the trigger's error.
 */
export async function confirmUser(
  context: CognitoContext,
  pool: PoolRuntime,
  user: StoredUser,
  options: { clientId: string; clientMetadata: Record<string, string> },
): Promise<void> {
  user.status = 'CONFIRMED';
  user.updatedAt = context.clock.now();
  delete user.confirmationCode;
  pool.store.putUser(user);
  await pool.triggers.run('PostConfirmation', {
    triggerSource: 'PostConfirmation_ConfirmSignUp',
    userName: user.username,
    clientId: options.clientId,
    request: { userAttributes: triggerUserAttributes(user), clientMetadata: options.clientMetadata },
    response: {},
  });
}
