// Face collections: faces and their descriptors, searchable through one index per matcher path
// (a FaceHashIndex for synthetic faces, a NeuralFaceIndex for real ones), so a face of one path
// is never compared with a face of the other. With a data folder every change is written before
// the call returns (collections.json for the list, an append-only log per collection for faces,
// descriptors included), so a restarted emulator searches without running any model again.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { DamagedDataError, isJsonObject, readJsonFile } from '../damaged-data.js';
import { appendWholeToFileSync, readJsonLines, replaceFileSync } from '../json-lines.js';
import { join } from 'node:path';
import type { Box } from './matcher/detect-faces.js';
import { maxDistanceForThreshold, hashFromHex, hashToHex, similarityOfDistance } from './matcher/face-hash.js';
import { FaceHashIndex } from './matcher/face-hash-index.js';
import type { FaceDescriptor, MatcherPath } from './matcher/face-matcher.js';
import { neuralDescriptorFromJson, neuralDescriptorToJson } from './matcher/neural-descriptor.js';
import { NeuralFaceIndex } from './matcher/neural-face-index.js';

export interface StoredFace {
  FaceId: string;
  ImageId: string;
  ExternalImageId?: string;
  BoundingBox: Box;
  Confidence: number;
  /** What search compares; its path says which matcher made the face. */
  descriptor: FaceDescriptor;
  /** Position in insertion order, for stable listing and pagination. */
  sequence: number;
}

interface CollectionRecord {
  id: string;
  arn: string;
  /** Epoch milliseconds. */
  createdAt: number;
}

/** A face as logged: synthetic faces keep the original `hash` field (older logs load as they are). */
type LoggedFace = Omit<StoredFace, 'descriptor' | 'sequence'> & ({ hash: string } | { neural: { vector: string; hash?: string } });
type LogEntry = { add: LoggedFace } | { delete: string[] };

export interface FaceMatch {
  face: StoredFace;
  similarity: number;
}

export class FaceCollection {
  private readonly faces = new Map<string, { face: StoredFace; slot: number }>();
  private readonly bySlot: Record<MatcherPath, (StoredFace | undefined)[]> = { synthetic: [], neural: [] };
  private readonly syntheticIndex = new FaceHashIndex();
  private readonly neuralIndex = new NeuralFaceIndex();
  private nextSequence = 0;

  constructor(readonly record: CollectionRecord, private readonly logFile?: string) {}

  get faceCount(): number {
    return this.faces.size;
  }

  /** How many sequence numbers faces have been given (0 to this - 1), deleted faces' included. */
  get sequencesIssued(): number {
    return this.nextSequence;
  }

  getFace(faceId: string): StoredFace | undefined {
    return this.faces.get(faceId)?.face;
  }

  /** All faces in insertion order. */
  listFaces(): StoredFace[] {
    return [...this.faces.values()].map(({ face }) => face);
  }

  addFaces(faces: Omit<StoredFace, 'sequence'>[]): StoredFace[] {
    const added = faces.map((face) => this.insert(face));
    try {
      if (this.logFile) this.append(added.map((face) => ({ add: loggedFaceOf(face) })));
    } catch (error) {
      // Not logged (a full disk): not searchable either, rather than until the next start only.
      for (const face of added) this.remove(face.FaceId);
      throw error;
    }
    return added;
  }

  /** Removes the faces that exist; returns the ids removed. Logged first: a failed write removes none. */
  deleteFaces(faceIds: string[]): string[] {
    const deleted = [...new Set(faceIds)].filter((faceId) => this.faces.has(faceId));
    if (deleted.length > 0) this.append([{ delete: deleted }]);
    for (const faceId of deleted) this.remove(faceId);
    return deleted;
  }

  /** Up to `limit` faces of the descriptor's path with similarity >= threshold, most similar first. */
  search(descriptor: FaceDescriptor, threshold: number, limit?: number): FaceMatch[] {
    if (descriptor.path === 'synthetic') {
      const faces = this.bySlot.synthetic;
      return this.syntheticIndex
        .search(descriptor.hash, maxDistanceForThreshold(threshold), limit)
        .map((match) => ({ face: faces[match.slot]!, similarity: similarityOfDistance(match.distance) }));
    }
    const faces = this.bySlot.neural;
    return this.neuralIndex.search(descriptor, threshold, limit).map((match) => ({ face: faces[match.slot]!, similarity: match.similarity }));
  }

  /** Replays a log line (at load time; does not write). */
  replay(entry: LogEntry): void {
    if ('add' in entry) this.insert(storedFaceOf(entry.add));
    else entry.delete.forEach((faceId) => this.remove(faceId));
  }

  /** Rewrites the log with only the live faces (after a load that replayed deletions). */
  compact(): void {
    if (!this.logFile) return;
    const lines = this.listFaces().map((face) => JSON.stringify({ add: loggedFaceOf(face) }) + '\n');
    replaceFileSync(this.logFile, lines.join(''));
  }

  private insert(face: Omit<StoredFace, 'sequence'>): StoredFace {
    const stored = { ...face, sequence: this.nextSequence++ };
    const { descriptor } = stored;
    const slot = descriptor.path === 'synthetic' ? this.syntheticIndex.add(descriptor.hash) : this.neuralIndex.add(descriptor);
    this.bySlot[descriptor.path][slot] = stored;
    this.faces.set(stored.FaceId, { face: stored, slot });
    return stored;
  }

  private remove(faceId: string): boolean {
    const entry = this.faces.get(faceId);
    if (!entry) return false;
    const { path } = entry.face.descriptor;
    if (path === 'synthetic') this.syntheticIndex.remove(entry.slot);
    else this.neuralIndex.remove(entry.slot);
    this.bySlot[path][entry.slot] = undefined;
    this.faces.delete(faceId);
    return true;
  }

  private append(entries: LogEntry[]): void {
    if (!this.logFile || entries.length === 0) return;
    appendWholeToFileSync(this.logFile, entries.map((entry) => JSON.stringify(entry) + '\n').join(''));
  }
}

function loggedFaceOf(face: StoredFace): LoggedFace {
  const { FaceId, ImageId, ExternalImageId, BoundingBox, Confidence, descriptor } = face;
  const base = { FaceId, ImageId, ...(ExternalImageId ? { ExternalImageId } : {}), BoundingBox, Confidence };
  return descriptor.path === 'synthetic' ? { ...base, hash: hashToHex(descriptor.hash) } : { ...base, neural: neuralDescriptorToJson(descriptor) };
}

function storedFaceOf(logged: LoggedFace): Omit<StoredFace, 'sequence'> {
  const { FaceId, ImageId, ExternalImageId, BoundingBox, Confidence } = logged;
  const descriptor: FaceDescriptor = 'neural' in logged ? { path: 'neural', ...neuralDescriptorFromJson(logged.neural) } : { path: 'synthetic', hash: hashFromHex(logged.hash) };
  return { FaceId, ImageId, ...(ExternalImageId ? { ExternalImageId } : {}), BoundingBox, Confidence, descriptor };
}

export class CollectionStore {
  private readonly collections = new Map<string, FaceCollection>();
  private readonly folder?: string;

  /** `dataDir` given: persist under `<dataDir>/rekognition/`; otherwise keep everything in memory. */
  constructor(dataDir?: string) {
    if (dataDir) {
      this.folder = join(dataDir, 'rekognition');
      mkdirSync(join(this.folder, 'faces'), { recursive: true });
      this.load();
    }
  }

  get(id: string): FaceCollection | undefined {
    return this.collections.get(id);
  }

  /** Collection ids in ascending order. */
  ids(): string[] {
    return [...this.collections.keys()].sort();
  }

  create(record: CollectionRecord): FaceCollection {
    const logFile = this.logFileOf(record.id);
    if (logFile) writeFileSync(logFile, '');
    const collection = new FaceCollection(record, logFile);
    this.collections.set(record.id, collection);
    this.saveList();
    return collection;
  }

  delete(id: string): void {
    // The faces first: a log left behind by a crash between the two steps would read as a
    // collection that collections.json lost (below), and stop the next start.
    const logFile = this.logFileOf(id);
    if (logFile) rmSync(logFile, { force: true });
    this.collections.delete(id);
    this.saveList();
  }

  private logFileOf(id: string): string | undefined {
    // Collection ids are [a-zA-Z0-9_.-]; "." and ".." are valid ids, so prefix the file name.
    return this.folder ? join(this.folder, 'faces', `collection-${id}.jsonl`) : undefined;
  }

  private saveList(): void {
    if (!this.folder) return;
    const records = [...this.collections.values()].map((collection) => collection.record);
    const file = join(this.folder, 'collections.json');
    replaceFileSync(file, JSON.stringify(records, null, 2));
  }

  private load(): void {
    const file = join(this.folder!, 'collections.json');
    const records = readJsonFile(WHAT, file, isCollectionList) ?? [];
    // A faces log whose collection the list does not name: the list was lost or damaged, and
    // creating the template's collection again would empty the log (every enrolled face).
    const listed = new Set(records.map((record) => this.logFileOf(record.id)));
    for (const name of readdirSync(join(this.folder!, 'faces'))) {
      const logFile = join(this.folder!, 'faces', name);
      if (!/^collection-.*\.jsonl$/.test(name) || listed.has(logFile) || statSync(logFile).size === 0) continue;
      const problem = records.length === 0 ? `missing or empty, but ${logFile} holds a collection's faces` : `does not list the collection whose faces are in ${logFile}`;
      throw new DamagedDataError(WHAT, file, problem);
    }
    for (const record of records) {
      const logFile = this.logFileOf(record.id)!;
      const collection = new FaceCollection(record, logFile);
      let replayedDeletes = false;
      for (const entry of readJsonLines<LogEntry>(WHAT, logFile)) {
        replayedDeletes ||= 'delete' in entry;
        collection.replay(entry);
      }
      if (replayedDeletes) collection.compact();
      this.collections.set(record.id, collection);
    }
  }
}

const WHAT = 'the Rekognition data';

function isCollectionList(value: unknown): value is CollectionRecord[] {
  return Array.isArray(value) && value.every((record) => isJsonObject(record) && typeof record.id === 'string');
}

