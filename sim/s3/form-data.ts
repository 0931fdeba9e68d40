// A pull reader of multipart/form-data (RFC 7578) for S3's POST Object: the fields are read one
// by one, and the file part's bytes are handed out as they arrive, so the operation decides how
// much of them it keeps (no more than the policy allows). The parsing is @fastify/busboy's (kept
// by the Fastify team, no dependencies): this form is read before anyone is authenticated, and a
// parser that many servers run is a safer bet than one written here. (An earlier hand-written
// reader stood in because the only busboy in node_modules was 0.3.1, whose dicer 0.3.0 crashes the
// process on a part header that starts with a space, CVE-2022-24434; @fastify/busboy fixed that.)
//
// What this adds to busboy: its events ('field', 'file', 'finish', 'error') turned into calls to
// await, with backpressure (the body is read as fast as the file is); S3's reading of the form,
// where the part named `file` is the last one read and whatever follows it is drained unparsed;
// limits on what comes before the file, so that a stream of fields ends in an error rather than
// in reading on; and every way the body can go wrong (busboy's errors, a client that hangs up)
// turned into a rejected call, never an unhandled 'error' event. Busboy is lenient where the
// hand-written reader refused: a part with no Content-Disposition (a header line starting with a
// space included) is skipped, not an error, so such a form mostly fails for the field it lacks.
import { Busboy, type BusboyFileStream, type BusboyInstance } from '@fastify/busboy';
import type { Readable } from 'node:stream';
import { BodyMemoryExhaustedError } from '../body-memory.js';
import { RequestTimeoutError } from '../connection-timeouts.js';

/** The body is no multipart/form-data, or ended (or its client went away) before the file was read. */
export class MalformedFormError extends Error {}

/** The fields before the file are too many or too long (the caller says what S3 answers). */
export class FieldsTooLargeError extends Error {}

export interface FormPart {
  /** The field's name as sent (S3 compares most names case-insensitively). */
  name: string;
  /** The `filename` of the file part, as sent (a path is kept). */
  filename?: string;
}

export interface FormLimits {
  /** The longest field value read whole; a longer one is FieldsTooLargeError. */
  maxFieldBytes: number;
  /** The most fields before the file. */
  maxFields: number;
  /** The most body bytes before the file part (boundaries and part headers included). */
  maxBytesBeforeFile: number;
}

/** A part's header section is a few short lines; busboy ignores what is past these. */
const MAX_PART_HEADER_BYTES = 8 * 1024;
const MAX_PART_HEADER_PAIRS = 16;

/** The part read as the file: the one named `file`, in any case, as S3 reads it. */
const isFileName = (name: string | undefined) => name !== undefined && name.toLowerCase() === 'file';

type Part = { part: FormPart; value: string; truncated: boolean } | { part: FormPart; file: BusboyFileStream };

export class FormDataReader {
  private readonly busboy: BusboyInstance;
  /** Parts parsed and not yet handed out by nextPart(). */
  private readonly parts: Part[] = [];
  private current: Part | undefined;
  /** The file part has begun: parts after it are skipped, and the pre-file limits no longer apply. */
  private fileBegun = false;
  private fileHandedOut = false;
  private busboyFinished = false;
  private bytesBeforeFile = 0;
  /** The body arrived to its end, or its client went away before that (untilBodyEnds). */
  private bodyComplete = false;
  private clientGone = false;
  /** Why the form cannot be read further (the first reason), once it is known. */
  private failure: Error | undefined;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly body: Readable,
    contentType: string | undefined,
    private readonly limits: FormLimits,
  ) {
    if (!hasBoundary(contentType)) throw new MalformedFormError('no multipart/form-data boundary');
    try {
      this.busboy = new Busboy({
        headers: { 'content-type': contentType },
        preservePath: true,
        isPartAFile: (name) => {
          // Once the file has begun, every later part is a file too, and skipped unread: with
          // the 'file' listener gone, busboy drops a file part's bytes without buffering them.
          if (isFileName(name)) this.fileBegun = true;
          return this.fileBegun;
        },
        limits: {
          fieldSize: limits.maxFieldBytes,
          fields: limits.maxFields,
          headerSize: MAX_PART_HEADER_BYTES,
          headerPairs: MAX_PART_HEADER_PAIRS,
        },
      });
    } catch (error) {
      throw new MalformedFormError(`busboy refused the Content-Type: ${(error as Error).message}`);
    }
    this.busboy
      .on('field', (name, value, _nameTruncated, truncated) => {
        if (name === undefined) return this.fail(new MalformedFormError('a part without a name'));
        this.deliver({ part: { name }, value, truncated });
      })
      .once('file', (name, file, filename) => {
        // Busboy emits a cut-off part's error on its stream too, read or not: never unhandled.
        file.on('error', () => {});
        this.deliver({ part: { name, filename }, file });
      })
      .on('fieldsLimit', () => this.beforeFileOnly(new FieldsTooLargeError(`more than ${limits.maxFields} fields`)))
      .on('finish', () => {
        this.busboyFinished = true;
        this.notify();
      })
      .on('error', (error: unknown) => this.fail(new MalformedFormError(`not well-formed: ${(error as Error).message}`)))
      .on('drain', this.resumeBody);
    body.on('data', this.onData).on('end', this.onEnd).on('error', this.onBodyGone).on('close', this.onBodyGone);
    // Kept after close(), which drains the body: how it ended is what untilBodyEnds() waits for.
    body.once('end', () => {
      this.bodyComplete = true;
      this.notify();
    });
    body.once('close', () => {
      if (!this.bodyComplete) this.clientGone = true;
      this.notify();
    });
  }

  /** The next part's headers (a field's value is then read with text(), the file's with content()), or undefined after the file or the last part. */
  async nextPart(): Promise<FormPart | undefined> {
    for (;;) {
      if (this.fileHandedOut) return undefined;
      // Parts parsed whole come out before a failure that came after them.
      const next = this.parts.shift();
      if (next) {
        this.current = next;
        if ('file' in next) this.fileHandedOut = true;
        return next.part;
      }
      if (this.failure) throw this.failure;
      if (this.busboyFinished) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** The current field's value; FieldsTooLargeError past `maxBytes`. */
  text(maxBytes: number): string {
    const current = this.current;
    if (!current || !('value' in current)) return '';
    if (current.truncated || Buffer.byteLength(current.value) > maxBytes) throw new FieldsTooLargeError();
    return current.value;
  }

  /**
   * The current file part's content, as it arrives (until the caller asks for the next piece,
   * busboy, then the body, wait); MalformedFormError if the body ends, or its client goes away,
   * before the part does. Once the part has ended the file is whole: what follows is not read.
   */
  async *content(): AsyncGenerator<Buffer> {
    const current = this.current;
    if (!current || !('file' in current)) return;
    try {
      for await (const piece of current.file) yield piece as Buffer;
    } catch {
      throw this.failure ?? new MalformedFormError('the file part was cut off');
    }
  }

  /**
   * Resolves once the whole body has arrived, MalformedFormError if its client went away before
   * that. S3 stores an upload only when its request is complete: a file part followed by a body
   * that never came (a Content-Length promising more, then a reset) stores nothing. Call close()
   * first, so that what follows the file is drained rather than parsed.
   */
  async untilBodyEnds(): Promise<void> {
    for (;;) {
      if (this.bodyComplete) return;
      if (this.clientGone) throw new MalformedFormError('the client went away before the body ended');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /**
   * Stops parsing the body: what is left of it (what follows the file, which S3 ignores, or what
   * follows a refusal) is drained unread, as Node drains a body nobody reads, so that a client
   * still sending gets its answer rather than a connection that stopped reading. Safe to call
   * more than once.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.body.off('data', this.onData).off('end', this.onEnd).off('close', this.onBodyGone);
    // The 'error' listener stays: a client that hangs up later must not be an unhandled 'error'.
    this.busboy.off('drain', this.resumeBody);
    this.body.resume();
    this.notify();
  }

  private readonly onData = (chunk: Buffer) => {
    // Counted before busboy parses it: a chunk that holds the file's start counts whole. Node reads
    // a body 64 KiB at a time, so a form whose fields keep to S3's 20 KB stays well under the cap,
    // and a preamble, part headers or fields over it are refused whatever chunk the file begins in.
    if (!this.fileBegun && (this.bytesBeforeFile += chunk.length) > this.limits.maxBytesBeforeFile) {
      return this.fail(new FieldsTooLargeError(`more than ${this.limits.maxBytesBeforeFile} bytes before the file`));
    }
    if (!this.busboy.write(chunk)) this.body.pause();
  };

  private readonly onEnd = () => {
    this.busboy.end();
  };

  /**
   * The body failed or closed before its end: the client went away. Busboy is told the body has
   * ended, so that it reports the part it was in as cut off (a file being read then fails) and a
   * file part that had ended stays whole.
   */
  private readonly onBodyGone = (error?: unknown) => {
    // Once per body: after a failure (which closes the reader), a later 'close' finds it closed.
    if (this.bodyComplete || this.closed) return;
    // The kit's own reasons to stop reading (sim/body-memory.ts: no room, or a body too slow) stand
    // as they are, for S3's answers to them (SlowDown, RequestTimeout); a 16 KB photo refused for
    // room got MalformedPOSTRequest, which no client retries (attacker audit).
    const kitStopped = error instanceof BodyMemoryExhaustedError || error instanceof RequestTimeoutError;
    this.fail(kitStopped ? error : new MalformedFormError('the client went away before the body ended'));
    this.busboy.end();
  };

  private readonly resumeBody = () => {
    if (!this.closed) this.body.resume();
  };

  private deliver(part: Part): void {
    if (this.closed) return;
    this.parts.push(part);
    this.notify();
  }

  /** Limits on what precedes the file: once it has begun they no longer matter. */
  private beforeFileOnly(error: Error): void {
    if (!this.fileBegun) this.fail(error);
  }

  /**
   * The first failure stands, and the body is no longer read. A file part cut off by it fails on
   * its own: busboy emits the error on the file stream of a part that had not ended.
   */
  private fail(error: Error): void {
    if (this.failure || this.closed) return;
    this.failure = error;
    this.close();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** Whether a Content-Type is `multipart/form-data` (a form upload's), whatever its parameters. */
export function isMultipartFormData(contentType: string | undefined): contentType is string {
  return contentType !== undefined && /^\s*multipart\/form-data\s*(;|$)/i.test(contentType);
}

/**
 * A `multipart/form-data` Content-Type with a boundary of 1 to 70 characters (RFC 2046), which
 * busboy does not check: it would read `boundary=` as an empty one.
 */
function hasBoundary(contentType: string | undefined): contentType is string {
  if (!isMultipartFormData(contentType)) return false;
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  return boundary !== undefined && boundary.length <= 70;
}
