// InitiateAuth: CUSTOM_AUTH starts the custom challenge flow; REFRESH_TOKEN_AUTH (alias
// REFRESH_TOKEN) mints new id and access tokens from a refresh token. Other flows are refused the
// way Cognito refuses a flow the client does not allow. AdminInitiateAuth starts the same flows
// through `startAuthFlow`, with its own set of accepted flow names.
import { clientById, optionalSession, optionalStringMap, requireClientId, requireString, type ClientInPool, type CognitoContext } from '../cognito-context.js';
import { checkPublicCallContext } from '../context-data.js';
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

/**
 * The flows one API accepts, each with the app client settings that enable it (any one will do);
 * a flow of the model's enum missing here is one the API refuses whatever the client allows.
 */
export type AcceptedFlows = Readonly<Record<string, readonly string[]>>;

/** The flows InitiateAuth accepts: the ADMIN_* flows are AdminInitiateAuth's alone. */
const INITIATE_AUTH_FLOWS: AcceptedFlows = {
  CUSTOM_AUTH: ['ALLOW_CUSTOM_AUTH'],
  REFRESH_TOKEN_AUTH: ['ALLOW_REFRESH_TOKEN_AUTH'],
  REFRESH_TOKEN: ['ALLOW_REFRESH_TOKEN_AUTH'],
  USER_SRP_AUTH: ['ALLOW_USER_SRP_AUTH'],
  USER_PASSWORD_AUTH: ['ALLOW_USER_PASSWORD_AUTH'],
  USER_AUTH: ['ALLOW_USER_AUTH'],
};
const ADMIN_ONLY_FLOWS = ['ADMIN_NO_SRP_AUTH', 'ADMIN_USER_PASSWORD_AUTH'];
/** AuthFlowType in Cognito's service model (the order of the enum message is the sim's; AWS's was not seen). */
const AUTH_FLOWS = [...Object.keys(INITIATE_AUTH_FLOWS), ...ADMIN_ONLY_FLOWS];

/**
 * Cognito's answer to a flow of the model's enum that the API called does not take (an ADMIN_*
 * flow on InitiateAuth, USER_PASSWORD_AUTH on AdminInitiateAuth), worded as AWS answers it
 * (aws-doc-sdk-examples#5289, soto-cognito-authentication-kit#10).
 */
const FLOW_NOT_SUPPORTED = 'Initiate Auth method not supported.';

/** The request's `AuthFlow`, refused as Coral refuses a value outside the model's enum. */
export function requireAuthFlow(input: Record<string, unknown>): string {
  const authFlow = requireString(input, 'AuthFlow');
  if (!AUTH_FLOWS.includes(authFlow)) {
    throw new InvalidParameterError(
      `1 validation error detected: Value '${authFlow}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [${AUTH_FLOWS.join(', ')}]`,
    );
  }
  return authFlow;
}

export async function initiateAuth(context: CognitoContext, input: Record<string, unknown>) {
  // Every member is validated (the AuthFlow enum included) before the client is looked up, as
  // Coral validates the request whole before the service sees it.
  const clientId = requireClientId(input);
  const authFlow = requireAuthFlow(input);
  const parameters = optionalStringMap(input, 'AuthParameters') ?? {};
  const clientMetadata = optionalStringMap(input, 'ClientMetadata');
  checkPublicCallContext(input);
  // Choice-based sign-in's session (USER_AUTH), which the sim does not run: checked, then unused.
  optionalSession(input);
  const found = clientById(context, clientId);
  return startAuthFlow(context, found, INITIATE_AUTH_FLOWS, authFlow, parameters, clientMetadata);
}

/**
 * Starts `authFlow` for the client, once the API's request is validated and its client found:
 * the flow must be one the API accepts and one the client allows. Every rule of the flows
 * (existence errors, unconfirmed and disabled users, triggers, sessions, tokens) is here, shared
 * by InitiateAuth and AdminInitiateAuth.
 */
export async function startAuthFlow(
  context: CognitoContext,
  found: ClientInPool,
  acceptedFlows: AcceptedFlows,
  authFlow: string,
  parameters: Record<string, string>,
  clientMetadata: Record<string, string> | undefined,
) {
  // `authFlow` passed requireAuthFlow, so it names no property every object has (`constructor`).
  const settings: readonly string[] | undefined = acceptedFlows[authFlow];
  if (!settings) throw new InvalidParameterError(FLOW_NOT_SUPPORTED);
  if (!settings.some((setting) => found.client.explicitAuthFlows.includes(setting))) {
    throw new InvalidParameterError(flowNotEnabledMessage(authFlow));
  }
  if (authFlow === 'CUSTOM_AUTH') {
    return startCustomAuth(context, found, parameters, clientMetadata);
  }
  if (authFlow === 'REFRESH_TOKEN_AUTH' || authFlow === 'REFRESH_TOKEN') {
    return refreshTokens(context, found, parameters, clientMetadata);
  }
  throw new UnsupportedOperationError(`The sim does not emulate the ${authFlow} flow.`);
}

const FLOWS_NAMED_NOT_ENABLED_FOR_THE_CLIENT = ['USER_SRP_AUTH', 'CUSTOM_AUTH'];

/**
 * AWS words the refusal by flow: `USER_SRP_AUTH is not enabled for the client.` and
 * `CUSTOM_AUTH is not enabled for the client.` (aws-samples/aws-serverless-workshops#277, and the
 * message tables of apps that translate Cognito's answers), `<FLOW> flow not enabled for this
 * client` for the password flows of InitiateAuth, and `Auth flow not enabled for this client`,
 * not naming the flow, for the admin password flows (reported by users enabling
 * ALLOW_ADMIN_USER_PASSWORD_AUTH to fix it). The refresh flows and USER_AUTH keep the second form,
 * their words not found.
 */
function flowNotEnabledMessage(authFlow: string): string {
  if (ADMIN_ONLY_FLOWS.includes(authFlow)) return 'Auth flow not enabled for this client';
  if (FLOWS_NAMED_NOT_ENABLED_FOR_THE_CLIENT.includes(authFlow)) return `${authFlow} is not enabled for the client.`;
  return `${authFlow} flow not enabled for this client`;
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

  // The ClientMetadata of InitiateAuth and AdminInitiateAuth goes to PreAuthentication only (as
  // validationData): the API reference says so of both, and lists define and create among the
  // triggers that do not get it.
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
