// GetUser: the caller's own attributes, from an access token.
import { requireToken, type CognitoContext } from '../cognito-context.js';
import { authenticateAccessToken } from '../tokens.js';
import { attributeList } from '../user-view.js';

export async function getUser(context: CognitoContext, input: Record<string, unknown>) {
  const { user } = await authenticateAccessToken(context, requireToken(input, 'AccessToken'));
  return { Username: user.username, UserAttributes: attributeList(user) };
}
