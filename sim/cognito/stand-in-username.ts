// With PreventUserExistenceErrors, Cognito answers a sign-in for an unknown email with a stand-in
// username shaped like a real one (a UUID in pools where the email is the sign-in name; seen in
// aws/aws-sdk-go#3134), stable for the same email. Echoing the typed email instead would tell an
// attacker the account does not exist. Keyed with the pool's private key, so nobody outside can
// compute it and compare.
import { createHmac } from 'node:crypto';
import type { PoolRuntime } from './cognito-context.js';

export function standInUsername(pool: PoolRuntime, givenName: string): string {
  if (!pool.emailIsUsername) return givenName;
  const secret = pool.signingKeys.id.privateKey.export({ format: 'jwk' }).d ?? pool.config.userPoolId;
  const bytes = createHmac('sha256', secret).update(`${pool.config.userPoolId}\0${givenName.toLowerCase()}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4 layout, like the usernames Cognito generates
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
