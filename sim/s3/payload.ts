// What a PUT body really is: recent SDKs send `Content-Encoding: aws-chunked` bodies (data in
// `<hex size>[;chunk-signature=..]\r\n<data>\r\n` chunks, then trailing headers such as
// `x-amz-checksum-crc32:<base64>`). Also the integrity checks S3 runs on the decoded data.
import { createHash, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { S3Error } from './s3-errors.js';

const CRLF = Buffer.from('\r\n');

const incompleteBody = () => new S3Error('IncompleteBody', 'The request body terminated unexpectedly', 400);

export function isAwsChunked(headers: Record<string, string | string[] | undefined>): boolean {
  const encoding = String(headers['content-encoding'] ?? '');
  const contentSha256 = String(headers['x-amz-content-sha256'] ?? '');
  return encoding.split(',').some((part) => part.trim() === 'aws-chunked') || contentSha256.startsWith('STREAMING-');
}

/** Decodes an aws-chunked body. Chunk signatures are not checked (see docs/s3.md). */
export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf(CRLF, offset);
    if (lineEnd < 0) throw incompleteBody();
    const sizeText = body.subarray(offset, lineEnd).toString('latin1').split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new S3Error('InvalidChunkSizeError', 'Only the last chunk is allowed to have a size less than 8192 bytes', 400);
    const size = parseInt(sizeText, 16);
    offset = lineEnd + 2;
    if (size === 0) break;
    if (offset + size > body.length) throw incompleteBody();
    chunks.push(body.subarray(offset, offset + size));
    offset += size;
    if (!body.subarray(offset, offset + 2).equals(CRLF)) throw incompleteBody();
    offset += 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.subarray(offset).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(chunks), trailers };
}

export const FLEXIBLE_CHECKSUMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;

/**
 * The trailing headers S3 takes in `x-amz-trailer`: one flexible checksum, of the algorithms its
 * API model lists (botocore's and @aws-sdk/client-s3's ChecksumAlgorithm: CRC32, CRC32C,
 * CRC64NVME, MD5, SHA1, SHA256, SHA512, XXHASH3, XXHASH64, XXHASH128). Those beyond
 * FLEXIBLE_CHECKSUMS are accepted but neither verified nor stored here.
 */
const TRAILER_CHECKSUMS = new Set([...FLEXIBLE_CHECKSUMS, 'md5', 'sha512', 'xxhash3', 'xxhash64', 'xxhash128'].map((algorithm) => `x-amz-checksum-${algorithm}`));

/** The signature of a signed trailer (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER), not a trailer S3 stores. */
const TRAILER_SIGNATURE = 'x-amz-trailer-signature';

const malformedTrailer = () => new S3Error('MalformedTrailerError',
  'The request contained trailing data that was not well-formed or did not conform to our published schema.', 400);

/**
 * `x-amz-trailer` must name one checksum header S3 knows: anything else (`x-amz-checksum-md4`,
 * `x-amz-meta-owner`, two names) is a 400 `InvalidRequest`, as S3 answers it. Returns the name,
 * lower-cased, or undefined when the header is absent.
 */
export function declaredTrailer(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers['x-amz-trailer'];
  if (value === undefined) return undefined;
  const name = String(value).trim().toLowerCase();
  if (!TRAILER_CHECKSUMS.has(name)) {
    throw new S3Error('InvalidRequest', 'The value specified in the x-amz-trailer header is not supported', 400);
  }
  return name;
}

/**
 * The trailers an aws-chunked body ended with must be the one `x-amz-trailer` declared: a trailer
 * missing, another one, or one sent without the header is a 400 `MalformedTrailerError`. Otherwise
 * an undeclared `x-amz-checksum-*` line would be taken as the object's checksum.
 */
export function checkTrailers(declared: string | undefined, trailers: Record<string, string>): void {
  const sent = Object.keys(trailers).filter((name) => name !== TRAILER_SIGNATURE);
  if (declared === undefined ? sent.length > 0 : sent.length !== 1 || sent[0] !== declared) throw malformedTrailer();
}

/** Base64 digest for the checksums Node can compute; undefined for the CRCs it cannot. */
export function computeChecksum(algorithm: string, data: Buffer): string | undefined {
  switch (algorithm) {
    case 'crc32': {
      const digest = Buffer.alloc(4);
      digest.writeUInt32BE(crc32(data) >>> 0);
      return digest.toString('base64');
    }
    case 'sha1':
    case 'sha256':
      return createHash(algorithm).update(data).digest('base64');
    default:
      return undefined;
  }
}

/**
 * Finds the flexible checksum sent in a header or trailer, verifies it when Node can compute it
 * (crc32, sha1, sha256), and returns it to be stored. S3 answers a mismatch with BadDigest.
 */
export function verifyFlexibleChecksum(
  data: Buffer,
  sources: Array<Record<string, string | string[] | undefined>>,
): { algorithm: string; value: string } | undefined {
  for (const algorithm of FLEXIBLE_CHECKSUMS) {
    for (const source of sources) {
      const value = source[`x-amz-checksum-${algorithm}`];
      if (typeof value !== 'string') continue;
      const computed = computeChecksum(algorithm, data);
      if (computed !== undefined && computed !== value) {
        throw new S3Error('BadDigest', `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`, 400);
      }
      return { algorithm, value };
    }
  }
  return undefined;
}

export function verifyContentMd5(data: Buffer, contentMd5: string | undefined): void {
  if (contentMd5 === undefined) return;
  const provided = Buffer.from(contentMd5, 'base64');
  if (provided.length !== 16) throw new S3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400);
  if (!timingSafeEqual(provided, createHash('md5').update(data).digest())) {
    throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
  }
}

/** `x-amz-content-sha256` may be a hex digest of the payload, which S3 checks. */
export function verifyContentSha256(data: Buffer, contentSha256: string | undefined): void {
  if (!contentSha256 || !/^[0-9a-f]{64}$/.test(contentSha256)) return;
  if (createHash('sha256').update(data).digest('hex') !== contentSha256) {
    throw new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
  }
}
