// GetTokensFromRefreshToken: the refresh call Amplify v6 makes (instead of InitiateAuth with
// REFRESH_TOKEN_AUTH). Same checks and tokens as that flow; without refresh token rotation the
// answer carries no new refresh token.
import { clientById, optionalStringMap, requireClientId, requireToken, type CognitoContext } from '../cognito-context.js';
import { InvalidParameterError } from '../errors.js';
import { tokensFromRefreshToken } from '../refresh-tokens.js';

export async function getTokensFromRefreshToken(context: CognitoContext, input: Record<string, unknown>) {
  // Every member is validated before the client is looked up (Coral validates the request whole).
  const clientId = requireClientId(input);
  const refreshToken = requireToken(input, 'RefreshToken');
  const clientMetadata = optionalStringMap(input, 'ClientMetadata');
  const found = clientById(context, clientId);
  // The same client setting gates both refresh calls; the message is the InitiateAuth one (unverified here).
  if (!found.client.explicitAuthFlows.includes('ALLOW_REFRESH_TOKEN_AUTH')) {
    throw new InvalidParameterError('REFRESH_TOKEN_AUTH flow not enabled for this client');
  }
  return { AuthenticationResult: await tokensFromRefreshToken(context, found, refreshToken, clientMetadata) };
}
