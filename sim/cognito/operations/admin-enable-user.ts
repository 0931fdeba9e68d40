// AdminEnableUser: a disabled user may sign in again. The tokens revoked when the user was
// disabled stay revoked, as any revoked token does: the user signs in afresh.
import { userNamedByAdmin, type CognitoContext } from '../cognito-context.js';

export async function adminEnableUser(context: CognitoContext, input: Record<string, unknown>) {
  const { pool, user } = userNamedByAdmin(context, input);
  user.enabled = true;
  user.updatedAt = context.clock.now();
  pool.store.putUser(user);
  return {};
}
