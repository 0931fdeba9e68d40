// The `Session` strings of the custom auth flow: opaque, single use, and valid for the app
// client's auth session validity. Kept in memory only: a sign-in in progress does not survive a
// restart of the sim (it lasts 3 to 15 minutes anyway).
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

export class AuthSessionStore {
  private readonly sessions = new Map<string, AuthSession>();
  private lastSweep = 0;

  constructor(
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {}

  /** Returns the new `Session` string. */
  open(session: AuthSession): string {
    this.forgetExpired();
    // Real sessions are long base64 blobs; 96 random bytes give a similar look (128 characters).
    const id = this.random.bytes(96).toString('base64');
    this.sessions.set(id, session);
    return id;
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
