import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sameDigest, sha256Hex } from '../../handlers/secret-hashing.js';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('secret hashing', () => {
  it('hashes as SHA-256 hex of the UTF-8 text', () => {
    expect(sha256Hex('enrol-secret-é')).toBe(digest('enrol-secret-é'));
  });

  it('compares two digests', () => {
    expect(sameDigest(digest('a'), digest('a'))).toBe(true);
    expect(sameDigest(digest('a'), digest('b'))).toBe(false);
  });

  it.each([
    ['a digest with a character appended', (hex: string) => `${hex}0`],
    ['a digest with a character prepended', (hex: string) => `x${hex}`],
    ['a digest in upper case', (hex: string) => hex.toUpperCase()],
    ['a truncated digest', (hex: string) => hex.slice(0, 62)],
    ['nothing', () => ''],
  ])('answers false, never throws, for %s on either side', (_, spoil) => {
    const hex = digest('secret');

    expect(sameDigest(spoil(hex), hex)).toBe(false);
    expect(sameDigest(hex, spoil(hex))).toBe(false);
  });
});
