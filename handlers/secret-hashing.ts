// Secrets and codes are stored and compared as SHA-256 digests, in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

export function sha256Hex(text: string): string {
  // Stryker disable next-line StringLiteral: an empty encoding falls back to UTF-8, the one named here
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Constant-time equality of two hex digests; false for anything that is not one. */
export function sameDigest(a: string, b: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(a) || !/^[0-9a-f]{64}$/.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}
