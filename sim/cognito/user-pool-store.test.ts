// The pool store's log: every change survives a new store on the same folder, the file grows by
// the change only, and compaction (at open and in the background) keeps exactly the live records.
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { hashToken, UserPoolStore, type StoredRefreshToken, type StoredUser } from './user-pool-store.js';
import { scratchFolders } from '../../test/scratch-folders.js';

const folder = scratchFolders('facekit-store-');

function user(username: string, email: string, createdAt = 1): StoredUser {
  return { username, attributes: { sub: username, email }, status: 'CONFIRMED', enabled: true, createdAt, updatedAt: createdAt };
}

const DAY = 24 * 60 * 60_000;

function token(username: string, originJti: string, expiresAt: number): StoredRefreshToken {
  return { tokenHash: hashToken(originJti), clientId: 'client', username, originJti, authTime: 1, expiresAt, revoked: false };
}

describe('UserPoolStore', () => {
  it('finds users by username and by email, case-insensitively, after a reopen', async () => {
    const directory = folder();
    const store = new UserPoolStore(directory);
    store.putUser(user('u1', 'Alice@Example.com'));
    store.putUser(user('u2', 'bob@example.com'));
    const renamed = store.getUser('u2')!;
    renamed.attributes.email = 'robert@example.com';
    store.putUser(renamed);
    store.deleteUser('u1');
    await store.close();

    const reopened = new UserPoolStore(directory);
    expect(reopened.findUser('u2')?.attributes.email).toBe('robert@example.com');
    expect(reopened.findUser('ROBERT@example.com')?.username).toBe('u2');
    expect(reopened.findUser('bob@example.com')).toBeUndefined();
    expect(reopened.findUser('alice@example.com')).toBeUndefined();
    await reopened.close();
  });

  it('finds a username in any case only in a pool whose usernames match in any case, after a reopen and a delete', async () => {
    const directory = folder();
    const store = new UserPoolStore(directory, { caseInsensitiveUsernames: true });
    store.putUser(user('Carol-1', 'carol@example.com'));
    store.putUser(user('dave', 'dave@example.com'));
    await store.close();

    const reopened = new UserPoolStore(directory, { caseInsensitiveUsernames: true });
    expect(reopened.findUser('CAROL-1')?.username).toBe('Carol-1');
    expect(reopened.userNamed('carol-1')?.username).toBe('Carol-1');
    expect(reopened.userNamed('DAVE')?.username).toBe('dave');
    reopened.deleteUser('dave');
    expect(reopened.userNamed('DAVE')).toBeUndefined();
    await reopened.close();

    const caseSensitive = new UserPoolStore(directory);
    expect(caseSensitive.userNamed('carol-1')).toBeUndefined();
    expect(caseSensitive.findUser('CAROL-1')).toBeUndefined();
    expect(caseSensitive.userNamed('Carol-1')?.username).toBe('Carol-1');
    await caseSensitive.close();
  });

  it('grows the log by one line per change, not by the pool', async () => {
    const directory = folder();
    const store = new UserPoolStore(directory);
    for (let index = 0; index < 200; index++) store.putUser(user(`u${index}`, `u${index}@example.com`));
    const file = join(directory, 'state.jsonl');
    const before = statSync(file).size;
    store.putUser(user('one-more', 'one-more@example.com'));
    const grown = statSync(file).size - before;
    expect(grown).toBe(`${JSON.stringify({ user: user('one-more', 'one-more@example.com') })}\n`.length);
    await store.close();
  });

  it('keeps revocations and drops expired tokens and the tokens of deleted users', async () => {
    const directory = folder();
    const clock = new ManualClock(1_000_000);
    const store = new UserPoolStore(directory, { clock });
    store.putUser(user('u1', 'a@example.com'));
    store.putUser(user('u2', 'b@example.com'));
    store.addRefreshToken(token('u1', 'kept', 5_000_000));
    store.addRefreshToken(token('u1', 'revoked', 5_000_000));
    store.addRefreshToken(token('u1', 'expiring', 2_000_000));
    // Expired, but an access token minted from it just before may last a day more.
    store.addRefreshToken(token('u1', 'just-expired', 2_000_000 + DAY));
    store.addRefreshToken(token('u2', 'of-deleted-user', 5_000_000));
    store.revokeFamily('revoked');
    store.deleteUser('u2');
    await store.close();

    clock.advance(1_500_000 + DAY);
    const reopened = new UserPoolStore(directory, { clock });
    expect(reopened.findTokenFamily('just-expired')).toBeDefined();
    expect(reopened.findTokenFamily('kept')?.revoked).toBe(false);
    expect(reopened.findTokenFamily('revoked')?.revoked).toBe(true);
    expect(reopened.findTokenFamily('expiring')).toBeUndefined();
    expect(reopened.findTokenFamily('of-deleted-user')).toBeUndefined();
    reopened.revokeAllOfUser('u1');
    expect(reopened.findRefreshToken('kept')?.revoked).toBe(true);
    await reopened.close();
    const lines = readFileSync(join(directory, 'state.jsonl'), 'utf8').trim().split('\n');
    // Compacted at open: one user, three tokens; then one line for the revocation of `kept` (and
    // of `just-expired`).
    expect(lines).toHaveLength(6);
  });

  it('opens a large log that is compact enough without rewriting it: the rewrite was most of a large pool\'s opening', async () => {
    // Prepare: over 1 MiB of live refresh tokens, and a revocation (a line no longer live)
    const directory = folder();
    const store = new UserPoolStore(directory);
    store.putUser(user('u1', 'a@example.com'));
    for (let index = 0; index < 6_000; index++) store.addRefreshToken(token('u1', `family-${index}`, Date.now() + DAY));
    store.revokeFamily('family-0');
    await store.close();
    const file = join(directory, 'state.jsonl');
    const before = statSync(file);

    // Act
    const reopened = new UserPoolStore(directory);
    reopened.revokeFamily('family-1');
    const revocation = `${JSON.stringify({ token: reopened.findTokenFamily('family-1') })}\n`;
    await reopened.close();

    // Assess: the same file, grown by the one change
    const after = statSync(file);
    expect(before.size).toBeGreaterThan(1024 * 1024);
    expect(after.ino).toBe(before.ino);
    expect(after.size - before.size).toBe(revocation.length);
    const third = new UserPoolStore(directory);
    expect(third.findTokenFamily('family-0')?.revoked).toBe(true);
    expect(third.findTokenFamily('family-1')?.revoked).toBe(true);
    expect(third.findTokenFamily('family-5999')?.revoked).toBe(false);
    await third.close();
  });

  it('ignores a last line cut short by a crash', async () => {
    const directory = folder();
    const store = new UserPoolStore(directory);
    store.putUser(user('u1', 'a@example.com'));
    await store.close();
    appendFileSync(join(directory, 'state.jsonl'), '{"user":{"username":"half');
    const reopened = new UserPoolStore(directory);
    expect(reopened.listUsers().map(({ username }) => username)).toEqual(['u1']);
    await reopened.close();
  });

  it('reads the whole-file state.json of earlier versions once, then keeps a log', async () => {
    const directory = folder();
    writeFileSync(join(directory, 'state.json'), JSON.stringify({ users: [user('old', 'old@example.com')], refreshTokens: [] }));
    const store = new UserPoolStore(directory);
    expect(store.findUser('old@example.com')?.username).toBe('old');
    await store.close();
    expect(readFileSync(join(directory, 'state.jsonl'), 'utf8')).toContain('"old"');
    expect(() => statSync(join(directory, 'state.json'))).toThrow();
  });

  it('compacts a log grown past its live size in the background, keeping every change', async () => {
    const directory = folder();
    const store = new UserPoolStore(directory, { compactionRatio: 2 });
    const big = 'x'.repeat(2000);
    // The same 50 users rewritten until the log passes 1 MiB, many times their live size.
    for (let round = 0; round < 12; round++) {
      for (let index = 0; index < 50; index++) store.putUser({ ...user(`u${index}`, `u${index}@example.com`), attributes: { sub: `u${index}`, email: `u${index}@example.com`, 'custom:note': `${round}${big}` } });
    }
    for (let wait = 0; wait < 100 && statSync(join(directory, 'state.jsonl')).size > 1024 * 1024; wait++) {
      await new Promise((tick) => setTimeout(tick, 10));
    }
    store.putUser(user('late', 'late@example.com'));
    await store.close();
    expect(statSync(join(directory, 'state.jsonl')).size).toBeLessThan(1024 * 1024);
    const reopened = new UserPoolStore(directory);
    expect(reopened.listUsers()).toHaveLength(51);
    expect(reopened.getUser('u7')?.attributes['custom:note']?.startsWith('11')).toBe(true);
    await reopened.close();
  });
});
