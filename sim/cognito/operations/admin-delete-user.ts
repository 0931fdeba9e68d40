// AdminDeleteUser: removes the user and its refresh tokens.
import { userNamedByAdmin, type CognitoContext } from '../cognito-context.js';

export async function adminDeleteUser(context: CognitoContext, input: Record<string, unknown>) {
  const { pool, user } = userNamedByAdmin(context, input);
  pool.store.deleteUser(user.username);
  return {};
}
