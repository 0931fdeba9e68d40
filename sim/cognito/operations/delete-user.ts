// DeleteUser: the caller deletes itself, with its access token.
import { requireToken, type CognitoContext } from '../cognito-context.js';
import { authenticateAccessToken } from '../tokens.js';

export async function deleteUser(context: CognitoContext, input: Record<string, unknown>) {
  const { pool, user } = await authenticateAccessToken(context, requireToken(input, 'AccessToken'));
  pool.store.deleteUser(user.username);
  return {};
}
