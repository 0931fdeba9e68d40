// Minting new id and access tokens from a refresh token: InitiateAuth's REFRESH_TOKEN_AUTH flow
// and GetTokensFromRefreshToken (the call Amplify v6 makes) share it.
import type { ClientInPool, CognitoContext } from './cognito-context.js';
import { runPreTokenGeneration } from './custom-auth-flow.js';
import { NotAuthorizedError, USER_DISABLED } from './errors.js';
import { mintTokens } from './tokens.js';

export async function tokensFromRefreshToken(
  context: CognitoContext,
  { pool, client }: ClientInPool,
  refreshToken: string,
  clientMetadata: Record<string, string> | undefined,
) {
  const family = pool.store.findRefreshToken(refreshToken);
  if (!family) throw new NotAuthorizedError('Invalid Refresh Token');
  // Cognito's words since January 2022 (aws/aws-sdk-js#4016; "Invalid Refresh Token" before).
  if (family.clientId !== client.clientId) throw new NotAuthorizedError('Refresh Token has different Client');
  if (family.revoked) throw new NotAuthorizedError('Refresh Token has been revoked');
  if (family.expiresAt <= context.clock.now()) throw new NotAuthorizedError('Refresh Token has expired');
  const user = pool.store.getUser(family.username);
  // Stryker disable next-line StringLiteral: unreachable, UserPoolStore.deleteUser drops the user's refresh tokens with the user
  if (!user) throw new NotAuthorizedError('Invalid Refresh Token');
  if (!user.enabled) throw new NotAuthorizedError(USER_DISABLED);

  const claimsOverride = await runPreTokenGeneration(pool, client, user, 'TokenGeneration_RefreshTokens', clientMetadata);
  // No new refresh token: the old one stays valid (the sim has no refresh token rotation).
  return mintTokens(context, {
    pool,
    client,
    user,
    originJti: family.originJti,
    authTime: family.authTime,
    claimsOverride,
  });
}
