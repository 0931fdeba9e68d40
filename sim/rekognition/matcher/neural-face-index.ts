// Search over neural descriptors: a linear popcount scan of the 1024-bit hashes keeps the faces
// within the threshold's Hamming bound (checked after every 256 bits, each check at five standard
// deviations, so a true match is lost with probability about 1e-6), which are then scored exactly
// by correlation. Results are exact for every face the bounds keep.
import { correlationForThreshold, DESCRIPTOR_LENGTH, maxHammingForThreshold, NEURAL_HASH_BITS, NEURAL_HASH_WORDS, similarityOfCorrelation, type NeuralDescriptor } from './neural-descriptor.js';

export interface NeuralMatch {
  slot: number;
  similarity: number;
}

export class NeuralFaceIndex {
  private hashes = new Int32Array(1024 * NEURAL_HASH_WORDS);
  private alive = new Uint8Array(1024);
  /** The descriptors' bytes side by side (cache-friendly exact scoring) and their norms. */
  private vectors = new Int8Array(1024 * DESCRIPTOR_LENGTH);
  private norms = new Float64Array(1024);
  private slots = 0;
  private liveCount = 0;

  get size(): number {
    return this.liveCount;
  }

  add(descriptor: NeuralDescriptor): number {
    const slot = this.slots++;
    if (slot >= this.alive.length) {
      const hashes = new Int32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
      const alive = new Uint8Array(this.alive.length * 2);
      alive.set(this.alive);
      this.alive = alive;
      const vectors = new Int8Array(this.vectors.length * 2);
      vectors.set(this.vectors);
      this.vectors = vectors;
      const norms = new Float64Array(this.norms.length * 2);
      norms.set(this.norms);
      this.norms = norms;
    }
    this.hashes.set(new Int32Array(descriptor.hash.buffer, descriptor.hash.byteOffset, NEURAL_HASH_WORDS), slot * NEURAL_HASH_WORDS);
    this.alive[slot] = 1;
    this.vectors.set(descriptor.vector, slot * DESCRIPTOR_LENGTH);
    this.norms[slot] = descriptor.norm;
    this.liveCount++;
    return slot;
  }

  remove(slot: number): void {
    if (!this.alive[slot]) return;
    this.alive[slot] = 0;
    this.liveCount--;
  }

  /** The `limit` most similar live faces at or above `threshold`, most similar first (ties: oldest first). */
  search(query: NeuralDescriptor, threshold: number, limit = Number.POSITIVE_INFINITY): NeuralMatch[] {
    // The bound for the first 256, 512, 768 and 1024 bits: most strangers are out after 512 or 768.
    const blockBounds = [1, 2, 3, 4].map((blocks) => maxHammingForThreshold(threshold, (NEURAL_HASH_BITS * blocks) / 4));
    const minCorrelation = threshold <= 0 ? Number.NEGATIVE_INFINITY : correlationForThreshold(threshold);
    const { hashes, alive, vectors, norms } = this;
    const queryVector = query.vector;
    const queryHash = new Int32Array(query.hash.buffer, query.hash.byteOffset, NEURAL_HASH_WORDS);
    const matches: NeuralMatch[] = [];
    // The hot loop: XOR + popcount, inlined, 8 words (256 bits) at a time, leaving as soon as the
    // distance so far is beyond the bound for that many bits.
    const blockWords = NEURAL_HASH_WORDS / 4;
    scan: for (let slot = 0, offset = 0; slot < this.slots; slot++, offset += NEURAL_HASH_WORDS) {
      if (alive[slot] === 0) continue;
      let distance = 0;
      for (let block = 0; block < 4; block++) {
        for (let word = block * blockWords; word < (block + 1) * blockWords; word++) {
          let v = hashes[offset + word] ^ queryHash[word];
          v = v - ((v >>> 1) & 0x55555555);
          v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
          distance += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
        }
        if (distance > blockBounds[block]) continue scan;
      }
      // Exact score: the integer dot product, four running sums.
      const base = slot * DESCRIPTOR_LENGTH;
      let sum0 = 0;
      let sum1 = 0;
      let sum2 = 0;
      let sum3 = 0;
      for (let index = 0; index < DESCRIPTOR_LENGTH; index += 4) {
        sum0 += vectors[base + index] * queryVector[index];
        sum1 += vectors[base + index + 1] * queryVector[index + 1];
        sum2 += vectors[base + index + 2] * queryVector[index + 2];
        sum3 += vectors[base + index + 3] * queryVector[index + 3];
      }
      const denominator = norms[slot] * query.norm;
      const correlation = denominator === 0 ? 0 : (sum0 + sum1 + sum2 + sum3) / denominator;
      if (correlation < minCorrelation) continue;
      const similarity = similarityOfCorrelation(correlation);
      if (similarity >= threshold) matches.push({ slot, similarity });
    }
    return matches.sort((left, right) => right.similarity - left.similarity || left.slot - right.slot).slice(0, limit);
  }
}
