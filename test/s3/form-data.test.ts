// The form reader of POST Object (sim/s3/form-data.ts) on bodies no browser sends: broken, cut off,
// endless, or left by their client. Each ends in an error the operation turns into S3's 400, never
// in an unhandled 'error' or a wait that does not end.
import { PassThrough } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { FieldsTooLargeError, FormDataReader, MalformedFormError, type FormLimits } from '../../sim/s3/form-data.js';

const BOUNDARY = 'xYzZY-boundary';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const LIMITS: FormLimits = { maxFieldBytes: 1024, maxFields: 10, maxBytesBeforeFile: 16 * 1024 };

/** A part as sent: its header lines as written (a broken one included), then its content. */
function part(headers: string, content: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(`--${BOUNDARY}\r\n${headers}\r\n\r\n`, 'latin1'), Buffer.from(content), Buffer.from('\r\n')]);
}
const field = (name: string, value: string) => part(`Content-Disposition: form-data; name="${name}"`, value);
const file = (content: string | Buffer) => part('Content-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg', content);
const CLOSE = Buffer.from(`--${BOUNDARY}--\r\n`);

/** A reader over a body that the test writes, whole or in pieces, and may leave unended. */
function readerOf(pieces: Buffer[], options: { end?: boolean; limits?: FormLimits } = {}) {
  const body = new PassThrough();
  const reader = new FormDataReader(body, CONTENT_TYPE, options.limits ?? LIMITS);
  for (const piece of pieces) body.write(piece);
  if (options.end ?? true) body.end();
  return { body, reader };
}

/** Every field before the file, and the file's bytes. */
async function readAll(reader: FormDataReader) {
  const fields: Array<[string, string]> = [];
  for (let next = await reader.nextPart(); next; next = await reader.nextPart()) {
    if (next.name === 'file') {
      const pieces: Buffer[] = [];
      for await (const piece of reader.content()) pieces.push(piece);
      return { fields, file: Buffer.concat(pieces), filename: next.filename };
    }
    fields.push([next.name, reader.text(1024)]);
  }
  return { fields };
}

/** `body` cut into pieces of `size` bytes, as a slow network delivers it. */
const inPieces = (body: Buffer, size: number) => Array.from({ length: Math.ceil(body.length / size) }, (_, i) => body.subarray(i * size, (i + 1) * size));

describe('the POST Object form reader (@fastify/busboy)', () => {
  it('reads the fields, then the file, with bytes that look like a delimiter but are none, delivered a byte at a time', async () => {
    const content = Buffer.from(`\xff\xd8 \r\n-- not a boundary \r\n--${BOUNDARY.slice(0, -1)}X and \r\n--${BOUNDARY.slice(0, 5)}\r\n\r\n--`, 'latin1');
    const body = Buffer.concat([field('key', 'enrol/a.jpg'), field('Policy', 'e30='), file(content), CLOSE]);
    const { reader } = readerOf(inPieces(body, 1));
    expect(await readAll(reader)).toEqual({ fields: [['key', 'enrol/a.jpg'], ['Policy', 'e30=']], file: content, filename: 'a.jpg' });
  });

  it('hands out nothing after the file: later parts are skipped unread', async () => {
    const { reader } = readerOf([field('key', 'k'), file('bytes'), field('key', 'after the file'), CLOSE]);
    expect(await readAll(reader)).toEqual({ fields: [['key', 'k']], file: Buffer.from('bytes'), filename: 'a.jpg' });
    expect(await reader.nextPart()).toBeUndefined();
  });

  it('skips a part whose header starts with a space (the input that crashed dicer 0.3.0, CVE-2022-24434), without an error', async () => {
    const { reader } = readerOf([part(' Content-Disposition: form-data; name="key"', 'hidden'), field('other', 'v'), file('x'), CLOSE]);
    expect(await readAll(reader)).toEqual({ fields: [['other', 'v']], file: Buffer.from('x'), filename: 'a.jpg' });
  });

  it('refuses a body cut off inside a field', async () => {
    const cut = Buffer.concat([field('key', 'k'), Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="policy"\r\n\r\nhalf a val`)]);
    const { reader } = readerOf([cut]);
    await expect(readAll(reader)).rejects.toBeInstanceOf(MalformedFormError);
  });

  it('refuses a body whose closing boundary is missing: the file part never ends', async () => {
    const { reader } = readerOf([field('key', 'k'), Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"\r\n\r\nall of the file`)]);
    await expect(readAll(reader)).rejects.toBeInstanceOf(MalformedFormError);
  });

  it('refuses a part without a name', async () => {
    const { reader } = readerOf([part('Content-Disposition: form-data', 'v'), file('x'), CLOSE]);
    await expect(readAll(reader)).rejects.toBeInstanceOf(MalformedFormError);
  });

  it('refuses more fields than the limit before the file, without reading the rest', async () => {
    const tiny = Array.from({ length: 50 }, () => field('a', ''));
    const { reader } = readerOf([...tiny, file('x'), CLOSE]);
    await expect(readAll(reader)).rejects.toBeInstanceOf(FieldsTooLargeError);
  });

  it('refuses a field over the value limit', async () => {
    const { reader } = readerOf([field('key', 'k'.repeat(LIMITS.maxFieldBytes + 1)), file('x'), CLOSE]);
    await expect(readAll(reader)).rejects.toBeInstanceOf(FieldsTooLargeError);
  });

  it('refuses a field that does not end as soon as the bytes before the file pass the limit', async () => {
    const { body, reader } = readerOf([Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="key"\r\n\r\n`)], { end: false });
    let settled = false;
    const outcome = reader.nextPart().then(
      () => 'a part',
      (error: unknown) => error,
    );
    void outcome.finally(() => (settled = true));
    let written = 0;
    while (!settled && written < 1024 * 1024) {
      body.write(Buffer.alloc(4096, 'k'));
      written += 4096;
      await nextTurn();
    }
    expect(await outcome).toBeInstanceOf(FieldsTooLargeError);
    expect(written).toBeLessThanOrEqual(LIMITS.maxBytesBeforeFile + 2 * 4096);
    body.destroy();
  });

  it('fails a file being read when its client goes away, and a wait for the next part likewise', async () => {
    const started = readerOf([field('key', 'k'), Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"\r\n\r\nthe first bytes`)], { end: false });
    const reading = readAll(started.reader);
    await nextTurn();
    started.body.destroy();
    await expect(reading).rejects.toBeInstanceOf(MalformedFormError);

    const waiting = readerOf([field('key', 'k')], { end: false });
    const next = readAll(waiting.reader);
    await nextTurn();
    waiting.body.destroy(new Error('aborted'));
    await expect(next).rejects.toBeInstanceOf(MalformedFormError);
  });

  it('keeps a file whose part had ended when its client then goes away', async () => {
    const { body, reader } = readerOf([field('key', 'k'), file('whole'), Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="later"\r\n\r\n`)], { end: false });
    const reading = readAll(reader);
    await nextTurn();
    body.destroy();
    expect(await reading).toEqual({ fields: [['key', 'k']], file: Buffer.from('whole'), filename: 'a.jpg' });
  });

  it('stops reading the body while nobody reads the file (backpressure), and goes on when it is read', async () => {
    // (The part's header ends in CRLF CRLF, which busboy reads as such only once a byte follows it.)
    const first = Buffer.alloc(16 * 1024, 1);
    const { body, reader } = readerOf([field('key', 'k'), Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"\r\n\r\n`), first], { end: false, limits: { ...LIMITS, maxBytesBeforeFile: 64 * 1024 } });
    expect((await reader.nextPart())?.name).toBe('key');
    expect((await reader.nextPart())?.name).toBe('file');
    let accepted = 0;
    while (body.write(Buffer.alloc(16 * 1024, 1)) && accepted < 1000) accepted++;
    for (let turn = 0; turn < 5; turn++) await nextTurn();
    // The body's buffer filled up: the reader took no more than busboy's and the file's buffers.
    expect(accepted).toBeLessThan(20);
    expect(body.writableNeedDrain).toBe(true);

    body.end(Buffer.concat([Buffer.from(`\r\n`), CLOSE]));
    let size = 0;
    for await (const piece of reader.content()) size += piece.length;
    expect(size).toBe((accepted + 2) * 16 * 1024);
  });

  it('refuses a Content-Type without a boundary, or with an empty one', () => {
    for (const contentType of ['multipart/form-data', 'multipart/form-data; boundary=', 'text/plain']) {
      expect(() => new FormDataReader(new PassThrough(), contentType, LIMITS)).toThrow(MalformedFormError);
    }
  });
});
