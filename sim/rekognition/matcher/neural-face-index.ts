// Search over neural descriptors: a linear popcount scan of the 1024-bit hashes (about 10 ms at
// 100,000 faces) keeps the faces within the threshold's Hamming bound, which are then scored
// exactly by correlation. Results are exact for every face the bound keeps.
import { popcount32 } from './face-hash.js';
import { correlationForThreshold, correlationOf, maxHammingForThreshold, NEURAL_HASH_WORDS, similarityOfCorrelation, type NeuralDescriptor } from './neural-descriptor.js';

export interface NeuralMatch {
  slot: number;
  similarity: number;
}

export class NeuralFaceIndex {
  private hashes = new Uint32Array(1024 * NEURAL_HASH_WORDS);
  private descriptors: (NeuralDescriptor | undefined)[] = [];
  private slots = 0;
  private liveCount = 0;

  get size(): number {
    return this.liveCount;
  }

  add(descriptor: NeuralDescriptor): number {
    const slot = this.slots++;
    if ((slot + 1) * NEURAL_HASH_WORDS > this.hashes.length) {
      const grown = new Uint32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes.set(descriptor.hash, slot * NEURAL_HASH_WORDS);
    this.descriptors[slot] = descriptor;
    this.liveCount++;
    return slot;
  }

  remove(slot: number): void {
    if (!this.descriptors[slot]) return;
    this.descriptors[slot] = undefined;
    this.liveCount--;
  }

  /** The `limit` most similar live faces at or above `threshold`, most similar first (ties: oldest first). */
  search(query: NeuralDescriptor, threshold: number, limit = Number.POSITIVE_INFINITY): NeuralMatch[] {
    const maxDistance = maxHammingForThreshold(threshold);
    const minCorrelation = threshold <= 0 ? Number.NEGATIVE_INFINITY : correlationForThreshold(threshold);
    const { hashes } = this;
    const queryHash = query.hash;
    const matches: NeuralMatch[] = [];
    for (let slot = 0; slot < this.slots; slot++) {
      const descriptor = this.descriptors[slot];
      if (!descriptor) continue;
      let distance = 0;
      const offset = slot * NEURAL_HASH_WORDS;
      for (let word = 0; word < NEURAL_HASH_WORDS && distance <= maxDistance; word++) distance += popcount32((hashes[offset + word] ^ queryHash[word]) >>> 0);
      if (distance > maxDistance) continue;
      const correlation = correlationOf(query, descriptor);
      if (correlation < minCorrelation) continue;
      const similarity = similarityOfCorrelation(correlation);
      if (similarity >= threshold) matches.push({ slot, similarity });
    }
    return matches.sort((left, right) => right.similarity - left.similarity || left.slot - right.slot).slice(0, limit);
  }
}
