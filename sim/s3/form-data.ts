// A pull reader of multipart/form-data (RFC 7578) for S3's POST Object: the fields are read one
// by one, and the file part's bytes are handed out as they arrive, so the operation decides how
// much of them it keeps (no more than the policy allows). Written here rather than taken from
// busboy: the busboy in node_modules is 0.3.1, whose dicer 0.3.0 crashes the process on a part
// header that starts with a space (CVE-2022-24434), and this form is read before anyone is
// authenticated.
import type { Readable } from 'node:stream';

/** A part's header section is a few lines; a longer one is no browser's. */
const MAX_PART_HEADER_BYTES = 8 * 1024;

export class MalformedFormError extends Error {}

export interface FormPart {
  /** The field's name as sent (S3 compares most names case-insensitively). */
  name: string;
  /** The `filename` of a file part, undefined for a plain field. */
  filename?: string;
  /** The part's own Content-Type header, if any. */
  contentType?: string;
}

/** The boundary of a `multipart/form-data; boundary=...` Content-Type, or undefined. */
export function formBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  return boundary && boundary.length <= 70 ? boundary : undefined;
}

export class FormDataReader {
  private readonly chunks: AsyncIterator<Buffer>;
  /** Bytes read from the stream and not yet handed out. Starts with CRLF, so the first delimiter is found like the others. */
  private pending: Buffer = Buffer.from('\r\n');
  private readonly delimiter: Buffer;
  private streamEnded = false;
  /** Before the first delimiter (the preamble) or inside a part's content: the next delimiter ends it. */
  private beforeDelimiter = true;
  private finished = false;

  constructor(stream: Readable, boundary: string) {
    this.chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  }

  /** The next part's headers (its content is then read with content()), or undefined after the last. */
  async nextPart(): Promise<FormPart | undefined> {
    if (this.finished) return undefined;
    // What is left of the current part (or the preamble) is skipped up to the next delimiter.
    if (this.beforeDelimiter) for await (const skipped of this.contentUntilDelimiter()) void skipped;
    // After a delimiter: `--` closes the body; otherwise optional padding, then CRLF.
    await this.need(2);
    if (this.pending.subarray(0, 2).toString('latin1') === '--') {
      this.finished = true;
      return undefined;
    }
    const headerEnd = await this.find(Buffer.from('\r\n\r\n'), MAX_PART_HEADER_BYTES);
    const head = this.pending.subarray(0, headerEnd).toString('utf8');
    this.pending = this.pending.subarray(headerEnd + 4);
    const [firstLine = '', ...lines] = head.split('\r\n');
    if (firstLine.trim() !== '') throw new MalformedFormError('text after a boundary');
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0 || /^\s/.test(line)) throw new MalformedFormError('a part header is not a name and value');
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = parseDisposition(headers.get('content-disposition'));
    if (!disposition || disposition.type !== 'form-data' || disposition.params.name === undefined) {
      throw new MalformedFormError('a part without Content-Disposition: form-data; name');
    }
    this.beforeDelimiter = true;
    return { name: disposition.params.name, filename: disposition.params.filename, contentType: headers.get('content-type') };
  }

  /** The current part's content, as it arrives. */
  content(): AsyncGenerator<Buffer> {
    return this.contentUntilDelimiter();
  }

  /** The current part's content as text; FieldTooLongError past `maxBytes` (the caller says what S3 answers). */
  async text(maxBytes: number): Promise<string> {
    const pieces: Buffer[] = [];
    let size = 0;
    for await (const piece of this.contentUntilDelimiter()) {
      size += piece.length;
      if (size > maxBytes) throw new FieldTooLongError();
      pieces.push(piece);
    }
    return Buffer.concat(pieces).toString('utf8');
  }

  private async *contentUntilDelimiter(): AsyncGenerator<Buffer> {
    if (!this.beforeDelimiter) return;
    for (;;) {
      const at = this.pending.indexOf(this.delimiter);
      if (at >= 0) {
        const piece = this.pending.subarray(0, at);
        this.pending = this.pending.subarray(at + this.delimiter.length);
        this.beforeDelimiter = false;
        if (piece.length > 0) yield piece;
        return;
      }
      // All but the bytes a delimiter could start in are content for sure.
      const safe = this.pending.length - (this.delimiter.length - 1);
      if (safe > 0) {
        const piece = this.pending.subarray(0, safe);
        this.pending = this.pending.subarray(safe);
        yield piece;
      }
      if (!(await this.read())) throw new MalformedFormError('the body ended inside a part');
    }
  }

  /** Reads until `pending` holds at least `count` bytes. */
  private async need(count: number): Promise<void> {
    while (this.pending.length < count) {
      if (!(await this.read())) throw new MalformedFormError('the body ended after a boundary');
    }
  }

  /** Reads until `needle` is in `pending` within `limit` bytes; its offset. */
  private async find(needle: Buffer, limit: number): Promise<number> {
    for (;;) {
      const at = this.pending.indexOf(needle);
      if (at >= 0 && at <= limit) return at;
      if (at > limit || this.pending.length > limit + needle.length) throw new MalformedFormError('a part header section too long');
      if (!(await this.read())) throw new MalformedFormError('the body ended in a part header');
    }
  }

  private async read(): Promise<boolean> {
    if (this.streamEnded) return false;
    const next = await this.chunks.next();
    if (next.done) {
      this.streamEnded = true;
      return false;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    return true;
  }
}

export class FieldTooLongError extends Error {}

/** `form-data; name="key"; filename="a b.jpg"` → its type and parameters (quoted strings unescaped). */
function parseDisposition(value: string | undefined): { type: string; params: Record<string, string> } | undefined {
  if (value === undefined) return undefined;
  const typeEnd = value.indexOf(';');
  const type = (typeEnd < 0 ? value : value.slice(0, typeEnd)).trim().toLowerCase();
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  const parameter = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const match of value.matchAll(parameter)) {
    const name = match[1]!.toLowerCase();
    if (name in params) continue;
    params[name] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!.trim();
  }
  return { type, params };
}
