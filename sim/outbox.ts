// Where emulated email goes: Cognito's codes and messages, and anything sent through SES.
// Readable at GET /_sim/emails and printed to the console, so sign-up can finish offline.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { appendWholeToFileSync, readJsonLines } from './json-lines.js';

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

export class Outbox {
  private readonly emails: Email[] = [];
  private readonly file?: string;

  constructor(options: { dataDir?: string; clock?: Clock; print?: (email: Email) => void } = {}) {
    this.clock = options.clock ?? systemClock;
    this.print = options.print;
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true });
      this.file = join(options.dataDir, 'emails.jsonl');
      this.emails.push(...readJsonLines<Email>('the outbox of emails sent', this.file));
    }
  }

  private readonly clock: Clock;
  private readonly print?: (email: Email) => void;

  send(email: Omit<Email, 'sentAt'>): Email {
    const stored: Email = { ...email, sentAt: new Date(this.clock.now()).toISOString() };
    this.emails.push(stored);
    if (this.file) appendWholeToFileSync(this.file, JSON.stringify(stored) + '\n');
    this.print?.(stored);
    return stored;
  }

  /** Newest last; `to` compares case-insensitively. */
  list(filter: { to?: string } = {}): Email[] {
    const to = filter.to?.toLowerCase();
    return this.emails.filter((email) => !to || email.to.toLowerCase() === to);
  }
}
