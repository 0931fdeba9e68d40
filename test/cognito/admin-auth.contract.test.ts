// AdminInitiateAuth and AdminRespondToAuthChallenge: the custom auth flow run from a backend with
// IAM credentials, driven with the AWS SDK v3 client. The flows are InitiateAuth's own, so every
// rule of theirs is checked again here through the admin calls: sessions, users, triggers and
// their events, tokens, refresh; and what only the admin calls have: the signature, the pool named
// with the client, ContextData and AnalyticsMetadata, and the flows each API takes.
import {
  AdminDisableUserCommand,
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
  type AdminInitiateAuthCommandInput,
  type AuthFlowType,
  type ContextDataType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { BuildMiddleware } from '@smithy/types';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UserPoolConfig } from '../../sim/cognito/index.js';
import { unsigned } from '../security/request-signing.js';
import {
  CLIENT_ID, LEGACY_CLIENT_ID, PASSWORD, PASSWORD_ONLY_CLIENT_ID, POOL_ID, REGION, failureOf, signUpAndSignIn, startCognitoSim,
  type CognitoSimHarness,
} from './cognito-sim-harness.js';

const ADMIN_PASSWORD_CLIENT_ID = 'adminpassword0srp0userauth';
const LEGACY_ADMIN_CLIENT_ID = 'legacyadminnosrpauth000000';
const OTHER_POOL_ID = 'eu-west-1_Other1234';
const OTHER_POOL_CLIENT_ID = 'otherpoolclient00000000000';
const otherPool: UserPoolConfig = {
  userPoolId: OTHER_POOL_ID,
  region: REGION,
  name: 'other-users',
  clients: [{ clientId: OTHER_POOL_CLIENT_ID, clientName: 'other', explicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
};

const INVALID_SESSION = { name: 'NotAuthorizedException', message: 'Invalid session for the user.' };
const CONTEXT_DATA: ContextDataType = {
  IpAddress: '203.0.113.7', ServerName: 'app.example.com', ServerPath: '/sign-in', HttpHeaders: [{ headerName: 'User-Agent', headerValue: 'kiosk/1' }],
};

describe('Cognito sim: AdminInitiateAuth and AdminRespondToAuthChallenge', () => {
  let sim: CognitoSimHarness;
  beforeAll(async () => {
    sim = await startCognitoSim({
      // CognitoJwtVerifier takes only Cognito's own issuer.
      issuerBaseUrl: `https://cognito-idp.${REGION}.amazonaws.com`,
      checkSignatures: true,
      otherPools: [otherPool],
      configurePool: (config) => ({
        ...config,
        clients: [
          ...config.clients,
          { clientId: ADMIN_PASSWORD_CLIENT_ID, clientName: 'admin-password', explicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_USER_AUTH'] },
          { clientId: LEGACY_ADMIN_CLIENT_ID, clientName: 'legacy-admin', explicitAuthFlows: ['ADMIN_NO_SRP_AUTH'] },
        ],
      }),
    });
  });
  afterAll(() => sim.close({ removeData: true }));
  beforeEach(() => sim.reset());

  let counter = 0;
  /** A confirmed user of its own (signed in once through InitiateAuth, which creates it), so a test may disable it. */
  const newUser = async () => {
    const email = `admin-auth-${++counter}@example.com`;
    const { sub } = await signUpAndSignIn(sim, email);
    sim.reset();
    return { email, sub };
  };
  const initiate = (input: Partial<AdminInitiateAuthCommandInput>) =>
    sim.client.send(new AdminInitiateAuthCommand({ UserPoolId: POOL_ID, ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', ...input }));
  const start = (username: string, clientId = CLIENT_ID, clientMetadata?: Record<string, string>) =>
    initiate({ ClientId: clientId, AuthParameters: { USERNAME: username }, ClientMetadata: clientMetadata });
  const respond = (
    session: string | undefined,
    responses: Record<string, string>,
    options: { clientId?: string; userPoolId?: string; clientMetadata?: Record<string, string> } = {},
  ) =>
    sim.client.send(new AdminRespondToAuthChallengeCommand({
      UserPoolId: options.userPoolId ?? POOL_ID, ClientId: options.clientId ?? CLIENT_ID, ChallengeName: 'CUSTOM_CHALLENGE', Session: session,
      ChallengeResponses: responses, ClientMetadata: options.clientMetadata,
    }));

  describe('the custom flow', () => {
    it('runs to tokens aws-jwt-verify accepts, sending the triggers the events InitiateAuth sends, with the ClientMetadata of each call where Cognito puts it', async () => {
      const { email, sub } = await newUser();

      const first = await sim.client.send(new AdminInitiateAuthCommand({
        UserPoolId: POOL_ID, ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email },
        ClientMetadata: { from: 'admin-initiate' }, ContextData: CONTEXT_DATA, AnalyticsMetadata: { AnalyticsEndpointId: 'endpoint-1' },
      }));
      expect(first.ChallengeName).toBe('CUSTOM_CHALLENGE');
      expect(first.ChallengeParameters).toEqual({ round: '1', USERNAME: sub });
      const metadata = { clientMetadata: { from: 'admin-respond' } };
      const wrong = await respond(first.Session, { USERNAME: email, ANSWER: 'nope' }, metadata);
      expect(wrong.ChallengeParameters).toEqual({ round: '1', USERNAME: sub });
      const second = await respond(wrong.Session, { USERNAME: sub, ANSWER: 'answer-1' }, metadata);
      const done = await sim.client.send(new AdminRespondToAuthChallengeCommand({
        UserPoolId: POOL_ID, ClientId: CLIENT_ID, ChallengeName: 'CUSTOM_CHALLENGE', Session: second.Session,
        ChallengeResponses: { USERNAME: email, ANSWER: 'answer-2' }, ClientMetadata: metadata.clientMetadata,
        ContextData: CONTEXT_DATA, AnalyticsMetadata: { AnalyticsEndpointId: 'endpoint-1' },
      }));

      expect(done.ChallengeName).toBeUndefined();
      expect(done.ChallengeParameters).toEqual({});
      expect(done.AuthenticationResult).toMatchObject({ TokenType: 'Bearer', ExpiresIn: 3600, RefreshToken: expect.any(String) });
      const jwks = (await (await fetch(`${sim.baseUrl}/${POOL_ID}/.well-known/jwks.json`)).json()) as Jwks;
      const idVerifier = CognitoJwtVerifier.create({ userPoolId: POOL_ID, tokenUse: 'id', clientId: CLIENT_ID });
      const accessVerifier = CognitoJwtVerifier.create({ userPoolId: POOL_ID, tokenUse: 'access', clientId: CLIENT_ID });
      idVerifier.cacheJwks(jwks);
      accessVerifier.cacheJwks(jwks);
      expect(await idVerifier.verify(done.AuthenticationResult!.IdToken!)).toMatchObject({ sub, email, 'custom:factor': 'face' });
      expect(await accessVerifier.verify(done.AuthenticationResult!.AccessToken!)).toMatchObject({ sub, username: sub });

      // InitiateAuth's ClientMetadata reaches PreAuthentication only, as validationData.
      expect(sim.eventsOf('PreAuthentication')).toEqual([{
        version: '1', triggerSource: 'PreAuthentication_Authentication', region: REGION, userPoolId: POOL_ID, userName: sub,
        callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: CLIENT_ID },
        request: {
          userAttributes: { sub, email, email_verified: 'false', 'cognito:user_status': 'CONFIRMED' },
          validationData: { from: 'admin-initiate' },
          userNotFound: false,
        },
        response: {},
      }]);
      const defines = sim.eventsOf('DefineAuthChallenge');
      expect(defines[0]).toEqual({
        version: '1', triggerSource: 'DefineAuthChallenge_Authentication', region: REGION, userPoolId: POOL_ID, userName: sub,
        callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: CLIENT_ID },
        request: { userAttributes: { sub, email, email_verified: 'false', 'cognito:user_status': 'CONFIRMED' }, session: [], userNotFound: false },
        response: { challengeName: null, issueTokens: null, failAuthentication: null },
      });
      expect(sim.eventsOf('CreateAuthChallenge')[0].request).not.toHaveProperty('clientMetadata');
      // AdminRespondToAuthChallenge's ClientMetadata reaches every trigger it runs.
      expect(defines.slice(1).map((event) => event.request.clientMetadata)).toEqual([metadata.clientMetadata, metadata.clientMetadata, metadata.clientMetadata]);
      expect(defines[3].request.session).toEqual([
        { challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: 'ROUND_1' },
        { challengeName: 'CUSTOM_CHALLENGE', challengeResult: true, challengeMetadata: 'ROUND_1' },
        { challengeName: 'CUSTOM_CHALLENGE', challengeResult: true, challengeMetadata: 'ROUND_2' },
      ]);
      expect(sim.eventsOf('CreateAuthChallenge').slice(1).map((event) => event.request.clientMetadata)).toEqual([metadata.clientMetadata, metadata.clientMetadata]);
      expect(sim.eventsOf('VerifyAuthChallengeResponse').map((event) => [event.triggerSource, event.request.challengeAnswer, event.request.clientMetadata])).toEqual([
        ['VerifyAuthChallengeResponse_Authentication', 'nope', metadata.clientMetadata],
        ['VerifyAuthChallengeResponse_Authentication', 'answer-1', metadata.clientMetadata],
        ['VerifyAuthChallengeResponse_Authentication', 'answer-2', metadata.clientMetadata],
      ]);
      expect(sim.eventsOf('PostAuthentication')).toEqual([expect.objectContaining({
        triggerSource: 'PostAuthentication_Authentication', userName: sub,
        request: expect.objectContaining({ newDeviceUsed: false, clientMetadata: metadata.clientMetadata }),
      })]);
      expect(sim.eventsOf('PreTokenGeneration')).toEqual([expect.objectContaining({
        triggerSource: 'TokenGeneration_Authentication', request: expect.objectContaining({ clientMetadata: metadata.clientMetadata }),
      })]);
      // The client is named in every event, as InitiateAuth's are (not the CLIENT_ID_NOT_APPLICABLE of admin calls without one).
      expect(new Set(sim.events.map(({ event }) => event.callerContext.clientId))).toEqual(new Set([CLIENT_ID]));
    });

    it('gives the define and create triggers no ClientMetadata from AdminInitiateAuth, and PreAuthentication null validationData without any', async () => {
      const { email } = await newUser();
      await start(email, CLIENT_ID, { from: 'admin-initiate' });
      await start(email);

      const [withMetadata, without] = sim.eventsOf('PreAuthentication');
      expect(withMetadata.request.validationData).toEqual({ from: 'admin-initiate' });
      expect(without.request.validationData).toBeNull();
      for (const trigger of ['DefineAuthChallenge', 'CreateAuthChallenge'] as const) {
        expect(sim.eventsOf(trigger).map((event) => 'clientMetadata' in event.request)).toEqual([false, false]);
      }
    });

    it('fails the flow when the define trigger says so, and passes a throwing trigger\'s message on', async () => {
      const { email } = await newUser();
      let session = (await start(email)).Session;
      for (let attempt = 0; attempt < 2; attempt++) session = (await respond(session, { USERNAME: email, ANSWER: 'wrong' })).Session;
      expect(await failureOf(respond(session, { USERNAME: email, ANSWER: 'wrong' }))).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });

      sim.triggers.PreAuthentication = async () => {
        throw new Error('signing in from a backend is paused');
      };
      expect(await failureOf(start(email))).toEqual({
        name: 'UserLambdaValidationException', message: 'PreAuthentication failed with error signing in from a backend is paused.',
      });
      sim.triggers.CreateAuthChallenge = async (event) => ({ ...event, response: { ...event.response, publicChallengeParameters: { n: 1 } } });
      sim.triggers.PreAuthentication = async (event) => event;
      expect(await failureOf(start(email))).toEqual({ name: 'InvalidLambdaResponseException', message: 'Unrecognizable lambda output' });
    });
  });

  describe('sessions', () => {
    it('are single use', async () => {
      const { email } = await newUser();
      const first = await start(email);
      await respond(first.Session, { USERNAME: email, ANSWER: 'answer-1' });
      expect(await failureOf(respond(first.Session, { USERNAME: email, ANSWER: 'answer-1' }))).toEqual(INVALID_SESSION);
    });

    it('are bound to their app client, and used up by an answer through another', async () => {
      const { email } = await newUser();
      const first = await start(email);
      expect(await failureOf(respond(first.Session, { USERNAME: email, ANSWER: 'answer-1' }, { clientId: LEGACY_CLIENT_ID }))).toEqual(INVALID_SESSION);
      expect(await failureOf(respond(first.Session, { USERNAME: email, ANSWER: 'answer-1' }))).toEqual(INVALID_SESSION);
      expect(sim.eventsOf('VerifyAuthChallengeResponse')).toEqual([]);
    });

    it('are bound to their user', async () => {
      const { email } = await newUser();
      const { email: otherEmail } = await newUser();
      const first = await start(email);
      expect(await failureOf(respond(first.Session, { USERNAME: otherEmail, ANSWER: 'answer-1' }))).toEqual(INVALID_SESSION);
      expect(sim.eventsOf('VerifyAuthChallengeResponse')).toEqual([]);
    });

    it('expire after the client\'s auth session validity, and an answer without one is refused', async () => {
      const { email } = await newUser();
      const first = await start(email);
      sim.clock.advance(3 * 60_000);
      expect(await failureOf(respond(first.Session, { USERNAME: email, ANSWER: 'answer-1' }))).toEqual({ ...INVALID_SESSION, message: 'Invalid session for the user, session is expired.' });
      expect(await failureOf(respond(undefined, { USERNAME: email, ANSWER: 'answer-1' }))).toEqual(INVALID_SESSION);
    });

    it('opened by InitiateAuth can be answered by AdminRespondToAuthChallenge, and the other way round', async () => {
      const { email } = await newUser();
      const first = await sim.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }));
      const second = await respond(first.Session, { USERNAME: email, ANSWER: 'answer-1' });
      const done = await sim.client.send(new RespondToAuthChallengeCommand({
        ClientId: CLIENT_ID, ChallengeName: 'CUSTOM_CHALLENGE', Session: second.Session, ChallengeResponses: { USERNAME: email, ANSWER: 'answer-2' },
      }));
      expect(done.AuthenticationResult?.IdToken).toBeTruthy();
    });

    it('must name the needed challenge responses', async () => {
      const { email } = await newUser();
      const first = await start(email);
      expect(await failureOf(respond(first.Session, { ANSWER: 'answer-1' }))).toEqual({ name: 'InvalidParameterException', message: 'Missing required parameter USERNAME' });
      const second = await start(email);
      expect(await failureOf(respond(second.Session, { USERNAME: email }))).toEqual({ name: 'InvalidParameterException', message: 'Missing required parameter ANSWER' });
    });
  });

  describe('users', () => {
    it('lets an unknown user run the flow under a stand-in name, never to tokens, on a client that hides existence', async () => {
      const first = await start('nobody@example.com');
      expect(first.ChallengeParameters!.USERNAME).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(sim.eventsOf('PreAuthentication')[0]).toMatchObject({
        userName: 'nobody@example.com', request: { userAttributes: {}, validationData: null, userNotFound: true },
      });
      const second = await respond(first.Session, { USERNAME: 'nobody@example.com', ANSWER: 'answer-1' });
      expect(await failureOf(respond(second.Session, { USERNAME: 'nobody@example.com', ANSWER: 'answer-2' }))).toEqual({
        name: 'NotAuthorizedException', message: 'Incorrect username or password.',
      });
    });

    it('answers an unknown user UserNotFoundException on a LEGACY client, and an unconfirmed one UserNotConfirmedException', async () => {
      expect(await failureOf(start('nobody@example.com', LEGACY_CLIENT_ID))).toEqual({ name: 'UserNotFoundException', message: 'User does not exist.' });
      await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'unconfirmed-admin@example.com', Password: PASSWORD }));
      expect(await failureOf(start('unconfirmed-admin@example.com'))).toEqual({ name: 'UserNotConfirmedException', message: 'User is not confirmed.' });
      expect(sim.eventsOf('PreAuthentication')).toEqual([]);
    });

    it('refuses a disabled user, at the start and at the next answer of a flow under way', async () => {
      const { email } = await newUser();
      const first = await start(email);
      await sim.client.send(new AdminDisableUserCommand({ UserPoolId: POOL_ID, Username: email }));
      const disabled = { name: 'NotAuthorizedException', message: 'User is disabled.' };
      expect(await failureOf(respond(first.Session, { USERNAME: email, ANSWER: 'answer-1' }))).toEqual(disabled);
      expect(await failureOf(start(email))).toEqual(disabled);
    });
  });

  describe('refresh', () => {
    it('mints tokens of the same family with REFRESH_TOKEN_AUTH and REFRESH_TOKEN, PreTokenGeneration getting the call\'s ClientMetadata', async () => {
      const tokens = await signUpAndSignIn(sim, 'admin-refresh@example.com');
      sim.reset();
      for (const flow of ['REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN'] as const) {
        const refreshed = await initiate({ AuthFlow: flow, AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! }, ClientMetadata: { flow } });
        expect(refreshed.AuthenticationResult!.RefreshToken).toBeUndefined();
        expect(decodeJwt(refreshed.AuthenticationResult!.AccessToken!).origin_jti).toBe(decodeJwt(tokens.AccessToken!).origin_jti);
      }
      expect(sim.eventsOf('PreTokenGeneration').map((event) => [event.triggerSource, event.callerContext.clientId, event.request.clientMetadata])).toEqual([
        ['TokenGeneration_RefreshTokens', CLIENT_ID, { flow: 'REFRESH_TOKEN_AUTH' }],
        ['TokenGeneration_RefreshTokens', CLIENT_ID, { flow: 'REFRESH_TOKEN' }],
      ]);
    });

    it('refuses another client\'s refresh token, a revoked one, and none', async () => {
      const tokens = await signUpAndSignIn(sim, 'admin-revoked@example.com');
      expect(await failureOf(initiate({ ClientId: LEGACY_CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } })))
        .toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has different Client' });
      await sim.client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: POOL_ID, Username: 'admin-revoked@example.com' }));
      expect(await failureOf(initiate({ AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } })))
        .toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
      expect(await failureOf(initiate({ AuthFlow: 'REFRESH_TOKEN', AuthParameters: {} })))
        .toEqual({ name: 'InvalidParameterException', message: 'Missing required parameter REFRESH_TOKEN' });
    });
  });

  describe('flows', () => {
    const flowOn = (clientId: string, authFlow: AuthFlowType) =>
      failureOf(initiate({ ClientId: clientId, AuthFlow: authFlow, AuthParameters: { USERNAME: 'a@example.com', PASSWORD } }));

    it('refuses USER_PASSWORD_AUTH, InitiateAuth\'s alone, as AWS does, even on a client that allows it', async () => {
      const notSupported = { name: 'InvalidParameterException', message: 'Initiate Auth method not supported.' };
      expect(await flowOn(PASSWORD_ONLY_CLIENT_ID, 'USER_PASSWORD_AUTH')).toEqual(notSupported);
      expect(await flowOn(CLIENT_ID, 'USER_PASSWORD_AUTH')).toEqual(notSupported);
    });

    it('says a password flow is not enabled when the client does not allow it, and not emulated when it does', async () => {
      for (const flow of ['ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'] as const) {
        expect(await flowOn(CLIENT_ID, flow)).toEqual({ name: 'InvalidParameterException', message: 'Auth flow not enabled for this client' });
        for (const clientId of [ADMIN_PASSWORD_CLIENT_ID, LEGACY_ADMIN_CLIENT_ID]) {
          expect(await flowOn(clientId, flow)).toEqual({ name: 'UnsupportedOperationException', message: `The sim does not emulate the ${flow} flow.` });
        }
      }
    });

    it('takes USER_SRP_AUTH and USER_AUTH as InitiateAuth does: not enabled, or not emulated', async () => {
      expect(await flowOn(CLIENT_ID, 'USER_SRP_AUTH')).toEqual({ name: 'InvalidParameterException', message: 'USER_SRP_AUTH is not enabled for the client.' });
      expect(await flowOn(CLIENT_ID, 'USER_AUTH')).toEqual({ name: 'InvalidParameterException', message: 'USER_AUTH flow not enabled for this client' });
      for (const flow of ['USER_SRP_AUTH', 'USER_AUTH'] as const) {
        expect(await flowOn(ADMIN_PASSWORD_CLIENT_ID, flow)).toEqual({ name: 'UnsupportedOperationException', message: `The sim does not emulate the ${flow} flow.` });
      }
    });

    it('needs CUSTOM_AUTH allowed on the client, and a USERNAME', async () => {
      expect(await failureOf(start('a@example.com', PASSWORD_ONLY_CLIENT_ID))).toEqual({
        name: 'InvalidParameterException', message: 'CUSTOM_AUTH is not enabled for the client.',
      });
      expect(await failureOf(initiate({ AuthParameters: {} }))).toEqual({ name: 'InvalidParameterException', message: 'Missing required parameter USERNAME' });
      expect(sim.eventsOf('PreAuthentication')).toEqual([]);
    });

    it('names the model\'s flows when the flow is unknown', async () => {
      expect(await failureOf(initiate({ AuthFlow: 'MAGIC_LINK' as never, UserPoolId: 'eu-west-1_Nope12345' }))).toEqual({
        name: 'InvalidParameterException',
        message:
          "1 validation error detected: Value 'MAGIC_LINK' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: " +
          '[CUSTOM_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, USER_SRP_AUTH, USER_PASSWORD_AUTH, USER_AUTH, ADMIN_NO_SRP_AUTH, ADMIN_USER_PASSWORD_AUTH]',
      });
    });

    it('refuses any challenge but CUSTOM_CHALLENGE, and a name outside the model', async () => {
      const answer = (ChallengeName: string) => failureOf(sim.client.send(new AdminRespondToAuthChallengeCommand({
        UserPoolId: POOL_ID, ClientId: CLIENT_ID, ChallengeName: ChallengeName as never, Session: 'x'.repeat(40), ChallengeResponses: { USERNAME: 'a', ANSWER: 'b' },
      })));
      expect(await answer('SMS_MFA')).toEqual({ name: 'UnsupportedOperationException', message: 'The sim emulates only CUSTOM_CHALLENGE, not SMS_MFA.' });
      expect((await answer('FACE')).message).toMatch(/^1 validation error detected: Value 'FACE' at 'challengeName' failed to satisfy constraint: Member must satisfy enum value set: \[SMS_MFA, /);
    });
  });

  describe('the request', () => {
    it('must be signed with the local credentials, as every IAM-only call must', async () => {
      const { email } = await newUser();
      const attacker = unsigned(new CognitoIdentityProviderClient({ endpoint: sim.baseUrl, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }));
      const missingToken = { name: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
      try {
        expect(await failureOf(attacker.send(new AdminInitiateAuthCommand({
          UserPoolId: POOL_ID, ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email },
        })))).toEqual(missingToken);
        const first = await start(email);
        expect(await failureOf(attacker.send(new AdminRespondToAuthChallengeCommand({
          UserPoolId: POOL_ID, ClientId: CLIENT_ID, ChallengeName: 'CUSTOM_CHALLENGE', Session: first.Session, ChallengeResponses: { USERNAME: email, ANSWER: 'answer-1' },
        })))).toEqual(missingToken);
        // The refused answer did not use the session up: the signed one goes on.
        expect((await respond(first.Session, { USERNAME: email, ANSWER: 'answer-1' })).ChallengeParameters).toMatchObject({ round: '2' });
        expect(sim.eventsOf('PreAuthentication')).toHaveLength(1);
      } finally {
        attacker.destroy();
      }
    });

    it('names an unknown pool or client, or a client of another pool, with ResourceNotFoundException', async () => {
      const { email } = await newUser();
      const session = (await start(email)).Session;
      const cases = [
        { userPoolId: 'eu-west-1_Nope12345', clientId: CLIENT_ID, message: 'User pool eu-west-1_Nope12345 does not exist.' },
        { userPoolId: POOL_ID, clientId: 'nosuchclient', message: 'User pool client nosuchclient does not exist.' },
        { userPoolId: POOL_ID, clientId: OTHER_POOL_CLIENT_ID, message: `User pool client ${OTHER_POOL_CLIENT_ID} does not exist.` },
        { userPoolId: OTHER_POOL_ID, clientId: CLIENT_ID, message: `User pool client ${CLIENT_ID} does not exist.` },
      ];
      for (const { userPoolId, clientId, message } of cases) {
        expect(await failureOf(initiate({ UserPoolId: userPoolId, ClientId: clientId, AuthParameters: { USERNAME: email } }))).toEqual({ name: 'ResourceNotFoundException', message });
        expect(await failureOf(respond(session, { USERNAME: email, ANSWER: 'answer-1' }, { userPoolId, clientId }))).toEqual({ name: 'ResourceNotFoundException', message });
      }
      // None of them reached the session: it is still open for its own pool and client.
      expect((await respond(session, { USERNAME: email, ANSWER: 'answer-1' })).ChallengeParameters).toMatchObject({ round: '2' });
    });

    it('validates every member before the pool is looked up', async () => {
      const missing = (member: string) => ({
        name: 'InvalidParameterException', message: `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
      });
      const nowhere = { UserPoolId: 'eu-west-1_Nope12345', ClientId: 'nosuchclient' };
      expect(await failureOf(initiate({ UserPoolId: undefined }))).toEqual(missing('userPoolId'));
      expect(await failureOf(initiate({ UserPoolId: 'eu-west-1_Nope12345', ClientId: undefined }))).toEqual(missing('clientId'));
      expect(await failureOf(initiate({ ...nowhere, AuthFlow: undefined }))).toEqual(missing('authFlow'));
      expect(await failureOf(initiate({ ...nowhere, ContextData: { ...CONTEXT_DATA, ServerPath: undefined } }))).toEqual(missing('contextData.serverPath'));
      expect(await failureOf(initiate({ ...nowhere, ContextData: { ...CONTEXT_DATA, HttpHeaders: undefined } }))).toEqual(missing('contextData.httpHeaders'));
      expect(await failureOf(initiate({ UserPoolId: 'bad!', ClientId: 'nosuchclient' }))).toEqual({
        name: 'InvalidParameterException',
        message: "1 validation error detected: Value 'bad!' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+",
      });
      const respondTo = (input: Record<string, unknown>) => failureOf(sim.client.send(new AdminRespondToAuthChallengeCommand({
        ...nowhere, ChallengeName: 'CUSTOM_CHALLENGE', ChallengeResponses: { USERNAME: 'a', ANSWER: 'b' }, ...input,
      } as never)));
      expect(await respondTo({ UserPoolId: undefined })).toEqual(missing('userPoolId'));
      expect(await respondTo({ ClientId: undefined })).toEqual(missing('clientId'));
      expect(await respondTo({ ChallengeName: undefined })).toEqual(missing('challengeName'));
      expect(await respondTo({ ContextData: { ...CONTEXT_DATA, IpAddress: undefined } })).toEqual(missing('contextData.ipAddress'));
      expect(await respondTo({ ContextData: { ...CONTEXT_DATA, ServerName: undefined } })).toEqual(missing('contextData.serverName'));
    });

    // The JSON types no SDK sends: the body is replaced before the SDK signs it, so the signature holds.
    const rawCall = async (operation: 'AdminInitiateAuth' | 'AdminRespondToAuthChallenge', body: Record<string, unknown>) => {
      const client = new CognitoIdentityProviderClient({ endpoint: sim.baseUrl, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const replaceBody: BuildMiddleware<any, any> = (next) => async (args) => {
        const request = args.request as { body?: string; headers: Record<string, string> };
        request.body = JSON.stringify(body);
        request.headers['content-length'] = String(Buffer.byteLength(request.body));
        return next(args);
      };
      client.middlewareStack.add(replaceBody, { step: 'build', name: 'replaceBody' });
      try {
        const command = operation === 'AdminInitiateAuth'
          ? new AdminInitiateAuthCommand({ UserPoolId: POOL_ID, ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH' })
          : new AdminRespondToAuthChallengeCommand({ UserPoolId: POOL_ID, ClientId: CLIENT_ID, ChallengeName: 'CUSTOM_CHALLENGE' });
        return await failureOf(client.send(command as never));
      } finally {
        client.destroy();
      }
    };
    const serialization = (message: string) => ({ name: 'SerializationException', message });
    const NUMBER_AS_STRING = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String';
    const LIST_FOUND = 'Start of list found where not expected';
    const STRUCTURE_FOUND = 'Start of structure or map found where not expected.';

    it('refuses members of the wrong JSON type with SerializationException, before the pool is looked up', async () => {
      const initiateBody = { UserPoolId: 'eu-west-1_Nope12345', ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'a@example.com' } };
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, UserPoolId: 7 })).toEqual(serialization(NUMBER_AS_STRING));
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, AuthFlow: ['CUSTOM_AUTH'] })).toEqual(serialization(LIST_FOUND));
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, AuthParameters: { USERNAME: 42 } })).toEqual(serialization(NUMBER_AS_STRING));
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, ClientMetadata: 'from-a-backend' })).toEqual(serialization('class java.lang.String can not be converted to an Map'));
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, ContextData: [CONTEXT_DATA] })).toEqual(serialization(LIST_FOUND));
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, ContextData: { ...CONTEXT_DATA, IpAddress: 203 } })).toEqual(serialization(NUMBER_AS_STRING));
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, ContextData: { ...CONTEXT_DATA, EncodedData: true } })).toEqual(serialization('class java.lang.Boolean can not be converted to an String'));
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, ContextData: { ...CONTEXT_DATA, ServerPath: ['/'] } })).toEqual(serialization(LIST_FOUND));
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, ContextData: { ...CONTEXT_DATA, HttpHeaders: [{ headerName: 7, headerValue: 'a' }] } })).toEqual(serialization(NUMBER_AS_STRING));
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, ContextData: { ...CONTEXT_DATA, HttpHeaders: { headerName: 'a' } } })).toEqual(serialization(STRUCTURE_FOUND));
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, ContextData: { ...CONTEXT_DATA, HttpHeaders: ['User-Agent: kiosk'] } })).toEqual(serialization('class java.lang.String can not be converted to an Map'));
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, ContextData: { ...CONTEXT_DATA, HttpHeaders: 'User-Agent: kiosk' } })).toEqual(serialization('class java.lang.String can not be converted to an List'));
      // A JSON null is an absent member, not a wrong type: the required list is missing.
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, ContextData: { ...CONTEXT_DATA, HttpHeaders: null } })).toEqual({
        name: 'InvalidParameterException',
        message: "1 validation error detected: Value null at 'contextData.httpHeaders' failed to satisfy constraint: Member must not be null",
      });
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, ContextData: { ...CONTEXT_DATA, HttpHeaders: [{ headerName: 'a', headerValue: 1 }] } })).toEqual(serialization(NUMBER_AS_STRING));
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, AnalyticsMetadata: 'endpoint-1' })).toEqual(serialization('class java.lang.String can not be converted to an Map'));
      expect(await rawCall('AdminInitiateAuth', { ...initiateBody, AnalyticsMetadata: { AnalyticsEndpointId: 1 } })).toEqual(serialization(NUMBER_AS_STRING));

      const respondBody = { UserPoolId: 'eu-west-1_Nope12345', ClientId: CLIENT_ID, ChallengeName: 'CUSTOM_CHALLENGE', ChallengeResponses: { USERNAME: 'a', ANSWER: 'b' } };
      expect(await rawCall('AdminRespondToAuthChallenge', { ...respondBody, Session: 42 })).toEqual(serialization(NUMBER_AS_STRING));
      expect(await rawCall('AdminRespondToAuthChallenge', { ...respondBody, ChallengeResponses: { USERNAME: 'a', ANSWER: false } })).toEqual(serialization('class java.lang.Boolean can not be converted to an String'));
      expect(await rawCall('AdminRespondToAuthChallenge', { ...respondBody, ClientMetadata: ['a'] })).toEqual(serialization(LIST_FOUND));
      expect(await rawCall('AdminRespondToAuthChallenge', { ...respondBody, ContextData: { ...CONTEXT_DATA, ServerName: {} } })).toEqual(serialization(STRUCTURE_FOUND));
      expect(await rawCall('AdminRespondToAuthChallenge', { ...respondBody, AnalyticsMetadata: [] })).toEqual(serialization(LIST_FOUND));
    });

    it('takes null members as absent, and ContextData and AnalyticsMetadata without their optional members', async () => {
      const { email } = await newUser();
      const { IpAddress, ServerName, ServerPath } = CONTEXT_DATA;
      const first = await initiate({
        AuthParameters: { USERNAME: email }, ClientMetadata: undefined, AnalyticsMetadata: {}, ContextData: { IpAddress, ServerName, ServerPath, HttpHeaders: [] },
      });
      expect(first.ChallengeName).toBe('CUSTOM_CHALLENGE');
      expect(await rawCall('AdminInitiateAuth', {
        UserPoolId: POOL_ID, ClientId: 'nosuchclient', AuthFlow: 'CUSTOM_AUTH', AuthParameters: null, ClientMetadata: null, ContextData: null, AnalyticsMetadata: null,
      })).toEqual({ name: 'ResourceNotFoundException', message: 'User pool client nosuchclient does not exist.' });
      expect(await rawCall('AdminInitiateAuth', {
        UserPoolId: POOL_ID, ClientId: 'nosuchclient', AuthFlow: 'CUSTOM_AUTH', ContextData: { ...CONTEXT_DATA, EncodedData: null, HttpHeaders: [null, { headerName: null }] },
      })).toEqual({ name: 'ResourceNotFoundException', message: 'User pool client nosuchclient does not exist.' });
      // A required member sent as null is as missing as one left out.
      expect(await rawCall('AdminRespondToAuthChallenge', {
        UserPoolId: POOL_ID, ClientId: 'nosuchclient', ChallengeName: 'CUSTOM_CHALLENGE', ContextData: { ...CONTEXT_DATA, ServerName: null },
      })).toEqual({
        name: 'InvalidParameterException', message: "1 validation error detected: Value null at 'contextData.serverName' failed to satisfy constraint: Member must not be null",
      });
    });
  });
});
