// One RS256 key pair per pool, kept in `<dataDir>/cognito/<poolId>/signing-key.json` so tokens
// issued before a restart still verify after it. Synchronous, so the service can be built without
// awaiting.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public JWK as served in the JWKS: `alg`, `e`, `kid`, `kty`, `n`, `use`. */
  publicJwk: JWK;
}

export function loadOrCreateSigningKey(directory?: string): SigningKey {
  const file = directory ? join(directory, 'signing-key.json') : undefined;
  let privateKey: KeyObject;
  if (file && existsSync(file)) {
    privateKey = createPrivateKey({ key: JSON.parse(readFileSync(file, 'utf8')), format: 'jwk' });
  } else {
    privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    if (file && directory) {
      mkdirSync(directory, { recursive: true });
      writeFileSync(file, JSON.stringify(privateKey.export({ format: 'jwk' })), { mode: 0o600 });
    }
  }
  const publicKey = createPublicKey(privateKey);
  const { e, n } = publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint: a stable kid derived from the key itself.
  const kid = createHash('sha256').update(JSON.stringify({ e, kty: 'RSA', n })).digest('base64url');
  return { kid, privateKey, publicKey, publicJwk: { alg: 'RS256', e, kid, kty: 'RSA', n, use: 'sig' } };
}
