// The outbox keeps the newest emails only: a kit left running used to keep every email it sent,
// in memory and in emails.jsonl, and read them all again at each start.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Outbox } from './outbox.js';
import { scratchFolders } from '../test/scratch-folders.js';

const scratch = scratchFolders('facekit-outbox-');

function sendNumbered(outbox: Outbox, from: number, to: number, recipient = (n: number) => `user${n % 2}@example.com`): void {
  for (let n = from; n <= to; n++) outbox.send({ to: recipient(n), subject: `email ${n}`, body: `code ${n}`, source: 'ses' });
}
const subjects = (emails: { subject: string }[]) => emails.map((email) => email.subject);
const linesOf = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { subject: string }).subject);

describe('Outbox', () => {
  it('lists the newest emails it keeps, for everyone and by recipient (any case)', () => {
    const outbox = new Outbox({ keep: 3 });
    sendNumbered(outbox, 1, 4);
    expect(subjects(outbox.list())).toEqual(['email 2', 'email 3', 'email 4']);
    expect(subjects(outbox.list({ to: 'USER0@example.com' }))).toEqual(['email 2', 'email 4']);
    expect(subjects(outbox.list({ to: 'user1@example.com' }))).toEqual(['email 3']);
    expect(outbox.list({ to: 'nobody@example.com' })).toEqual([]);
  });

  it('keeps the newest while it lets go of the older ones, many times over', () => {
    const outbox = new Outbox({ keep: 3 });
    for (let last = 1; last <= 20; last++) {
      sendNumbered(outbox, last, last);
      const kept = Array.from({ length: Math.min(3, last) }, (_, index) => `email ${last - Math.min(3, last) + 1 + index}`);
      expect(subjects(outbox.list())).toEqual(kept);
      expect(subjects(outbox.list({ to: `user${last % 2}@example.com` }))).toEqual(kept.filter((subject) => Number(subject.split(' ')[1]) % 2 === last % 2));
    }
  });

  it('rewrites its log with the kept emails once the log holds twice as many, and reads them back', () => {
    const folder = scratch();
    const file = join(folder, 'emails.jsonl');
    const outbox = new Outbox({ dataDir: folder, keep: 3 });
    sendNumbered(outbox, 1, 5);
    expect(linesOf(file)).toEqual(['email 1', 'email 2', 'email 3', 'email 4', 'email 5']);
    sendNumbered(outbox, 6, 6);
    expect(linesOf(file)).toEqual(['email 4', 'email 5', 'email 6']);
    sendNumbered(outbox, 7, 8);
    const reopened = new Outbox({ dataDir: folder, keep: 3 });
    expect(subjects(reopened.list())).toEqual(['email 6', 'email 7', 'email 8']);
    expect(subjects(reopened.list({ to: 'user0@example.com' }))).toEqual(['email 6', 'email 8']);
  });

  it('trims a log longer than it keeps when it opens it (one written by a kit that kept them all)', () => {
    const folder = scratch();
    const file = join(folder, 'emails.jsonl');
    sendNumbered(new Outbox({ dataDir: folder, keep: 100 }), 1, 7);
    const outbox = new Outbox({ dataDir: folder, keep: 2 });
    expect(linesOf(file)).toEqual(['email 6', 'email 7']);
    expect(subjects(outbox.list())).toEqual(['email 6', 'email 7']);
  });

  it('opens a log of 200,000 emails (it spread them into one push, which overflowed the stack past about 125,000: the kit did not start)', () => {
    const folder = scratch();
    const line = (n: number) => JSON.stringify({ to: `user${n}@example.com`, subject: `email ${n}`, body: 'code', sentAt: '2026-12-01T00:00:00.000Z', source: 'ses' }) + '\n';
    writeFileSync(join(folder, 'emails.jsonl'), Array.from({ length: 200_000 }, (_, index) => line(index + 1)).join(''));
    const outbox = new Outbox({ dataDir: folder });
    expect(outbox.list()).toHaveLength(10_000);
    expect(subjects(outbox.list({ to: 'user200000@example.com' }))).toEqual(['email 200000']);
    expect(outbox.list({ to: 'user190000@example.com' })).toEqual([]);
  });

  it('goes on appending when the log cannot be rewritten, and the log still reads right', () => {
    const folder = scratch();
    const file = join(folder, 'emails.jsonl');
    mkdirSync(`${file}.tmp`); // the rewrite's temporary file cannot be written
    const outbox = new Outbox({ dataDir: folder, keep: 2 });
    sendNumbered(outbox, 1, 5);
    expect(linesOf(file)).toEqual(['email 1', 'email 2', 'email 3', 'email 4', 'email 5']);
    expect(subjects(outbox.list())).toEqual(['email 4', 'email 5']);
    rmSync(`${file}.tmp`, { recursive: true });
    expect(subjects(new Outbox({ dataDir: folder, keep: 2 }).list())).toEqual(['email 4', 'email 5']);
    expect(linesOf(file)).toEqual(['email 4', 'email 5']);
  });

  it('refuses to keep no emails', () => {
    expect(() => new Outbox({ keep: 0 })).toThrow(RangeError);
  });
});
