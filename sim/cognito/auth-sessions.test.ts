// The custom-auth `Session` strings: single use, dead at their expiry, and abandoned ones swept
// out at most every 30 seconds rather than on every sign-in.
import { describe, expect, it } from 'vitest';
import { cryptoRandom, ManualClock } from '../clock.js';
import { AuthSessionStore, type AuthSession } from './auth-sessions.js';

const SWEEP_AFTER_MS = 30_000;

const session = (expiresAt: number, username = 'user-1'): AuthSession => ({
  userPoolId: 'eu-west-1_Face12345',
  clientId: 'client',
  username,
  userNotFound: false,
  history: [],
  privateChallengeParameters: { answer: 'secret' },
  expiresAt,
});

describe('AuthSessionStore', () => {
  it('hands out unguessable 128-character strings, one per session', () => {
    const clock = new ManualClock();
    const store = new AuthSessionStore(clock, cryptoRandom);
    const ids = Array.from({ length: 20 }, () => store.open(session(clock.now() + 60_000)));
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9+/]{128}$/);
  });

  it('gives a session back once: the second use of the same string finds nothing', () => {
    const clock = new ManualClock();
    const store = new AuthSessionStore(clock, cryptoRandom);
    const opened = session(clock.now() + 60_000);
    const id = store.open(opened);
    expect(store.take(id)).toBe(opened);
    expect(store.take(id)).toBeUndefined();
    expect(store.take('never-issued')).toBeUndefined();
  });

  it('refuses a session from the millisecond it expires, and forgets it', () => {
    const clock = new ManualClock();
    const store = new AuthSessionStore(clock, cryptoRandom);
    const live = store.open(session(clock.now() + 1000));
    const dead = store.open(session(clock.now() + 1000));
    clock.advance(999);
    expect(store.take(live)).toBeDefined();
    clock.advance(1);
    expect(store.take(dead)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('tells a session past its expiry from one it never issued, used, swept or altered', () => {
    const clock = new ManualClock();
    const store = new AuthSessionStore(clock, cryptoRandom);
    const used = store.open(session(clock.now() + 1000));
    const swept = store.open(session(clock.now() + 1000));
    const kept = store.open(session(clock.now() + 1000));
    expect(store.take(used)).toBeDefined();
    expect([used, swept, kept].map((id) => store.hasExpired(id))).toEqual([false, false, false]);

    clock.advance(1000);
    clock.advance(SWEEP_AFTER_MS);
    store.open(session(clock.now() + 60_000)); // sweeps `swept` and `kept` away
    expect(store.size).toBe(1);
    expect([used, swept, kept].map((id) => store.hasExpired(id))).toEqual([true, true, true]);

    // Only the store's own strings: another store's, a changed byte (the expiry or the tag), a forgery.
    const other = new AuthSessionStore(clock, cryptoRandom);
    const othersExpired = other.open(session(clock.now() - 1));
    expect(other.hasExpired(othersExpired)).toBe(true);
    expect(store.hasExpired(othersExpired)).toBe(false);
    const bytes = Buffer.from(used, 'base64');
    for (const at of [0, 83, 95]) {
      const altered = Buffer.from(bytes);
      altered[at]! ^= 1;
      expect(store.hasExpired(altered.toString('base64')), `byte ${at}`).toBe(false);
    }
    expect(store.hasExpired('A'.repeat(128))).toBe(false);
    // Strings of other lengths, base64 or not, are none of its sessions (and throw nothing).
    for (const other of ['never-issued', 'AAAA', used.slice(0, -4), `${used}AAAA`]) expect(store.hasExpired(other), other).toBe(false);
  });

  it('sweeps expired sessions when one is opened 30 seconds or more after the last sweep, not sooner', () => {
    const clock = new ManualClock();
    const store = new AuthSessionStore(clock, cryptoRandom);
    store.open(session(clock.now() + 1000, 'abandoned')); // the first open sweeps (nothing yet)
    clock.advance(29_999);
    store.open(session(clock.now() + 60_000, 'second'));
    expect(store.size).toBe(2); // expired, but the last sweep was under 30 s ago

    clock.advance(1);
    store.open(session(clock.now() + 60_000, 'third'));
    expect(store.size).toBe(2); // 30 s after the first sweep: the abandoned one is gone, the live ones stay
  });

  it('sweeps a session that expires at the very moment of the sweep', () => {
    const clock = new ManualClock();
    const store = new AuthSessionStore(clock, cryptoRandom);
    store.open(session(clock.now() + 30_000));
    clock.advance(30_000);
    store.open(session(clock.now() + 60_000));
    expect(store.size).toBe(1);
  });

  it('sweeps again when the clock goes backwards, rather than never again', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = new AuthSessionStore(clock, cryptoRandom);
    store.open(session(clock.now() - 120_000 + 1000));
    clock.advance(-120_000);
    clock.advance(1000); // expired at this instant, and the clock is before the last sweep
    store.open(session(clock.now() + 60_000));
    expect(store.size).toBe(1);
  });
});
