// RevokeToken: revokes one refresh token and the access tokens minted from it.
import { decodeJwt } from 'jose';
import { clientById, requireClientId, requireToken, type CognitoContext } from '../cognito-context.js';
import { AwsServiceError } from '../../aws-json-protocol.js';
import { UnsupportedOperationError } from '../errors.js';

export async function revokeToken(context: CognitoContext, input: Record<string, unknown>) {
  const token = requireToken(input, 'Token');
  const { pool, client } = clientById(context, requireClientId(input));
  // "You can revoke a refresh token for a user pool client with token revocation enabled"
  // (developer guide, Revoking tokens); UnsupportedOperationException is RevokeToken's error for
  // "an operation that isn't enabled for the user pool client". The message is the sim's own.
  if (client.settings.EnableTokenRevocation === false) {
    throw new UnsupportedOperationError('Token revocation is not enabled for this app client.');
  }
  // Only refresh tokens can be revoked: an id or access token is UnsupportedTokenTypeException
  // (the revocation endpoint's `unsupported_token_type`). The message is the sim's own.
  if (isIdOrAccessToken(token)) {
    throw new AwsServiceError('UnsupportedTokenTypeException', 'Only refresh tokens can be revoked.');
  }
  const family = pool.store.findRefreshToken(token);
  if (family && family.clientId !== client.clientId) {
    throw new AwsServiceError('UnauthorizedException', 'Client is not authorized to revoke this token.');
  }
  // As the revocation endpoint documents ("HTTP 200 if the token has been revoked or if the
  // client submitted an invalid token"), an unknown, expired or already revoked token is no error.
  if (family) pool.store.revokeFamily(family.originJti);
  return {};
}

/** A JWT whose `token_use` says it is an id or access token, whoever signed it. */
function isIdOrAccessToken(token: string): boolean {
  try {
    const { token_use: use } = decodeJwt(token);
    return use === 'id' || use === 'access';
  } catch {
    return false;
  }
}
