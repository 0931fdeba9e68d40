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

/** The shape of the usernames this pool generates (`context.random.uuid()`: lower-case, version 4). */
const GENERATED_USERNAME = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function standInUsername(pool: PoolRuntime, givenName: string): string {
  if (!pool.emailIsUsername) return givenName;
  // A user's USERNAME given back names that same user, so a stand-in given back must name itself:
  // were it mapped again, two InitiateAuth calls would tell an unknown email from a known one.
  // Only names a lookup by username could find are kept (the exact generated shape).
  if (GENERATED_USERNAME.test(givenName)) return givenName;
  const bytes = createHmac('sha256', standInSecret(pool)).update(`${pool.config.userPoolId}\0${givenName.toLowerCase()}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4 layout, like the usernames Cognito generates
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
