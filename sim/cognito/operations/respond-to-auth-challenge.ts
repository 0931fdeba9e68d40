// RespondToAuthChallenge for CUSTOM_CHALLENGE: consumes the session, runs VerifyAuthChallengeResponse,
// records the result in the history, and lets DefineAuthChallenge decide the next step.
import { clientById, optionalStringMap, requireString, validationFailed, type CognitoContext } from '../cognito-context.js';
import { nextStep, verifyAnswer, type FlowState } from '../custom-auth-flow.js';
import { INVALID_SESSION, InvalidParameterError, NotAuthorizedError, UnsupportedOperationError, USER_DISABLED } from '../errors.js';
import { standInUsername } from '../stand-in-username.js';

/** ChallengeNameType in Cognito's service model, in its order. */
const CHALLENGE_NAMES = [
  'SMS_MFA', 'EMAIL_OTP', 'SOFTWARE_TOKEN_MFA', 'SELECT_MFA_TYPE', 'MFA_SETUP', 'PASSWORD_VERIFIER', 'CUSTOM_CHALLENGE',
  'SELECT_CHALLENGE', 'DEVICE_SRP_AUTH', 'DEVICE_PASSWORD_VERIFIER', 'ADMIN_NO_SRP_AUTH', 'NEW_PASSWORD_REQUIRED', 'SMS_OTP',
  'PASSWORD', 'WEB_AUTHN', 'PASSWORD_SRP',
];

export async function respondToAuthChallenge(context: CognitoContext, input: Record<string, unknown>) {
  const clientId = requireString(input, 'ClientId');
  const challengeName = requireString(input, 'ChallengeName');
  // A name outside the model's enum fails Coral's validation, before the client is looked up, as
  // InitiateAuth's AuthFlow does; only a real challenge the sim does not run is "not emulated".
  if (!CHALLENGE_NAMES.includes(challengeName)) {
    throw validationFailed([{ value: challengeName, path: 'challengeName', constraint: `Member must satisfy enum value set: [${CHALLENGE_NAMES.join(', ')}]` }]);
  }
  const { pool, client } = clientById(context, clientId);
  if (challengeName !== 'CUSTOM_CHALLENGE') {
    throw new UnsupportedOperationError(`The sim emulates only CUSTOM_CHALLENGE, not ${challengeName}.`);
  }
  const responses = optionalStringMap(input, 'ChallengeResponses') ?? {};
  const clientMetadata = optionalStringMap(input, 'ClientMetadata');
  const sessionId =
    typeof input.Session === 'string'
      ? input.Session
      : // Stryker disable next-line StringLiteral: any placeholder names no open session, so the refusal is the same
        '';

  const session = sessionId ? context.sessions.take(sessionId) : undefined;
  if (!session || session.clientId !== client.clientId || session.userPoolId !== pool.config.userPoolId) {
    throw new NotAuthorizedError(INVALID_SESSION);
  }
  const givenName = responses.USERNAME;
  if (!givenName) throw new InvalidParameterError('Missing required parameter USERNAME');
  const answer = responses.ANSWER;
  if (answer === undefined) throw new InvalidParameterError('Missing required parameter ANSWER');

  const user = session.userNotFound ? undefined : pool.store.getUser(session.username);
  // The caller may name the user by username or by email alias, but it must be the session's user.
  const sameUser = user
    ? pool.store.findUser(givenName)?.username === user.username
    : givenName === session.username || standInUsername(pool, givenName) === session.username;
  if (!sameUser) throw new NotAuthorizedError(INVALID_SESSION);
  if (!session.userNotFound && !user) throw new NotAuthorizedError(INVALID_SESSION);
  // An administrator may have disabled the user since the session began (AdminDisableUser).
  if (user && !user.enabled) throw new NotAuthorizedError(USER_DISABLED);

  const state: FlowState = { pool, client, user, username: session.username, history: session.history, clientMetadata };
  const correct = await verifyAnswer(state, session.privateChallengeParameters, answer);
  state.history = [
    ...session.history,
    {
      challengeName: 'CUSTOM_CHALLENGE',
      challengeResult: correct,
      ...(session.challengeMetadata !== undefined ? { challengeMetadata: session.challengeMetadata } : {}),
    },
  ];
  return nextStep(context, state);
}
