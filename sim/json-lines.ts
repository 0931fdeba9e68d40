// The kit's append-only JSON-lines logs (a collection's faces, the outbox). A write cut short (a
// power cut, a full disk) leaves a last line without its newline: that write never returned, so
// the line is dropped, and cut from the file too, or the next append would join it and be lost
// with it at the following start.
import { existsSync, readFileSync, truncateSync } from 'node:fs';

const NEWLINE = 0x0a;

/** The complete lines of `file` as parsed JSON (none when it does not exist); a torn last line is cut from the file. */
export function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const bytes = readFileSync(file);
  const complete = bytes.lastIndexOf(NEWLINE) + 1;
  if (complete < bytes.length) truncateSync(file, complete);
  const entries: T[] = [];
  for (const line of bytes.subarray(0, complete).toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as T);
    } catch {
      // Only a torn write makes a line that does not parse, and the file is written line by line.
      continue;
    }
  }
  return entries;
}
