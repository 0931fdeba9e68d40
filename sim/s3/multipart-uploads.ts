// Multipart uploads not yet completed or aborted, in memory or under `<root>/<bucket>/uploads/`.
// On disk each upload is a folder named by its id holding upload.json (key, initiation time, the
// attributes the object will have) and one `<partNumber>.part` per part: the part's metadata as one
// line of JSON, a newline, then its bytes, written to a temporary name and renamed, as objects are
// (object-store.ts), so a part re-sent under its number is either the old one or the new one, whole,
// with its own ETag. Parts stay on disk: memory holds only their metadata. Uploads survive a
// restart, as on S3 (they last until completed or aborted); a folder without upload.json (an
// upload whose abort or creation was cut short) and temporary files are removed when read.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DamagedDataError, isJsonObject, parseJsonObject, readJsonFile } from '../damaged-data.js';
import { compareKeys, readHeadLine, TEMPORARY_FILE, writeAtomically, type BodyPiece, type StoredObject } from './object-store.js';

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  /** Milliseconds since the epoch: CreateMultipartUpload's time, the completed object's Last-Modified (as S3 dates it). */
  initiated: number;
  /** Who started it, `AWS:<access key id>`, for ListParts' and ListMultipartUploads' Initiator. */
  initiator: string;
  attributes: Pick<StoredObject, 'contentType' | 'metadata' | 'headers'>;
  /** `x-amz-checksum-algorithm` of CreateMultipartUpload, lowercased, if any. */
  checksumAlgorithm?: string;
}

export interface PartRecord {
  partNumber: number;
  /** Quoted MD5 of the part's bytes. */
  etag: string;
  size: number;
  lastModified: number;
  checksum?: { algorithm: string; value: string };
}

interface Part extends PartRecord {
  /** Memory mode: the bytes. On disk: where they start in the part's file. */
  body?: Buffer;
  bodyOffset?: number;
}

interface Upload {
  record: UploadRecord;
  parts: Map<number, Part>;
}

export interface MultipartLimits {
  /** Uploads open at once (created, neither completed nor aborted), all buckets together. */
  maxUploads: number;
  /** Bytes of parts all open uploads hold together: also the largest object a multipart upload makes. */
  maxBytes: number;
}

/** S3 has no cap on open uploads and takes objects up to 5 TiB; the kit caps what a client can leave on its disk. */
export const DEFAULT_MULTIPART_LIMITS: MultipartLimits = { maxUploads: 100, maxBytes: 1024 * 1024 * 1024 };

const UPLOADS_FOLDER = 'uploads';
const RECORD_FILE = 'upload.json';
const PART_FILE = /^(\d+)\.part$/;
const WHAT = 'the S3 data';

export class MultipartUploads {
  private readonly uploads = new Map<string, Upload>();

  /** @param root the S3 folder (`<dataDir>/s3`); memory only when undefined. */
  constructor(private readonly root: string | undefined, readonly limits: MultipartLimits = DEFAULT_MULTIPART_LIMITS) {
    if (!root || !existsSync(root)) return;
    for (const bucket of readdirSync(root, { withFileTypes: true })) {
      const folder = join(root, bucket.name, UPLOADS_FOLDER);
      if (!bucket.isDirectory() || !existsSync(folder)) continue;
      for (const entry of readdirSync(folder)) this.load(join(folder, entry));
    }
  }

  /** A new upload's id: random, URL- and file-name-safe. */
  static newUploadId(): string {
    return randomBytes(48).toString('base64url');
  }

  create(record: UploadRecord): void {
    if (this.root) {
      const folder = this.folderOf(record);
      mkdirSync(folder, { recursive: true });
      writeAtomically(join(folder, RECORD_FILE), JSON.stringify(record));
    }
    this.uploads.set(record.uploadId, { record, parts: new Map() });
  }

  /** The open upload with this id for this object; undefined for an unknown id or another object's. */
  get(uploadId: string, bucket: string, key: string): { record: UploadRecord; parts: PartRecord[] } | undefined {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.record.bucket !== bucket || upload.record.key !== key) return undefined;
    return { record: upload.record, parts: [...upload.parts.values()].sort((a, b) => a.partNumber - b.partNumber).map(partRecordOf) };
  }

  /** The bucket's open uploads, in S3's key order, then by initiation time. */
  list(bucket: string): UploadRecord[] {
    return [...this.uploads.values()]
      .map((upload) => upload.record)
      .filter((record) => record.bucket === bucket)
      .sort((a, b) => compareKeys(a.key, b.key) || a.initiated - b.initiated);
  }

  get count(): number {
    return this.uploads.size;
  }

  /** Bytes held by the parts of every open upload. */
  get heldBytes(): number {
    let total = 0;
    for (const upload of this.uploads.values()) for (const part of upload.parts.values()) total += part.size;
    return total;
  }

  /** The size of the part already stored under this number, 0 if none (a part sent again replaces it). */
  partSize(uploadId: string, partNumber: number): number {
    return this.uploads.get(uploadId)?.parts.get(partNumber)?.size ?? 0;
  }

  putPart(uploadId: string, part: PartRecord, body: Buffer): void {
    const upload = this.uploads.get(uploadId);
    if (!upload) throw new Error(`No upload ${uploadId}`);
    if (!this.root) {
      upload.parts.set(part.partNumber, { ...part, body });
      return;
    }
    const line = Buffer.from(`${JSON.stringify(part)}\n`, 'utf8');
    writeAtomically(join(this.folderOf(upload.record), `${part.partNumber}.part`), Buffer.concat([line, body]));
    upload.parts.set(part.partNumber, { ...part, bodyOffset: line.length });
  }

  /** Where the bytes of these parts are, in this order (every number must be a stored part). */
  pieces(uploadId: string, partNumbers: readonly number[]): BodyPiece[] {
    const upload = this.uploads.get(uploadId)!;
    return partNumbers.map((number) => {
      const part = upload.parts.get(number)!;
      if (part.body) return { buffer: part.body };
      return { file: join(this.folderOf(upload.record), `${number}.part`), start: part.bodyOffset!, length: part.size };
    });
  }

  /** Completed or aborted: gone, record first (a folder without it is removed when next read). */
  remove(uploadId: string): void {
    const upload = this.uploads.get(uploadId);
    if (!upload) return;
    this.uploads.delete(uploadId);
    if (!this.root) return;
    const folder = this.folderOf(upload.record);
    if (existsSync(join(folder, RECORD_FILE))) unlinkSync(join(folder, RECORD_FILE));
    rmSync(folder, { recursive: true, force: true });
  }

  /** A deleted bucket's uploads go with its folder. */
  forgetBucket(bucket: string): void {
    for (const [uploadId, upload] of this.uploads) if (upload.record.bucket === bucket) this.remove(uploadId);
  }

  private folderOf(record: UploadRecord): string {
    return join(this.root!, record.bucket, UPLOADS_FOLDER, record.uploadId);
  }

  private load(folder: string): void {
    const recordFile = join(folder, RECORD_FILE);
    if (!existsSync(recordFile)) {
      rmSync(folder, { recursive: true, force: true });
      return;
    }
    const record = readJsonFile(WHAT, recordFile, isUploadRecord);
    if (!record) return;
    const parts = new Map<number, Part>();
    for (const file of readdirSync(folder)) {
      if (file.endsWith(TEMPORARY_FILE)) {
        unlinkSync(join(folder, file));
        continue;
      }
      if (!PART_FILE.test(file)) continue;
      const descriptor = openSync(join(folder, file), 'r');
      try {
        const { text, bodyOffset } = readHeadLine(descriptor);
        const part = parseJsonObject(text);
        if (typeof part?.partNumber !== 'number' || typeof part.etag !== 'string' || typeof part.size !== 'number') {
          throw new DamagedDataError(WHAT, join(folder, file), 'its metadata (the first line) is not the JSON the kit writes');
        }
        parts.set(part.partNumber, { ...(part as unknown as PartRecord), bodyOffset });
      } finally {
        closeSync(descriptor);
      }
    }
    this.uploads.set(record.uploadId, { record, parts });
  }
}

function partRecordOf(part: Part): PartRecord {
  const { body: _body, bodyOffset: _offset, ...record } = part;
  return record;
}

function isUploadRecord(value: unknown): value is UploadRecord {
  return isJsonObject(value) && typeof value.uploadId === 'string' && typeof value.bucket === 'string' && typeof value.key === 'string'
    && typeof value.initiated === 'number' && isJsonObject(value.attributes);
}
