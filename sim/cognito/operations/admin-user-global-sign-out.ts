// AdminUserGlobalSignOut: as GlobalSignOut, on an administrator's (IAM-signed) word rather than the
// user's access token: every refresh token of the user is revoked, and every access token with it.
import { userNamedByAdmin, type CognitoContext } from '../cognito-context.js';

export async function adminUserGlobalSignOut(context: CognitoContext, input: Record<string, unknown>) {
  const { pool, user } = userNamedByAdmin(context, input);
  pool.store.revokeAllOfUser(user.username);
  return {};
}
