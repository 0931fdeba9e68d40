// The seam between the operations and the two ways the emulator recognises faces:
//   synthetic  the drawn species of sim/faces/ (exact: a 128-bit identity hash read off the face)
//   neural     real photographs, through a face model (sim/rekognition/matcher/neural-*.ts)
// Both produce the same FoundFace (what FaceDetail shows, the quality problems, a descriptor);
// a descriptor carries its path, and faces of different paths never match each other.
import type { Box, QualityReason } from './detect-faces.js';
import { hammingDistance, similarityOfDistance, type FaceHash } from './face-hash.js';
import { correlationOf, similarityOfCorrelation, type NeuralDescriptor } from './neural-descriptor.js';
import type { RgbRaster } from './raster.js';

export type MatcherPath = 'synthetic' | 'neural';

export type FaceDescriptor = { path: 'synthetic'; hash: FaceHash } | ({ path: 'neural' } & NeuralDescriptor);

export interface Landmark {
  Type: string;
  X: number;
  Y: number;
}

export interface FoundFace {
  path: MatcherPath;
  /** Ratios of the (EXIF-oriented) picture. */
  boundingBox: Box;
  confidence: number;
  /** The five default landmarks (eyes, nose, mouth corners). */
  landmarks: Landmark[];
  /** Every landmark the path can place (Attributes ["ALL"]); the default five when it has no more. */
  allLandmarks: Landmark[];
  pose: { Roll: number; Yaw: number; Pitch: number };
  quality: { Brightness: number; Sharpness: number };
  /** Quality problems found, worst first (empty for a good face). */
  reasons: QualityReason[];
  /** FaceDetail fields beyond the defaults that this path measures (Attributes ["ALL"]). */
  attributes: Record<string, unknown>;
  /** Area of the bounding box in source pixels, to rank faces by size. */
  areaPixels: number;
  descriptor: FaceDescriptor;
}

export interface FaceMatcher {
  readonly path: MatcherPath;
  /** Every face of the picture, largest first. */
  findFaces(raster: RgbRaster): Promise<FoundFace[]>;
}

export function largestFirst(faces: FoundFace[]): FoundFace[] {
  return faces.sort((left, right) => right.areaPixels - left.areaPixels || left.boundingBox.Left - right.boundingBox.Left);
}

/** Similarity (0-100) of two faces; 0 when they come from different paths, which never match. */
export function similarityBetween(left: FaceDescriptor, right: FaceDescriptor): number {
  if (left.path === 'synthetic' && right.path === 'synthetic') return similarityOfDistance(hammingDistance(left.hash, 0, right.hash, 0));
  if (left.path === 'neural' && right.path === 'neural') return similarityOfCorrelation(correlationOf(left, right));
  return 0;
}
