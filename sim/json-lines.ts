// The kit's append-only JSON-lines logs (a collection's faces, the outbox), and the whole-file
// swap its stores rewrite files with. A write cut short (a
// power cut, a full disk) leaves a last line without its newline: that write never returned, so
// the line is dropped, and cut from the file too, or the next append would join it and be lost
// with it at the following start. Any other line that is not a JSON object is damage from outside:
// the start stops and names it (sim/damaged-data.ts), rather than going on without that entry.
// An append that fails part-way while the kit runs (a disk that fills up) is cut from the file at
// once (`appendWholeSync`): left there, the next append, once the disk had room again, joined it
// into a line of garbage in the middle of the log, which stopped the next start.
import { closeSync, fstatSync, ftruncateSync, openSync, renameSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { DamagedDataError, parseJsonObject, readDataFile } from './damaged-data.js';

const NEWLINE = 0x0a;

/**
 * The complete lines of `file` as parsed JSON (none when it does not exist); a torn last line is
 * cut from the file. `what` names the data in the error for a damaged line.
 */
export function readJsonLines<T>(what: string, file: string): T[] {
  const bytes = readDataFile(what, file);
  if (!bytes) return [];
  const complete = bytes.lastIndexOf(NEWLINE) + 1;
  const entries = parseJsonLines<T>(what, file, bytes.subarray(0, complete).toString('utf8'));
  // Only once the rest is known whole: a damaged file is left exactly as it was found.
  if (complete < bytes.length) truncateSync(file, complete);
  return entries;
}

/** Every line of `text` (which ends with a newline, or is empty) as a JSON object; empty lines are skipped. */
export function parseJsonLines<T>(what: string, file: string, text: string): T[] {
  const entries: T[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (!line.trim()) continue;
    const entry = parseJsonObject(line);
    // The line itself is not quoted: it may hold a code or a token.
    if (!entry) throw new DamagedDataError(what, file, `line ${index + 1} is not a JSON object (the kit writes whole lines of JSON)`);
    entries.push(entry as T);
  }
  return entries;
}

/**
 * Appends `text` to the log open for appending as `fd`, whose length is `length`, whole or not at
 * all: when a write fails part-way (ENOSPC after some bytes fit), what it wrote is cut off again
 * and the error thrown, so the log still ends with a whole line. Returns the bytes written.
 */
export function appendWholeSync(fd: number, text: string, length: number): number {
  const bytes = Buffer.from(text, 'utf8');
  const progress = { written: 0 };
  try {
    writeWholeSync(fd, bytes, progress);
  } catch (error) {
    if (progress.written > 0) ftruncateSync(fd, length);
    throw error;
  }
  return progress.written;
}

/**
 * Writes all of `bytes` to `fd`, or throws: writeSync may write less than asked without an error
 * (the disk filled up part-way), and the rest, tried again, then gets the error. `progress`
 * counts what was written, for a caller that undoes it.
 */
export function writeWholeSync(fd: number, bytes: Buffer | string, progress = { written: 0 }): number {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  while (progress.written < buffer.length) progress.written += writeSync(fd, buffer, progress.written);
  return progress.written;
}

/** `appendWholeSync` on `file` (created when missing), for logs not held open. */
export function appendWholeToFileSync(file: string, text: string): void {
  const fd = openSync(file, 'a');
  try {
    appendWholeSync(fd, text, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `file` with `content` whole: written beside it, then renamed over it, so a kill leaves
 * the old file or the new one. When the write fails (a full disk), what it wrote beside is removed
 * where it can be, the file is left as it was, and the error is thrown.
 */
export function replaceFileSync(file: string, content: string): void {
  const temporary = `${file}.tmp`;
  try {
    writeFileSync(temporary, content);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Not ours to clear (a folder of that name): the file itself is untouched.
    }
    throw error;
  }
  renameSync(temporary, file);
}
