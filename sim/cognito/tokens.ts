// Cognito's tokens: RS256 id and access JWTs with Cognito's claims, and opaque refresh tokens
// that live in the store until they expire or are revoked. Revoking a refresh token (RevokeToken,
// GlobalSignOut) also revokes the access tokens minted from it, through their `origin_jti`.
import { sign as signBytes } from 'node:crypto';
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { nowInSeconds, type CognitoContext, type PoolRuntime } from './cognito-context.js';
import { NotAuthorizedError, UserNotFoundError } from './errors.js';
import type { SigningKey } from './signing-keys.js';
import type { ResolvedClient } from './user-pool-config.js';
import { hashToken, type StoredUser } from './user-pool-store.js';

/** The claims the pre token generation docs say "you can't modify" (plus any `dev:` claim); the sim ignores such changes. */
const RESERVED_CLAIMS = new Set([
  'acr', 'amr', 'aud', 'at_hash', 'auth_time', 'azp', 'cognito:username', 'exp', 'iat', 'identities', 'iss',
  'jti', 'nbf', 'nonce', 'origin_jti', 'sub', 'token_use',
]);
const isReservedClaim = (name: string) => RESERVED_CLAIMS.has(name) || name.startsWith('dev:');

export interface ClaimsOverride {
  claimsToAddOrOverride: Record<string, string>;
  claimsToSuppress: string[];
}

export interface AuthenticationResult {
  AccessToken: string;
  IdToken: string;
  ExpiresIn: number;
  TokenType: 'Bearer';
  RefreshToken?: string;
}

interface MintOptions {
  pool: PoolRuntime;
  client: ResolvedClient;
  user: StoredUser;
  originJti: string;
  authTime: number;
  claimsOverride?: ClaimsOverride;
}

export async function mintTokens(context: CognitoContext, options: MintOptions): Promise<AuthenticationResult> {
  const { pool, client, user, originJti, authTime } = options;
  const issuedAt = nowInSeconds(context);
  const eventId = context.random.uuid();
  const issuer = context.issuer(pool.config.userPoolId);

  const idClaims: JWTPayload = { ...userClaims(user) };
  for (const [name, value] of Object.entries(options.claimsOverride?.claimsToAddOrOverride ?? {})) {
    if (!isReservedClaim(name)) idClaims[name] = value;
  }
  // Stryker disable next-line ArrayDeclaration: a placeholder entry names no claim, so suppressing it changes no token
  for (const name of options.claimsOverride?.claimsToSuppress ?? []) {
    if (!isReservedClaim(name)) delete idClaims[name];
  }
  Object.assign(idClaims, {
    sub: user.attributes.sub,
    iss: issuer,
    'cognito:username': user.username,
    origin_jti: originJti,
    aud: client.clientId,
    event_id: eventId,
    token_use: 'id',
    auth_time: authTime,
    exp: issuedAt + client.idTokenValidityMinutes * 60,
    iat: issuedAt,
    jti: context.random.uuid(),
  });
  const accessClaims: JWTPayload = {
    sub: user.attributes.sub,
    iss: issuer,
    client_id: client.clientId,
    origin_jti: originJti,
    event_id: eventId,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: authTime,
    exp: issuedAt + client.accessTokenValidityMinutes * 60,
    iat: issuedAt,
    jti: context.random.uuid(),
    username: user.username,
  };
  return {
    AccessToken: signAsCognito(accessClaims, pool.signingKeys.access),
    ExpiresIn: client.accessTokenValidityMinutes * 60,
    TokenType: 'Bearer',
    IdToken: signAsCognito(idClaims, pool.signingKeys.id),
  };
}

/**
 * A JWT written as Cognito writes its tokens, byte for byte: Cognito's JSON escapes every `/`
 * (`"iss":"https:\/\/cognito-idp...`, a `kid` with a slash), which jose's serialisation does not,
 * and code that reads the raw parts (an issuer compared as text, a hash of the payload's bytes)
 * must meet the same bytes here as on AWS. RS256 is RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518,
 * 3.3), node's default for an RSA key; jose and aws-jwt-verify verify what this signs (tests).
 */
function signAsCognito(claims: JWTPayload, key: SigningKey): string {
  // A `/` stands only inside JSON strings, where `\/` is its escape.
  const part = (value: object) => Buffer.from(JSON.stringify(value).replaceAll('/', '\\/')).toString('base64url');
  const signingInput = `${part({ kid: key.kid, alg: 'RS256' })}.${part(claims)}`;
  return `${signingInput}.${signBytes('sha256', Buffer.from(signingInput), key.privateKey).toString('base64url')}`;
}

/** The user's attributes as id token claims: `*_verified` become booleans, as Cognito writes them. */
function userClaims(user: StoredUser): JWTPayload {
  const claims: JWTPayload = {};
  for (const [name, value] of Object.entries(user.attributes)) {
    claims[name] = name.endsWith('_verified') ? value === 'true' : value;
  }
  return claims;
}

/**
 * A new refresh token, starting a token family. It looks like Cognito's (five base64url parts,
 * as a JWE has) but is random: only its hash is stored, and only the store can resolve it.
 */
export function issueRefreshToken(
  context: CognitoContext,
  pool: PoolRuntime,
  client: ResolvedClient,
  user: StoredUser,
  authTime: number,
): { refreshToken: string; originJti: string } {
  const header = Buffer.from(JSON.stringify({ cty: 'JWT', enc: 'A256GCM', alg: 'RSA-OAEP' })).toString('base64url');
  const parts = [256, 12, 512, 16].map((length) => context.random.bytes(length).toString('base64url'));
  const refreshToken = [header, ...parts].join('.');
  const originJti = context.random.uuid();
  pool.store.addRefreshToken({
    tokenHash: hashToken(refreshToken),
    clientId: client.clientId,
    username: user.username,
    originJti,
    authTime,
    expiresAt: context.clock.now() + client.refreshTokenValidityDays * 24 * 3600 * 1000,
    revoked: false,
  });
  return { refreshToken, originJti };
}

export interface AuthenticatedCaller {
  pool: PoolRuntime;
  user: StoredUser;
  claims: JWTPayload;
}

/** Checks an access token as Cognito's user APIs (GetUser, GlobalSignOut, DeleteUser) do. */
export async function authenticateAccessToken(context: CognitoContext, accessToken: string): Promise<AuthenticatedCaller> {
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(accessToken);
  } catch {
    throw new NotAuthorizedError('Invalid Access Token');
  }
  // The pool is the last segment of `iss`; the base URL may differ after a restart on another port.
  // Stryker disable next-line StringLiteral: no pool has an empty id, nor the placeholder's: the lookup finds no pool either way
  const noPool = '';
  const poolId = typeof unverified.iss === 'string' ? unverified.iss.split('/').pop() ?? noPool : noPool;
  const pool = context.pools.get(poolId);
  if (!pool) throw new NotAuthorizedError('Invalid Access Token');
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(accessToken, pool.signingKeys.access.publicKey, {
      algorithms: ['RS256'],
      currentDate: new Date(context.clock.now()),
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new NotAuthorizedError('Access Token has expired');
    throw new NotAuthorizedError('Invalid Access Token');
  }
  if (claims.token_use !== 'access' || typeof claims.username !== 'string' || typeof claims.origin_jti !== 'string') {
    throw new NotAuthorizedError('Invalid Access Token');
  }
  const family = pool.store.findTokenFamily(claims.origin_jti);
  if (family?.revoked) throw new NotAuthorizedError('Access Token has been revoked');
  const user = pool.store.getUser(claims.username);
  if (!user || !family) throw new UserNotFoundError();
  return { pool, user, claims };
}
