import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { PoolRuntime } from './cognito-context.js';
import { loadOrCreateSigningKeys, type SigningKeys } from './signing-keys.js';
import { standInUsername } from './stand-in-username.js';

const POOL_ID = 'eu-west-1_Abcdefgh1';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function poolWith(signingKeys: SigningKeys, emailIsUsername = true): PoolRuntime {
  return { config: { userPoolId: POOL_ID }, signingKeys, emailIsUsername } as unknown as PoolRuntime;
}

/** What someone who knows the pool id and the email could compute, keyed with `guess`. */
function standInUnderKey(guess: string, givenName: string): string {
  const bytes = createHmac('sha256', guess).update(`${POOL_ID}\0${givenName.toLowerCase()}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe('the stand-in username of an unknown email', () => {
  const keys = loadOrCreateSigningKeys();
  const otherKeys = loadOrCreateSigningKeys();

  it('depends on the pool’s private key: the same pool id with another key gives another stand-in', () => {
    const standIn = standInUsername(poolWith(keys), 'ghost@example.com');

    expect(standInUsername(poolWith(otherKeys), 'ghost@example.com')).not.toBe(standIn);
  });

  it('cannot be computed from what an outsider knows (pool id, email, an empty key)', () => {
    const standIn = standInUsername(poolWith(keys), 'ghost@example.com');

    for (const guess of ['', POOL_ID, 'ghost@example.com']) expect(standIn).not.toBe(standInUnderKey(guess, 'ghost@example.com'));
  });

  it('is shaped like a generated username, stable whatever the case of the email, and differs per email', () => {
    const pool = poolWith(keys);
    const standIn = standInUsername(pool, 'ghost@example.com');

    expect(standIn).toMatch(UUID_V4);
    expect(standInUsername(pool, 'GHOST@Example.com')).toBe(standIn);
    expect(standInUsername(pool, 'wraith@example.com')).not.toBe(standIn);
  });

  it('is its own stand-in, as a generated username names its own user; other names, however close, are mapped', () => {
    const pool = poolWith(keys);
    const standIn = standInUsername(pool, 'ghost@example.com');

    expect(standInUsername(pool, standIn)).toBe(standIn);
    for (const near of [standIn.toUpperCase(), ` ${standIn}`, `${standIn}0`, `x${standIn}`, standIn.replace(/^(.{14})4/, '$11'), standIn.replace(/^(.{19})./, '$1c')]) {
      expect(standInUsername(pool, near), near).toMatch(UUID_V4);
      expect(standInUsername(pool, near), near).not.toBe(near);
      expect(standInUsername(pool, near), near).toBe(standInUnderKey(keys.id.privateKey.export({ format: 'jwk' }).d!, near));
    }
  });

  it('exports the private key once per key, not on every sign-in of an unknown email', () => {
    const freshKeys = loadOrCreateSigningKeys();
    const exported = vi.spyOn(freshKeys.id.privateKey, 'export');
    const first = standInUsername(poolWith(freshKeys), 'ghost@example.com');

    expect(standInUsername(poolWith(freshKeys), 'ghost@example.com')).toBe(first);
    expect(standInUsername(poolWith(freshKeys), 'wraith@example.com')).not.toBe(first);
    expect(exported).toHaveBeenCalledTimes(1);
    expect(first).toBe(standInUnderKey(freshKeys.id.privateKey.export({ format: 'jwk' }).d!, 'ghost@example.com'));
  });

  it('is the name as typed in a pool where users pick their username', () => {
    expect(standInUsername(poolWith(keys, false), 'Ghost')).toBe('Ghost');
  });
});
