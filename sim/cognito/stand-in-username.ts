// With PreventUserExistenceErrors, Cognito answers a sign-in for an unknown email with a stand-in
// username shaped like a real one (a UUID in pools where the email is the sign-in name; seen in
// aws/aws-sdk-go#3134), stable for the same email. Echoing the typed email instead would tell an
// attacker the account does not exist. Keyed with the pool's private key, so nobody outside can
// compute it and compare.
import { createHmac, type KeyObject } from 'node:crypto';
import type { PoolRuntime } from './cognito-context.js';

/**
 * The HMAC key of each signing key's stand-ins: its private exponent, exported once per key
 * rather than on every sign-in of an unknown email, work that a known email's sign-in does not do
 * (about 7 µs here: small, but the timing of the two should not differ by design).
 */
const standInSecrets = new WeakMap<KeyObject, string>();

function standInSecret(pool: PoolRuntime): string {
  const key = pool.signingKeys.id.privateKey;
  const known = standInSecrets.get(key);
  if (known !== undefined) return known;
  const secret = key.export({ format: 'jwk' }).d ?? pool.config.userPoolId;
  standInSecrets.set(key, secret);
  return secret;
}

export function standInUsername(pool: PoolRuntime, givenName: string): string {
  if (!pool.emailIsUsername) return givenName;
  const bytes = createHmac('sha256', standInSecret(pool)).update(`${pool.config.userPoolId}\0${givenName.toLowerCase()}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4 layout, like the usernames Cognito generates
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
