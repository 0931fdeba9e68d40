// Lambda's queue of asynchronous invocations, kept on disk: an event is accepted (InvocationType
// Event, an S3 notification, a scheduled rule) only once it is written here, and it stays until
// its delivery has an outcome (the function succeeded, or the last retry failed). A kit killed
// in between (SIGKILL, a crash, a stop) delivers it at its next start, as Lambda's own queue
// would have: S3 promises its notifications at least once, and the face indexer takes a second
// delivery of the same photo as a no-op. Without this, an enrolment photo whose PUT had been
// answered stayed in the bucket, unindexed, until the lifecycle rule.
//
// The file is JSON lines: `{"id","functionName","payload"}` when accepted, `{"id","done":true}`
// when finished. At start it is rewritten with the unfinished entries only, and while the kit
// runs it is rewritten the same way whenever it has grown past `compactAboveBytes` and is more
// than twice what is in flight, so it holds about what is in flight rather than every event since
// the start. The second bar keeps a large backlog (thousands of events resumed at a start, 1 MB
// Event payloads waiting on a slow function) from being rewritten whole at every finish: that
// wrote gigabytes, synchronously, on the thread that answers every request (2,000 S3 events in
// flight took 7 s to finish instead of milliseconds).
import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { appendWholeSync, readJsonLines, writeWholeSync } from '../json-lines.js';

export interface AcceptedInvocation {
  id: string;
  functionName: string;
  /** The event as JSON, exactly as the function receives it. */
  payload: string;
}

type LogLine = AcceptedInvocation | { id: string; done: true };

const DEFAULT_COMPACT_ABOVE_BYTES = 1024 * 1024;

export class AsyncInvocationLog {
  /** Accepted and not finished, by id, with the line that accepted each (what a compaction keeps). */
  private readonly inFlight = new Map<string, string>();
  /** The bytes of `inFlight`'s lines: what a compaction would write. */
  private inFlightBytes = 0;
  private fd: number | undefined;
  private size = 0;
  private readonly compactAboveBytes: number;

  /**
   * `file` undefined keeps nothing on disk (a kit without a data folder). Reading a damaged log
   * stops the start, naming the file (sim/damaged-data.ts), as the other logs do.
   */
  constructor(private readonly file: string | undefined, options: { compactAboveBytes?: number } = {}) {
    this.compactAboveBytes = options.compactAboveBytes ?? DEFAULT_COMPACT_ABOVE_BYTES;
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    const finished = new Set<string>();
    const accepted: AcceptedInvocation[] = [];
    for (const line of readJsonLines<LogLine>('the queue of asynchronous Lambda invocations', file)) {
      if ('done' in line) finished.add(line.id);
      else accepted.push(line);
    }
    for (const invocation of accepted) {
      if (!finished.has(invocation.id)) this.keep(invocation.id, `${JSON.stringify(invocation)}\n`);
    }
    this.rewrite();
  }

  /** What a previous run accepted and did not finish, oldest first (before any `accept` of this run). */
  unfinished(): AcceptedInvocation[] {
    return [...this.inFlight.values()].map((line) => JSON.parse(line) as AcceptedInvocation);
  }

  /** Writes the invocation down and returns its id; throws (a full disk) when it could not be written. */
  accept(functionName: string, payload: string): string {
    const id = randomUUID();
    const line = `${JSON.stringify({ id, functionName, payload } satisfies AcceptedInvocation)}\n`;
    this.append(line);
    this.keep(id, line);
    return id;
  }

  /**
   * Records that `id` has its outcome. A failure to write it is not thrown: the event would only
   * be delivered once more at the next start, which S3's at-least-once promise allows.
   */
  finish(id: string): void {
    const line = this.inFlight.get(id);
    if (line === undefined) return;
    this.inFlight.delete(id);
    this.inFlightBytes -= Buffer.byteLength(line);
    try {
      this.append(`${JSON.stringify({ id, done: true })}\n`);
      if (this.size > this.compactAboveBytes && this.size > 2 * this.inFlightBytes) this.rewrite();
    } catch {
      // Kept for the next start, which delivers it again.
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private keep(id: string, line: string): void {
    this.inFlight.set(id, line);
    this.inFlightBytes += Buffer.byteLength(line);
  }

  private append(line: string): void {
    if (!this.file) return;
    this.size += appendWholeSync(this.fd!, line, this.size);
  }

  /** Replaces the file with one holding only what is in flight (a new file, renamed over the old one). */
  private rewrite(): void {
    if (!this.file) return;
    const next = `${this.file}.next`;
    const fd = openSync(next, 'w');
    try {
      writeWholeSync(fd, [...this.inFlight.values()].join(''));
    } finally {
      closeSync(fd);
    }
    renameSync(next, this.file);
    this.close();
    this.fd = openSync(this.file, 'a');
    this.size = fstatSync(this.fd).size;
  }
}
