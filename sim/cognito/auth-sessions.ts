// The `Session` strings of the custom auth flow: opaque, single use, and valid for the app
// client's auth session validity. Kept in memory only: a sign-in in progress does not survive a
// restart of the sim (it lasts 3 to 15 minutes anyway).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock, RandomSource } from '../clock.js';

export interface ChallengeHistoryEntry {
  challengeName: 'CUSTOM_CHALLENGE';
  challengeResult: boolean;
  challengeMetadata?: string;
}

export interface AuthSession {
  userPoolId: string;
  clientId: string;
  /** The user's username, or the name the caller typed when the user does not exist. */
  username: string;
  userNotFound: boolean;
  history: ChallengeHistoryEntry[];
  /** What CreateAuthChallenge produced for the challenge now awaiting an answer. */
  privateChallengeParameters: Record<string, string>;
  challengeMetadata?: string;
  expiresAt: number;
}

/** How often abandoned sessions are swept out, rather than scanning them all on every sign-in. */
const SWEEP_INTERVAL_MS = 30_000;

/**
 * A `Session` string is 96 bytes in base64 (128 characters, the look of Cognito's long blobs):
 * random bytes, then the session's expiry (ms, 6 bytes) and a tag over both, so that an expired
 * session is told from an unknown one after it has been swept away, as Cognito tells them apart
 * (its sessions carry their expiry): "Invalid session for the user, session is expired."
 */
const RANDOM_BYTES = 82;
const EXPIRY_BYTES = 6;
const TAG_BYTES = 8;

export class AuthSessionStore {
  private readonly sessions = new Map<string, AuthSession>();
  private lastSweep = 0;
  private readonly tagKey: Buffer;

  constructor(
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {
    this.tagKey = random.bytes(32);
  }

  /** Returns the new `Session` string. */
  open(session: AuthSession): string {
    this.forgetExpired();
    const body = Buffer.concat([this.random.bytes(RANDOM_BYTES), Buffer.alloc(EXPIRY_BYTES)]);
    body.writeUIntBE(Math.max(0, Math.floor(session.expiresAt)), RANDOM_BYTES, EXPIRY_BYTES);
    const id = Buffer.concat([body, this.tagOf(body)]).toString('base64');
    this.sessions.set(id, session);
    return id;
  }

  /**
   * Whether `id` is a session this store issued whose time is up, whether or not it is still kept
   * (used, swept or not). A string it did not issue, or altered, is not: its tag does not match.
   */
  hasExpired(id: string): boolean {
    const bytes = Buffer.from(id, 'base64');
    // Before the tag's comparison, which throws on a tag of another length.
    if (bytes.length !== RANDOM_BYTES + EXPIRY_BYTES + TAG_BYTES) return false;
    const body = bytes.subarray(0, RANDOM_BYTES + EXPIRY_BYTES);
    if (!timingSafeEqual(bytes.subarray(RANDOM_BYTES + EXPIRY_BYTES), this.tagOf(body))) return false;
    return body.readUIntBE(RANDOM_BYTES, EXPIRY_BYTES) <= this.clock.now();
  }

  private tagOf(body: Buffer): Buffer {
    return createHmac('sha256', this.tagKey).update(body).digest().subarray(0, TAG_BYTES);
  }

  /** Removes and returns the session: a second use of the same string finds nothing. */
  take(id: string): AuthSession | undefined {
    const session = this.sessions.get(id);
    this.sessions.delete(id);
    if (!session || session.expiresAt <= this.clock.now()) return undefined;
    return session;
  }

  /** How many sessions are open (including expired ones not swept yet). */
  get size(): number {
    return this.sessions.size;
  }

  private forgetExpired(): void {
    const now = this.clock.now();
    if (now - this.lastSweep < SWEEP_INTERVAL_MS && now >= this.lastSweep) return;
    this.lastSweep = now;
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }
}
