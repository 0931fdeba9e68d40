// AdminDeleteUser: removes the user and its refresh tokens.
import { poolById, requireString, type CognitoContext } from '../cognito-context.js';
import { UserNotFoundError } from '../errors.js';

export async function adminDeleteUser(context: CognitoContext, input: Record<string, unknown>) {
  const pool = poolById(context, requireString(input, 'UserPoolId'));
  const user = pool.store.findUser(requireString(input, 'Username'));
  if (!user) throw new UserNotFoundError();
  pool.store.deleteUser(user.username);
  return {};
}
