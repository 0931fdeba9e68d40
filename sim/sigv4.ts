// SigV4 verification shared by every served API: the S3 authenticator (sim/s3/request-authenticator.ts)
// and the IAM-authenticated JSON and REST-JSON services (sim/request-signature.ts). The signature
// is recomputed with the SDK's own signer (@smithy/signature-v4) over exactly the headers the
// client says it signed, with the client's own Host header, then compared in constant time.
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type SignableRequest = Parameters<SignatureV4['presign']>[0];

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

export interface IncomingSignedRequest {
  method: string;
  /** The path exactly as sent, still percent-encoded. */
  rawPath: string;
  query: Record<string, string | string[]>;
  headers: IncomingHttpHeaders;
  /** The raw body, hashed when the client sent no x-amz-content-sha256. */
  body?: Buffer | string;
  /**
   * The header lines as sent (Node's `rawHeaders`: name, value, name, value…). `headers` keeps only
   * the first of repeated `Authorization` lines, so only these show that there were two.
   */
  rawHeaders?: readonly string[];
}

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

export interface AuthorizationFields {
  credential?: string;
  signedHeaders?: string;
  signature?: string;
}

/** The `Credential=`, `SignedHeaders=` and `Signature=` fields after `AWS4-HMAC-SHA256 `. */
export function authorizationFields(authorization: string): AuthorizationFields {
  const fields = new Map<string, string>();
  for (const part of authorization.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  return { credential: fields.get('Credential'), signedHeaders: fields.get('SignedHeaders'), signature: fields.get('Signature') };
}

/**
 * The `Authorization` header as AWS reads it when a request carries more than one: the values
 * joined with commas, as HTTP combines repeated fields (envoyproxy/envoy#23702: two SigV4 headers
 * sent to Lambda were refused as one, `'AWS4-HMAC-SHA256' not a valid key=value pair (missing
 * equal-sign) in Authorization header: '<first>,<second>'`). Undefined when there is at most one.
 * Node's `headers.authorization` is the first line alone: checked on its own, a request could
 * carry a second one that some other reader (a proxy, a log) takes for its identity.
 */
export function repeatedAuthorization(request: Pick<IncomingSignedRequest, 'rawHeaders'>): string | undefined {
  const values: string[] = [];
  const raw = request.rawHeaders ?? [];
  for (let index = 0; index + 1 < raw.length; index += 2) {
    if (raw[index]!.toLowerCase() === 'authorization') values.push(raw[index + 1]!);
  }
  return values.length > 1 ? values.join(',') : undefined;
}

/**
 * The IncompleteSignatureException message of AWS's front-ends for an Authorization header with a
 * part that is no `key=value` pair: after the algorithm, the header splits at commas and spaces,
 * and the first part without `=` is named.
 */
export function notKeyValueMessage(authorization: string): string {
  const parts = authorization.replace(/^\S+\s*/, '').split(/[\s,]+/).filter(Boolean);
  const culprit = parts.find((part) => !part.includes('=')) ?? authorization;
  return `'${culprit}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`;
}

/** `AKID/20260101/us-east-1/s3/aws4_request` → its parts, or undefined when malformed. */
export function parseCredentialScope(credential: string): CredentialScope | undefined {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1]!) || !parts[0]) return undefined;
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  return { accessKeyId, date, region, service };
}

/**
 * Whether the credential scope is dated the day of X-Amz-Date. The signer derives its key from
 * X-Amz-Date alone, so a scope dated another day would otherwise pass unnoticed.
 */
export function scopeDatedOn(scope: CredentialScope, amzDate: string): boolean {
  return scope.date === amzDate.slice(0, 8);
}

export function signedHeaderNames(list: string): string[] {
  return list
    .split(';')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
}

/** `20260101T000000Z` → Date, or undefined when malformed. */
export function parseAmzDate(text: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
}

export function sameSignature(expected: string, provided: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(provided);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function signerFor(scope: CredentialScope, secretAccessKey: string, uriEscapePath: boolean): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: scope.accessKeyId, secretAccessKey },
    region: scope.region,
    service: scope.service,
    // node's crypto, as the SDK signs in Node: half the time of a verification with the
    // JavaScript SHA-256 of `@aws-crypto/sha256-js`, which the main thread spends on every request.
    sha256: Hash.bind(null, 'sha256'),
    // S3 signs the path as sent; every other service double-encodes it.
    uriEscapePath,
    applyChecksum: false,
  });
}

/**
 * The request as the client signed it: only the headers it listed, with the given query. A
 * listed header the request does not carry is signed as empty, as the server reads it, so a list
 * edited after signing no longer matches (dropped, it would be the list the client signed).
 */
export function signableRequest(
  request: IncomingSignedRequest,
  signedNames: string[],
  query: Record<string, string | string[]>,
): SignableRequest {
  // No prototype: a listed `__proto__` assigned into a plain object would set its prototype and be
  // no header, so the list would be re-signed without it, as the client signed it before the edit.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of signedNames) {
    const value = Object.hasOwn(request.headers, name) ? request.headers[name] ?? '' : '';
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const contentSha256 = request.headers['x-amz-content-sha256'];
  if (typeof contentSha256 === 'string') headers['x-amz-content-sha256'] = contentSha256;
  const [hostname = '', port] = String(request.headers.host ?? '').split(':');
  return {
    method: request.method,
    protocol: 'http:',
    hostname,
    port: port ? Number(port) : undefined,
    path: request.rawPath,
    query,
    headers,
    body: request.body,
  };
}

/** The signature an `Authorization` header should carry for this request, scope and secret. */
export async function expectedHeaderSignature(
  request: IncomingSignedRequest,
  options: { scope: CredentialScope; secretAccessKey: string; signedNames: string[]; signingDate: Date; uriEscapePath: boolean },
): Promise<string> {
  const { scope, signedNames } = options;
  const signer = signerFor(scope, options.secretAccessKey, options.uriEscapePath);
  const signed = await signer.sign(signableRequest(request, signedNames, request.query), {
    signingDate: options.signingDate,
    signingRegion: scope.region,
    signingService: scope.service,
    signableHeaders: new Set(signedNames),
    unsignableHeaders: signedNames.includes('x-amz-content-sha256') ? undefined : new Set(['x-amz-content-sha256']),
  });
  return /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1] ?? '';
}
