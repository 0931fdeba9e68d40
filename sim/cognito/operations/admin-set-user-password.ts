// AdminSetUserPassword: an administrator sets a user's password. The sim checks it against the
// pool's policy and stores none (it runs no password sign-in); a permanent password makes the user
// CONFIRMED, as AWS documents. A temporary one (FORCE_CHANGE_PASSWORD, then NEW_PASSWORD_REQUIRED
// at sign-in) is not emulated and is refused as such.
import { requireString, userNamedByAdmin, type CognitoContext } from '../cognito-context.js';
import { SerializationError, UnsupportedOperationError } from '../errors.js';
import { assertPasswordConforms, MAX_PASSWORD_LENGTH, passwordPolicyOf } from '../password-policy.js';

export async function adminSetUserPassword(context: CognitoContext, input: Record<string, unknown>) {
  const { pool, user } = userNamedByAdmin(context, input);
  const password = requireString(input, 'Password', MAX_PASSWORD_LENGTH);
  const permanent = input.Permanent ?? false;
  if (typeof permanent !== 'boolean') throw new SerializationError(`Permanent must be a boolean, not ${JSON.stringify(permanent)}`);
  assertPasswordConforms(password, passwordPolicyOf(pool.config.settings));
  if (!permanent) {
    throw new UnsupportedOperationError('The sim emulates permanent passwords only (Permanent: true), not the FORCE_CHANGE_PASSWORD status.');
  }
  user.status = 'CONFIRMED';
  user.updatedAt = context.clock.now();
  pool.store.putUser(user);
  return {};
}
