// A face's identity is a 128-bit hash (one bit per identity patch, see sim/faces/species.ts).
// Similarity is a fixed function of the Hamming distance between two hashes, calibrated so the
// usual Rekognition thresholds keep their everyday meaning:
//   distance 0 -> 100, each differing bit costs 4/3 points, 75 or more bits -> 0.
//   >= 99: identical hash; >= 95: at most 3 bits differ; >= 90: 7; >= 80: 15.
// Two different people differ in about 64 bits (each bit is a fair coin), similarity near 15;
// the chance that a stranger comes within 15 bits is below 1e-12.
import { HASH_BITS } from '../../faces/species.js';

export const HASH_WORDS = HASH_BITS / 32;
export const ZERO_SIMILARITY_DISTANCE = 75;

export type FaceHash = Uint32Array;

export function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

export function hammingDistance(left: Uint32Array, leftOffset: number, right: Uint32Array, rightOffset: number): number {
  let distance = 0;
  for (let word = 0; word < HASH_WORDS; word++) distance += popcount32((left[leftOffset + word] ^ right[rightOffset + word]) >>> 0);
  return distance;
}

export function similarityOfDistance(distance: number): number {
  const similarity = 100 - (distance * 100) / ZERO_SIMILARITY_DISTANCE;
  return similarity <= 0 ? 0 : Math.round(similarity * 10000) / 10000;
}

/** The largest Hamming distance whose similarity is still >= threshold. */
export function maxDistanceForThreshold(threshold: number): number {
  let distance = -1;
  while (distance + 1 <= HASH_BITS && similarityOfDistance(distance + 1) >= threshold) distance++;
  // A threshold of 0 accepts everything, however far.
  return threshold <= 0 ? HASH_BITS : distance;
}

export function hashToHex(hash: FaceHash): string {
  return Array.from(hash, (word) => word.toString(16).padStart(8, '0')).join('');
}

export function hashFromHex(hex: string): FaceHash {
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`not a face hash: ${hex}`);
  return Uint32Array.from({ length: HASH_WORDS }, (_, word) => parseInt(hex.slice(word * 8, word * 8 + 8), 16));
}
