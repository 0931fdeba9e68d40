// The sim through Amplify v6 (`aws-amplify/auth`), unchanged, pointed at it with the custom
// user-pool endpoint setting. Amplify runs in Node here: it speaks to Cognito with global fetch,
// and keeps its tokens in whatever KeyValueStorage it is given (an in-memory one below).
import { GetTokensFromRefreshTokenCommand, GetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { Amplify } from 'aws-amplify';
import {
  autoSignIn,
  confirmSignIn,
  confirmSignUp,
  fetchAuthSession,
  getCurrentUser,
  signIn,
  signOut,
  signUp,
} from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import { InMemoryKeyValueStorage } from '../amplify-token-storage.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_ID, PASSWORD, POOL_ID, failureOf, startCognitoSim, type CognitoSimHarness } from './cognito-sim-harness.js';

describe('Cognito sim with Amplify v6 (aws-amplify/auth)', () => {
  let sim: CognitoSimHarness;
  const storage = new InMemoryKeyValueStorage();
  const email = 'amplify@example.com';
  let sub: string;

  beforeAll(async () => {
    sim = await startCognitoSim();
    Amplify.configure({ Auth: { Cognito: { userPoolId: POOL_ID, userPoolClientId: CLIENT_ID, userPoolEndpoint: sim.baseUrl } } });
    cognitoUserPoolsTokenProvider.setKeyValueStorage(storage);
  });
  afterAll(() => sim.close({ removeData: true }));
  beforeEach(async () => {
    sim.reset();
    await signOut(); // a test that failed half-way must not leave the next one signed in
  });

  /** The refresh token Amplify keeps (it does not hand it out through its API). */
  const storedRefreshToken = () => [...storage.items].find(([key]) => key.endsWith('.refreshToken'))?.[1];

  it('signs up with the email as username and confirms with the emailed code', async () => {
    const result = await signUp({ username: email, password: PASSWORD, options: { userAttributes: { email } } });
    expect(result).toEqual({
      isSignUpComplete: false,
      userId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      nextStep: {
        signUpStep: 'CONFIRM_SIGN_UP',
        codeDeliveryDetails: { destination: 'a***@e***', deliveryMedium: 'EMAIL', attributeName: 'email' },
      },
    });
    sub = result.userId!;
    expect(sim.eventsOf('PreSignUp')[0]).toMatchObject({ triggerSource: 'PreSignUp_SignUp', request: { userAttributes: { email } } });

    expect(await failureOf(confirmSignUp({ username: email, confirmationCode: '000000' }))).toEqual({
      name: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.',
    });
    const code = await sim.latestCode(email);
    expect(await confirmSignUp({ username: email, confirmationCode: code })).toEqual({
      isSignUpComplete: true, nextStep: { signUpStep: 'DONE' },
    });
    expect(sim.eventsOf('PostConfirmation')[0]).toMatchObject({ triggerSource: 'PostConfirmation_ConfirmSignUp', userName: sub });
  });

  it('refuses to sign up the same email twice', async () => {
    expect(await failureOf(signUp({ username: email, password: PASSWORD, options: { userAttributes: { email } } }))).toEqual({
      name: 'UsernameExistsException', message: 'An account with the given email already exists.',
    });
  });

  it('signs in through a multi-round custom challenge, holds tokens with the right claims, and signs out globally', async () => {
    const started = await signIn({ username: email, options: { authFlowType: 'CUSTOM_WITHOUT_SRP', clientMetadata: { from: 'amplify' } } });
    expect(started).toEqual({
      isSignedIn: false,
      nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE', additionalInfo: { round: '1', USERNAME: sub } },
    });
    expect(sim.eventsOf('PreAuthentication')[0].request.validationData).toEqual({ from: 'amplify' });

    const wrong = await confirmSignIn({ challengeResponse: 'nope' });
    expect(wrong.nextStep).toEqual({ signInStep: 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE', additionalInfo: { round: '1', USERNAME: sub } });
    const second = await confirmSignIn({ challengeResponse: 'answer-1', options: { clientMetadata: { from: 'confirm' } } });
    expect(second.nextStep).toEqual({ signInStep: 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE', additionalInfo: { round: '2', USERNAME: sub } });
    expect(await confirmSignIn({ challengeResponse: 'answer-2' })).toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });

    // Amplify answered with the username the challenge showed (the UUID), and the answers it was given.
    expect(sim.eventsOf('VerifyAuthChallengeResponse').map((event) => [event.userName, event.request.challengeAnswer])).toEqual([
      [sub, 'nope'], [sub, 'answer-1'], [sub, 'answer-2'],
    ]);
    expect(sim.eventsOf('VerifyAuthChallengeResponse')[1].request.clientMetadata).toEqual({ from: 'confirm' });

    const session = await fetchAuthSession();
    expect(session.userSub).toBe(sub);
    const { idToken, accessToken } = session.tokens!;
    expect(idToken!.payload).toMatchObject({
      sub, email, 'cognito:username': sub, aud: CLIENT_ID, iss: sim.issuer, token_use: 'id', 'custom:factor': 'face',
    });
    expect(idToken!.payload).not.toHaveProperty('email_verified'); // suppressed by the PreTokenGeneration trigger
    expect(accessToken.payload).toMatchObject({
      sub, username: sub, client_id: CLIENT_ID, iss: sim.issuer, token_use: 'access', scope: 'aws.cognito.signin.user.admin',
    });
    expect(accessToken.payload.origin_jti).toBe(idToken!.payload.origin_jti);
    // The tokens Amplify holds are the sim's, signed with the pool's key.
    const verifier = JwtRsaVerifier.create(
      { issuer: sim.issuer, audience: CLIENT_ID, jwksUri: `${sim.issuer}/.well-known/jwks.json` },
      { jwksCache: new SimpleJwksCache({ fetcher: { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() } }) },
    );
    expect(await verifier.verify(idToken!.toString())).toMatchObject({ sub, email });
    expect([...storage.items.values()]).toContain(accessToken.toString());

    expect(await getCurrentUser()).toEqual({
      username: sub, userId: sub, signInDetails: { loginId: email, authFlowType: 'CUSTOM_WITHOUT_SRP' },
    });

    await signOut({ global: true });
    // Amplify swallows sign-out errors, so the sim's side is checked directly: the access token is revoked.
    expect(await failureOf(sim.client.send(new GetUserCommand({ AccessToken: accessToken.toString() })))).toEqual({
      name: 'NotAuthorizedException', message: 'Access Token has been revoked',
    });
    expect([...storage.items.values()]).not.toContain(accessToken.toString());
    expect((await fetchAuthSession()).tokens).toBeUndefined();
    expect(await failureOf(getCurrentUser())).toMatchObject({ name: 'UserUnAuthenticatedException' });
  });

  it('refreshes the tokens on fetchAuthSession({ forceRefresh: true }) with GetTokensFromRefreshToken, and revokes them on signOut', async () => {
    await signIn({ username: email, options: { authFlowType: 'CUSTOM_WITHOUT_SRP' } });
    await confirmSignIn({ challengeResponse: 'answer-1' });
    await confirmSignIn({ challengeResponse: 'answer-2' });
    const before = (await fetchAuthSession()).tokens!;
    const refreshToken = storedRefreshToken();
    expect(refreshToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);

    const after = (await fetchAuthSession({ forceRefresh: true })).tokens!;
    expect(after.accessToken.toString()).not.toBe(before.accessToken.toString());
    expect(after.accessToken.payload).toMatchObject({
      sub, client_id: CLIENT_ID, origin_jti: before.accessToken.payload.origin_jti, auth_time: before.accessToken.payload.auth_time,
    });
    expect(after.idToken!.payload).toMatchObject({ sub, email, 'custom:factor': 'face' });
    expect(sim.eventsOf('PreTokenGeneration').at(-1)).toMatchObject({ triggerSource: 'TokenGeneration_RefreshTokens' });
    expect(storedRefreshToken()).toBe(refreshToken); // no rotation: the same refresh token is kept

    // A local sign-out revokes the refresh token (RevokeToken), and with it the access tokens.
    await signOut();
    expect(await failureOf(sim.client.send(new GetTokensFromRefreshTokenCommand({ ClientId: CLIENT_ID, RefreshToken: refreshToken })))).toEqual({
      name: 'NotAuthorizedException', message: 'Refresh Token has been revoked',
    });
    expect(await failureOf(sim.client.send(new GetUserCommand({ AccessToken: after.accessToken.toString() })))).toEqual({
      name: 'NotAuthorizedException', message: 'Access Token has been revoked',
    });
  });

  it('surfaces a failed flow as NotAuthorizedException "Incorrect username or password."', async () => {
    const started = await signIn({ username: email, options: { authFlowType: 'CUSTOM_WITHOUT_SRP' } });
    expect(started.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await confirmSignIn({ challengeResponse: 'wrong' })).nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
    }
    expect(await failureOf(confirmSignIn({ challengeResponse: 'wrong' }))).toEqual({
      name: 'NotAuthorizedException', message: 'Incorrect username or password.',
    });
    expect(sim.eventsOf('DefineAuthChallenge').at(-1).request.session).toHaveLength(3);
    expect((await fetchAuthSession()).tokens).toBeUndefined();
  });

  it('signs in straight after confirmSignUp with autoSignIn and the custom flow', async () => {
    const newcomer = 'auto@example.com';
    const signedUp = await signUp({
      username: newcomer,
      password: PASSWORD,
      options: { userAttributes: { email: newcomer }, autoSignIn: { authFlowType: 'CUSTOM_WITHOUT_SRP' } },
    });
    expect(signedUp.nextStep.signUpStep).toBe('CONFIRM_SIGN_UP');
    expect(await confirmSignUp({ username: newcomer, confirmationCode: await sim.latestCode(newcomer) })).toEqual({
      isSignUpComplete: true, nextStep: { signUpStep: 'COMPLETE_AUTO_SIGN_IN' },
    });

    // Amplify starts the custom flow without the sign-up's password, as CUSTOM_WITHOUT_SRP requires.
    expect(await autoSignIn()).toEqual({
      isSignedIn: false,
      nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE', additionalInfo: { round: '1', USERNAME: signedUp.userId } },
    });
    await confirmSignIn({ challengeResponse: 'answer-1' });
    expect(await confirmSignIn({ challengeResponse: 'answer-2' })).toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    expect((await fetchAuthSession()).userSub).toBe(signedUp.userId);
    expect(sim.eventsOf('DefineAuthChallenge')[0].userName).toBe(signedUp.userId);
  });

  it('sends an unconfirmed user to CONFIRM_SIGN_UP, as Amplify does with UserNotConfirmedException', async () => {
    await signUp({ username: 'later@example.com', password: PASSWORD, options: { userAttributes: { email: 'later@example.com' } } });
    expect(await signIn({ username: 'later@example.com', options: { authFlowType: 'CUSTOM_WITHOUT_SRP' } })).toEqual({
      isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_UP' },
    });
  });

  it('reports a throwing trigger with its message', async () => {
    sim.triggers.CreateAuthChallenge = async () => {
      throw new Error('no camera');
    };
    expect(await failureOf(signIn({ username: email, options: { authFlowType: 'CUSTOM_WITHOUT_SRP' } }))).toEqual({
      name: 'UserLambdaValidationException', message: 'CreateAuthChallenge failed with error no camera.',
    });
  });
});
