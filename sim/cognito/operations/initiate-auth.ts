// InitiateAuth: CUSTOM_AUTH starts the custom challenge flow; REFRESH_TOKEN_AUTH (alias
// REFRESH_TOKEN) mints new id and access tokens from a refresh token. Other flows are refused the
// way Cognito refuses a flow the client does not allow.
import { clientById, optionalStringMap, requireString, type ClientInPool, type CognitoContext } from '../cognito-context.js';
import { nextStep } from '../custom-auth-flow.js';
import {
  InvalidParameterError,
  NotAuthorizedError,
  UnsupportedOperationError,
  USER_DISABLED,
  UserNotConfirmedError,
  UserNotFoundError,
} from '../errors.js';
import { tokensFromRefreshToken } from '../refresh-tokens.js';
import { triggerUserAttributes } from '../triggers.js';
import { standInUsername } from '../stand-in-username.js';

/** The app client setting that enables each flow InitiateAuth accepts. */
const CLIENT_SETTING_OF_FLOW: Record<string, string> = {
  CUSTOM_AUTH: 'ALLOW_CUSTOM_AUTH',
  REFRESH_TOKEN_AUTH: 'ALLOW_REFRESH_TOKEN_AUTH',
  REFRESH_TOKEN: 'ALLOW_REFRESH_TOKEN_AUTH',
  USER_SRP_AUTH: 'ALLOW_USER_SRP_AUTH',
  USER_PASSWORD_AUTH: 'ALLOW_USER_PASSWORD_AUTH',
  USER_AUTH: 'ALLOW_USER_AUTH',
};
const ADMIN_ONLY_FLOWS = ['ADMIN_NO_SRP_AUTH', 'ADMIN_USER_PASSWORD_AUTH'];

export async function initiateAuth(context: CognitoContext, input: Record<string, unknown>) {
  // Every member is validated (the AuthFlow enum included) before the client is looked up, as
  // Coral validates the request whole before the service sees it.
  const clientId = requireString(input, 'ClientId');
  const authFlow = requireString(input, 'AuthFlow');
  const parameters = optionalStringMap(input, 'AuthParameters') ?? {};
  const clientMetadata = optionalStringMap(input, 'ClientMetadata');
  const setting = CLIENT_SETTING_OF_FLOW[authFlow];
  if (!setting && !ADMIN_ONLY_FLOWS.includes(authFlow)) {
    throw new InvalidParameterError(
      `1 validation error detected: Value '${authFlow}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [${[...Object.keys(CLIENT_SETTING_OF_FLOW), ...ADMIN_ONLY_FLOWS].join(', ')}]`,
    );
  }
  const found = clientById(context, clientId);

  // Worded with its final period, as AWS answers it (aws-doc-sdk-examples#5289, soto-cognito-authentication-kit#10).
  if (!setting) throw new InvalidParameterError('Initiate Auth method not supported.');
  if (!found.client.explicitAuthFlows.includes(setting)) {
    throw new InvalidParameterError(`${authFlow} flow not enabled for this client`);
  }
  if (authFlow === 'CUSTOM_AUTH') {
    return startCustomAuth(context, found, parameters, clientMetadata);
  }
  if (authFlow === 'REFRESH_TOKEN_AUTH' || authFlow === 'REFRESH_TOKEN') {
    return refreshTokens(context, found, parameters, clientMetadata);
  }
  throw new UnsupportedOperationError(`The sim does not emulate the ${authFlow} flow.`);
}

async function startCustomAuth(
  context: CognitoContext,
  { pool, client }: ClientInPool,
  parameters: Record<string, string>,
  validationData: Record<string, string> | undefined,
) {
  const givenName = parameters.USERNAME;
  if (!givenName) throw new InvalidParameterError('Missing required parameter USERNAME');
  const user = pool.store.findUser(givenName);
  if (!user && client.preventUserExistenceErrors !== 'ENABLED') throw new UserNotFoundError();
  if (user && user.status !== 'CONFIRMED') throw new UserNotConfirmedError();
  if (user && !user.enabled) throw new NotAuthorizedError(USER_DISABLED);

  // InitiateAuth's ClientMetadata goes to PreAuthentication only (as validationData).
  await pool.triggers.run('PreAuthentication', {
    triggerSource: 'PreAuthentication_Authentication',
    userName: user?.username ?? givenName,
    clientId: client.clientId,
    request: {
      userAttributes: user ? triggerUserAttributes(user) : {},
      validationData: validationData ?? null,
      userNotFound: !user,
    },
    response: {},
  });
  return nextStep(context, { pool, client, user, username: user?.username ?? standInUsername(pool, givenName), history: [] });
}

async function refreshTokens(
  context: CognitoContext,
  found: ClientInPool,
  parameters: Record<string, string>,
  clientMetadata: Record<string, string> | undefined,
) {
  const refreshToken = parameters.REFRESH_TOKEN;
  if (!refreshToken) throw new InvalidParameterError('Missing required parameter REFRESH_TOKEN');
  return { ChallengeParameters: {}, AuthenticationResult: await tokensFromRefreshToken(context, found, refreshToken, clientMetadata) };
}
