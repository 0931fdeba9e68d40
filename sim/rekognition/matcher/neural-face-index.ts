// Search over neural descriptors, exact: every live face's correlation with the query is computed
// from its stored bytes (the integer dot product, in WebAssembly SIMD: int8-dot-kernel.ts), and the
// faces at or above the threshold are returned. No face is skipped on a guess, so the answer is
// the exhaustive one by construction (test/rekognition/neural-face-index.test.ts compares it with
// a plain JavaScript scan). 100,000 faces are 100 MB of descriptor bytes read once per search.
import { Int8DotKernel } from './int8-dot-kernel.js';
import { correlationForThreshold, similarityOfCorrelation, type NeuralDescriptor } from './neural-descriptor.js';

export interface NeuralMatch {
  slot: number;
  similarity: number;
}

export class NeuralFaceIndex {
  /** The descriptors' bytes side by side in WebAssembly memory; created with the first face. */
  private kernel?: Int8DotKernel;
  private alive = new Uint8Array(1024);
  private norms = new Float64Array(1024);
  private slots = 0;
  private liveCount = 0;

  get size(): number {
    return this.liveCount;
  }

  add(descriptor: NeuralDescriptor): number {
    this.kernel ??= new Int8DotKernel();
    const slot = this.kernel.add(descriptor.vector);
    this.slots = slot + 1;
    if (slot >= this.alive.length) {
      const alive = new Uint8Array(this.alive.length * 2);
      alive.set(this.alive);
      this.alive = alive;
      const norms = new Float64Array(this.norms.length * 2);
      norms.set(this.norms);
      this.norms = norms;
    }
    this.alive[slot] = 1;
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
    if (!this.kernel || this.liveCount === 0) return [];
    const minCorrelation = threshold <= 0 ? Number.NEGATIVE_INFINITY : correlationForThreshold(threshold);
    const { alive, norms } = this;
    const dots = this.kernel.dots(query.vector);
    const matches: NeuralMatch[] = [];
    for (let slot = 0; slot < this.slots; slot++) {
      if (alive[slot] === 0) continue;
      const denominator = norms[slot] * query.norm;
      const correlation = denominator === 0 ? 0 : dots[slot] / denominator;
      if (correlation < minCorrelation) continue;
      const similarity = similarityOfCorrelation(correlation);
      if (similarity >= threshold) matches.push({ slot, similarity });
    }
    return matches.sort((left, right) => right.similarity - left.similarity || left.slot - right.slot).slice(0, limit);
  }
}
