// A pool's RS256 key pairs: one for ID tokens and one for access tokens, as Cognito signs each
// token type with its own key (two `kid`s in the pool's JWKS), so a verifier that looks a key up
// by `kid` can never take one type's key for the other. Kept in
// `<dataDir>/cognito/<poolId>/signing-keys.json` so tokens issued before a restart still verify
// after it; a new data folder (`npm start -- --reset`) means new keys. Synchronous, so the service
// can be built without awaiting.
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { isJsonObject, readJsonFile } from '../damaged-data.js';

export type TokenUse = 'id' | 'access';
export const TOKEN_USES: readonly TokenUse[] = ['id', 'access'];

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public JWK as served in the JWKS: `alg`, `e`, `kid`, `kty`, `n`, `use`. */
  publicJwk: JWK;
}

export type SigningKeys = Record<TokenUse, SigningKey>;

export const SIGNING_KEYS_FILE = 'signing-keys.json';

function signingKeyOf(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const { e, n } = publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint: a stable kid derived from the key itself, in standard base64 as Cognito's
  // kids are (44 characters ending in `=`, often with a `/` or `+`, which verifiers must look up as given).
  const kid = createHash('sha256').update(JSON.stringify({ e, kty: 'RSA', n })).digest('base64');
  return { kid, privateKey, publicKey, publicJwk: { alg: 'RS256', e, kid, kty: 'RSA', n, use: 'sig' } };
}

const newPrivateKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const generateRsaKeyPair = promisify(generateKeyPair);

const storedFormOf = (keys: Record<TokenUse, KeyObject>) => JSON.stringify({ id: keys.id.export({ format: 'jwk' }), access: keys.access.export({ format: 'jwk' }) });

/**
 * Creates the pool's keys file in `directory` when absent, generating both keys at once off the
 * event loop (node's thread pool), so that a first start does not wait for two RSA keys one
 * after the other on the main thread; loadOrCreateSigningKeys then reads them. Same keys as it
 * would make: RSA 2048 for RS256.
 */
export async function prepareSigningKeys(directory: string): Promise<void> {
  const file = join(directory, SIGNING_KEYS_FILE);
  if (existsSync(file)) return;
  const [id, access] = await Promise.all(TOKEN_USES.map(() => generateRsaKeyPair('rsa', { modulusLength: 2048 })));
  if (existsSync(file)) return;
  mkdirSync(directory, { recursive: true });
  // Written aside and renamed: a reader never finds half a file.
  const aside = `${file}.${process.pid}`;
  writeFileSync(aside, storedFormOf({ id: id!.privateKey, access: access!.privateKey }), { mode: 0o600 });
  renameSync(aside, file);
}

function isStoredKeys(value: unknown): value is Record<TokenUse, JsonWebKey> {
  return isJsonObject(value) && TOKEN_USES.every((use) => isJsonObject(value[use]));
}

/**
 * The pool's keys from `directory`, created there when absent (in memory without a directory).
 * A folder from before keys were split per token type (`signing-key.json`) gets new keys: tokens
 * signed with the old one stop verifying, as after any key rotation; refresh tokens still work.
 * A damaged keys file stops the start: new keys would silently end every session issued before.
 */
export function loadOrCreateSigningKeys(directory?: string): SigningKeys {
  const file = directory ? join(directory, SIGNING_KEYS_FILE) : undefined;
  const stored = file ? readJsonFile('the Cognito data', file, isStoredKeys) : undefined;
  if (stored) {
    return {
      id: signingKeyOf(createPrivateKey({ key: stored.id, format: 'jwk' })),
      access: signingKeyOf(createPrivateKey({ key: stored.access, format: 'jwk' })),
    };
  }
  const keys: SigningKeys = { id: signingKeyOf(newPrivateKey()), access: signingKeyOf(newPrivateKey()) };
  if (file && directory) {
    mkdirSync(directory, { recursive: true });
    writeFileSync(file, storedFormOf({ id: keys.id.privateKey, access: keys.access.privateKey }), { mode: 0o600 });
  }
  return keys;
}

/** The pool's JWKS document: both public keys, ID key first. */
export function jwksOf(keys: SigningKeys): { keys: JWK[] } {
  return { keys: TOKEN_USES.map((use) => keys[use].publicJwk) };
}
