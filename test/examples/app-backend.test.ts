// The example app backend (examples/app-backend/): `GET /me` answers only after aws-jwt-verify's
// CognitoJwtVerifier, configured as for AWS plus the kit's JWKS, accepted the access token.
// Tokens come from the Cognito sim issuing under AWS's issuer, as the embedded cloud does.
import { generateKeyPairSync } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { decodeProtectedHeader, SignJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appBackendRoutes } from '../../examples/app-backend/routes.js';
import { createTokenVerifier } from '../../examples/app-backend/token-verifier.js';
import { ManualClock } from '../../sim/clock.js';
import { CLIENT_ID, LEGACY_CLIENT_ID, POOL_ID, REGION, signUpAndSignIn, startCognitoSim, type CognitoSimHarness } from '../cognito/cognito-sim-harness.js';

const AWS_ISSUER_BASE = `https://cognito-idp.${REGION}.amazonaws.com`;

describe('example app backend: GET /me behind CognitoJwtVerifier', () => {
  let sim: CognitoSimHarness;
  let backend: FastifyInstance;
  const me = (authorization?: string) =>
    backend.inject({ method: 'GET', url: '/me', headers: authorization ? { authorization } : {} });

  beforeAll(async () => {
    sim = await startCognitoSim({ issuerBaseUrl: AWS_ISSUER_BASE });
    backend = Fastify();
    await backend.register(appBackendRoutes(createTokenVerifier({ userPoolId: POOL_ID, clientId: CLIENT_ID, kitEndpoint: sim.baseUrl })));
  });
  afterAll(async () => {
    await backend?.close();
    await sim?.close({ removeData: true });
  });

  it('accepts a valid access token and answers with its verified claims', async () => {
    const tokens = await signUpAndSignIn(sim, 'me@example.com');

    const response = await me(`Bearer ${tokens.AccessToken}`);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ sub: tokens.sub, username: tokens.sub, clientId: CLIENT_ID, scope: 'aws.cognito.signin.user.admin' });
  });

  it('refuses a request without a bearer token', async () => {
    const response = await me();

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses an ID token where an access token is expected', async () => {
    const tokens = await signUpAndSignIn(sim, 'id-token@example.com');

    const response = await me(`Bearer ${tokens.IdToken}`);

    expect(response.statusCode).toBe(401);
    expect(response.json().message).toMatch(/token use/i);
  });

  it('refuses an access token whose claims were edited after signing', async () => {
    const tokens = await signUpAndSignIn(sim, 'edited@example.com');
    const [header, payload, signature] = tokens.AccessToken!.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const edited = Buffer.from(JSON.stringify({ ...claims, username: 'someone-else', sub: 'someone-else' })).toString('base64url');

    const response = await me(`Bearer ${header}.${edited}.${signature}`);

    expect(response.statusCode).toBe(401);
    expect(response.json().message).toMatch(/signature/i);
  });

  it("refuses a token signed by another key under the kit's key id", async () => {
    const tokens = await signUpAndSignIn(sim, 'forged@example.com');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT(decodeJwt(tokens.AccessToken!))
      .setProtectedHeader({ alg: 'RS256', kid: decodeProtectedHeader(tokens.AccessToken!).kid! })
      .sign(privateKey);

    const response = await me(`Bearer ${forged}`);

    expect(response.statusCode).toBe(401);
    expect(response.json().message).toMatch(/signature/i);
  });

  it("refuses another app client's token", async () => {
    const tokens = await signUpAndSignIn(sim, 'other-client@example.com', LEGACY_CLIENT_ID);

    const response = await me(`Bearer ${tokens.AccessToken}`);

    expect(response.statusCode).toBe(401);
    expect(response.json().message).toMatch(/client id/i);
  });

  it('refuses an expired access token', async () => {
    // Tokens minted two hours ago by the sim's clock have been expired for an hour (validity 60 min).
    const clock = new ManualClock(Date.now() - 2 * 3600_000);
    const past = await startCognitoSim({ issuerBaseUrl: AWS_ISSUER_BASE, clock });
    const pastBackend = Fastify();
    try {
      await pastBackend.register(appBackendRoutes(createTokenVerifier({ userPoolId: POOL_ID, clientId: CLIENT_ID, kitEndpoint: past.baseUrl })));
      const tokens = await signUpAndSignIn(past, 'expired@example.com');

      const response = await pastBackend.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${tokens.AccessToken}` } });

      expect(response.statusCode).toBe(401);
      expect(response.json().message).toMatch(/expired/i);
    } finally {
      await pastBackend.close();
      await past.close({ removeData: true });
    }
  });
});
