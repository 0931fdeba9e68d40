// AdminConfirmSignUp: confirms without a code (and, as on AWS, without verifying the email).
import { optionalStringMap, userNamedByAdmin, type CognitoContext } from '../cognito-context.js';
import { NotAuthorizedError } from '../errors.js';
import { confirmUser } from './confirm-sign-up.js';

export async function adminConfirmSignUp(context: CognitoContext, input: Record<string, unknown>) {
  const { pool, user } = userNamedByAdmin(context, input);
  if (user.status === 'CONFIRMED') throw new NotAuthorizedError('User cannot be confirmed. Current status is CONFIRMED');
  // Admin calls carry no app client; Cognito fills callerContext.clientId with CLIENT_ID_NOT_APPLICABLE.
  await confirmUser(context, pool, user, {
    clientId: 'CLIENT_ID_NOT_APPLICABLE',
    clientMetadata: optionalStringMap(input, 'ClientMetadata') ?? {},
  });
  return {};
}
