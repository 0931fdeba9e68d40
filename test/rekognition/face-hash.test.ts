import { describe, expect, it } from 'vitest';
import { generateFace, generateFixture, identityBitsOf } from '../../sim/faces/generate-face.js';
import { SeededRandom } from '../../sim/faces/seeded-random.js';
import { decodeImage } from '../../sim/rekognition/matcher/decode-image.js';
import { detectFaces } from '../../sim/rekognition/matcher/detect-faces.js';
import { FaceHashIndex } from '../../sim/rekognition/matcher/face-hash-index.js';
import { hammingDistance, hashToHex, maxDistanceForThreshold, similarityOfDistance, type FaceHash } from '../../sim/rekognition/matcher/face-hash.js';

function randomHash(random: SeededRandom): FaceHash {
  return Uint32Array.from({ length: 4 }, () => random.nextUint32());
}

/** A copy of `hash` with `bits` distinct bits flipped. */
function flipBits(hash: FaceHash, bits: number, random: SeededRandom): FaceHash {
  const copy = hash.slice();
  const positions = random.shuffle(Array.from({ length: 128 }, (_, index) => index)).slice(0, bits);
  for (const position of positions) copy[position >>> 5] ^= 1 << (position & 31);
  return copy;
}

describe('similarity calibration', () => {
  it('maps Hamming distance to similarity so the usual thresholds keep their meaning', () => {
    expect(similarityOfDistance(0)).toBe(100);
    expect(maxDistanceForThreshold(99)).toBe(0);
    expect(maxDistanceForThreshold(95)).toBe(3);
    expect(maxDistanceForThreshold(90)).toBe(7);
    expect(maxDistanceForThreshold(80)).toBe(15);
    expect(maxDistanceForThreshold(0)).toBe(128);
    // A stranger differs in about half the bits.
    expect(similarityOfDistance(64)).toBeLessThan(20);
  });
});

describe('FaceHashIndex (multi-index hashing)', () => {
  it('returns exactly what a linear scan returns, for every threshold', () => {
    const random = new SeededRandom('index-test');
    const index = new FaceHashIndex();
    const stored: FaceHash[] = [];
    const queries = Array.from({ length: 20 }, () => randomHash(random));
    for (let slot = 0; slot < 6000; slot++) {
      // Plant near neighbours of the queries among random hashes.
      const hash = slot < 400 ? flipBits(queries[slot % 20], slot % 24, random) : randomHash(random);
      stored.push(hash);
      index.add(hash);
    }
    for (const slot of [3, 25, 50, 4000]) index.remove(slot);

    for (const threshold of [99, 95, 90, 80, 70]) {
      const maxDistance = maxDistanceForThreshold(threshold);
      for (const query of queries) {
        const expected = stored
          .map((hash, slot) => ({ slot, distance: hammingDistance(hash, 0, query, 0) }))
          .filter(({ slot, distance }) => distance <= maxDistance && ![3, 25, 50, 4000].includes(slot));
        expect(index.search(query, maxDistance)).toEqual(expected.sort((left, right) => left.distance - right.distance || left.slot - right.slot));
      }
    }
    expect(index.size).toBe(5996);
  });

  it('costs kilobytes while empty, not the 4 MiB of eight 65,536-slot tables (every collection has an index)', () => {
    const before = process.memoryUsage().heapUsed;
    const indexes = Array.from({ length: 100 }, () => new FaceHashIndex());

    // 400 MiB with the tables allocated up front; a few KiB each now.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
    expect(indexes.every((index) => index.size === 0)).toBe(true);
  });

  it('returns the closest `limit` hashes, oldest first among equals, also on a full scan', () => {
    const random = new SeededRandom('limit-test');
    const index = new FaceHashIndex();
    const query = randomHash(random);
    const stored = Array.from({ length: 3000 }, (_, slot) => (slot % 7 === 0 ? flipBits(query, slot % 5, random) : randomHash(random)));
    stored.forEach((hash) => index.add(hash));
    const ranked = stored
      .map((hash, slot) => ({ slot, distance: hammingDistance(hash, 0, query, 0) }))
      .sort((left, right) => left.distance - right.distance || left.slot - right.slot);

    expect(index.search(query, 128, 50)).toEqual(ranked.slice(0, 50));
    expect(index.search(query, 3, 10)).toEqual(ranked.filter(({ distance }) => distance <= 3).slice(0, 10));
    expect(index.search(query, 128)).toHaveLength(3000);
  });
});

describe('face hash', () => {
  it('reads exactly the identity patches the generator drew', async () => {
    for (const [seed, variant] of [['reader-1', 0], ['reader-2', 5], ['reader-3', 7]] as const) {
      const [face] = detectFaces(await decodeImage(await generateFace({ seed, variant })));
      const bits = Array.from({ length: 128 }, (_, index) => (face.hash[index >>> 5] >>> (index & 31)) & 1);
      expect(bits).toEqual(identityBitsOf(seed));
    }
  });
});

describe('determinism', () => {
  it('generates the same picture for the same seed and variant, and a different one otherwise', async () => {
    const first = await generateFace({ seed: 'same', variant: 2 });
    expect((await generateFace({ seed: 'same', variant: 2 })).equals(first)).toBe(true);
    expect((await generateFace({ seed: 'same', variant: 3 })).equals(first)).toBe(false);
    expect((await generateFixture('corrupt', 'same')).equals(await generateFixture('corrupt', 'same'))).toBe(true);
  });

  it('reads a lossless picture into the same hash on every machine', async () => {
    // A PNG fixes the pixels exactly; from there the matcher uses only integer arithmetic and
    // exactly rounded IEEE operations, so this hash is a constant of the model.
    const png = await generateFace({ seed: 'golden', variant: 4, camera: { format: 'png', blur: 0 } });
    const [face] = detectFaces(await decodeImage(png));
    expect(hashToHex(face.hash)).toBe(GOLDEN_HASH);
  });
});

const GOLDEN_HASH = '774a67151a8341fb68b0b22acaf63d0f';
