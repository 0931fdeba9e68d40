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

/** Base64 digest for the checksums Node can compute; undefined for the CRCs it cannot. */
function computeChecksum(algorithm: string, data: Buffer): string | undefined {
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
