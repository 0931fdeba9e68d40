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
  const { family, user } = usableFamily(context, pool, client, refreshToken);
  const claimsOverride = await runPreTokenGeneration(pool, client, user, 'TokenGeneration_RefreshTokens', clientMetadata);
  // The trigger takes time: the token may have been revoked (RevokeToken, GlobalSignOut) or its
  // user disabled or deleted meanwhile. Those calls answered first, so no tokens are minted: a
  // backend that only checks the JWT would take them until they expire. (As the sign-in does,
  // custom-auth-flow.ts's completeSignIn.)
  const current = usableFamily(context, pool, client, refreshToken);
  // No new refresh token: the old one stays valid (the sim has no refresh token rotation).
  return mintTokens(context, {
    pool,
    client,
    user: current.user,
    originJti: family.originJti,
    authTime: family.authTime,
    claimsOverride,
  });
}

/** The refresh token's family and user, if the token may still mint tokens; Cognito's refusal otherwise. */
function usableFamily(context: CognitoContext, pool: ClientInPool['pool'], client: ClientInPool['client'], refreshToken: string) {
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
  return { family, user };
}
