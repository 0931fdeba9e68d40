// Where emulated email goes: Cognito's codes and messages, and anything sent through SES.
// Readable at GET /_sim/emails and printed to the console, so sign-up can finish offline.
// Only the newest emails are kept (`EMAILS_KEPT` by default): a kit left running kept every email
// it ever sent, in memory and in `emails.jsonl`, read whole again at each start (a soak sent
// about 100 a minute). The log is rewritten with the kept ones when it holds twice as many, so
// each email costs its append plus, amortized, one more write.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { appendWholeToFileSync, readJsonLines, replaceFileSync } from './json-lines.js';

export interface Email {
  to: string;
  from?: string;
  subject: string;
  body: string;
  /** ISO 8601 */
  sentAt: string;
  /** Who sent it: e.g. `cognito-idp:<userPoolId>`, `ses`. */
  source: string;
}

/** How many of the newest emails the outbox keeps: a code is in one of the last few. */
export const EMAILS_KEPT = 10_000;

interface Sent {
  email: Email;
  /** Counts every email this outbox has held, the loaded ones included. */
  sequence: number;
}

export class Outbox {
  /** Oldest first: the newest `keep`, and those sent since the last trim before them. */
  private sent: Sent[] = [];
  /** The same, by lower-cased recipient. */
  private byRecipient = new Map<string, Sent[]>();
  private nextSequence = 0;
  private readonly keep: number;
  private readonly file?: string;
  /** Lines in `file`, and how many make it worth rewriting with only the kept ones. */
  private linesInFile = 0;
  private rewriteAt = 0;

  constructor(options: { dataDir?: string; clock?: Clock; print?: (email: Email) => void; keep?: number } = {}) {
    this.clock = options.clock ?? systemClock;
    this.print = options.print;
    this.keep = options.keep ?? EMAILS_KEPT;
    if (!(Number.isSafeInteger(this.keep) && this.keep > 0)) throw new RangeError(`the outbox must keep at least one email (got ${this.keep})`);
    this.rewriteAt = 2 * this.keep;
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true });
      this.file = join(options.dataDir, 'emails.jsonl');
      const logged = readJsonLines<Email>('the outbox of emails sent', this.file);
      this.linesInFile = logged.length;
      for (const email of logged.slice(-this.keep)) this.hold(email);
      if (this.linesInFile > this.keep) this.rewriteFile();
    }
  }

  private readonly clock: Clock;
  private readonly print?: (email: Email) => void;

  send(email: Omit<Email, 'sentAt'>): Email {
    const stored: Email = { ...email, sentAt: new Date(this.clock.now()).toISOString() };
    if (this.file) {
      appendWholeToFileSync(this.file, JSON.stringify(stored) + '\n');
      this.linesInFile++;
    }
    this.hold(stored);
    if (this.sent.length >= 2 * this.keep) this.trim();
    if (this.linesInFile >= this.rewriteAt) this.rewriteFile();
    this.print?.(stored);
    return stored;
  }

  /** The kept emails, newest last; `to` compares case-insensitively. */
  list(filter: { to?: string } = {}): Email[] {
    const held = filter.to === undefined ? this.sent : (this.byRecipient.get(filter.to.toLowerCase()) ?? []);
    const oldestKept = this.nextSequence - this.keep;
    const kept: Email[] = [];
    for (const { email, sequence } of held) if (sequence >= oldestKept) kept.push(email);
    return kept;
  }

  private hold(email: Email): void {
    const sent = { email, sequence: this.nextSequence++ };
    this.sent.push(sent);
    this.index(sent);
  }

  private index(sent: Sent): void {
    const key = sent.email.to.toLowerCase();
    const list = this.byRecipient.get(key);
    if (list) list.push(sent);
    else this.byRecipient.set(key, [sent]);
  }

  /** Lets go of the emails older than the newest `keep`: once per `keep` emails sent. */
  private trim(): void {
    this.sent = this.sent.slice(-this.keep);
    this.byRecipient = new Map();
    for (const sent of this.sent) this.index(sent);
  }

  /**
   * The log with only the kept emails, swapped in whole (a kill leaves the old log or the new).
   * A disk too full for it leaves the log as it was, which still reads right (emails are only
   * appended); it is tried again after `keep` more emails.
   */
  private rewriteFile(): void {
    const kept = this.list();
    try {
      replaceFileSync(this.file!, kept.map((email) => JSON.stringify(email) + '\n').join(''));
      this.linesInFile = kept.length;
      this.rewriteAt = 2 * this.keep;
    } catch {
      this.rewriteAt = this.linesInFile + this.keep;
    }
  }
}
