// Users, confirmation codes and refresh tokens of one pool. Kept in memory and, with a data
// folder, written to `<dataDir>/cognito/<poolId>/state.json` after every change (write then
// rename, so a crash never leaves half a file).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

interface PoolState {
  users: StoredUser[];
  refreshTokens: StoredRefreshToken[];
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class UserPoolStore {
  private readonly users = new Map<string, StoredUser>();
  private readonly refreshTokens = new Map<string, StoredRefreshToken>();
  private readonly file?: string;

  constructor(directory?: string) {
    if (!directory) return;
    mkdirSync(directory, { recursive: true });
    this.file = join(directory, 'state.json');
    if (existsSync(this.file)) {
      const state = JSON.parse(readFileSync(this.file, 'utf8')) as PoolState;
      for (const user of state.users) this.users.set(user.username, user);
      for (const token of state.refreshTokens) this.refreshTokens.set(token.tokenHash, token);
    }
  }

  /** By username or, for email-alias pools, by email (case-insensitive, as Cognito compares aliases). */
  findUser(nameOrEmail: string): StoredUser | undefined {
    const direct = this.users.get(nameOrEmail);
    if (direct) return direct;
    const email = nameOrEmail.toLowerCase();
    for (const user of this.users.values()) if (user.attributes.email?.toLowerCase() === email) return user;
    return undefined;
  }

  getUser(username: string): StoredUser | undefined {
    return this.users.get(username);
  }

  /** Oldest first: the order ListUsers pages through. */
  listUsers(): StoredUser[] {
    return [...this.users.values()].sort((a, b) => a.createdAt - b.createdAt || a.username.localeCompare(b.username));
  }

  putUser(user: StoredUser): void {
    this.users.set(user.username, user);
    this.save();
  }

  deleteUser(username: string): void {
    this.users.delete(username);
    for (const [hash, token] of this.refreshTokens) if (token.username === username) this.refreshTokens.delete(hash);
    this.save();
  }

  addRefreshToken(token: StoredRefreshToken): void {
    this.refreshTokens.set(token.tokenHash, token);
    this.save();
  }

  findRefreshToken(token: string): StoredRefreshToken | undefined {
    return this.refreshTokens.get(hashToken(token));
  }

  /** The refresh token an access or id token was minted from. */
  findTokenFamily(originJti: string): StoredRefreshToken | undefined {
    for (const token of this.refreshTokens.values()) if (token.originJti === originJti) return token;
    return undefined;
  }

  revokeFamily(originJti: string): void {
    for (const token of this.refreshTokens.values()) if (token.originJti === originJti) token.revoked = true;
    this.save();
  }

  revokeAllOfUser(username: string): void {
    for (const token of this.refreshTokens.values()) if (token.username === username) token.revoked = true;
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    const state: PoolState = { users: [...this.users.values()], refreshTokens: [...this.refreshTokens.values()] };
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(state, null, 1));
    renameSync(temporary, this.file);
  }
}
