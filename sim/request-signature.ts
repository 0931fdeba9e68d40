// Credentials checked where AWS checks them: IAM-authenticated APIs (Cognito's admin operations,
// Rekognition, DynamoDB, Lambda, SES) answer only requests signed with SigV4 by a known key.
// Each service turns a refusal into its own wire shape; the codes and messages are AWS's.
import { createHash } from 'node:crypto';
import type { Clock } from './clock.js';
import {
  authorizationFields,
  expectedHeaderSignature,
  parseAmzDate,
  notKeyValueMessage,
  parseCredentialScope,
  repeatedAuthorization,
  sameSignature,
  scopeDatedOn,
  signedHeaderNames,
  SIGV4_ALGORITHM,
  type IncomingSignedRequest,
} from './sigv4.js';

/** The credentials the sim accepts, `test`/`test` unless FACEKIT_ACCESS_KEY_ID/FACEKIT_SECRET_ACCESS_KEY say otherwise. */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export const DEFAULT_LOCAL_CREDENTIALS: LocalCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Credentials the kit issued, with the session token a temporary key is good only with. */
export interface IssuedCredentials extends LocalCredentials {
  sessionToken?: string;
}

/** What a request's key and session token come to: the secret to check its signature with, or why not. */
export type KeyLookup = { secretAccessKey: string } | { refused: 'unknown key' | 'wrong session token' };

/**
 * Every key the kit accepts, one set for the SigV4 checks of every service (S3's included): the
 * kit's own, and each function's role session (sim/iam/access-control.ts). A key issued with a
 * session token is good only with that token, as AWS's temporary credentials are: without one it
 * is a key nobody issued, with another the token is wrong. A key issued without one (the kit's
 * own) takes a request with or without a token, as LocalStack does.
 */
export class SigningKeys {
  private readonly keys = new Map<string, IssuedCredentials>();

  constructor(credentials: LocalCredentials) {
    this.add(credentials);
  }

  add(credentials: IssuedCredentials): void {
    this.keys.set(credentials.accessKeyId, credentials);
  }

  /** `sessionToken`: the request's X-Amz-Security-Token (header, or query of a presigned URL). */
  lookup(accessKeyId: string, sessionToken: string | string[] | undefined): KeyLookup {
    const issued = this.keys.get(accessKeyId);
    if (!issued || (issued.sessionToken !== undefined && sessionToken === undefined)) return { refused: 'unknown key' };
    if (issued.sessionToken !== undefined && sessionToken !== issued.sessionToken) return { refused: 'wrong session token' };
    return { secretAccessKey: issued.secretAccessKey };
  }
}

export function localCredentialsFromEnvironment(env: Record<string, string | undefined>): LocalCredentials {
  const accessKeyId = env.FACEKIT_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.FACEKIT_SECRET_ACCESS_KEY?.trim();
  if (!accessKeyId && !secretAccessKey) return DEFAULT_LOCAL_CREDENTIALS;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('FACEKIT_ACCESS_KEY_ID and FACEKIT_SECRET_ACCESS_KEY must be set together');
  }
  return { accessKeyId, secretAccessKey };
}

/** Why a request was refused, with the code and message AWS answers. */
export class SignatureRefusal extends Error {
  constructor(
    readonly code: 'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'UnrecognizedClientException' | 'InvalidSignatureException',
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const INVALID_SECURITY_TOKEN = 'The security token included in the request is invalid.';

export interface RequestSignatureVerifierOptions {
  credentials: LocalCredentials;
  /**
   * Accept requests signed with temporary credentials (an `X-Amz-Security-Token`) of a key the sim
   * does not know. Only for services mode: functions running in LocalStack sign with credentials
   * LocalStack's STS issued, whose secrets the sim cannot look up.
   */
  trustTemporaryCredentials?: boolean;
  /** The sim's clock; a request date within 5 minutes of it, or of the real time, is current. */
  clock?: Clock;
  /**
   * The region the kit stands for: a request signed for another is refused, as a regional AWS
   * endpoint refuses it, rather than served from this region's pools, tables and collections (a
   * client configured for the wrong region then fails here as it would once deployed).
   */
  region?: string;
}

/** How far a request's X-Amz-Date may be from now (AWS: 5 minutes outside S3). */
const MAX_SIGNATURE_AGE_MS = 5 * 60 * 1000;

function amzDateOf(time: number): string {
  return new Date(time).toISOString().replace(/[-:]|\.\d{3}/g, '');
}

/** What `verify` needs of a request's head to check its signature over the body. */
interface CheckedHead {
  scope: NonNullable<ReturnType<typeof parseCredentialScope>>;
  secretAccessKey: string;
  signedHeaders: string;
  signature: string;
  signingDate: Date;
  amzDate: string;
}

export class RequestSignatureVerifier {
  /** The keys it accepts: the local credentials, and any added (S3's authenticator shares them). */
  readonly keys: SigningKeys;

  constructor(private readonly options: RequestSignatureVerifierOptions) {
    this.keys = new SigningKeys(options.credentials);
  }

  /**
   * Throws a SignatureRefusal unless the request carries a valid `Authorization` header for
   * `signingName` (e.g. `cognito-idp`), dated within 5 minutes of now, so a captured request cannot
   * be replayed later. "Now" is the sim's clock or the real time, whichever is closer: tests move
   * the sim's clock by days while SDK clients sign with the real time.
   */
  async verify(request: IncomingSignedRequest, signingName: string): Promise<{ accessKeyId: string }> {
    const head = this.checkedHead(request, signingName);
    if ('trusted' in head) return { accessKeyId: head.trusted };
    const { scope, secretAccessKey, signedHeaders, signature, signingDate, amzDate } = head;
    // The signer takes a client-sent payload hash on trust; the body must match it, or a signed
    // request could carry any body.
    const contentSha256 = request.headers['x-amz-content-sha256'];
    if (typeof contentSha256 === 'string' && contentSha256 !== createHash('sha256').update(request.body ?? '').digest('hex')) {
      throw new SignatureRefusal('InvalidSignatureException', SIGNATURE_MISMATCH);
    }
    const expected = await expectedHeaderSignature(request, {
      scope,
      secretAccessKey,
      signedNames: signedHeaderNames(signedHeaders),
      signingDate,
      uriEscapePath: true,
    });
    if (!sameSignature(expected, signature)) throw new SignatureRefusal('InvalidSignatureException', SIGNATURE_MISMATCH);
    this.assertCurrent(signingDate.getTime(), amzDate);
    return { accessKeyId: scope.accessKeyId };
  }

  /**
   * The refusal `verify` would give from the request's head alone (no credentials, a malformed
   * `Authorization`, another service or region, an unknown key), so that a service can refuse it
   * before reading its body: an unsigned SES call's 40 MiB body was read, and counted against the
   * body budget, before its Missing Authentication Token (attacker audit).
   */
  refusalBeforeBody(request: Omit<IncomingSignedRequest, 'body'>, signingName: string): SignatureRefusal | undefined {
    try {
      this.checkedHead(request, signingName);
      return undefined;
    } catch (error) {
      // Stryker disable next-line ConditionalExpression: the head's checks throw nothing but refusals
      if (error instanceof SignatureRefusal) return error;
      throw error;
    }
  }

  /** Everything `verify` checks before the body: the header's form, its scope and dates, the key. */
  private checkedHead(request: Omit<IncomingSignedRequest, 'body'>, signingName: string): CheckedHead | { trusted: string } {
    const repeated = repeatedAuthorization(request);
    if (repeated !== undefined) throw new SignatureRefusal('IncompleteSignatureException', notKeyValueMessage(repeated));
    const authorization = request.headers.authorization;
    if (authorization === undefined || authorization === '') {
      throw new SignatureRefusal('MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    if (!authorization.startsWith(`${SIGV4_ALGORITHM} `)) {
      throw new SignatureRefusal('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${authorization.split(' ')[0]}'`);
    }
    const { credential, signedHeaders, signature } = authorizationFields(authorization);
    const amzDate = String(request.headers['x-amz-date'] ?? '');
    const missing = [
      credential ? undefined : "Authorization header requires 'Credential' parameter.",
      signature ? undefined : "Authorization header requires 'Signature' parameter.",
      signedHeaders ? undefined : "Authorization header requires 'SignedHeaders' parameter.",
      amzDate ? undefined : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    ].filter(Boolean);
    if (missing.length > 0) throw new SignatureRefusal('IncompleteSignatureException', missing.join(' '));
    const scope = parseCredentialScope(credential!);
    if (!scope) {
      throw new SignatureRefusal('IncompleteSignatureException', `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`);
    }
    const signingDate = parseAmzDate(amzDate);
    if (!signingDate) throw new SignatureRefusal('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);
    if (scope.service !== signingName) {
      throw new SignatureRefusal('InvalidSignatureException', `Credential should be scoped to correct service: '${signingName}'. `);
    }
    if (this.options.region !== undefined && scope.region !== this.options.region) {
      throw new SignatureRefusal('InvalidSignatureException', `Credential should be scoped to a valid region, not '${scope.region}'. `);
    }
    if (!scopeDatedOn(scope, amzDate)) {
      throw new SignatureRefusal('InvalidSignatureException',
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scope.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
    }
    const sessionToken = request.headers['x-amz-security-token'];
    const key = this.keys.lookup(scope.accessKeyId, sessionToken);
    if ('refused' in key) {
      if (key.refused === 'unknown key' && this.options.trustTemporaryCredentials && sessionToken) return { trusted: scope.accessKeyId };
      // AWS's answer to an unknown key and to a temporary key without its own token alike.
      throw new SignatureRefusal('UnrecognizedClientException', INVALID_SECURITY_TOKEN);
    }
    return { scope, secretAccessKey: key.secretAccessKey, signedHeaders: signedHeaders!, signature: signature!, signingDate, amzDate };
  }

  private assertCurrent(signedAt: number, amzDate: string): void {
    // Stryker disable next-line ArrayDeclaration: a made-up entry is no number, never closer than the real time
    const nows = [Date.now(), ...(this.options.clock ? [this.options.clock.now()] : [])];
    // Stryker disable next-line EqualityOperator: two times equally far from the signing date decide alike
    const now = nows.reduce((closest, candidate) => (Math.abs(candidate - signedAt) < Math.abs(closest - signedAt) ? candidate : closest));
    if (signedAt < now - MAX_SIGNATURE_AGE_MS) {
      throw new SignatureRefusal('InvalidSignatureException',
        `Signature expired: ${amzDate} is now earlier than ${amzDateOf(now - MAX_SIGNATURE_AGE_MS)} (${amzDateOf(now)} - 5 min.)`);
    }
    if (signedAt > now + MAX_SIGNATURE_AGE_MS) {
      throw new SignatureRefusal('InvalidSignatureException',
        `Signature not yet current: ${amzDate} is still later than ${amzDateOf(now + MAX_SIGNATURE_AGE_MS)} (${amzDateOf(now)} + 5 min.)`);
    }
  }
}

/** The parts of an HTTP request (Fastify's or Node's) a signature covers. */
export function signedRequestOf(
  request: { method: string; url: string; headers: IncomingSignedRequest['headers']; raw?: { rawHeaders?: string[] } },
  body: Buffer | string | undefined,
): IncomingSignedRequest {
  const queryAt = request.url.indexOf('?');
  const query: Record<string, string | string[]> = {};
  if (queryAt >= 0) {
    new URLSearchParams(request.url.slice(queryAt + 1)).forEach((value, name) => {
      const earlier = query[name];
      query[name] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
    });
  }
  return {
    method: request.method,
    rawPath: queryAt < 0 ? request.url : request.url.slice(0, queryAt),
    query,
    headers: request.headers,
    body: body ?? '',
    rawHeaders: request.raw?.rawHeaders,
  };
}

/**
 * Verifies and returns the refusal instead of throwing it, for routes that answer in their own
 * shape; otherwise the key that signed, whose permissions the route may check.
 */
export async function verifiedSignerOf(
  verifier: RequestSignatureVerifier,
  request: IncomingSignedRequest,
  signingName: string,
): Promise<{ accessKeyId: string } | { refusal: SignatureRefusal }> {
  try {
    return await verifier.verify(request, signingName);
  } catch (error) {
    if (error instanceof SignatureRefusal) return { refusal: error };
    throw error;
  }
}
