// Users, confirmation codes and refresh tokens of one pool. Kept in memory (with indexes, so a
// lookup by email, token family or user never scans the pool) and, with a data folder, in an
// append-only log `<dataDir>/cognito/<poolId>/state.jsonl`: one JSON line per change, so a write
// costs the size of the change, not of the pool. See docs/cognito.md ("State on disk").
//
// Durability: each change is written to the file (one write(2), a few microseconds) before the
// operation answers, so a killed process (SIGKILL, crash) loses nothing it acknowledged; the
// kernel has the bytes. The file is flushed to the disk (fdatasync, off the event loop) at most a
// second later, so an OS crash or power cut may lose that last second, as the earlier whole-file
// rewrite (no fsync either) could. The log is compacted to one line per live record when it
// opens, unless it is compact enough already, and in the background when it has grown to several
// times the live size.
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { isJsonObject, readDataFile, readJsonFile } from '../damaged-data.js';
import { appendWholeSync, parseJsonLines, writeWholeSync } from '../json-lines.js';

export type UserStatus = 'UNCONFIRMED' | 'CONFIRMED';

export interface StoredUser {
  username: string;
  /** Attribute name to value; always holds `sub`. */
  attributes: Record<string, string>;
  status: UserStatus;
  enabled: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  confirmationCode?: { code: string; expiresAt: number };
}

/** A refresh token is stored only as its SHA-256; `originJti` ties it to the tokens minted from it. */
export interface StoredRefreshToken {
  tokenHash: string;
  clientId: string;
  username: string;
  originJti: string;
  /** Epoch seconds of the sign-in that started this family (the tokens' `auth_time`). */
  authTime: number;
  expiresAt: number;
  revoked: boolean;
}

/** One line of the log. */
type LogRecord =
  | { user: StoredUser }
  | { deleteUser: string }
  | { token: StoredRefreshToken }
  | { deleteToken: string };

export interface UserPoolStoreOptions {
  /** Decides which refresh tokens have expired. */
  clock?: Clock;
  /** Compact when the log is this many times the size of the live records (and over 1 MiB). Default 4. */
  compactionRatio?: number;
  /** Usernames match in any case (`UsernameConfiguration.CaseSensitive: false`, CDK's `signInCaseSensitive: false`). */
  caseInsensitiveUsernames?: boolean;
}

const LOG_FILE = 'state.jsonl';
const WHAT = 'the Cognito data';
/** The whole-file format this store replaced; read once and turned into a log. */
const LEGACY_FILE = 'state.json';
const MIN_COMPACTION_BYTES = 1024 * 1024;
const FLUSH_DELAY_MS = 1000;
const EXPIRED_SWEEP_INTERVAL_MS = 10 * 60_000;
/**
 * How long a token family outlives its refresh token: an access token minted from it just before
 * it expired lasts up to a day more (Cognito's longest access and ID token validity) and is
 * checked against its family, which must still be there to say whether it was revoked.
 */
const FAMILY_OUTLIVES_REFRESH_TOKEN_MS = 24 * 60 * 60_000;

function isLegacyState(value: unknown): value is { users: StoredUser[]; refreshTokens: StoredRefreshToken[] } {
  return isJsonObject(value) && Array.isArray(value.users) && Array.isArray(value.refreshTokens);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The order users are listed in (ListUsers pages by it): creation time, then username. */
export function compareUsers(one: Pick<StoredUser, 'createdAt' | 'username'>, other: Pick<StoredUser, 'createdAt' | 'username'>): number {
  return one.createdAt - other.createdAt || one.username.localeCompare(other.username);
}

export class UserPoolStore {
  private readonly users = new Map<string, StoredUser>();
  /** Lower-cased email → username (email-alias lookups). */
  private readonly usernameByEmail = new Map<string, string>();
  /** Usernames by their lower case, in a pool whose usernames match in any case. */
  private readonly usernameByFolded?: Map<string, string>;
  /** username → the email key it is indexed under, to drop the old one when it changes. */
  private readonly emailOfUser = new Map<string, string>();
  private readonly refreshTokens = new Map<string, StoredRefreshToken>();
  private readonly tokenByOriginJti = new Map<string, string>();
  private readonly tokensOfUser = new Map<string, Set<string>>();

  private readonly clock: Clock;
  private readonly compactionRatio: number;
  private readonly file?: string;
  private fd?: number;
  /** Bytes in the log file now. */
  private logBytes = 0;
  /** Bytes the live records took at the last compaction (a rough live size). */
  private liveBytes = 0;
  private flushTimer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** Lines written while a background compaction runs; they go to the new file too. */
  private compactionBacklog?: string[];
  private compaction?: Promise<void>;
  private lastExpirySweep = 0;
  /**
   * The first change the log could not take (a full disk). Operations change a user in memory
   * before they store it, so from then on memory holds a change the log does not: nothing more is
   * written, and the service refuses every request until a restart reads the log afresh.
   */
  private writeFailure?: Error;

  constructor(directory?: string, options: UserPoolStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.compactionRatio = options.compactionRatio ?? 4;
    if (options.caseInsensitiveUsernames) this.usernameByFolded = new Map();
    if (!directory) return;
    mkdirSync(directory, { recursive: true });
    this.file = join(directory, LOG_FILE);
    rmSync(`${this.file}.compacting`, { force: true });
    const legacy = join(directory, LEGACY_FILE);
    let log: { lines: number; bytes: number; torn: boolean } | undefined;
    const text = readDataFile(WHAT, this.file);
    if (text) log = { ...this.replay(this.file, text.toString('utf8')), bytes: text.length };
    else if (existsSync(legacy)) {
      const state = readJsonFile(WHAT, legacy, isLegacyState)!;
      for (const user of state.users) this.indexUser(user);
      for (const token of state.refreshTokens) this.indexToken(token);
    }
    this.forgetExpiredTokens();
    const live = this.users.size + this.refreshTokens.size;
    // Start from a compact file, one line per live record, before the server answers anything.
    // A log that is compact enough is kept as it is: rewriting it is most of the time a large pool
    // takes to open (300,000 refresh tokens, 89 MB: 3.9 s to open, 2.2 s of it the rewrite). A
    // small log is compacted whenever it holds a line that is not live; a large one when it is
    // `compactionRatio` times its live records, the background compaction's rule.
    const compactEnough = log !== undefined && !log.torn && !existsSync(legacy) &&
      (log.bytes <= MIN_COMPACTION_BYTES ? log.lines <= live : log.lines <= this.compactionRatio * live);
    if (compactEnough) {
      this.fd = openSync(this.file, 'a');
      this.logBytes = log!.bytes;
      this.liveBytes = live === 0 ? 0 : Math.round((log!.bytes * live) / Math.max(log!.lines, live));
    } else this.writeSnapshotSync();
    if (existsSync(legacy)) rmSync(legacy);
  }

  /** By username or, for email-alias pools, by email (case-insensitive, as Cognito compares aliases). */
  findUser(nameOrEmail: string): StoredUser | undefined {
    const named = this.userNamed(nameOrEmail);
    if (named) return named;
    const username = this.usernameByEmail.get(nameOrEmail.toLowerCase());
    return username === undefined ? undefined : this.users.get(username);
  }

  /**
   * By username, in any case when the pool's usernames match in any case ("username, USERNAME,
   * or UserName": UsernameConfigurationType); otherwise exactly.
   */
  userNamed(username: string): StoredUser | undefined {
    const exact = this.users.get(username);
    if (exact || !this.usernameByFolded) return exact;
    const stored = this.usernameByFolded.get(username.toLowerCase());
    return stored === undefined ? undefined : this.users.get(stored);
  }

  getUser(username: string): StoredUser | undefined {
    return this.users.get(username);
  }

  /** Oldest first: the order ListUsers pages through. */
  listUsers(): StoredUser[] {
    return [...this.users.values()].sort(compareUsers);
  }

  /** Stores the user as it is now (operations change a user, then put it). */
  putUser(user: StoredUser): void {
    this.indexUser(user);
    this.append({ user });
  }

  deleteUser(username: string): void {
    this.unindexUser(username);
    this.append({ deleteUser: username });
    // Replaying `deleteUser` drops the user's tokens too, so they need no lines of their own.
    for (const hash of [...(this.tokensOfUser.get(username) ?? [])]) this.unindexToken(hash);
  }

  addRefreshToken(token: StoredRefreshToken): void {
    this.sweepExpiredTokensNowAndThen();
    this.indexToken(token);
    this.append({ token });
  }

  findRefreshToken(token: string): StoredRefreshToken | undefined {
    return this.refreshTokens.get(hashToken(token));
  }

  /** The refresh token an access or id token was minted from. */
  findTokenFamily(originJti: string): StoredRefreshToken | undefined {
    const hash = this.tokenByOriginJti.get(originJti);
    return hash === undefined ? undefined : this.refreshTokens.get(hash);
  }

  revokeFamily(originJti: string): void {
    const token = this.findTokenFamily(originJti);
    if (!token || token.revoked) return;
    token.revoked = true;
    this.append({ token });
  }

  revokeAllOfUser(username: string): void {
    for (const hash of this.tokensOfUser.get(username) ?? []) {
      const token = this.refreshTokens.get(hash)!;
      if (token.revoked) continue;
      token.revoked = true;
      this.append({ token });
    }
  }

  /** Removes refresh tokens a day past their expiry, when no token minted from them is valid; returns how many. */
  forgetExpiredTokens(): number {
    const now = this.clock.now();
    let removed = 0;
    for (const [hash, token] of this.refreshTokens) {
      if (token.expiresAt + FAMILY_OUTLIVES_REFRESH_TOKEN_MS > now) continue;
      this.unindexToken(hash);
      // No line: a replay drops expired tokens by itself.
      removed++;
    }
    return removed;
  }

  /** Flushes the log to the disk and closes it. */
  async close(): Promise<void> {
    await this.compaction;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.flushing;
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private sweepExpiredTokensNowAndThen(): void {
    const now = this.clock.now();
    if (now - this.lastExpirySweep < EXPIRED_SWEEP_INTERVAL_MS) return;
    this.lastExpirySweep = now;
    this.forgetExpiredTokens();
  }

  /** Replays the log; returns how many records it held and whether its last line was cut short. */
  private replay(file: string, text: string): { lines: number; torn: boolean } {
    // A line without its newline is a write cut short by a crash: it was never acknowledged. Any
    // other line that is not a record stops the start (sim/json-lines.ts), naming the line.
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const records = parseJsonLines<LogRecord>(WHAT, file, complete);
    for (const record of records) {
      if ('user' in record) this.indexUser(record.user);
      else if ('deleteUser' in record) {
        this.unindexUser(record.deleteUser);
        for (const hash of [...(this.tokensOfUser.get(record.deleteUser) ?? [])]) this.unindexToken(hash);
      } else if ('token' in record) this.indexToken(record.token);
      else if ('deleteToken' in record) this.unindexToken(record.deleteToken);
    }
    return { lines: records.length, torn: complete.length < text.length };
  }

  private indexUser(user: StoredUser): void {
    this.users.set(user.username, user);
    const folded = user.username.toLowerCase();
    const namesake = this.usernameByFolded?.get(folded);
    // The first of two names that differ only in case (stored before the pool matched in any case) keeps it.
    if (namesake === undefined || !this.users.has(namesake)) this.usernameByFolded?.set(folded, user.username);
    const previous = this.emailOfUser.get(user.username);
    const email = user.attributes.email?.toLowerCase();
    if (previous !== undefined && previous !== email && this.usernameByEmail.get(previous) === user.username) {
      this.usernameByEmail.delete(previous);
    }
    if (email === undefined) {
      this.emailOfUser.delete(user.username);
      return;
    }
    this.emailOfUser.set(user.username, email);
    // The oldest holder of an address keeps it, as the scan in creation order found it first.
    const holder = this.usernameByEmail.get(email);
    if (holder === undefined || holder === user.username || !this.users.has(holder)) this.usernameByEmail.set(email, user.username);
  }

  private unindexUser(username: string): void {
    this.users.delete(username);
    if (this.usernameByFolded?.get(username.toLowerCase()) === username) this.usernameByFolded.delete(username.toLowerCase());
    const email = this.emailOfUser.get(username);
    this.emailOfUser.delete(username);
    if (email === undefined || this.usernameByEmail.get(email) !== username) return;
    this.usernameByEmail.delete(email);
    // Another user with the same address (possible while unconfirmed) takes the index over.
    for (const other of this.users.values()) {
      if (other.attributes.email?.toLowerCase() === email) {
        this.usernameByEmail.set(email, other.username);
        break;
      }
    }
  }

  private indexToken(token: StoredRefreshToken): void {
    this.refreshTokens.set(token.tokenHash, token);
    this.tokenByOriginJti.set(token.originJti, token.tokenHash);
    let ofUser = this.tokensOfUser.get(token.username);
    if (!ofUser) this.tokensOfUser.set(token.username, (ofUser = new Set()));
    ofUser.add(token.tokenHash);
  }

  private unindexToken(hash: string): void {
    const token = this.refreshTokens.get(hash);
    if (!token) return;
    this.refreshTokens.delete(hash);
    if (this.tokenByOriginJti.get(token.originJti) === hash) this.tokenByOriginJti.delete(token.originJti);
    const ofUser = this.tokensOfUser.get(token.username);
    ofUser?.delete(hash);
    if (ofUser?.size === 0) this.tokensOfUser.delete(token.username);
  }

  /** Why the log stopped taking changes, if it did (see `writeFailure`). */
  get failedWrite(): Error | undefined {
    return this.writeFailure;
  }

  private append(record: LogRecord): void {
    if (this.fd === undefined) return;
    if (this.writeFailure) throw this.writeFailure;
    const line = `${JSON.stringify(record)}\n`;
    try {
      this.logBytes += appendWholeSync(this.fd, line, this.logBytes);
    } catch (error) {
      this.writeFailure = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
    this.compactionBacklog?.push(line);
    this.scheduleFlush();
    if (!this.compaction && this.logBytes > MIN_COMPACTION_BYTES && this.logBytes > this.compactionRatio * this.liveBytes) {
      // A failed compaction leaves the old log in place, whole; the next change tries again.
      this.compaction = this.compactInBackground().catch(() => undefined).finally(() => {
        this.compaction = undefined;
      });
    }
  }

  /** fdatasync at most once a second, on libuv's thread pool, never on the event loop. */
  private scheduleFlush(): void {
    if (this.flushTimer || this.fd === undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      const fd = this.fd;
      if (fd === undefined) return;
      this.flushing = new Promise<void>((done) => fdatasync(fd, () => done()));
    }, FLUSH_DELAY_MS);
    this.flushTimer.unref();
  }

  private *snapshotLines(): Generator<string> {
    for (const user of this.users.values()) yield `${JSON.stringify({ user })}\n`;
    for (const token of this.refreshTokens.values()) yield `${JSON.stringify({ token })}\n`;
  }

  /** At open: write the live records to a new file, then swap it in. */
  private writeSnapshotSync(): void {
    const file = this.file!;
    const temporary = `${file}.compacting`;
    const fd = openSync(temporary, 'w');
    let bytes = 0;
    try {
      let chunk = '';
      for (const line of this.snapshotLines()) {
        chunk += line;
        if (chunk.length > 256 * 1024) {
          bytes += writeWholeSync(fd, chunk);
          chunk = '';
        }
      }
      bytes += writeWholeSync(fd, chunk);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
    this.fd = openSync(file, 'a');
    this.logBytes = statSync(file).size;
    this.liveBytes = bytes;
  }

  /**
   * While the server runs: the live records are written to a new file a slice at a time
   * (yielding to the event loop between slices), changes meanwhile go to the old log as usual
   * and are queued for the new one; then the queue is appended and the new file swapped in.
   * A crash at any point leaves the old log whole.
   */
  private async compactInBackground(): Promise<void> {
    const file = this.file!;
    const temporary = `${file}.compacting`;
    this.compactionBacklog = [];
    const handle = await openFile(temporary, 'w');
    let bytes = 0;
    try {
      let chunk = '';
      let linesInSlice = 0;
      for (const line of this.snapshotLines()) {
        chunk += line;
        if (++linesInSlice >= 500) {
          // writeFile writes all of it (write may write part, on a disk that fills up).
          await handle.writeFile(chunk);
          bytes += Buffer.byteLength(chunk);
          chunk = '';
          linesInSlice = 0;
        }
      }
      await handle.writeFile(chunk);
      bytes += Buffer.byteLength(chunk);
      // Everything written meanwhile, synchronously from here on so nothing slips in between.
      const backlog = this.compactionBacklog.join('');
      this.compactionBacklog = undefined;
      const fd = handle.fd;
      const backlogBytes = backlog ? writeWholeSync(fd, backlog) : 0;
      if (this.fd === undefined) return; // closed meanwhile: keep the old log
      renameSync(temporary, file);
      closeSync(this.fd);
      this.fd = openSync(file, 'a');
      this.logBytes = bytes + backlogBytes;
      this.liveBytes = bytes;
      await handle.datasync();
    } catch (error) {
      this.compactionBacklog = undefined;
      rmSync(temporary, { force: true });
      throw error;
    } finally {
      await handle.close();
    }
  }
}
