// Buckets and objects, in memory or under `<root>/` on disk. On disk each bucket is a folder with
// bucket.json and objects/<sha256(key)>.object: hashing the key keeps any key (slashes, dots,
// unicode) a safe file name. An object file is its metadata as one line of JSON, a newline, then
// the body, written to a temporary name and renamed: the rename is the one step that makes an
// object, or a new version of it, visible, so a process killed at any moment leaves each key's old
// object or its new one, whole. (Metadata and body used to be two files, `.json` and `.data`,
// renamed one after the other: a kill between the two renames of an overwrite left the old
// metadata beside the new body. Folders written that way are still read, and each such object is
// rewritten in the new form when it is next written.) Object metadata is read per bucket on first
// use, never the bodies.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { DamagedDataError, isJsonObject, parseJsonObject, readJsonFile } from '../damaged-data.js';
import type { CorsRule } from './cors.js';
import type { NotificationConfig } from './event-notifications.js';

export interface StoredObject {
  key: string;
  size: number;
  /** Quoted, as S3 sends it: `"<md5 hex>"`. */
  etag: string;
  /** Milliseconds since the epoch. */
  lastModified: number;
  contentType: string;
  /** User metadata, names lowercased without the `x-amz-meta-` prefix. */
  metadata: Record<string, string>;
  /** Stored representation headers: cache-control, content-disposition, content-encoding, ... */
  headers: Record<string, string>;
  /** A flexible checksum the uploader sent (and S3 verified), returned when asked for. */
  checksum?: { algorithm: string; value: string; type?: 'COMPOSITE' };
}

export interface BucketRecord {
  name: string;
  creationDate: number;
  cors?: CorsRule[];
  notifications?: NotificationConfig[];
}

/**
 * Where some body bytes are: a range of a file (an object's, after its metadata line, or a
 * multipart upload's part), or a buffer (memory mode). Copies and completed multipart uploads are
 * written from pieces a chunk at a time, so a large object never sits in memory whole.
 */
export type BodyPiece = { file: string; start: number; length: number } | { buffer: Buffer };

interface BucketState {
  record: BucketRecord;
  /** Loaded lazily from disk. */
  objects?: Map<string, StoredObject>;
  /** Object bodies, in memory mode only. */
  bodies: Map<string, Buffer>;
}

/** S3's rule for new bucket names (no uppercase, no `_`), which also keeps them safe as folder names. */
export function isValidBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith('xn--')
  );
}

/** S3 sorts keys by their UTF-8 bytes, which differs from JavaScript's UTF-16 order for some characters. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export class ObjectStore {
  private readonly buckets = new Map<string, BucketState>();

  /** @param root folder for persistence; memory only when undefined. */
  constructor(private readonly root?: string) {
    if (!root) return;
    mkdirSync(root, { recursive: true });
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const recordFile = join(root, entry.name, 'bucket.json');
      const record = readJsonFile(WHAT, recordFile, isBucketRecord);
      if (record) this.buckets.set(record.name, { record, bodies: new Map() });
      // Without its record the bucket would be created again, empty, over objects no one could list.
      else if (existsSync(join(root, entry.name, 'objects')) && readdirSync(join(root, entry.name, 'objects')).length > 0) {
        throw new DamagedDataError(WHAT, recordFile, 'missing, but the bucket\'s folder holds objects');
      }
    }
  }

  listBuckets(): BucketRecord[] {
    return [...this.buckets.values()].map((state) => state.record).sort((a, b) => compareKeys(a.name, b.name));
  }

  getBucket(name: string): BucketRecord | undefined {
    return this.buckets.get(name)?.record;
  }

  /** Returns false when the bucket already existed. */
  createBucket(name: string, creationDate: number): boolean {
    if (this.buckets.has(name)) return false;
    const record: BucketRecord = { name, creationDate };
    this.buckets.set(name, { record, objects: new Map(), bodies: new Map() });
    this.saveBucketRecord(record);
    return true;
  }

  configureBucket(name: string, config: Pick<BucketRecord, 'cors' | 'notifications'>): void {
    const state = this.buckets.get(name);
    if (!state) throw new Error(`No bucket ${name}`);
    state.record = { ...state.record, cors: config.cors, notifications: config.notifications };
    this.saveBucketRecord(state.record);
  }

  isEmpty(name: string): boolean {
    return this.objectsOf(name).size === 0;
  }

  deleteBucket(name: string): void {
    this.buckets.delete(name);
    if (this.root) rmSync(join(this.root, name), { recursive: true, force: true });
  }

  putObject(bucket: string, object: StoredObject, body: Buffer): void {
    const objects = this.objectsOf(bucket);
    if (this.root) {
      const base = this.objectPath(bucket, object.key);
      mkdirSync(dirname(base), { recursive: true });
      writeAtomically(`${base}${OBJECT_FILE}`, Buffer.concat([Buffer.from(`${JSON.stringify(object)}\n`, 'utf8'), body]));
      // The new file wins over an older form's pair when both are found, so a kill here loses nothing.
      removeLegacyFiles(base);
    } else {
      this.buckets.get(bucket)!.bodies.set(object.key, body);
    }
    objects.set(object.key, object);
  }

  headObject(bucket: string, key: string): StoredObject | undefined {
    return this.objectsOf(bucket).get(key);
  }

  readBody(bucket: string, key: string): Buffer {
    if (!this.root) return this.buckets.get(bucket)!.bodies.get(key)!;
    const base = this.objectPath(bucket, key);
    let file: Buffer;
    try {
      file = readFileSync(`${base}${OBJECT_FILE}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return readFileSync(`${base}${LEGACY_DATA_FILE}`);
    }
    return file.subarray(file.indexOf(NEWLINE) + 1);
  }

  /** The body of an existing object, as a piece to copy from (read it before anything else runs). */
  bodyPiece(bucket: string, key: string): BodyPiece {
    const object = this.objectsOf(bucket).get(key);
    if (!object) throw new Error(`No object ${key} in ${bucket}`);
    if (!this.root) return { buffer: this.buckets.get(bucket)!.bodies.get(key)! };
    const { descriptor, file, bodyOffset } = this.openBodyFile(bucket, key);
    closeSync(descriptor);
    return { file, start: bodyOffset, length: object.size };
  }

  /**
   * Bytes `start` to `end` (inclusive) of an existing object's body, streamed from its file: the
   * file is opened here, in the caller's turn, so a PUT that replaces the object afterwards does
   * not change what this stream sends (the old file stays readable through its descriptor).
   */
  openBody(bucket: string, key: string, start: number, end: number): Readable {
    if (end < start) return Readable.from([]);
    if (!this.root) return Readable.from([this.buckets.get(bucket)!.bodies.get(key)!.subarray(start, end + 1)]);
    const { descriptor, bodyOffset } = this.openBodyFile(bucket, key);
    return createReadStream('', { fd: descriptor, start: bodyOffset + start, end: bodyOffset + end, autoClose: true });
  }

  /** The file holding an object's body, opened, and where the body starts: after the metadata line, or at 0 in the older form's data file. */
  private openBodyFile(bucket: string, key: string): { descriptor: number; file: string; bodyOffset: number } {
    const base = this.objectPath(bucket, key);
    const file = `${base}${OBJECT_FILE}`;
    let descriptor: number;
    try {
      descriptor = openSync(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const legacy = `${base}${LEGACY_DATA_FILE}`;
      return { descriptor: openSync(legacy, 'r'), file: legacy, bodyOffset: 0 };
    }
    try {
      return { descriptor, file, bodyOffset: readHeadLine(descriptor).bodyOffset };
    } catch (error) {
      closeSync(descriptor);
      throw error;
    }
  }

  /**
   * Stores an object whose body is `pieces` one after the other, copied a chunk at a time into
   * the object's temporary file, which is then renamed into place as putObject's is. The pieces
   * are read before the rename, so an object may be copied onto itself.
   */
  putObjectFromPieces(bucket: string, object: StoredObject, pieces: readonly BodyPiece[]): void {
    const objects = this.objectsOf(bucket);
    if (!this.root) {
      const chunks: Buffer[] = [];
      forEachChunk(pieces, (chunk) => chunks.push(Buffer.from(chunk)));
      this.buckets.get(bucket)!.bodies.set(object.key, Buffer.concat(chunks));
      objects.set(object.key, object);
      return;
    }
    const base = this.objectPath(bucket, object.key);
    mkdirSync(dirname(base), { recursive: true });
    const file = `${base}${OBJECT_FILE}`;
    const temporary = temporaryNameOf(file);
    const output = openSync(temporary, 'w');
    try {
      writeSync(output, Buffer.from(`${JSON.stringify(object)}\n`, 'utf8'));
      forEachChunk(pieces, (chunk) => writeSync(output, chunk));
    } catch (error) {
      closeSync(output);
      unlinkSync(temporary);
      throw error;
    }
    closeSync(output);
    renameSync(temporary, file);
    removeLegacyFiles(base);
    objects.set(object.key, object);
  }

  /** Returns the removed object, if there was one. */
  deleteObject(bucket: string, key: string): StoredObject | undefined {
    const objects = this.objectsOf(bucket);
    const existing = objects.get(key);
    if (!existing) return undefined;
    objects.delete(key);
    if (this.root) {
      const base = this.objectPath(bucket, key);
      if (existsSync(`${base}${OBJECT_FILE}`)) unlinkSync(`${base}${OBJECT_FILE}`);
      removeLegacyFiles(base);
    } else {
      this.buckets.get(bucket)!.bodies.delete(key);
    }
    return existing;
  }

  /** Every object of the bucket, in S3's key order. */
  listObjects(bucket: string): StoredObject[] {
    return [...this.objectsOf(bucket).values()].sort((a, b) => compareKeys(a.key, b.key));
  }

  private objectsOf(bucket: string): Map<string, StoredObject> {
    const state = this.buckets.get(bucket);
    if (!state) throw new Error(`No bucket ${bucket}`);
    if (!state.objects) {
      state.objects = new Map();
      const folder = join(this.root!, bucket, 'objects');
      if (existsSync(folder)) {
        const files = readdirSync(folder);
        // A write the process did not live to rename is not an object: its temporary file goes.
        for (const file of files) if (file.endsWith(TEMPORARY_FILE)) unlinkSync(join(folder, file));
        // So is an older-form body whose metadata was never renamed into place (or was deleted first).
        const listed = new Set(files);
        for (const file of files) {
          if (file.endsWith(LEGACY_DATA_FILE) && !listed.has(`${file.slice(0, -LEGACY_DATA_FILE.length)}${LEGACY_METADATA_FILE}`)) unlinkSync(join(folder, file));
        }
        for (const file of files) {
          if (!file.endsWith(LEGACY_METADATA_FILE)) continue;
          const object = parsedMetadata(join(folder, file), readFileSync(join(folder, file), 'utf8'));
          state.objects.set(object.key, object);
        }
        // After the older form's files, so that an object rewritten in the new form wins.
        for (const file of files) {
          if (!file.endsWith(OBJECT_FILE)) continue;
          const object = readObjectMetadata(join(folder, file));
          state.objects.set(object.key, object);
        }
      }
    }
    return state.objects;
  }

  /** Where the object's file goes; its folder is made by the first write, not by reads. */
  private objectPath(bucket: string, key: string): string {
    return join(this.root!, bucket, 'objects', createHash('sha256').update(key, 'utf8').digest('hex'));
  }

  private saveBucketRecord(record: BucketRecord): void {
    if (!this.root) return;
    mkdirSync(join(this.root, record.name), { recursive: true });
    writeAtomically(join(this.root, record.name, 'bucket.json'), JSON.stringify(record));
  }
}

const OBJECT_FILE = '.object';
const LEGACY_METADATA_FILE = '.json';
const LEGACY_DATA_FILE = '.data';
/** The suffix of a file being written (object-store's and multipart-uploads'), removed when found on start. */
export const TEMPORARY_FILE = '.tmp';
const NEWLINE = 0x0a;
/** Metadata lines are a few KB at most (S3 caps user metadata at 2 KB); read in steps of this. */
const METADATA_READ_BYTES = 16 * 1024;

/** The metadata line at the head of an object file, read without the body. */
function readObjectMetadata(file: string): StoredObject {
  const descriptor = openSync(file, 'r');
  try {
    return parsedMetadata(file, readHeadLine(descriptor).text);
  } finally {
    closeSync(descriptor);
  }
}

/** The first line of a file (an object's or a part's metadata) and where the body after it starts. */
export function readHeadLine(descriptor: number): { text: string; bodyOffset: number } {
  const chunks: Buffer[] = [];
  for (let position = 0; ; ) {
    const chunk = Buffer.alloc(METADATA_READ_BYTES);
    const read = readSync(descriptor, chunk, 0, chunk.length, position);
    const end = chunk.subarray(0, read).indexOf(NEWLINE);
    if (end >= 0 || read === 0) {
      chunks.push(chunk.subarray(0, end >= 0 ? end : read));
      const line = Buffer.concat(chunks);
      return { text: line.toString('utf8'), bodyOffset: line.length + 1 };
    }
    chunks.push(chunk.subarray(0, read));
    position += read;
  }
}

/** Copies are made in steps of this many bytes: the memory a copy or a completion holds. */
const COPY_CHUNK_BYTES = 1024 * 1024;

/** Each piece's bytes in order, at most COPY_CHUNK_BYTES at a time. */
export function forEachChunk(pieces: readonly BodyPiece[], use: (chunk: Buffer) => void): void {
  const chunk = Buffer.alloc(COPY_CHUNK_BYTES);
  for (const piece of pieces) {
    if ('buffer' in piece) {
      if (piece.buffer.length > 0) use(piece.buffer);
      continue;
    }
    const input = openSync(piece.file, 'r');
    try {
      for (let done = 0; done < piece.length; ) {
        const read = readSync(input, chunk, 0, Math.min(chunk.length, piece.length - done), piece.start + done);
        if (read === 0) throw new Error(`${piece.file} ends before its ${piece.length} bytes`);
        use(chunk.subarray(0, read));
        done += read;
      }
    } finally {
      closeSync(input);
    }
  }
}

/** The older form's pair, metadata first: a pair cut short leaves a body nobody lists, never a listed object without its body. */
function removeLegacyFiles(base: string): void {
  for (const file of [`${base}${LEGACY_METADATA_FILE}`, `${base}${LEGACY_DATA_FILE}`]) if (existsSync(file)) unlinkSync(file);
}

/** Where `file` is written before it is renamed into place; such names are removed when read. */
function temporaryNameOf(file: string): string {
  return `${file}.${randomBytes(6).toString('hex')}${TEMPORARY_FILE}`;
}

/** Write then rename, so a crash never leaves a half-written object (or part, or record) behind a valid name. */
export function writeAtomically(file: string, content: string | Buffer): void {
  const temporary = temporaryNameOf(file);
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

const WHAT = 'the S3 data';

function isBucketRecord(value: unknown): value is BucketRecord {
  return isJsonObject(value) && typeof value.name === 'string' && typeof value.creationDate === 'number';
}

/** An object's metadata line; an object file that does not start with one is damaged. */
function parsedMetadata(file: string, text: string): StoredObject {
  const metadata = parseJsonObject(text);
  if (typeof metadata?.key !== 'string') throw new DamagedDataError(WHAT, file, 'its metadata (the first line) is not the JSON the kit writes');
  return metadata as unknown as StoredObject;
}
