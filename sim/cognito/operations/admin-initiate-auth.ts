// AdminInitiateAuth: InitiateAuth for a backend holding IAM credentials (IAM-only, so the request
// must be SigV4-signed: cognito-service.ts). The flows run exactly as InitiateAuth runs them
// (`startAuthFlow`); what differs is the pool named with the client, ContextData and
// AnalyticsMetadata, and the flows this API takes: the ADMIN_* password flows, and not
// USER_PASSWORD_AUTH.
import { clientOfPool, optionalStringMap, requireClientId, requireUserPoolId, type CognitoContext } from '../cognito-context.js';
import { checkAnalyticsMetadata, checkContextData } from '../context-data.js';
import { requireAuthFlow, startAuthFlow, type AcceptedFlows } from './initiate-auth.js';

/**
 * The flows AdminInitiateAuth accepts (the API reference's list for it) and the client settings
 * that enable them; ADMIN_NO_SRP_AUTH is the old name of ADMIN_USER_PASSWORD_AUTH, and so is the
 * client setting of that name.
 */
const ADMIN_INITIATE_AUTH_FLOWS: AcceptedFlows = {
  CUSTOM_AUTH: ['ALLOW_CUSTOM_AUTH'],
  REFRESH_TOKEN_AUTH: ['ALLOW_REFRESH_TOKEN_AUTH'],
  REFRESH_TOKEN: ['ALLOW_REFRESH_TOKEN_AUTH'],
  USER_SRP_AUTH: ['ALLOW_USER_SRP_AUTH'],
  USER_AUTH: ['ALLOW_USER_AUTH'],
  ADMIN_USER_PASSWORD_AUTH: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'],
  ADMIN_NO_SRP_AUTH: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'],
};

export async function adminInitiateAuth(context: CognitoContext, input: Record<string, unknown>) {
  // Every member is validated before the pool or client is looked up (Coral validates the request whole).
  const userPoolId = requireUserPoolId(input);
  const clientId = requireClientId(input);
  const authFlow = requireAuthFlow(input);
  const parameters = optionalStringMap(input, 'AuthParameters') ?? {};
  const clientMetadata = optionalStringMap(input, 'ClientMetadata');
  checkAnalyticsMetadata(input);
  checkContextData(input);
  const found = clientOfPool(context, userPoolId, clientId);
  return startAuthFlow(context, found, ADMIN_INITIATE_AUTH_FLOWS, authFlow, parameters, clientMetadata);
}
