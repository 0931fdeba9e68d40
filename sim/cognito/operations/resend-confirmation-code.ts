// ResendConfirmationCode: a new code replaces the old one.
import { clientById, optionalStringMap, requireClientId, requireUsername, type CognitoContext } from '../cognito-context.js';
import { checkPublicCallContext } from '../context-data.js';
import { attemptKey, RESEND_CODE_POLICY } from '../attempt-limits.js';
import { codeDeliveryDetails, sendConfirmationCode } from '../confirmation-codes.js';
import { InvalidParameterError, UserNotFoundError } from '../errors.js';

export async function resendConfirmationCode(context: CognitoContext, input: Record<string, unknown>) {
  const clientId = requireClientId(input);
  const username = requireUsername(input);
  const clientMetadata = optionalStringMap(input, 'ClientMetadata') ?? {};
  checkPublicCallContext(input);
  const { pool, client } = clientById(context, clientId);

  const user = pool.store.findUser(username);
  if (!user) {
    // Hidden existence: answer as if a code went out, without sending anything.
    if (client.preventUserExistenceErrors === 'ENABLED' && username.includes('@')) {
      return { CodeDeliveryDetails: codeDeliveryDetails(username) };
    }
    throw new UserNotFoundError('Username/client id combination not found.');
  }
  if (user.status === 'CONFIRMED') throw new InvalidParameterError('User is already confirmed.');
  const attempts = attemptKey(pool.config.userPoolId, 'resend-code', user.username);
  context.limiter.assertAllowed(attempts, RESEND_CODE_POLICY);
  context.limiter.record(attempts, RESEND_CODE_POLICY);
  const details = await sendConfirmationCode(context, pool, user, {
    clientId: client.clientId,
    triggerSource: 'CustomMessage_ResendCode',
    clientMetadata,
  });
  return { CodeDeliveryDetails: details };
}
