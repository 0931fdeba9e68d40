// The custom auth flow's refusals and edges, driven with the AWS SDK v3 client: sessions replayed
// on another client or after the user is gone, answers without a name or an answer, triggers that
// answer what Cognito cannot use, pools missing a trigger, and the other InitiateAuth flows.
import {
  AdminDeleteUserCommand,
  type ChallengeNameType,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SignUpCommand,
  AdminConfirmSignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { userPoolDirectory } from '../../sim/cognito/cognito-service.js';
import { UserPoolStore } from '../../sim/cognito/user-pool-store.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CLIENT_ID, LEGACY_CLIENT_ID, PASSWORD, PASSWORD_ONLY_CLIENT_ID, POOL_ID, failureOf, signUpAndSignIn, startCognitoSim, type CognitoSimHarness,
} from './cognito-sim-harness.js';

const INVALID_SESSION = { name: 'NotAuthorizedException', message: 'Invalid session for the user.' };
const UNUSABLE_OUTPUT = { name: 'InvalidLambdaResponseException', message: 'Unrecognizable lambda output' };
const NOT_CONFIGURED = { name: 'InvalidParameterException', message: 'Custom auth lambda trigger is not configured for the user pool.' };

describe('Cognito sim: custom auth edges', () => {
  let sim: CognitoSimHarness;
  beforeAll(async () => {
    sim = await startCognitoSim();
  });
  afterAll(() => sim.close({ removeData: true }));
  beforeEach(() => sim.reset());

  let counter = 0;
  /** A confirmed user of its own, so a test may delete it. */
  const newUser = async () => {
    const email = `edge-${++counter}@example.com`;
    const { UserSub } = await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD }));
    await sim.client.send(new AdminConfirmSignUpCommand({ UserPoolId: POOL_ID, Username: email }));
    return { email, sub: UserSub! };
  };
  const start = (username: string, clientId = CLIENT_ID, clientMetadata?: Record<string, string>) =>
    sim.client.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: username }, ClientMetadata: clientMetadata }));
  const respond = (session: string | undefined, responses: Record<string, string>, clientId = CLIENT_ID, challengeName: ChallengeNameType = 'CUSTOM_CHALLENGE') =>
    sim.client.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: challengeName, Session: session, ChallengeResponses: responses }));

  describe('sessions', () => {
    it('refuses a session opened for one app client when it is answered through another', async () => {
      const { email } = await newUser();
      const first = await start(email);
      expect(await failureOf(respond(first.Session, { USERNAME: email, ANSWER: 'answer-1' }, LEGACY_CLIENT_ID))).toEqual(INVALID_SESSION);
      // The attempt used the session up: the right client cannot use it afterwards either.
      expect(await failureOf(respond(first.Session, { USERNAME: email, ANSWER: 'answer-1' }))).toEqual(INVALID_SESSION);
    });

    it('refuses a session whose user was deleted meanwhile, even when answered with the user\'s own username', async () => {
      const { email, sub } = await newUser();
      const first = await start(email);
      await sim.client.send(new AdminDeleteUserCommand({ UserPoolId: POOL_ID, Username: email }));
      expect(await failureOf(respond(first.Session, { USERNAME: sub, ANSWER: 'answer-1' }))).toEqual(INVALID_SESSION);
      expect(sim.eventsOf('VerifyAuthChallengeResponse')).toEqual([]);
    });

    it('refuses an answer without a session', async () => {
      const { email } = await newUser();
      expect(await failureOf(respond(undefined, { USERNAME: email, ANSWER: 'answer-1' }))).toEqual(INVALID_SESSION);
    });

    it('lets an unknown user\'s session be answered with the name typed at the start, not with another unknown name', async () => {
      const first = await start('nobody@example.com');
      const second = await respond(first.Session, { USERNAME: 'nobody@example.com', ANSWER: 'answer-1' });
      expect(second.ChallengeParameters!.USERNAME).toBe(first.ChallengeParameters!.USERNAME);
      expect(await failureOf(respond(second.Session, { USERNAME: 'somebody@example.com', ANSWER: 'answer-2' }))).toEqual(INVALID_SESSION);
    });
  });

  describe('stand-in usernames', () => {
    it('gives two unknown emails the pool tells apart two stand-ins, also when they differ only by case folding', async () => {
      // The pool compares emails lower-cased, so straße@ and strasse@ are two accounts; upper-casing would merge them.
      const sharp = await start('straße@example.com');
      const plain = await start('strasse@example.com');
      const shouted = await start('STRASSE@example.com');
      expect(sharp.ChallengeParameters!.USERNAME).not.toBe(plain.ChallengeParameters!.USERNAME);
      expect(shouted.ChallengeParameters!.USERNAME).toBe(plain.ChallengeParameters!.USERNAME);
    });
  });

  describe('RespondToAuthChallenge input', () => {
    it('needs USERNAME and ANSWER, and passes an empty ANSWER on to the verify trigger', async () => {
      const { email } = await newUser();
      let session = (await start(email)).Session;
      expect(await failureOf(respond(session, { ANSWER: 'answer-1' }))).toEqual({
        name: 'InvalidParameterException', message: 'Missing required parameter USERNAME',
      });
      session = (await start(email)).Session;
      expect(await failureOf(respond(session, { USERNAME: email }))).toEqual({
        name: 'InvalidParameterException', message: 'Missing required parameter ANSWER',
      });
      session = (await start(email)).Session;
      const retry = await respond(session, { USERNAME: email, ANSWER: '' });
      expect(retry.ChallengeName).toBe('CUSTOM_CHALLENGE');
      expect(sim.eventsOf('VerifyAuthChallengeResponse').at(-1).request.challengeAnswer).toBe('');
    });

    it('refuses any challenge name but CUSTOM_CHALLENGE', async () => {
      const { email } = await newUser();
      const first = await start(email);
      expect(await failureOf(respond(first.Session, { USERNAME: email, SMS_MFA_CODE: '123456' }, CLIENT_ID, 'SMS_MFA'))).toEqual({
        name: 'UnsupportedOperationException', message: 'The sim emulates only CUSTOM_CHALLENGE, not SMS_MFA.',
      });
    });

    it('refuses a challenge name outside the model\'s enum as Coral validates it, even for an unknown client', async () => {
      const { email } = await newUser();
      const first = await start(email);
      const enumViolation = (name: string) => ({
        name: 'InvalidParameterException',
        message: `1 validation error detected: Value '${name}' at 'challengeName' failed to satisfy constraint: Member must satisfy enum value set: `
          + '[SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, MFA_SETUP, PASSWORD_VERIFIER, CUSTOM_CHALLENGE, SELECT_CHALLENGE, '
          + 'DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER, ADMIN_NO_SRP_AUTH, NEW_PASSWORD_REQUIRED, SMS_OTP, PASSWORD, WEB_AUTHN, PASSWORD_SRP]',
      });
      expect(await failureOf(respond(first.Session, { USERNAME: email, ANSWER: 'x' }, CLIENT_ID, 'custom_challenge' as ChallengeNameType))).toEqual(enumViolation('custom_challenge'));
      expect(await failureOf(respond(first.Session, { USERNAME: email, ANSWER: 'x' }, 'unknownclient', 'CUSTOM' as ChallengeNameType))).toEqual(enumViolation('CUSTOM'));
      // The session was not consumed by the refusals.
      expect((await respond(first.Session, { USERNAME: email, ANSWER: 'x' })).ChallengeName).toBe('CUSTOM_CHALLENGE');
    });
  });

  describe('trigger answers', () => {
    it('refuses a define trigger that asks for a challenge the sim does not emulate, or an empty one', async () => {
      const { email } = await newUser();
      sim.triggers.DefineAuthChallenge = async (event) => ({ ...event, response: { challengeName: 'SMS_MFA', issueTokens: false, failAuthentication: false } });
      expect(await failureOf(start(email))).toEqual({
        name: 'UnsupportedOperationException', message: 'The sim emulates only CUSTOM_CHALLENGE, not SMS_MFA.',
      });
      sim.triggers.DefineAuthChallenge = async (event) => ({ ...event, response: { challengeName: '', issueTokens: false, failAuthentication: false } });
      expect(await failureOf(start(email))).toEqual(UNUSABLE_OUTPUT);
    });

    it('refuses challenge metadata that is not a string, and leaves it out of the session when the create trigger gives none', async () => {
      const { email } = await newUser();
      const create = sim.triggers.CreateAuthChallenge;
      sim.triggers.CreateAuthChallenge = async (event) => {
        await create(event);
        event.response.challengeMetadata = { round: 1 };
        return event;
      };
      expect(await failureOf(start(email))).toEqual(UNUSABLE_OUTPUT);

      sim.triggers.CreateAuthChallenge = async (event) => {
        await create(event);
        event.response.challengeMetadata = null;
        return event;
      };
      const first = await start(email);
      await respond(first.Session, { USERNAME: email, ANSWER: 'answer-1' });
      expect(sim.eventsOf('DefineAuthChallenge').at(-1).request.session).toEqual([{ challengeName: 'CUSTOM_CHALLENGE', challengeResult: true }]);
    });

    it('gives the challenge parameters the create trigger made public, and never the private ones', async () => {
      const { email, sub } = await newUser();
      const first = await start(email);
      expect(first.ChallengeParameters).toEqual({ round: '1', USERNAME: sub });
      expect(JSON.stringify(first)).not.toContain('answer-1');
    });

    it.each([
      ['claimsOverrideDetails is not an object', 'not an object'],
      ['claimsToSuppress is not a list', { claimsToSuppress: 'email' }],
      ['claimsToSuppress holds a non-string', { claimsToSuppress: ['email', 7] }],
      ['a claim to add is not a string', { claimsToAddOrOverride: { 'custom:level': 3 } }],
    ])('refuses to issue tokens when PreTokenGeneration answers what Cognito cannot use: %s', async (_, details) => {
      const { email } = await newUser();
      sim.triggers.PreTokenGeneration = async (event) => {
        event.response.claimsOverrideDetails = details;
        return event;
      };
      const first = await start(email);
      const second = await respond(first.Session, { USERNAME: email, ANSWER: 'answer-1' });
      expect(await failureOf(respond(second.Session, { USERNAME: email, ANSWER: 'answer-2' }))).toEqual(UNUSABLE_OUTPUT);
    });

    it('takes claims to add without any to suppress', async () => {
      const { email } = await newUser();
      sim.triggers.PreTokenGeneration = async (event) => {
        event.response.claimsOverrideDetails = { claimsToAddOrOverride: { 'custom:level': 'three' } };
        return event;
      };
      const tokens = await signUpAndSignIn(sim, email);
      expect(decodeJwt(tokens.IdToken!)).toMatchObject({ 'custom:level': 'three', email });
    });
  });

  describe('InitiateAuth', () => {
    it('gives PreAuthentication an unknown user as typed, without attributes, and null validationData without metadata', async () => {
      await start('stranger@example.com');
      expect(sim.eventsOf('PreAuthentication')[0]).toMatchObject({
        userName: 'stranger@example.com',
        request: { userAttributes: {}, validationData: null, userNotFound: true },
      });
    });

    it('needs a USERNAME for CUSTOM_AUTH and a REFRESH_TOKEN for REFRESH_TOKEN_AUTH', async () => {
      expect(await failureOf(sim.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: {} })))).toEqual({
        name: 'InvalidParameterException', message: 'Missing required parameter USERNAME',
      });
      expect(await failureOf(sim.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH' })))).toEqual({
        name: 'InvalidParameterException', message: 'Missing required parameter REFRESH_TOKEN',
      });
    });

    it('refreshes with the REFRESH_TOKEN alias of the flow', async () => {
      const tokens = await signUpAndSignIn(sim, 'alias@example.com');
      const refreshed = await sim.client.send(new InitiateAuthCommand({
        ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! },
      }));
      expect(decodeJwt(refreshed.AuthenticationResult!.AccessToken!).origin_jti).toBe(decodeJwt(tokens.AccessToken!).origin_jti);
    });

    it('names the accepted flows when the flow is unknown, and says so when a client allows a flow the sim does not emulate', async () => {
      expect(await failureOf(sim.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'MAGIC_LINK' as never })))).toEqual({
        name: 'InvalidParameterException',
        message:
          "1 validation error detected: Value 'MAGIC_LINK' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: " +
          '[CUSTOM_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, USER_SRP_AUTH, USER_PASSWORD_AUTH, USER_AUTH, ADMIN_NO_SRP_AUTH, ADMIN_USER_PASSWORD_AUTH]',
      });
      expect(await failureOf(sim.client.send(new InitiateAuthCommand({
        ClientId: PASSWORD_ONLY_CLIENT_ID, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'a@example.com', PASSWORD },
      })))).toEqual({ name: 'UnsupportedOperationException', message: 'The sim does not emulate the USER_PASSWORD_AUTH flow.' });
      for (const flow of ['USER_AUTH', 'USER_PASSWORD_AUTH'] as const) {
        expect(await failureOf(sim.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: flow, AuthParameters: { USERNAME: 'a@example.com' } }))))
          .toEqual({ name: 'InvalidParameterException', message: `${flow} flow not enabled for this client` });
      }
      // Amplify's signIn without authFlowType starts USER_SRP_AUTH: the mistake an app makes most.
      expect(await failureOf(sim.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'a@example.com' } }))))
        .toEqual({ name: 'InvalidParameterException', message: 'USER_SRP_AUTH is not enabled for the client.' });
      expect(await failureOf(sim.client.send(new InitiateAuthCommand({
        ClientId: CLIENT_ID, AuthFlow: 'ADMIN_NO_SRP_AUTH', AuthParameters: { USERNAME: 'a@example.com', PASSWORD },
      })))).toEqual({ name: 'InvalidParameterException', message: 'Initiate Auth method not supported.' });
    });
  });

  describe('refresh and revocation', () => {
    it('GetTokensFromRefreshToken gives new tokens of the same family and passes ClientMetadata to PreTokenGeneration', async () => {
      const tokens = await signUpAndSignIn(sim, 'gettokens@example.com');
      const refreshed = await sim.client.send(new GetTokensFromRefreshTokenCommand({
        ClientId: CLIENT_ID, RefreshToken: tokens.RefreshToken!, ClientMetadata: { device: 'kiosk' },
      }));
      expect(refreshed.AuthenticationResult!.RefreshToken).toBeUndefined();
      expect(decodeJwt(refreshed.AuthenticationResult!.IdToken!).origin_jti).toBe(decodeJwt(tokens.IdToken!).origin_jti);
      expect(sim.eventsOf('PreTokenGeneration').at(-1)).toMatchObject({
        triggerSource: 'TokenGeneration_RefreshTokens', request: { clientMetadata: { device: 'kiosk' } },
      });
    });

    it('RevokeToken answers an unknown or already revoked token with success, as RFC 7009 revocation does', async () => {
      const tokens = await signUpAndSignIn(sim, 'revoke-twice@example.com');
      await expect(sim.client.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: 'never-issued' }))).resolves.toBeDefined();
      await sim.client.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: tokens.RefreshToken! }));
      await expect(sim.client.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: tokens.RefreshToken! }))).resolves.toBeDefined();
    });
  });
});

describe('Cognito sim: a pool whose clients or triggers lack something', () => {
  let sim: CognitoSimHarness;
  beforeAll(async () => {
    sim = await startCognitoSim({
      configurePool: (config) => ({
        ...config,
        lambdaConfig: Object.fromEntries(Object.entries(config.lambdaConfig ?? {}).filter(([trigger]) => trigger !== 'VerifyAuthChallengeResponse')),
        clients: config.clients.map((client) => (client.clientId === LEGACY_CLIENT_ID ? { ...client, explicitAuthFlows: ['ALLOW_CUSTOM_AUTH'] } : client)),
      }),
    });
  });
  afterAll(() => sim.close({ removeData: true }));

  it('answers RespondToAuthChallenge with the not-configured error when the pool has no verify trigger', async () => {
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'no-verify@example.com', Password: PASSWORD }));
    await sim.client.send(new AdminConfirmSignUpCommand({ UserPoolId: POOL_ID, Username: 'no-verify@example.com' }));
    const first = await sim.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'no-verify@example.com' } }));
    expect(await failureOf(sim.client.send(new RespondToAuthChallengeCommand({
      ClientId: CLIENT_ID, ChallengeName: 'CUSTOM_CHALLENGE', Session: first.Session, ChallengeResponses: { USERNAME: 'no-verify@example.com', ANSWER: 'answer-1' },
    })))).toEqual(NOT_CONFIGURED);
  });

  it('refuses GetTokensFromRefreshToken and REFRESH_TOKEN_AUTH on a client that does not allow refresh', async () => {
    const notEnabled = { name: 'InvalidParameterException', message: 'REFRESH_TOKEN_AUTH flow not enabled for this client' };
    expect(await failureOf(sim.client.send(new GetTokensFromRefreshTokenCommand({ ClientId: LEGACY_CLIENT_ID, RefreshToken: 'any' })))).toEqual(notEnabled);
    expect(await failureOf(sim.client.send(new InitiateAuthCommand({
      ClientId: LEGACY_CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: 'any' },
    })))).toEqual(notEnabled);
    expect(await failureOf(sim.client.send(new InitiateAuthCommand({
      ClientId: LEGACY_CLIENT_ID, AuthFlow: 'REFRESH_TOKEN', AuthParameters: { REFRESH_TOKEN: 'any' },
    })))).toEqual({ name: 'InvalidParameterException', message: 'REFRESH_TOKEN flow not enabled for this client' });
  });
});

describe('Cognito sim: a pool without a define trigger', () => {
  it('answers InitiateAuth CUSTOM_AUTH with the not-configured error', async () => {
    const sim = await startCognitoSim({
      configurePool: (config) => ({
        ...config,
        lambdaConfig: Object.fromEntries(Object.entries(config.lambdaConfig ?? {}).filter(([trigger]) => trigger !== 'DefineAuthChallenge')),
      }),
    });
    try {
      await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'no-define@example.com', Password: PASSWORD }));
      await sim.client.send(new AdminConfirmSignUpCommand({ UserPoolId: POOL_ID, Username: 'no-define@example.com' }));
      expect(await failureOf(sim.client.send(new InitiateAuthCommand({
        ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'no-define@example.com' },
      })))).toEqual(NOT_CONFIGURED);
    } finally {
      await sim.close({ removeData: true });
    }
  });
});

describe('Cognito sim: a pool that signs in by username, not by email', () => {
  it('shows an unknown username as typed: only email sign-in names need a stand-in', async () => {
    const sim = await startCognitoSim({ configurePool: (config) => ({ ...config, usernameAttributes: [] }) });
    try {
      const first = await sim.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'Nobody' } }));
      expect(first.ChallengeParameters).toEqual({ round: '1', USERNAME: 'Nobody' });
      expect(sim.eventsOf('DefineAuthChallenge')[0]).toMatchObject({ userName: 'Nobody', request: { userNotFound: true } });
    } finally {
      await sim.close({ removeData: true });
    }
  });
});

describe('Cognito sim: a disabled user in the data folder', () => {
  it('cannot start a sign-in or refresh its tokens', async () => {
    const first = await startCognitoSim();
    const tokens = await signUpAndSignIn(first, 'disabled@example.com');
    await first.close();
    // The sim has no AdminDisableUser; a data folder can still hold a disabled user (e.g. one
    // edited by hand), so the store is changed directly, as the sim would load it.
    const store = new UserPoolStore(userPoolDirectory(first.dataDir, POOL_ID));
    store.putUser({ ...store.getUser(tokens.sub)!, enabled: false });
    await store.close();

    const second = await startCognitoSim({ dataDir: first.dataDir });
    try {
      const disabled = { name: 'NotAuthorizedException', message: 'User is disabled.' };
      expect(await failureOf(second.client.send(new InitiateAuthCommand({
        ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'disabled@example.com' },
      })))).toEqual(disabled);
      expect(await failureOf(second.client.send(new InitiateAuthCommand({
        ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! },
      })))).toEqual(disabled);
      expect(second.eventsOf('PreAuthentication')).toEqual([]);
    } finally {
      await second.close({ removeData: true });
    }
  });
});
