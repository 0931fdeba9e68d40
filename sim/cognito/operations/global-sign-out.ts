// GlobalSignOut: revokes every refresh token of the user, and with them every access token.
import { requireToken, type CognitoContext } from '../cognito-context.js';
import { authenticateAccessToken } from '../tokens.js';

export async function globalSignOut(context: CognitoContext, input: Record<string, unknown>) {
  const { pool, user } = await authenticateAccessToken(context, requireToken(input, 'AccessToken'));
  pool.store.revokeAllOfUser(user.username);
  return {};
}
