// RevokeToken: revokes one refresh token and the access tokens minted from it.
import { clientById, requireString, type CognitoContext } from '../cognito-context.js';
import { AwsServiceError } from '../../aws-json-protocol.js';

export async function revokeToken(context: CognitoContext, input: Record<string, unknown>) {
  const token = requireString(input, 'Token');
  const { pool, client } = clientById(context, requireString(input, 'ClientId'));
  const family = pool.store.findRefreshToken(token);
  if (family && family.clientId !== client.clientId) {
    throw new AwsServiceError('UnauthorizedException', 'Client is not authorized to revoke this token.');
  }
  // Like OAuth token revocation (RFC 7009), an unknown or already revoked token is not an error.
  if (family) pool.store.revokeFamily(family.originJti);
  return {};
}
