// AdminDisableUser: the administrator's way to stop an account at once (a lost phone, a stolen
// face). AWS documents that it "deactivates a user profile and revokes all access tokens for the
// user": the user can no longer sign in (InitiateAuth and a sign-in already under way answer
// `User is disabled.`), every refresh token is revoked, and every access token minted from one
// with it. The user still appears in ListUsers and AdminGetUser, with `Enabled: false`.
import { userNamedByAdmin, type CognitoContext } from '../cognito-context.js';

export async function adminDisableUser(context: CognitoContext, input: Record<string, unknown>) {
  const { pool, user } = userNamedByAdmin(context, input);
  user.enabled = false;
  user.updatedAt = context.clock.now();
  pool.store.putUser(user);
  pool.store.revokeAllOfUser(user.username);
  return {};
}
