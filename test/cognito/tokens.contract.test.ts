// Tokens, refresh, sign-out, revocation and the user APIs, with the AWS SDK v3 client; tokens
// are judged by aws-jwt-verify, AWS's own verifier, fed from the sim's JWKS URL.
import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminUserGlobalSignOutCommand,
  ConfirmSignUpCommand,
  DeleteUserCommand,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  ListUsersCommand,
  ResendConfirmationCodeCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CognitoJwtVerifier, JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache, type Jwks } from 'aws-jwt-verify/jwk';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { loadOrCreateSigningKeys } from '../../sim/cognito/signing-keys.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_ID, LEGACY_CLIENT_ID, PASSWORD, POOL_ID, failureOf, signUpAndSignIn, startCognitoSim, type CognitoSimHarness } from './cognito-sim-harness.js';

/** aws-jwt-verify fetches over HTTPS only; the sim speaks HTTP, so hand it a fetch-based fetcher. */
const httpJwksCache = () =>
  new SimpleJwksCache({ fetcher: { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() } });

describe('Cognito sim: tokens and sessions', () => {
  let sim: CognitoSimHarness;
  beforeAll(async () => {
    sim = await startCognitoSim();
  });
  afterAll(() => sim.close({ removeData: true }));
  beforeEach(() => sim.reset());

  const refresh = (refreshToken: string, clientId = CLIENT_ID) =>
    sim.client.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } }));
  const getUser = (accessToken: string) => sim.client.send(new GetUserCommand({ AccessToken: accessToken }));

  it("issues id and access tokens with Cognito's claims that aws-jwt-verify accepts from the sim's JWKS", async () => {
    const tokens = await signUpAndSignIn(sim, 'claims@example.com');
    const jwksUri = `${sim.issuer}/.well-known/jwks.json`;

    const idVerifier = JwtRsaVerifier.create({ issuer: sim.issuer, audience: CLIENT_ID, jwksUri }, { jwksCache: httpJwksCache() });
    const accessVerifier = JwtRsaVerifier.create(
      { issuer: sim.issuer, audience: null, jwksUri, customJwtCheck: ({ payload }) => {
        if (payload.client_id !== CLIENT_ID || payload.token_use !== 'access') throw new Error('not an access token of this client');
      } },
      { jwksCache: httpJwksCache() },
    );
    const id = await idVerifier.verify(tokens.IdToken!);
    const access = await accessVerifier.verify(tokens.AccessToken!);

    expect(decodeProtectedHeader(tokens.IdToken!)).toEqual({ alg: 'RS256', kid: expect.any(String) });
    expect(id).toMatchObject({
      sub: tokens.sub, iss: sim.issuer, aud: CLIENT_ID, token_use: 'id', 'cognito:username': tokens.sub, email: 'claims@example.com',
      event_id: expect.any(String), jti: expect.any(String), origin_jti: access.origin_jti,
    });
    expect(Number(id.exp) - Number(id.iat)).toBe(3600);
    expect(access).toMatchObject({
      sub: tokens.sub, iss: sim.issuer, client_id: CLIENT_ID, token_use: 'access', scope: 'aws.cognito.signin.user.admin',
      username: tokens.sub, auth_time: id.auth_time, event_id: id.event_id,
    });
  });

  it('writes its tokens byte for byte as Cognito does: every `/` escaped, kid first, kids in standard base64', async () => {
    const tokens = await signUpAndSignIn(sim, 'bytes@example.com');
    for (const token of [tokens.IdToken!, tokens.AccessToken!]) {
      const [header, payload] = token.split('.').map((part) => Buffer.from(part, 'base64url').toString('utf8'));
      const { kid } = JSON.parse(header!) as { kid: string };
      expect(kid).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(header).toBe(`{"kid":"${kid.replaceAll('/', '\\/')}","alg":"RS256"}`);
      expect(payload).toContain(`"iss":"${sim.issuer.replaceAll('/', '\\/')}"`);
      expect(payload!.replaceAll('\\/', '')).not.toContain('/');
    }
    const jwks = (await (await fetch(`${sim.issuer}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((key) => key.kid)).toEqual([decodeProtectedHeader(tokens.IdToken!).kid, decodeProtectedHeader(tokens.AccessToken!).kid]);
  });

  it('applies PreTokenGeneration to the id token but never to reserved claims', async () => {
    const tokens = await signUpAndSignIn(sim, 'claims@example.com');
    const id = decodeJwt(tokens.IdToken!);
    expect(id['custom:factor']).toBe('face');
    expect(id.email_verified).toBeUndefined();
    expect(id.sub).toBe(tokens.sub);
    expect(id.iss).toBe(sim.issuer);
    expect(decodeJwt(tokens.AccessToken!)['custom:factor']).toBeUndefined();
  });

  it('serves JWKS and OpenID discovery under the issuer', async () => {
    const discovery = (await (await fetch(`${sim.issuer}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
    expect(discovery).toMatchObject({ issuer: sim.issuer, jwks_uri: `${sim.issuer}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['RS256'] });
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Array<Record<string, string>> };
    const key = { alg: 'RS256', e: 'AQAB', kid: expect.any(String), kty: 'RSA', n: expect.any(String), use: 'sig' };
    expect(jwks.keys).toEqual([key, key]);
    expect((await fetch(`${sim.baseUrl}/eu-west-1_Unknown12/.well-known/jwks.json`)).status).toBe(404);
  });

  it('refreshes with the refresh token: new tokens of the same family, no new refresh token, the refresh trigger source', async () => {
    const tokens = await signUpAndSignIn(sim, 'refresh@example.com');
    sim.clock.advance(61 * 60_000);
    expect(await failureOf(getUser(tokens.AccessToken!))).toEqual({ name: 'NotAuthorizedException', message: 'Access Token has expired' });

    const refreshed = await refresh(tokens.RefreshToken!);

    expect(refreshed.AuthenticationResult!.RefreshToken).toBeUndefined();
    const before = decodeJwt(tokens.AccessToken!);
    const after = decodeJwt(refreshed.AuthenticationResult!.AccessToken!);
    expect(after.origin_jti).toBe(before.origin_jti);
    expect(after.auth_time).toBe(before.auth_time);
    expect(after.iat).toBeGreaterThan(before.iat!);
    expect((await getUser(refreshed.AuthenticationResult!.AccessToken!)).Username).toBe(tokens.sub);
    expect(sim.eventsOf('PreTokenGeneration').at(-1).triggerSource).toBe('TokenGeneration_RefreshTokens');
  });

  it('refuses a refresh token that is unknown or belongs to another client', async () => {
    const tokens = await signUpAndSignIn(sim, 'refresh@example.com');
    expect(await failureOf(refresh('not-a-token'))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    expect(await failureOf(refresh(tokens.RefreshToken!, LEGACY_CLIENT_ID))).toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has different Client' });
  });

  it('GetUser returns the attributes; bad tokens are refused', async () => {
    const tokens = await signUpAndSignIn(sim, 'getuser@example.com');
    const user = await getUser(tokens.AccessToken!);
    expect(user.Username).toBe(tokens.sub);
    expect(user.UserAttributes).toEqual(expect.arrayContaining([{ Name: 'email', Value: 'getuser@example.com' }, { Name: 'sub', Value: tokens.sub }]));

    expect(await failureOf(getUser('garbage'))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Access Token' });
    expect(await failureOf(getUser(tokens.IdToken!))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Access Token' });
    const [header, payload] = tokens.AccessToken!.split('.');
    expect(await failureOf(getUser(`${header}.${payload}.${'A'.repeat(342)}`))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Access Token' });
  });

  it('GlobalSignOut revokes the access tokens and every refresh token of the user', async () => {
    const first = await signUpAndSignIn(sim, 'signout@example.com');
    const second = await signUpAndSignIn(sim, 'signout@example.com');

    await sim.client.send(new GlobalSignOutCommand({ AccessToken: first.AccessToken }));

    for (const tokens of [first, second]) {
      expect(await failureOf(getUser(tokens.AccessToken!))).toEqual({ name: 'NotAuthorizedException', message: 'Access Token has been revoked' });
      expect(await failureOf(refresh(tokens.RefreshToken!))).toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    }
    const again = await signUpAndSignIn(sim, 'signout@example.com');
    expect((await getUser(again.AccessToken!)).Username).toBe(first.sub);
  });

  it("AdminUserGlobalSignOut revokes the user's tokens on an administrator's word, and leaves other users' alone", async () => {
    const target = await signUpAndSignIn(sim, 'admin-signout@example.com');
    const other = await signUpAndSignIn(sim, 'bystander@example.com');

    await sim.client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: POOL_ID, Username: 'ADMIN-SIGNOUT@example.com' }));

    expect(await failureOf(getUser(target.AccessToken!))).toEqual({ name: 'NotAuthorizedException', message: 'Access Token has been revoked' });
    expect(await failureOf(refresh(target.RefreshToken!))).toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    expect((await getUser(other.AccessToken!)).Username).toBe(other.sub);
    expect((await refresh(other.RefreshToken!)).AuthenticationResult?.AccessToken).toBeDefined();
    expect(await failureOf(sim.client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: POOL_ID, Username: 'nobody@example.com' })))).toEqual({
      name: 'UserNotFoundException', message: 'User does not exist.',
    });
  });

  it('RevokeToken revokes one refresh token and the access tokens minted from it, and nothing else', async () => {
    const revoked = await signUpAndSignIn(sim, 'revoke@example.com');
    const kept = await signUpAndSignIn(sim, 'revoke@example.com');

    await sim.client.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: revoked.RefreshToken }));

    expect(await failureOf(refresh(revoked.RefreshToken!))).toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    expect(await failureOf(getUser(revoked.AccessToken!))).toEqual({ name: 'NotAuthorizedException', message: 'Access Token has been revoked' });
    expect((await refresh(kept.RefreshToken!)).AuthenticationResult?.AccessToken).toBeTruthy();
    expect(await failureOf(sim.client.send(new RevokeTokenCommand({ ClientId: LEGACY_CLIENT_ID, Token: kept.RefreshToken })))).toEqual({
      name: 'UnauthorizedException', message: 'Client is not authorized to revoke this token.',
    });
  });

  it('RevokeToken refuses an access or ID token with UnsupportedTokenTypeException and revokes nothing', async () => {
    const tokens = await signUpAndSignIn(sim, 'revoke-type@example.com');
    for (const token of [tokens.AccessToken!, tokens.IdToken!]) {
      expect(await failureOf(sim.client.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: token })))).toEqual({
        name: 'UnsupportedTokenTypeException', message: 'Only refresh tokens can be revoked.',
      });
    }
    expect((await getUser(tokens.AccessToken!)).Username).toBe(tokens.sub);
    expect((await refresh(tokens.RefreshToken!)).AuthenticationResult?.AccessToken).toBeTruthy();
    // A JWT that says it is neither is just a token nobody issued: no error, as for any other.
    const unsignedJwt = (payload: object) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
    for (const payload of [{ sub: tokens.sub }, { token_use: 'refresh' }]) {
      await expect(sim.client.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: unsignedJwt(payload) }))).resolves.toBeDefined();
    }
  });

  it('refuses a token outside TokenModelType\'s pattern (a "Bearer " prefix, a line break) with InvalidParameterException, never repeating it', async () => {
    const tokens = await signUpAndSignIn(sim, 'token-pattern@example.com');
    const patternBroken = (member: string) => ({
      name: 'InvalidParameterException',
      message: `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9-_=.]+`,
    });
    const bearer = `Bearer ${tokens.AccessToken!}`;
    expect(await failureOf(getUser(bearer))).toEqual(patternBroken('accessToken'));
    expect(await failureOf(sim.client.send(new GlobalSignOutCommand({ AccessToken: bearer })))).toEqual(patternBroken('accessToken'));
    expect(await failureOf(sim.client.send(new DeleteUserCommand({ AccessToken: `${tokens.AccessToken!}\n` })))).toEqual(patternBroken('accessToken'));
    expect(await failureOf(sim.client.send(new GetTokensFromRefreshTokenCommand({ ClientId: CLIENT_ID, RefreshToken: `${tokens.RefreshToken!} ` })))).toEqual(patternBroken('refreshToken'));
    expect(await failureOf(sim.client.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: `"${tokens.RefreshToken!}"` })))).toEqual(patternBroken('token'));
    // Nothing was signed out, deleted or revoked by the refusals.
    expect((await getUser(tokens.AccessToken!)).Username).toBe(tokens.sub);
    expect((await refresh(tokens.RefreshToken!)).AuthenticationResult?.AccessToken).toBeDefined();
  });

  it('RevokeToken answers an expired refresh token with success, as the revocation endpoint does any invalid token', async () => {
    const tokens = await signUpAndSignIn(sim, 'revoke-expired@example.com');
    sim.clock.advance(31 * 24 * 3600_000);
    await expect(sim.client.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: tokens.RefreshToken! }))).resolves.toBeDefined();
  });

  it('validates every member before looking the client up, as Coral validates a request whole', async () => {
    const nobody = 'nosuchclient00000000000000';
    expect(await failureOf(sim.client.send(new GetTokensFromRefreshTokenCommand({ ClientId: nobody } as never)))).toEqual({
      name: 'InvalidParameterException',
      message: "1 validation error detected: Value null at 'refreshToken' failed to satisfy constraint: Member must not be null",
    });
    expect((await failureOf(sim.client.send(new InitiateAuthCommand({ ClientId: nobody, AuthFlow: 'NO_SUCH_FLOW' as never })))).message).toMatch(
      /^1 validation error detected: Value 'NO_SUCH_FLOW' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: \[/,
    );
    expect(await failureOf(sim.client.send(new InitiateAuthCommand({ ClientId: nobody } as never)))).toEqual({
      name: 'InvalidParameterException',
      message: "1 validation error detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null",
    });
    const nullAt = (member: string) => ({
      name: 'InvalidParameterException', message: `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    });
    expect(await failureOf(sim.client.send(new SignUpCommand({ ClientId: nobody, Username: 'x@example.com' } as never)))).toEqual(nullAt('password'));
    expect(await failureOf(sim.client.send(new ConfirmSignUpCommand({ ClientId: nobody, Username: 'x@example.com' } as never)))).toEqual(nullAt('confirmationCode'));
    expect(await failureOf(sim.client.send(new ResendConfirmationCodeCommand({ ClientId: nobody } as never)))).toEqual(nullAt('username'));
    expect(await failureOf(sim.client.send(new RespondToAuthChallengeCommand({ ClientId: nobody } as never)))).toEqual(nullAt('challengeName'));
    // A well-formed call with an unknown client still names the client.
    expect(await failureOf(sim.client.send(new InitiateAuthCommand({ ClientId: nobody, AuthFlow: 'ADMIN_NO_SRP_AUTH' })))).toEqual({
      name: 'ResourceNotFoundException', message: `User pool client ${nobody} does not exist.`,
    });
  });

  it('DeleteUser removes the caller; its tokens no longer work', async () => {
    const tokens = await signUpAndSignIn(sim, 'delete-me@example.com');
    await sim.client.send(new DeleteUserCommand({ AccessToken: tokens.AccessToken }));
    expect(await failureOf(getUser(tokens.AccessToken!))).toEqual({ name: 'UserNotFoundException', message: 'User does not exist.' });
    expect(await failureOf(refresh(tokens.RefreshToken!))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
  });

  it('ListUsers filters by email and pages; AdminDeleteUser removes a user', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) {
      await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: `${name}@list.example`, Password: PASSWORD }));
    }
    const byEmail = await sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, Filter: 'email = "page-b@list.example"' }));
    expect(byEmail.Users!.map((user) => user.Attributes!.find((attribute) => attribute.Name === 'email')!.Value)).toEqual(['page-b@list.example']);
    expect(byEmail.Users![0]).toMatchObject({ UserStatus: 'UNCONFIRMED', Enabled: true, UserCreateDate: expect.any(Date) });

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, Filter: 'email ^= "page-"', Limit: 2, PaginationToken: token }));
      expect(page.Users!.length).toBeLessThanOrEqual(2);
      seen.push(...page.Users!.map((user) => user.Attributes!.find((attribute) => attribute.Name === 'email')!.Value!));
      token = page.PaginationToken;
    } while (token);
    // Every user exactly once (Cognito promises no order).
    expect(seen.sort()).toEqual(['page-a@list.example', 'page-b@list.example', 'page-c@list.example']);

    expect(await failureOf(sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, Filter: 'email contains "x"' })))).toEqual({
      name: 'InvalidParameterException', message: 'Error while parsing filter.',
    });
    await sim.client.send(new AdminDeleteUserCommand({ UserPoolId: POOL_ID, Username: 'page-a@list.example' }));
    expect(await failureOf(sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'page-a@list.example' })))).toEqual({
      name: 'UserNotFoundException', message: 'User does not exist.',
    });
    expect(await failureOf(sim.client.send(new ListUsersCommand({ UserPoolId: 'eu-west-1_Nopool123' })))).toEqual({
      name: 'ResourceNotFoundException', message: 'User pool eu-west-1_Nopool123 does not exist.',
    });
  });
});

describe('Cognito sim: a client with EnableTokenRevocation false', () => {
  let sim: CognitoSimHarness;
  beforeAll(async () => {
    sim = await startCognitoSim({
      configurePool: (config) => ({
        ...config,
        clients: config.clients.map((client) => (client.clientId === CLIENT_ID ? { ...client, settings: { EnableTokenRevocation: false } } : client)),
      }),
    });
  });
  afterAll(() => sim.close({ removeData: true }));

  it('refuses RevokeToken with UnsupportedOperationException, and the refresh token stays valid', async () => {
    const tokens = await signUpAndSignIn(sim, 'no-revocation@example.com');
    expect(await failureOf(sim.client.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: tokens.RefreshToken! })))).toEqual({
      name: 'UnsupportedOperationException', message: 'Token revocation is not enabled for this app client.',
    });
    const refreshed = await sim.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } }));
    expect(refreshed.AuthenticationResult?.AccessToken).toBeTruthy();
    // GlobalSignOut is no token revocation call: it still signs the user out.
    await sim.client.send(new GlobalSignOutCommand({ AccessToken: tokens.AccessToken }));
    expect(await failureOf(sim.client.send(new GetUserCommand({ AccessToken: tokens.AccessToken })))).toEqual({
      name: 'NotAuthorizedException', message: 'Access Token has been revoked',
    });
  });
});

describe('Cognito sim: one signing key per token type', () => {
  it('signs ID and access tokens with different keys, both in the JWKS, and an ID token is no access token', async () => {
    const sim = await startCognitoSim();
    try {
      const tokens = await signUpAndSignIn(sim, 'two-keys@example.com');
      const jwks = (await (await fetch(`${sim.baseUrl}/${POOL_ID}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
      const idKid = decodeProtectedHeader(tokens.IdToken!).kid;
      const accessKid = decodeProtectedHeader(tokens.AccessToken!).kid;

      expect(idKid).not.toBe(accessKid);
      expect(jwks.keys.map((key) => key.kid)).toEqual([idKid, accessKid]);
      // Cognito's user APIs take only an access token: an ID token fails the access key's signature check.
      expect(await failureOf(sim.client.send(new GetUserCommand({ AccessToken: tokens.IdToken! })))).toEqual({
        name: 'NotAuthorizedException', message: 'Invalid Access Token',
      });
    } finally {
      await sim.close({ removeData: true });
    }
  });

  it('keeps the keys in the data folder, and a new folder (npm start -- --reset) means new keys', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'signing-keys-'));
    try {
      const first = loadOrCreateSigningKeys(dataDir);
      const again = loadOrCreateSigningKeys(dataDir);
      rmSync(dataDir, { recursive: true });
      const afterReset = loadOrCreateSigningKeys(dataDir);

      expect([again.id.kid, again.access.kid]).toEqual([first.id.kid, first.access.kid]);
      expect(afterReset.id.kid).not.toBe(first.id.kid);
      expect(afterReset.access.kid).not.toBe(first.access.kid);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('Cognito sim: tokens under the AWS issuer', () => {
  it('verify with CognitoJwtVerifier when the sim issues as cognito-idp.<region>.amazonaws.com', async () => {
    const sim = await startCognitoSim({ issuerBaseUrl: 'https://cognito-idp.eu-west-1.amazonaws.com' });
    try {
      const tokens = await signUpAndSignIn(sim, 'aws-issuer@example.com');
      const jwks = (await (await fetch(`${sim.baseUrl}/${POOL_ID}/.well-known/jwks.json`)).json()) as Jwks;
      const idVerifier = CognitoJwtVerifier.create({ userPoolId: POOL_ID, tokenUse: 'id', clientId: CLIENT_ID });
      const accessVerifier = CognitoJwtVerifier.create({ userPoolId: POOL_ID, tokenUse: 'access', clientId: CLIENT_ID });
      idVerifier.cacheJwks(jwks);
      accessVerifier.cacheJwks(jwks);

      expect((await idVerifier.verify(tokens.IdToken!)).email).toBe('aws-issuer@example.com');
      expect((await accessVerifier.verify(tokens.AccessToken!)).username).toBe(tokens.sub);
    } finally {
      await sim.close({ removeData: true });
    }
  });
});
