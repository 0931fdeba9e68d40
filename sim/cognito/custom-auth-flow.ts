// The custom authentication state machine as Cognito runs it. After every answered round (and at
// the start) DefineAuthChallenge looks at the session history and decides: fail, issue tokens, or
// ask another CUSTOM_CHALLENGE, which CreateAuthChallenge then builds. The number of rounds is the
// define trigger's business alone.
import type { ChallengeHistoryEntry } from './auth-sessions.js';
import type { CognitoContext, PoolRuntime } from './cognito-context.js';
import {
  INCORRECT_CREDENTIALS,
  InvalidLambdaResponseError,
  InvalidParameterError,
  NotAuthorizedError,
  USER_DISABLED,
  UnsupportedOperationError,
} from './errors.js';
import { issueRefreshToken, mintTokens, type AuthenticationResult, type ClaimsOverride } from './tokens.js';
import { isObject, stringMapOf, triggerUserAttributes } from './triggers.js';
import type { ResolvedClient } from './user-pool-config.js';
import type { StoredUser } from './user-pool-store.js';

export interface FlowState {
  pool: PoolRuntime;
  client: ResolvedClient;
  /** Absent when the user does not exist and the client hides that (`userNotFound`). */
  user?: StoredUser;
  /** The username the triggers and ChallengeParameters.USERNAME carry. */
  username: string;
  history: ChallengeHistoryEntry[];
  /** Only RespondToAuthChallenge's ClientMetadata reaches define/create/verify. */
  clientMetadata?: Record<string, string>;
}

export type FlowStep =
  | { ChallengeName: 'CUSTOM_CHALLENGE'; Session: string; ChallengeParameters: Record<string, string> }
  | { ChallengeParameters: Record<string, never>; AuthenticationResult: AuthenticationResult };

function flowRequest(state: FlowState): Record<string, unknown> {
  return {
    userAttributes: state.user ? triggerUserAttributes(state.user) : {},
    session: state.history.map((entry) => ({ ...entry })),
    ...(state.clientMetadata ? { clientMetadata: state.clientMetadata } : {}),
    userNotFound: !state.user,
  };
}

/** Asks DefineAuthChallenge what comes next and carries it out. */
export async function nextStep(context: CognitoContext, state: FlowState): Promise<FlowStep> {
  const { pool, client } = state;
  if (!pool.triggers.isConfigured('DefineAuthChallenge')) {
    throw new InvalidParameterError('Custom auth lambda trigger is not configured for the user pool.');
  }
  const decision = (await pool.triggers.run('DefineAuthChallenge', {
    triggerSource: 'DefineAuthChallenge_Authentication',
    userName: state.username,
    clientId: client.clientId,
    request: flowRequest(state),
    response: { challengeName: null, issueTokens: null, failAuthentication: null },
  }))!;

  if (decision.failAuthentication === true) throw new NotAuthorizedError(INCORRECT_CREDENTIALS);
  if (decision.issueTokens === true) {
    // A user that does not exist can never be signed in, whatever the trigger says.
    if (!state.user) throw new NotAuthorizedError(INCORRECT_CREDENTIALS);
    const result = await completeSignIn(context, pool, client, state.user, state.clientMetadata);
    return { ChallengeParameters: {}, AuthenticationResult: result };
  }
  if (decision.challengeName === 'CUSTOM_CHALLENGE') return createChallenge(context, state);
  if (typeof decision.challengeName === 'string' && decision.challengeName !== '') {
    throw new UnsupportedOperationError(`The sim emulates only CUSTOM_CHALLENGE, not ${decision.challengeName}.`);
  }
  throw new InvalidLambdaResponseError();
}

async function createChallenge(context: CognitoContext, state: FlowState): Promise<FlowStep> {
  const { pool, client } = state;
  const created = (await pool.triggers.run('CreateAuthChallenge', {
    triggerSource: 'CreateAuthChallenge_Authentication',
    userName: state.username,
    clientId: client.clientId,
    request: { ...flowRequest(state), challengeName: 'CUSTOM_CHALLENGE' },
    response: { publicChallengeParameters: null, privateChallengeParameters: null, challengeMetadata: null },
  })) ?? {};
  const publicParameters = stringMapOf(created.publicChallengeParameters);
  const privateParameters = stringMapOf(created.privateChallengeParameters);
  const metadata = created.challengeMetadata;
  if (metadata !== undefined && metadata !== null && typeof metadata !== 'string') throw new InvalidLambdaResponseError();

  const session = context.sessions.open({
    userPoolId: pool.config.userPoolId,
    clientId: client.clientId,
    username: state.username,
    userNotFound: !state.user,
    history: state.history,
    privateChallengeParameters: privateParameters,
    ...(typeof metadata === 'string' ? { challengeMetadata: metadata } : {}),
    expiresAt: context.clock.now() + client.authSessionValidityMinutes * 60_000,
  });
  return {
    ChallengeName: 'CUSTOM_CHALLENGE',
    Session: session,
    ChallengeParameters: { ...publicParameters, USERNAME: state.username },
  };
}

/** Runs VerifyAuthChallengeResponse on an answer and returns whether it was correct. */
export async function verifyAnswer(
  state: FlowState,
  privateChallengeParameters: Record<string, string>,
  answer: string,
): Promise<boolean> {
  const verdict = await state.pool.triggers.run('VerifyAuthChallengeResponse', {
    triggerSource: 'VerifyAuthChallengeResponse_Authentication',
    userName: state.username,
    clientId: state.client.clientId,
    request: {
      userAttributes: state.user ? triggerUserAttributes(state.user) : {},
      privateChallengeParameters,
      challengeAnswer: answer,
      ...(state.clientMetadata ? { clientMetadata: state.clientMetadata } : {}),
      userNotFound: !state.user,
    },
    response: { answerCorrect: null },
  });
  if (!verdict) throw new InvalidParameterError('Custom auth lambda trigger is not configured for the user pool.');
  if (typeof verdict.answerCorrect !== 'boolean') throw new InvalidLambdaResponseError();
  return verdict.answerCorrect;
}

/** PostAuthentication, then PreTokenGeneration, then a new token family. */
async function completeSignIn(
  context: CognitoContext,
  pool: PoolRuntime,
  client: ResolvedClient,
  user: StoredUser,
  clientMetadata: Record<string, string> | undefined,
): Promise<AuthenticationResult> {
  await pool.triggers.run('PostAuthentication', {
    triggerSource: 'PostAuthentication_Authentication',
    userName: user.username,
    clientId: client.clientId,
    request: {
      userAttributes: triggerUserAttributes(user),
      newDeviceUsed: false,
      ...(clientMetadata ? { clientMetadata } : {}),
    },
    response: {},
  });
  const claimsOverride = await runPreTokenGeneration(pool, client, user, 'TokenGeneration_Authentication', clientMetadata);
  // The triggers take time: an administrator may have disabled or deleted the user meanwhile.
  const current = pool.store.getUser(user.username);
  if (!current) throw new NotAuthorizedError(INCORRECT_CREDENTIALS);
  if (!current.enabled) throw new NotAuthorizedError(USER_DISABLED);
  const authTime = Math.floor(context.clock.now() / 1000);
  const { refreshToken, originJti } = issueRefreshToken(context, pool, client, user, authTime);
  const tokens = await mintTokens(context, { pool, client, user, originJti, authTime, claimsOverride });
  return { ...tokens, RefreshToken: refreshToken };
}

/** Version 1 of the pre token generation trigger: it may change the id token's claims only. */
export async function runPreTokenGeneration(
  pool: PoolRuntime,
  client: ResolvedClient,
  user: StoredUser,
  triggerSource: 'TokenGeneration_Authentication' | 'TokenGeneration_RefreshTokens',
  clientMetadata: Record<string, string> | undefined,
): Promise<ClaimsOverride | undefined> {
  const response = await pool.triggers.run('PreTokenGeneration', {
    triggerSource,
    userName: user.username,
    clientId: client.clientId,
    request: {
      userAttributes: triggerUserAttributes(user),
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [], preferredRole: null },
      ...(clientMetadata ? { clientMetadata } : {}),
    },
    response: { claimsOverrideDetails: null },
  });
  const details = response?.claimsOverrideDetails;
  if (details === undefined || details === null) return undefined;
  if (!isObject(details)) throw new InvalidLambdaResponseError();
  // Stryker disable next-line ArrayDeclaration: a placeholder entry names no claim, so suppressing it changes no token
  const suppress = details.claimsToSuppress ?? [];
  if (!Array.isArray(suppress) || suppress.some((claim) => typeof claim !== 'string')) throw new InvalidLambdaResponseError();
  return { claimsToAddOrOverride: stringMapOf(details.claimsToAddOrOverride), claimsToSuppress: suppress as string[] };
}
