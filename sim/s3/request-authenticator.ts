// SigV4 for S3: the Authorization header and presigned URLs (query auth), with S3's own errors.
// The signature itself is recomputed by the shared verifier in sim/sigv4.ts.
import { createHmac } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { getSigningKey } from '@smithy/signature-v4';
import type { Clock } from '../clock.js';
import type { SigningKeys } from '../request-signature.js';
import {
  authorizationFields,
  expectedHeaderSignature,
  parseAmzDate,
  parseCredentialScope,
  repeatedAuthorization,
  sameSignature,
  scopeDatedOn,
  signableRequest,
  signedHeaderNames,
  signerFor,
  SIGV4_ALGORITHM as ALGORITHM,
  type CredentialScope,
  type IncomingSignedRequest,
} from '../sigv4.js';
import { accessDenied, S3Error, signatureDoesNotMatch } from './s3-errors.js';

/** The path stays percent-encoded as sent: S3 signs it without re-encoding. */
export type IncomingS3Request = IncomingSignedRequest;

/** The SigV4 fields of a browser form upload (POST Object), by their canonical names. */
export interface PostFormSignature {
  algorithm: string;
  credential: string;
  date: string;
  signature: string;
  securityToken?: string;
  /** The form's Policy field, base64 as sent: what the signature covers. */
  policy: string;
}

export interface Authenticated {
  accessKeyId: string;
  region: string;
  /** Signed in the query (a presigned URL), not in the Authorization header. */
  presigned: boolean;
}

const MAX_PRESIGNED_EXPIRES_SECONDS = 604_800;
/** The query parameters of SigV4 query authentication, each allowed once. */
const PRESIGN_PARAMETERS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token'];
/** S3's words when the credential scope's date is not the day of X-Amz-Date. */
const CREDENTIAL_DATE_MISMATCH = 'Invalid credential date. Date is not the same as X-Amz-Date.';
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export class RequestAuthenticator {
  constructor(
    private readonly keys: SigningKeys,
    private readonly clock: Clock,
  ) {}

  async authenticate(request: IncomingS3Request): Promise<Authenticated> {
    // Node keeps the first of two Authorization lines; S3 reads them as one malformed header.
    if (repeatedAuthorization(request) !== undefined) {
      throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.', 400);
    }
    const authorization = request.headers.authorization;
    const queryAlgorithm = request.query['X-Amz-Algorithm'];
    if (authorization !== undefined && queryAlgorithm !== undefined) {
      throw new S3Error(
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
        400,
      );
    }
    if (authorization !== undefined) return this.verifyAuthorizationHeader(request, authorization);
    if (queryAlgorithm !== undefined) return this.verifyPresignedUrl(request);
    if (request.query.Signature !== undefined || request.query.AWSAccessKeyId !== undefined) throw unsupportedMechanism();
    throw accessDenied();
  }

  private async verifyAuthorizationHeader(request: IncomingS3Request, authorization: string): Promise<Authenticated> {
    if (!authorization.startsWith(`${ALGORITHM} `)) {
      if (authorization.startsWith('AWS ')) throw unsupportedMechanism();
      throw new S3Error('InvalidArgument', 'Unsupported Authorization Type', 400);
    }
    const { credential, signedHeaders, signature } = authorizationFields(authorization);
    if (!credential || !signedHeaders || !signature) {
      throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed; the authorization component is missing.', 400);
    }
    const scope = this.parseScope(credential, 'AuthorizationHeaderMalformed');
    const secret = this.secretOf(scope.accessKeyId, request.headers['x-amz-security-token']);

    const amzDate = String(
      request.headers['x-amz-date'] ??
        // Stryker disable next-line StringLiteral: any other placeholder is no valid date either: the same AccessDenied
        '',
    );
    const signingDate = parseAmzDate(amzDate);
    if (!signingDate) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
    if (!scopeDatedOn(scope, amzDate)) {
      throw new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${CREDENTIAL_DATE_MISMATCH}`, 400);
    }
    const now = this.clock.now();
    if (Math.abs(now - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
      throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403, {
        RequestTime: amzDate,
        ServerTime: new Date(now).toISOString(),
        MaxAllowedSkewMilliseconds: MAX_CLOCK_SKEW_MS,
      });
    }
    const contentSha256 = request.headers['x-amz-content-sha256'];
    if (contentSha256 === undefined) {
      throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256', 400);
    }

    const expected = await expectedHeaderSignature(request, {
      scope,
      secretAccessKey: secret,
      signedNames: signedHeaderNames(signedHeaders),
      signingDate,
      uriEscapePath: false,
    });
    if (!sameSignature(expected, signature)) throw signatureDoesNotMatch(scope.accessKeyId, signature);
    return { accessKeyId: scope.accessKeyId, region: scope.region, presigned: false };
  }

  private async verifyPresignedUrl(request: IncomingS3Request): Promise<Authenticated> {
    const parameterError = (message: string) => new S3Error('AuthorizationQueryParametersError', message, 400);
    // A repeated authentication parameter is refused rather than one of its values picked: the URL
    // was signed with one value, and which one a server takes would decide what is checked.
    const repeated = PRESIGN_PARAMETERS.filter((name) => Array.isArray(request.query[name]));
    if (repeated.length > 0) throw parameterError(`Query-string authentication parameters must appear only once; repeated: ${repeated.join(', ')}`);
    const single = (name: string) => request.query[name] as string | undefined;
    if (single('X-Amz-Algorithm') !== ALGORITHM) {
      throw parameterError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    }
    const credential = single('X-Amz-Credential');
    const amzDate = single('X-Amz-Date');
    const expiresText = single('X-Amz-Expires');
    const signedHeaders = single('X-Amz-SignedHeaders');
    const signature = single('X-Amz-Signature');
    if (!credential || !amzDate || expiresText === undefined || !signedHeaders || !signature) {
      throw parameterError(
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
    }
    const scope = this.parseScope(credential, 'AuthorizationQueryParametersError');
    if (!/^\d+$/.test(expiresText)) throw parameterError('X-Amz-Expires should be a number');
    const expiresIn = Number(expiresText);
    if (expiresIn > MAX_PRESIGNED_EXPIRES_SECONDS) {
      throw parameterError('X-Amz-Expires must be less than a week (in seconds) that is; 604800');
    }
    const signingDate = parseAmzDate(amzDate);
    if (!signingDate) throw parameterError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    if (!scopeDatedOn(scope, amzDate)) throw parameterError(CREDENTIAL_DATE_MISMATCH);
    const secret = this.secretOf(scope.accessKeyId, request.query['X-Amz-Security-Token']);

    const signedNames = signedHeaderNames(signedHeaders);
    const query = { ...request.query };
    // Stryker disable next-line StringLiteral: @smithy/signature-v4 leaves X-Amz-Signature out of the canonical query itself
    delete query['X-Amz-Signature'];
    const signable = signableRequest(request, signedNames, query);
    // The payload of a presigned request is never hashed: S3 signs the literal UNSIGNED-PAYLOAD.
    const shaIsSigned = signedNames.includes('x-amz-content-sha256');
    if (!shaIsSigned) signable.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    const signer = signerFor(scope, secret, false);
    const presigned = await signer.presign(signable, {
      signingDate,
      expiresIn,
      signingRegion: scope.region,
      signingService: scope.service,
      signableHeaders: new Set(signedNames),
      unsignableHeaders: shaIsSigned ? undefined : new Set(['x-amz-content-sha256']),
      // Signed headers travel as headers: re-signing must not hoist them into the query.
      unhoistableHeaders: new Set([...signedNames, 'x-amz-content-sha256']),
    });
    const expected = String(
      // Stryker disable next-line OptionalChaining: presign() always returns a query
      presigned.query?.['X-Amz-Signature'] ??
        // Stryker disable next-line StringLiteral: presign() always sets X-Amz-Signature, so the fallback is never used
        '',
    );
    if (!sameSignature(expected, signature)) throw signatureDoesNotMatch(scope.accessKeyId, signature);
    // An x-amz-* header the URL's signer did not sign (an ACL, metadata) would change what is
    // stored without the signer's consent: S3 refuses it. The payload hash is never signed here.
    const notSigned = Object.keys(request.headers)
      .map((name) => name.toLowerCase())
      .filter((name) => name.startsWith('x-amz-') && name !== 'x-amz-content-sha256' && !signedNames.includes(name));
    if (notSigned.length > 0) {
      throw accessDenied('There were headers present in the request which were not signed', { HeadersNotSigned: notSigned.join(', ') });
    }

    const now = this.clock.now();
    const expiresAt = signingDate.getTime() + expiresIn * 1000;
    if (now > expiresAt) {
      throw accessDenied('Request has expired', {
        'X-Amz-Expires': expiresIn,
        Expires: new Date(expiresAt).toISOString(),
        ServerTime: new Date(now).toISOString(),
      });
    }
    if (signingDate.getTime() - now > MAX_CLOCK_SKEW_MS) {
      throw accessDenied('Request is not valid yet');
    }
    return { accessKeyId: scope.accessKeyId, region: scope.region, presigned: true };
  }

  /**
   * A browser form upload (S3 API Reference, "Authenticating Requests in Browser-Based Uploads
   * Using POST (AWS Signature Version 4)"): the signature is the hex HMAC-SHA256 of the
   * base64 policy, under the signing key of the credential's date, region and service. Whether
   * the policy still holds and what it allows is the operation's to check (post-object.ts).
   */
  async authenticatePostForm(form: PostFormSignature): Promise<Authenticated> {
    if (form.algorithm !== ALGORITHM) throw unsupportedMechanism();
    const scope = this.parseScope(form.credential, 'AuthorizationQueryParametersError');
    // Only the first 8 characters are compared with the credential's date: the rest must be a time.
    if (!parseAmzDate(form.date)) {
      throw new S3Error('AuthorizationQueryParametersError', "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"", 400);
    }
    if (!scopeDatedOn(scope, form.date)) throw new S3Error('AuthorizationQueryParametersError', CREDENTIAL_DATE_MISMATCH, 400);
    const secretAccessKey = this.secretOf(scope.accessKeyId, form.securityToken);
    const signingKey = await getSigningKey(Hash.bind(null, 'sha256'), { accessKeyId: scope.accessKeyId, secretAccessKey }, scope.date, scope.region, scope.service);
    // Stryker disable next-line StringLiteral: a policy is base64, the same bytes in every encoding Node defaults to
    const expected = createHmac('sha256', signingKey).update(form.policy, 'utf8').digest('hex');
    if (!sameSignature(expected, form.signature)) throw signatureDoesNotMatch(scope.accessKeyId, form.signature);
    return { accessKeyId: scope.accessKeyId, region: scope.region, presigned: true };
  }

  private parseScope(credential: string, errorCode: string): CredentialScope {
    const scope = parseCredentialScope(credential);
    if (!scope) {
      throw new S3Error(errorCode, `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`, 400);
    }
    if (scope.service !== 's3') {
      throw new S3Error(errorCode, `Error parsing the X-Amz-Credential parameter; incorrect service "${scope.service}". This endpoint belongs to "s3".`, 400);
    }
    return scope;
  }

  /** A temporary key is known only with its session token; with another token, S3 calls the token invalid. */
  private secretOf(accessKeyId: string, sessionToken: string | string[] | undefined): string {
    const key = this.keys.lookup(accessKeyId, sessionToken);
    if (!('refused' in key)) return key.secretAccessKey;
    if (key.refused === 'wrong session token') throw new S3Error('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400);
    throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403, {
      AWSAccessKeyId: accessKeyId,
    });
  }
}

/** S3's refusal of Signature Version 2 and of any algorithm but AWS4-HMAC-SHA256. */
export function unsupportedMechanism(): S3Error {
  return new S3Error('InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.', 400);
}
