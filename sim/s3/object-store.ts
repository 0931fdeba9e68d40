// Buckets and objects, in memory or under `<root>/` on disk. On disk each bucket is a folder with
// bucket.json and objects/<sha256(key)>.{data,json}: hashing the key keeps any key (slashes, dots,
// unicode) a safe file name. Object metadata is read per bucket on first use, never the data.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  checksum?: { algorithm: string; value: string };
}

export interface BucketRecord {
  name: string;
  creationDate: number;
  cors?: CorsRule[];
  notifications?: NotificationConfig[];
}

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
      const recordFile = join(root, entry.name, 'bucket.json');
      if (entry.isDirectory() && existsSync(recordFile)) {
        const record = JSON.parse(readFileSync(recordFile, 'utf8')) as BucketRecord;
        this.buckets.set(record.name, { record, bodies: new Map() });
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
      writeAtomically(`${base}.data`, body);
      writeAtomically(`${base}.json`, JSON.stringify(object));
    } else {
      this.buckets.get(bucket)!.bodies.set(object.key, body);
    }
    objects.set(object.key, object);
  }

  headObject(bucket: string, key: string): StoredObject | undefined {
    return this.objectsOf(bucket).get(key);
  }

  readBody(bucket: string, key: string): Buffer {
    if (this.root) return readFileSync(`${this.objectPath(bucket, key)}.data`);
    return this.buckets.get(bucket)!.bodies.get(key)!;
  }

  /** Returns the removed object, if there was one. */
  deleteObject(bucket: string, key: string): StoredObject | undefined {
    const objects = this.objectsOf(bucket);
    const existing = objects.get(key);
    if (!existing) return undefined;
    objects.delete(key);
    if (this.root) {
      const base = this.objectPath(bucket, key);
      for (const file of [`${base}.json`, `${base}.data`]) if (existsSync(file)) unlinkSync(file);
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
        for (const file of readdirSync(folder)) {
          if (!file.endsWith('.json')) continue;
          const object = JSON.parse(readFileSync(join(folder, file), 'utf8')) as StoredObject;
          state.objects.set(object.key, object);
        }
      }
    }
    return state.objects;
  }

  private objectPath(bucket: string, key: string): string {
    const folder = join(this.root!, bucket, 'objects');
    mkdirSync(folder, { recursive: true });
    return join(folder, createHash('sha256').update(key, 'utf8').digest('hex'));
  }

  private saveBucketRecord(record: BucketRecord): void {
    if (!this.root) return;
    mkdirSync(join(this.root, record.name), { recursive: true });
    writeAtomically(join(this.root, record.name, 'bucket.json'), JSON.stringify(record));
  }
}

/** Write then rename, so a crash never leaves a half-written object behind a valid name. */
function writeAtomically(file: string, content: string | Buffer): void {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}
