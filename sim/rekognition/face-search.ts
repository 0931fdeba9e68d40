// The 1:N search shared by SearchFaces and SearchFacesByImage.
import type { FaceCollection } from './collection-store.js';
import type { FaceDescriptor } from './matcher/face-matcher.js';
import { numberOf } from './parameters.js';
import { faceOf } from './stored-face.js';

export function searchOptionsOf(input: Record<string, unknown>): { maxFaces: number; threshold: number } {
  return {
    maxFaces: numberOf(input.MaxFaces, { min: 1, max: 4096, fallback: 80, integer: true }),
    threshold: numberOf(input.FaceMatchThreshold, { min: 0, max: 100, fallback: 80 }),
  };
}

/** FaceMatches sorted by similarity (highest first), at or above the threshold. */
export function faceMatches(collection: FaceCollection, descriptor: FaceDescriptor, options: { maxFaces: number; threshold: number; excludeFaceId?: string }): Record<string, unknown>[] {
  // One extra in case the searched face itself (SearchFaces) is among them.
  return collection
    .search(descriptor, options.threshold, options.maxFaces + 1)
    .filter(({ face }) => face.FaceId !== options.excludeFaceId)
    .slice(0, options.maxFaces)
    .map(({ face, similarity }) => ({ Similarity: similarity, Face: faceOf(face) }));
}
