// AdminUserGlobalSignOut: as GlobalSignOut, on an administrator's (IAM-signed) word rather than the
// user's access token: every refresh token of the user is revoked, and every access token with it.
import { poolById, requireString, type CognitoContext } from '../cognito-context.js';
import { UserNotFoundError } from '../errors.js';

export async function adminUserGlobalSignOut(context: CognitoContext, input: Record<string, unknown>) {
  const pool = poolById(context, requireString(input, 'UserPoolId'));
  const user = pool.store.findUser(requireString(input, 'Username'));
  if (!user) throw new UserNotFoundError();
  pool.store.revokeAllOfUser(user.username);
  return {};
}
