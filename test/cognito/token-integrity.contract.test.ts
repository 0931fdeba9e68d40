// What a token of the Cognito sim proves, attacked from the outside with the AWS SDK v3 client: a
// PreTokenGeneration trigger cannot rewrite the claims Cognito reserves, lifetimes are the
// client's, refresh tokens die at their validity, and a JWT signed with the pool's own access key
// is still refused as an access token unless it is one of this pool's live access tokens.
import {
  ConfirmSignUpCommand,
  GetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { SignJWT, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { userPoolDirectory } from '../../sim/cognito/cognito-service.js';
import { loadOrCreateSigningKeys } from '../../sim/cognito/signing-keys.js';
import { CLIENT_ID, PASSWORD, POOL_ID, failureOf, signUpAndSignIn, startCognitoSim, type CognitoSimHarness } from './cognito-sim-harness.js';

const RESERVED = [
  'acr', 'amr', 'aud', 'at_hash', 'auth_time', 'azp', 'cognito:username', 'exp', 'iat', 'identities', 'iss',
  'jti', 'nbf', 'nonce', 'origin_jti', 'sub', 'token_use',
];
const DAY_MS = 24 * 3600 * 1000;

describe('Cognito sim: what tokens prove', () => {
  let sim: CognitoSimHarness;
  beforeAll(async () => {
    sim = await startCognitoSim();
  });
  afterAll(() => sim.close({ removeData: true }));
  beforeEach(() => sim.reset());

  const refresh = (refreshToken: string) =>
    sim.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } }));
  const getUser = (accessToken: string) => sim.client.send(new GetUserCommand({ AccessToken: accessToken }));

  it('ignores a PreTokenGeneration trigger that overrides or suppresses any reserved claim, or a dev: claim', async () => {
    sim.triggers.PreTokenGeneration = async (event) => event; // the claims Cognito itself writes
    const honest = decodeJwt((await signUpAndSignIn(sim, 'reserved@example.com')).IdToken!);

    sim.triggers.PreTokenGeneration = async (event) => {
      event.response.claimsOverrideDetails = {
        claimsToAddOrOverride: { ...Object.fromEntries(RESERVED.map((claim) => [claim, 'forged'])), 'dev:role': 'admin', 'custom:tier': 'gold' },
        claimsToSuppress: [...RESERVED, 'dev:role', 'email'],
      };
      return event;
    };
    const forged = decodeJwt((await signUpAndSignIn(sim, 'reserved@example.com')).IdToken!);

    for (const claim of RESERVED) {
      if (claim in honest) expect(typeof forged[claim], claim).toBe(typeof honest[claim]);
      expect(forged[claim], claim).not.toBe('forged');
    }
    expect(forged).toMatchObject({ sub: honest.sub, aud: CLIENT_ID, iss: sim.issuer, token_use: 'id', 'cognito:username': honest['cognito:username'] });
    expect(forged['dev:role']).toBeUndefined();
    expect(forged['custom:tier']).toBe('gold');
    expect(forged.email).toBeUndefined(); // a claim that is not reserved can be suppressed
  });

  it('writes *_verified attributes as JSON booleans and other attributes as strings', async () => {
    sim.triggers.PreTokenGeneration = async (event) => event;
    const email = 'verified@example.com';
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD }));
    await sim.client.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: await sim.latestCode(email) }));
    const id = decodeJwt((await signUpAndSignIn(sim, email)).IdToken!);
    expect(id.email_verified).toBe(true);
    expect(id.email).toBe(email);

    const unverified = decodeJwt((await signUpAndSignIn(sim, 'admin-confirmed@example.com')).IdToken!);
    expect(unverified.email_verified).toBe(false);
  });

  it("gives both tokens the client's one-hour lifetime from the sim's clock, and auth_time at sign-in", async () => {
    const signedInAt = Math.floor(sim.clock.now() / 1000);
    const tokens = await signUpAndSignIn(sim, 'lifetime@example.com');
    for (const token of [tokens.IdToken!, tokens.AccessToken!]) {
      const claims = decodeJwt(token);
      expect(claims.iat).toBe(signedInAt);
      expect(claims.exp).toBe(signedInAt + 3600);
      expect(claims.auth_time).toBe(signedInAt);
      expect(decodeProtectedHeader(token).alg).toBe('RS256');
    }
    expect(tokens.ExpiresIn).toBe(3600);
    expect(decodeJwt(tokens.IdToken!).jti).not.toBe(decodeJwt(tokens.AccessToken!).jti);

    sim.clock.advance(3599_000);
    expect((await getUser(tokens.AccessToken!)).Username).toBe(tokens.sub);
    sim.clock.advance(1000);
    expect(await failureOf(getUser(tokens.AccessToken!))).toEqual({ name: 'NotAuthorizedException', message: 'Access Token has expired' });
  });

  it('issues refresh tokens shaped like Cognito\'s encrypted ones, each different', async () => {
    const first = (await signUpAndSignIn(sim, 'shape@example.com')).RefreshToken!;
    const second = (await signUpAndSignIn(sim, 'shape@example.com')).RefreshToken!;
    const parts = first.split('.');
    expect(parts).toHaveLength(5);
    expect(JSON.parse(Buffer.from(parts[0]!, 'base64url').toString())).toEqual({ cty: 'JWT', enc: 'A256GCM', alg: 'RSA-OAEP' });
    expect(parts.slice(1).map((part) => Buffer.from(part, 'base64url').length)).toEqual([256, 12, 512, 16]);
    expect(second).not.toBe(first);
  });

  it("refuses a refresh token from the moment the client's 30-day refresh validity is over", async () => {
    const tokens = await signUpAndSignIn(sim, 'thirty-days@example.com');
    sim.clock.advance(30 * DAY_MS - 1000);
    expect((await refresh(tokens.RefreshToken!)).AuthenticationResult?.AccessToken).toBeTruthy();
    sim.clock.advance(1000);
    expect(await failureOf(refresh(tokens.RefreshToken!))).toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has expired' });
  });

  describe('a JWT signed with the pool\'s own access key', () => {
    /** Signs claims with the key the sim signs access tokens with (read from its data folder). */
    const signWithPoolKey = async (claims: JWTPayload, use: 'id' | 'access' = 'access') => {
      const key = loadOrCreateSigningKeys(userPoolDirectory(sim.dataDir, POOL_ID))[use];
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(key.privateKey);
    };

    it('is accepted when it carries what the sim writes into access tokens (the forgery baseline)', async () => {
      const tokens = await signUpAndSignIn(sim, 'forgery@example.com');
      const genuine = decodeJwt(tokens.AccessToken!);
      expect((await getUser(await signWithPoolKey(genuine))).Username).toBe(tokens.sub);
    });

    it('is refused when it is not an access token, or lacks the username or origin_jti', async () => {
      const tokens = await signUpAndSignIn(sim, 'forgery@example.com');
      const genuine = decodeJwt(tokens.AccessToken!);
      const invalid = { name: 'NotAuthorizedException', message: 'Invalid Access Token' };
      expect(await failureOf(getUser(await signWithPoolKey({ ...genuine, token_use: 'id' })))).toEqual(invalid);
      const { username: _username, ...noUsername } = genuine;
      expect(await failureOf(getUser(await signWithPoolKey(noUsername)))).toEqual(invalid);
      expect(await failureOf(getUser(await signWithPoolKey({ ...genuine, username: 42 })))).toEqual(invalid);
      const { origin_jti: _originJti, ...noOrigin } = genuine;
      expect(await failureOf(getUser(await signWithPoolKey(noOrigin)))).toEqual(invalid);
      // The ID token key is not the access token key.
      expect(await failureOf(getUser(await signWithPoolKey(genuine, 'id')))).toEqual(invalid);
    });

    it('is refused when no refresh token family of the pool minted it', async () => {
      const tokens = await signUpAndSignIn(sim, 'forgery@example.com');
      const genuine = decodeJwt(tokens.AccessToken!);
      expect(await failureOf(getUser(await signWithPoolKey({ ...genuine, origin_jti: '00000000-0000-4000-8000-000000000000' })))).toEqual({
        name: 'UserNotFoundException', message: 'User does not exist.',
      });
    });

    it('is refused when its issuer names no pool of the sim', async () => {
      const tokens = await signUpAndSignIn(sim, 'forgery@example.com');
      const genuine = decodeJwt(tokens.AccessToken!);
      for (const iss of [`${sim.baseUrl}/eu-west-1_Other1234`, undefined, 42] as unknown[]) {
        expect(await failureOf(getUser(await signWithPoolKey({ ...genuine, iss } as JWTPayload)))).toEqual({
          name: 'NotAuthorizedException', message: 'Invalid Access Token',
        });
      }
    });

    it('is refused when signed with HS256 using the public key as the secret (algorithm confusion)', async () => {
      const tokens = await signUpAndSignIn(sim, 'forgery@example.com');
      const genuine = decodeJwt(tokens.AccessToken!);
      const key = loadOrCreateSigningKeys(userPoolDirectory(sim.dataDir, POOL_ID)).access;
      const secret = new TextEncoder().encode(key.publicKey.export({ format: 'pem', type: 'spki' }).toString());
      const confused = await new SignJWT(genuine).setProtectedHeader({ alg: 'HS256', kid: key.kid }).sign(secret);
      expect(await failureOf(getUser(confused))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Access Token' });
    });
  });

  it('refuses a refresh token passed as the Session of RespondToAuthChallenge', async () => {
    const tokens = await signUpAndSignIn(sim, 'session-swap@example.com');
    expect(await failureOf(sim.client.send(new RespondToAuthChallengeCommand({
      ClientId: CLIENT_ID, ChallengeName: 'CUSTOM_CHALLENGE', Session: tokens.RefreshToken!,
      ChallengeResponses: { USERNAME: 'session-swap@example.com', ANSWER: 'answer-1' },
    })))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid session for the user.' });
  });
});
