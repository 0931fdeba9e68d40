// The neural search is exact: on random descriptors (and look-alikes of them, so that every
// threshold has matches), it returns what a plain JavaScript scan of every face returns.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../sim/faces/seeded-random.js';
import { Int8DotKernel } from '../../sim/rekognition/matcher/int8-dot-kernel.js';
import { correlationOf, neuralDescriptorFromJson, neuralDescriptorOf, neuralDescriptorToJson, similarityOfCorrelation, type NeuralDescriptor } from '../../sim/rekognition/matcher/neural-descriptor.js';
import { NeuralFaceIndex } from '../../sim/rekognition/matcher/neural-face-index.js';

/** A raw model output: non-negative (the model ends in a ReLU), mostly small, a few large values. */
function randomRaw(random: SeededRandom): Float32Array {
  return Float32Array.from({ length: 1024 }, () => Math.max(0, random.between(-1, 1)) ** 2);
}

/** `raw` with a share of it replaced by noise: correlated with it, less so as `noise` grows. */
function lookAlike(raw: Float32Array, noise: number, random: SeededRandom): Float32Array {
  return raw.map((value) => (1 - noise) * value + noise * Math.max(0, random.between(-1, 1)) ** 2);
}

function bruteForce(faces: (NeuralDescriptor | undefined)[], query: NeuralDescriptor, threshold: number, limit: number): { slot: number; similarity: number }[] {
  return faces
    .map((face, slot) => ({ slot, similarity: face ? similarityOfCorrelation(correlationOf(query, face)) : -1 }))
    .filter(({ similarity }) => similarity >= 0 && similarity >= threshold)
    .sort((left, right) => right.similarity - left.similarity || left.slot - right.slot)
    .slice(0, limit);
}

describe('the int8 dot-product kernel', () => {
  it('gives the exact integer dot product, extremes included', () => {
    const random = new SeededRandom('kernel');
    const kernel = new Int8DotKernel();
    const vectors = [new Int8Array(1024).fill(-128), new Int8Array(1024).fill(127), new Int8Array(1024)];
    for (let index = 0; index < 40; index++) vectors.push(Int8Array.from({ length: 1024 }, () => Math.floor(random.between(-128, 128))));
    for (const vector of vectors) kernel.add(vector);
    for (const query of [vectors[0], vectors[1], vectors[5], new Int8Array(1024)]) {
      const expected = vectors.map((vector) => vector.reduce((sum, value, index) => sum + value * query[index], 0));
      expect(Array.from(kernel.dots(query))).toEqual(expected);
    }
  });
});

describe('neural face search', () => {
  it('returns exactly what a scan of every face returns, at every threshold, after removals and growth', () => {
    const random = new SeededRandom('neural-index');
    const index = new NeuralFaceIndex();
    const faces: (NeuralDescriptor | undefined)[] = [];
    const people = Array.from({ length: 30 }, () => randomRaw(random));
    // 5,000 faces: past several doublings of the index's storage and of its WebAssembly memory.
    for (let count = 0; count < 5000; count++) {
      const person = people[count % people.length];
      const descriptor = neuralDescriptorOf(count % 3 === 0 ? lookAlike(person, random.between(0.05, 0.9), random) : randomRaw(random));
      expect(index.add(descriptor)).toBe(faces.length);
      faces.push(descriptor);
    }
    for (let slot = 0; slot < faces.length; slot += 7) {
      index.remove(slot);
      faces[slot] = undefined;
    }
    expect(index.size).toBe(faces.filter(Boolean).length);
    let matched = 0;
    for (const [number, person] of people.slice(0, 10).entries()) {
      const query = neuralDescriptorOf(lookAlike(person, 0.3, random));
      for (const threshold of [0, 50, 80, 90, 95, 99]) {
        const limit = number % 2 === 0 ? 80 : Number.POSITIVE_INFINITY;
        const found = index.search(query, threshold, limit);
        expect(found).toEqual(bruteForce(faces, query, threshold, limit));
        if (threshold >= 95) matched += found.length;
      }
    }
    expect(matched).toBeGreaterThan(0);
  });

  it('finds nothing in an empty index or one whose faces were all removed', () => {
    const random = new SeededRandom('empty');
    const index = new NeuralFaceIndex();
    const query = neuralDescriptorOf(randomRaw(random));
    expect(index.search(query, 0)).toEqual([]);
    index.add(query);
    expect(index.search(query, 99)).toEqual([{ slot: 0, similarity: 100 }]);
    index.remove(0);
    expect(index.search(query, 0)).toEqual([]);
  });
});

describe('a logged neural descriptor', () => {
  it('reads back as it was written, also from logs that still carry the old SimHash', () => {
    const descriptor = neuralDescriptorOf(randomRaw(new SeededRandom('logged')));
    const json = neuralDescriptorToJson(descriptor);
    expect(Object.keys(json)).toEqual(['vector']);
    expect(neuralDescriptorFromJson(json)).toEqual(descriptor);
    expect(neuralDescriptorFromJson({ ...json, hash: Buffer.alloc(128).toString('base64') })).toEqual(descriptor);
    expect(() => neuralDescriptorFromJson({ vector: Buffer.alloc(10).toString('base64') })).toThrow('not a neural face descriptor');
  });
});
