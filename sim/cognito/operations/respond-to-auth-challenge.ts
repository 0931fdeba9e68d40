// RespondToAuthChallenge for CUSTOM_CHALLENGE: consumes the session, runs VerifyAuthChallengeResponse,
// records the result in the history, and lets DefineAuthChallenge decide the next step.
// AdminRespondToAuthChallenge answers through `answerChallenge` too.
import { clientById, optionalSession, optionalStringMap, requireClientId, requireString, validationFailed, type ClientInPool, type CognitoContext } from '../cognito-context.js';
import { checkPublicCallContext } from '../context-data.js';
import { nextStep, verifyAnswer, type FlowState } from '../custom-auth-flow.js';
import { INVALID_SESSION, InvalidParameterError, NotAuthorizedError, SESSION_EXPIRED, UnsupportedOperationError, USER_DISABLED } from '../errors.js';
import { standInUsername } from '../stand-in-username.js';

/** ChallengeNameType in Cognito's service model, in its order. */
const CHALLENGE_NAMES = [
  'SMS_MFA', 'EMAIL_OTP', 'SOFTWARE_TOKEN_MFA', 'SELECT_MFA_TYPE', 'MFA_SETUP', 'PASSWORD_VERIFIER', 'CUSTOM_CHALLENGE',
  'SELECT_CHALLENGE', 'DEVICE_SRP_AUTH', 'DEVICE_PASSWORD_VERIFIER', 'ADMIN_NO_SRP_AUTH', 'NEW_PASSWORD_REQUIRED', 'SMS_OTP',
  'PASSWORD', 'WEB_AUTHN', 'PASSWORD_SRP',
];

/** The members of an answer both APIs share, validated before any client or pool is looked up. */
export interface ChallengeAnswer {
  challengeName: string;
  responses: Record<string, string>;
  clientMetadata?: Record<string, string>;
  session?: string;
}

/** Reads and validates ChallengeName (against the model's enum), ChallengeResponses, ClientMetadata and Session. */
export function readChallengeAnswer(input: Record<string, unknown>): ChallengeAnswer {
  const challengeName = requireString(input, 'ChallengeName');
  // A name outside the model's enum fails Coral's validation, before the client is looked up, as
  // InitiateAuth's AuthFlow does; only a real challenge the sim does not run is "not emulated".
  if (!CHALLENGE_NAMES.includes(challengeName)) {
    throw validationFailed([{ value: challengeName, path: 'challengeName', constraint: `Member must satisfy enum value set: [${CHALLENGE_NAMES.join(', ')}]` }]);
  }
  const responses = optionalStringMap(input, 'ChallengeResponses') ?? {};
  const clientMetadata = optionalStringMap(input, 'ClientMetadata');
  const session = optionalSession(input);
  return { challengeName, responses, ...(clientMetadata ? { clientMetadata } : {}), ...(session !== undefined ? { session } : {}) };
}

export async function respondToAuthChallenge(context: CognitoContext, input: Record<string, unknown>) {
  const clientId = requireClientId(input);
  const answer = readChallengeAnswer(input);
  checkPublicCallContext(input);
  return answerChallenge(context, clientById(context, clientId), answer);
}

/**
 * Answers a challenge for the client, once the API's request is validated and its client found.
 * Every rule of an answer (sessions single use and bound to their pool, client and user, disabled
 * and deleted users, the triggers' verdict) is here, shared by both APIs.
 */
export async function answerChallenge(context: CognitoContext, { pool, client }: ClientInPool, answer: ChallengeAnswer) {
  if (answer.challengeName !== 'CUSTOM_CHALLENGE') {
    throw new UnsupportedOperationError(`The sim emulates only CUSTOM_CHALLENGE, not ${answer.challengeName}.`);
  }
  const { responses, clientMetadata } = answer;
  const session = answer.session ? context.sessions.take(answer.session) : undefined;
  if (!session || session.clientId !== client.clientId || session.userPoolId !== pool.config.userPoolId) {
    throw new NotAuthorizedError(answer.session && context.sessions.hasExpired(answer.session) ? SESSION_EXPIRED : INVALID_SESSION);
  }
  const givenName = responses.USERNAME;
  if (!givenName) throw new InvalidParameterError('Missing required parameter USERNAME');
  const challengeAnswer = responses.ANSWER;
  if (challengeAnswer === undefined) throw new InvalidParameterError('Missing required parameter ANSWER');

  const user = session.userNotFound ? undefined : pool.store.getUser(session.username);
  // The caller may name the user by username or by email alias, but it must be the session's user.
  // An unknown user's session holds the stand-in of the name it began with, and a stand-in (or a
  // name that needs none) is its own stand-in, so one comparison covers both ways of naming it.
  const sameUser = user
    ? pool.store.findUser(givenName)?.username === user.username
    : standInUsername(pool, givenName) === session.username;
  if (!sameUser) throw new NotAuthorizedError(INVALID_SESSION);
  if (!session.userNotFound && !user) throw new NotAuthorizedError(INVALID_SESSION);
  // An administrator may have disabled the user since the session began (AdminDisableUser).
  if (user && !user.enabled) throw new NotAuthorizedError(USER_DISABLED);

  const state: FlowState = { pool, client, user, username: session.username, history: session.history, clientMetadata };
  const correct = await verifyAnswer(state, session.privateChallengeParameters, challengeAnswer);
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
