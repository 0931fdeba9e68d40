// A pool's signing keys made ahead of the service (prepareSigningKeys, off the event loop at
// start-up) are the ones the service then loads and publishes; existing keys are never replaced.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKeys, prepareSigningKeys, SIGNING_KEYS_FILE } from '../../sim/cognito/signing-keys.js';

const folders: string[] = [];
const newFolder = () => {
  const folder = mkdtempSync(join(tmpdir(), 'facekit-keys-'));
  folders.push(folder);
  return join(folder, 'cognito', 'us-east-1_pool');
};
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

describe('prepareSigningKeys', () => {
  it('writes two distinct RSA 2048 keys, readable only by the owner, that the service then loads', async () => {
    const directory = newFolder();
    await prepareSigningKeys(directory);
    const file = join(directory, SIGNING_KEYS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const keys = loadOrCreateSigningKeys(directory);
    expect(keys.id.kid).not.toBe(keys.access.kid);
    for (const key of [keys.id, keys.access]) {
      expect(key.privateKey.asymmetricKeyType).toBe('rsa');
      expect(key.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(key.publicJwk).toMatchObject({ alg: 'RS256', kty: 'RSA', use: 'sig' });
    }
    // Loading again gives the same keys: the file is the pool's keys from then on.
    expect(loadOrCreateSigningKeys(directory).id.kid).toBe(keys.id.kid);
  });

  it('leaves keys a pool already has alone', async () => {
    const directory = newFolder();
    const existing = loadOrCreateSigningKeys(directory);
    const before = readFileSync(join(directory, SIGNING_KEYS_FILE), 'utf8');

    await prepareSigningKeys(directory);

    expect(readFileSync(join(directory, SIGNING_KEYS_FILE), 'utf8')).toBe(before);
    expect(loadOrCreateSigningKeys(directory).access.kid).toBe(existing.access.kid);
  });
});
