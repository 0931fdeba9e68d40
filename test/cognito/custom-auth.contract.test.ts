// The custom auth flow (CUSTOM_AUTH) through the triggers, driven with the real AWS SDK v3 client.
import {
  AdminConfirmSignUpCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CLIENT_ID, LEGACY_CLIENT_ID, PASSWORD, PASSWORD_ONLY_CLIENT_ID, POOL_ID, failureOf, startCognitoSim, type CognitoSimHarness,
} from './cognito-sim-harness.js';

// Under `npm run test:mutation` (vitest.mutation.config.ts): the trigger-timeout tests wait 16 s for
// the Lambda invoker (sim/lambda, not mutated), so they skip there; plain `npm test` runs them.
const underMutationTesting = process.env.FACEKIT_MUTATION_RUN === '1';

describe('Cognito sim: custom auth flow', () => {
  let sim: CognitoSimHarness;
  let sub: string;
  const email = 'face@example.com';

  beforeAll(async () => {
    sim = await startCognitoSim();
    ({ UserSub: sub } = (await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD }))) as { UserSub: string });
    await sim.client.send(new AdminConfirmSignUpCommand({ UserPoolId: POOL_ID, Username: email }));
  });
  afterAll(() => sim.close({ removeData: true }));
  beforeEach(() => sim.reset());

  const start = (username = email, clientId = CLIENT_ID) =>
    sim.client.send(new InitiateAuthCommand({
      ClientId: clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: username }, ClientMetadata: { from: 'initiate' },
    }));
  const answer = (session: string | undefined, value: string, username = email) =>
    sim.client.send(new RespondToAuthChallengeCommand({
      ClientId: CLIENT_ID, ChallengeName: 'CUSTOM_CHALLENGE', Session: session,
      ChallengeResponses: { USERNAME: username, ANSWER: value }, ClientMetadata: { from: 'respond' },
    }));

  it('runs a multi-round challenge to tokens, asking the define trigger at every step', async () => {
    const first: InitiateAuthCommandOutput = await start();
    expect(first.ChallengeName).toBe('CUSTOM_CHALLENGE');
    expect(first.ChallengeParameters).toEqual({ round: '1', USERNAME: sub });
    expect(first.Session!.length).toBeGreaterThanOrEqual(20);

    const wrong = await answer(first.Session, 'nope');
    expect(wrong.ChallengeParameters).toEqual({ round: '1', USERNAME: sub });
    const second = await answer(wrong.Session, 'answer-1');
    expect(second.ChallengeParameters).toEqual({ round: '2', USERNAME: sub });
    const done = await answer(second.Session, 'answer-2');

    expect(done.ChallengeName).toBeUndefined();
    expect(done.AuthenticationResult).toMatchObject({ TokenType: 'Bearer', ExpiresIn: 3600 });
    expect(done.AuthenticationResult!.IdToken).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(done.AuthenticationResult!.RefreshToken).toBeTruthy();

    const defines = sim.eventsOf('DefineAuthChallenge');
    expect(defines.map((event) => event.request.session.length)).toEqual([0, 1, 2, 3]);
    expect(defines[0]).toEqual({
      version: '1', triggerSource: 'DefineAuthChallenge_Authentication', region: 'eu-west-1', userPoolId: POOL_ID,
      userName: sub, callerContext: { awsSdkVersion: expect.any(String), clientId: CLIENT_ID },
      request: {
        userAttributes: { sub, email, email_verified: 'false', 'cognito:user_status': 'CONFIRMED' },
        session: [], userNotFound: false,
      },
      response: { challengeName: null, issueTokens: null, failAuthentication: null },
    });
    expect(defines[3].request.session).toEqual([
      { challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: 'ROUND_1' },
      { challengeName: 'CUSTOM_CHALLENGE', challengeResult: true, challengeMetadata: 'ROUND_1' },
      { challengeName: 'CUSTOM_CHALLENGE', challengeResult: true, challengeMetadata: 'ROUND_2' },
    ]);
    const creates = sim.eventsOf('CreateAuthChallenge');
    expect(creates[0]).toMatchObject({
      triggerSource: 'CreateAuthChallenge_Authentication',
      request: { challengeName: 'CUSTOM_CHALLENGE', session: [], userNotFound: false },
      response: { publicChallengeParameters: null, privateChallengeParameters: null, challengeMetadata: null },
    });
    const verifies = sim.eventsOf('VerifyAuthChallengeResponse');
    expect(verifies[0]).toMatchObject({
      triggerSource: 'VerifyAuthChallengeResponse_Authentication',
      request: { privateChallengeParameters: { answer: 'answer-1' }, challengeAnswer: 'nope', userNotFound: false },
      response: { answerCorrect: null },
    });
    expect(sim.eventsOf('PostAuthentication')[0]).toMatchObject({
      triggerSource: 'PostAuthentication_Authentication', request: { newDeviceUsed: false, clientMetadata: { from: 'respond' } },
    });
    expect(sim.eventsOf('PreTokenGeneration')[0]).toMatchObject({
      triggerSource: 'TokenGeneration_Authentication',
      request: { groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [], preferredRole: null } },
      response: { claimsOverrideDetails: null },
    });
  });

  it('gives the triggers ClientMetadata from RespondToAuthChallenge only, and InitiateAuth metadata to PreAuthentication', async () => {
    const first = await start();
    await answer(first.Session, 'answer-1');

    const [initialDefine, laterDefine] = sim.eventsOf('DefineAuthChallenge');
    expect(initialDefine.request.clientMetadata).toBeUndefined();
    expect(sim.eventsOf('CreateAuthChallenge')[0].request.clientMetadata).toBeUndefined();
    expect(laterDefine.request.clientMetadata).toEqual({ from: 'respond' });
    expect(sim.eventsOf('VerifyAuthChallengeResponse')[0].request.clientMetadata).toEqual({ from: 'respond' });
    expect(sim.eventsOf('PreAuthentication')[0]).toMatchObject({
      triggerSource: 'PreAuthentication_Authentication', request: { validationData: { from: 'initiate' }, userNotFound: false },
    });
  });

  it('accepts the email alias or the username in the answer', async () => {
    const first = await start(email.toUpperCase());
    const second = await answer(first.Session, 'answer-1', sub);
    expect(second.ChallengeParameters).toMatchObject({ round: '2' });
  });

  it('fails the flow when the define trigger says so', async () => {
    let session = (await start()).Session;
    for (let attempt = 0; attempt < 2; attempt++) session = (await answer(session, 'wrong')).Session;

    expect(await failureOf(answer(session, 'wrong'))).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  });

  it('refuses a session used twice', async () => {
    const first = await start();
    await answer(first.Session, 'answer-1');
    expect(await failureOf(answer(first.Session, 'answer-1'))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid session for the user.' });
  });

  it("refuses a session older than the client's auth session validity (3 minutes)", async () => {
    const first = await start();
    sim.clock.advance(3 * 60_000);
    // Cognito's words for an expired session, which apps match to say "start again".
    expect(await failureOf(answer(first.Session, 'answer-1'))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid session for the user, session is expired.' });
  });

  it('refuses a session that was never issued and an answer for another user', async () => {
    expect(await failureOf(answer('A'.repeat(128), 'x'))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid session for the user.' });
    const first = await start();
    expect(await failureOf(answer(first.Session, 'answer-1', 'someone@example.com'))).toEqual({
      name: 'NotAuthorizedException', message: 'Invalid session for the user.',
    });
  });

  it('runs the flow for an unknown user with userNotFound when existence errors are prevented, and never signs in', async () => {
    const first = await start('ghost@example.com');
    expect(first.ChallengeParameters).toEqual({ round: '1', USERNAME: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) });
    const second = await answer(first.Session, 'answer-1', 'ghost@example.com');
    expect(await failureOf(answer(second.Session, 'answer-2', 'ghost@example.com'))).toEqual({
      name: 'NotAuthorizedException', message: 'Incorrect username or password.',
    });
    expect(sim.eventsOf('DefineAuthChallenge')[0].request).toEqual({ userAttributes: {}, session: [], userNotFound: true });
  });

  it('shows an unknown email a stable stand-in username shaped like a real one, never the email typed', async () => {
    const first = await start('ghost@example.com');
    const again = await start('GHOST@example.com');
    const other = await start('wraith@example.com');

    expect(again.ChallengeParameters!.USERNAME).toBe(first.ChallengeParameters!.USERNAME);
    expect(other.ChallengeParameters!.USERNAME).not.toBe(first.ChallengeParameters!.USERNAME);
    expect(JSON.stringify(first.ChallengeParameters)).not.toContain('ghost');
    const viaStandIn = await answer(first.Session, 'answer-1', first.ChallengeParameters!.USERNAME!);
    expect(viaStandIn.ChallengeName).toBe('CUSTOM_CHALLENGE');
  });

  it('reports an unknown user on a LEGACY client', async () => {
    expect(await failureOf(start('ghost@example.com', LEGACY_CLIENT_ID))).toEqual({ name: 'UserNotFoundException', message: 'User does not exist.' });
  });

  it('refuses to sign in an unconfirmed user', async () => {
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'pending@example.com', Password: PASSWORD }));
    expect(await failureOf(start('pending@example.com'))).toEqual({ name: 'UserNotConfirmedException', message: 'User is not confirmed.' });
  });

  it('refuses a flow the client does not allow, and admin flows on InitiateAuth', async () => {
    expect(await failureOf(start(email, PASSWORD_ONLY_CLIENT_ID))).toEqual({
      name: 'InvalidParameterException', message: 'CUSTOM_AUTH is not enabled for the client.',
    });
    expect(await failureOf(sim.client.send(new InitiateAuthCommand({
      ClientId: CLIENT_ID, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD },
    })))).toEqual({ name: 'InvalidParameterException', message: 'USER_PASSWORD_AUTH flow not enabled for this client' });
    expect(await failureOf(sim.client.send(new InitiateAuthCommand({
      ClientId: CLIENT_ID, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD },
    })))).toEqual({ name: 'InvalidParameterException', message: 'Initiate Auth method not supported.' });
  });

  it('turns a throwing trigger into UserLambdaValidationException with its message', async () => {
    sim.triggers.CreateAuthChallenge = async () => {
      throw new Error('no camera');
    };
    expect(await failureOf(start())).toEqual({ name: 'UserLambdaValidationException', message: 'CreateAuthChallenge failed with error no camera.' });

    sim.reset();
    sim.triggers.VerifyAuthChallengeResponse = async () => {
      throw new Error('face service down');
    };
    const first = await start();
    expect(await failureOf(answer(first.Session, 'answer-1'))).toEqual({
      name: 'UserLambdaValidationException', message: 'VerifyAuthChallengeResponse failed with error face service down.',
    });
  });

  it.skipIf(underMutationTesting)('tries a trigger slower than 5 seconds three times, then gives up', async () => {
    sim.triggers.DefineAuthChallenge = async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 5_300));
      return event;
    };
    expect(await failureOf(start())).toEqual({
      name: 'UnexpectedLambdaException', message: 'DefineAuthChallenge invocation failed due to error Socket timeout while invoking Lambda function.',
    });
    expect(sim.eventsOf('DefineAuthChallenge')).toHaveLength(3);
  }, 25_000);

  it.skipIf(underMutationTesting)('carries on when a retry of a timed-out trigger answers in time', async () => {
    const fast = sim.triggers.CreateAuthChallenge;
    let calls = 0;
    sim.triggers.CreateAuthChallenge = async (event) => {
      if (++calls === 1) await new Promise((resolve) => setTimeout(resolve, 5_300));
      return fast(event);
    };
    expect((await start()).ChallengeParameters).toMatchObject({ round: '1' });
    expect(calls).toBe(2);
  }, 15_000);

  it.each([
    ['decides nothing', async (event: { response: object }) => event],
    ['returns nothing', async () => undefined],
    ['asks for a challenge Cognito does not know', async (event: { response: Record<string, unknown> }) => ({ ...event, response: { challengeName: 42 } })],
  ])('answers InvalidLambdaResponseException when the define trigger %s', async (_, handler) => {
    sim.triggers.DefineAuthChallenge = handler;
    expect(await failureOf(start())).toEqual({ name: 'InvalidLambdaResponseException', message: 'Unrecognizable lambda output' });
  });

  it('answers InvalidLambdaResponseException when create returns non-string parameters or verify no verdict', async () => {
    sim.triggers.CreateAuthChallenge = async (event) => {
      event.response.publicChallengeParameters = { attempts: 3 };
      return event;
    };
    expect(await failureOf(start())).toEqual({ name: 'InvalidLambdaResponseException', message: 'Unrecognizable lambda output' });

    sim.reset();
    sim.triggers.VerifyAuthChallengeResponse = async (event) => event;
    const first = await start();
    expect(await failureOf(answer(first.Session, 'answer-1'))).toEqual({ name: 'InvalidLambdaResponseException', message: 'Unrecognizable lambda output' });
  });

  it('turns a throwing PreAuthentication into UserLambdaValidationException before any challenge', async () => {
    sim.triggers.PreAuthentication = async () => {
      throw new Error('account locked');
    };
    expect(await failureOf(start())).toEqual({ name: 'UserLambdaValidationException', message: 'PreAuthentication failed with error account locked.' });
    expect(sim.eventsOf('DefineAuthChallenge')).toEqual([]);
  });

  it('answers an unknown client id with ResourceNotFoundException', async () => {
    expect(await failureOf(start(email, 'nosuchclient000000000000000'))).toEqual({
      name: 'ResourceNotFoundException', message: 'User pool client nosuchclient000000000000000 does not exist.',
    });
  });
});
