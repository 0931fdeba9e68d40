// Nearest-hash search that stays fast at a million faces: multi-index hashing. The 128-bit hash
// is cut into 8 chunks of 16 bits, each with its own table chunk value -> slots. If two hashes
// differ in at most d bits, at least one chunk differs in at most floor(d / 8) bits (pigeonhole),
// so probing every table with the query chunk and its neighbours within that radius finds every
// match; candidates are then checked with the full Hamming distance. Loose thresholds (radius
// >= 3) or small collections fall back to a linear popcount scan, which is then cheaper.
import { HASH_WORDS, hammingDistance, type FaceHash } from './face-hash.js';

const CHUNKS = 8;
const CHUNK_BITS = 16;
const LINEAR_SCAN_BELOW = 2048;
const MAX_PROBE_RADIUS = 2;

/** 16-bit masks with at most `radius` bits set, for each radius up to MAX_PROBE_RADIUS. */
const PROBE_MASKS: number[][] = (() => {
  const byRadius: number[][] = [[0]];
  const single = Array.from({ length: CHUNK_BITS }, (_, bit) => 1 << bit);
  byRadius.push([0, ...single]);
  const pairs: number[] = [];
  for (let first = 0; first < CHUNK_BITS; first++) for (let second = first + 1; second < CHUNK_BITS; second++) pairs.push((1 << first) | (1 << second));
  byRadius.push([0, ...single, ...pairs]);
  return byRadius;
})();

function chunkOf(hashes: Uint32Array, offset: number, chunk: number): number {
  return (hashes[offset + (chunk >>> 1)] >>> ((chunk & 1) * 16)) & 0xffff;
}

export interface HashMatch {
  slot: number;
  distance: number;
}

export class FaceHashIndex {
  private hashes = new Uint32Array(1024 * HASH_WORDS);
  private alive = new Uint8Array(1024);
  private seen = new Uint32Array(1024);
  private searchStamp = 0;
  private slots = 0;
  private liveCount = 0;
  // Maps, not 65,536-slot arrays: eight of those took 4 MiB for every collection, empty or not,
  // and a data folder of 134 collections started at 705 MiB (a fuzzing audit, 2026-12-03).
  private readonly tables: Map<number, number[]>[] = Array.from({ length: CHUNKS }, () => new Map<number, number[]>());

  get size(): number {
    return this.liveCount;
  }

  /** Adds a hash; returns its slot (stable until the index is rebuilt). */
  add(hash: FaceHash): number {
    const slot = this.slots++;
    if (slot >= this.alive.length) this.grow();
    this.hashes.set(hash, slot * HASH_WORDS);
    this.alive[slot] = 1;
    this.liveCount++;
    for (let chunk = 0; chunk < CHUNKS; chunk++) {
      const key = chunkOf(this.hashes, slot * HASH_WORDS, chunk);
      const table = this.tables[chunk];
      const bucket = table.get(key);
      if (bucket) bucket.push(slot);
      else table.set(key, [slot]);
    }
    return slot;
  }

  remove(slot: number): void {
    if (!this.alive[slot]) return;
    this.alive[slot] = 0;
    this.liveCount--;
    for (let chunk = 0; chunk < CHUNKS; chunk++) {
      const key = chunkOf(this.hashes, slot * HASH_WORDS, chunk);
      const bucket = this.tables[chunk].get(key);
      const position = bucket?.indexOf(slot) ?? -1;
      if (bucket && position >= 0) bucket.splice(position, 1);
      if (bucket?.length === 0) this.tables[chunk].delete(key);
    }
  }

  /** The `limit` live hashes closest to `query` within `maxDistance` bits, closest first (ties: oldest first). */
  search(query: FaceHash, maxDistance: number, limit = Number.POSITIVE_INFINITY): HashMatch[] {
    const radius = Math.floor(maxDistance / CHUNKS);
    if (radius > MAX_PROBE_RADIUS || this.liveCount < LINEAR_SCAN_BELOW) return this.scan(query, maxDistance, limit);
    const matches = this.probe(query, maxDistance, radius);
    return matches.sort((left, right) => left.distance - right.distance || left.slot - right.slot).slice(0, limit);
  }

  /**
   * Linear popcount scan. Loose thresholds can accept most of a large collection, so instead of
   * sorting every match it counts matches per distance, finds the distance at which `limit` is
   * reached, and collects only those (slot order gives the oldest-first tie break for free).
   */
  private scan(query: FaceHash, maxDistance: number, limit: number): HashMatch[] {
    const distances = new Uint8Array(this.slots);
    const perDistance = new Array<number>(maxDistance + 2).fill(0);
    for (let slot = 0; slot < this.slots; slot++) {
      if (!this.alive[slot]) {
        distances[slot] = 255;
        continue;
      }
      const distance = hammingDistance(this.hashes, slot * HASH_WORDS, query, 0);
      distances[slot] = distance;
      if (distance <= maxDistance) perDistance[distance]++;
    }
    let cutoff = -1;
    let takenAtCutoff = 0;
    let wanted = limit;
    for (let distance = 0; distance <= maxDistance && wanted > 0; distance++) {
      cutoff = distance;
      takenAtCutoff = Math.min(perDistance[distance], wanted);
      wanted -= perDistance[distance];
    }
    const byDistance: HashMatch[][] = Array.from({ length: cutoff + 1 }, () => []);
    for (let slot = 0; slot < this.slots; slot++) {
      const distance = distances[slot];
      if (distance > cutoff || (distance === cutoff && byDistance[distance].length >= takenAtCutoff)) continue;
      byDistance[distance].push({ slot, distance });
    }
    return byDistance.flat();
  }

  private probe(query: FaceHash, maxDistance: number, radius: number): HashMatch[] {
    const matches: HashMatch[] = [];
    if (++this.searchStamp === 0xffffffff) {
      this.seen.fill(0);
      this.searchStamp = 1;
    }
    const masks = PROBE_MASKS[radius];
    for (let chunk = 0; chunk < CHUNKS; chunk++) {
      const table = this.tables[chunk];
      const key = chunkOf(query, 0, chunk);
      for (const mask of masks) {
        const bucket = table.get(key ^ mask);
        if (!bucket) continue;
        for (const slot of bucket) {
          if (this.seen[slot] === this.searchStamp) continue;
          this.seen[slot] = this.searchStamp;
          const distance = hammingDistance(this.hashes, slot * HASH_WORDS, query, 0);
          if (distance <= maxDistance) matches.push({ slot, distance });
        }
      }
    }
    return matches;
  }

  private grow(): void {
    const capacity = this.alive.length * 2;
    const hashes = new Uint32Array(capacity * HASH_WORDS);
    hashes.set(this.hashes);
    const alive = new Uint8Array(capacity);
    alive.set(this.alive);
    const seen = new Uint32Array(capacity);
    seen.set(this.seen);
    this.hashes = hashes;
    this.alive = alive;
    this.seen = seen;
  }
}
