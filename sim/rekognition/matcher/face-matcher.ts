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

/** A face as DetectFaces needs it: everything but, possibly, the descriptor. */
export type LocatedFace = Omit<FoundFace, 'descriptor'> & { descriptor?: FaceDescriptor };

/**
 * What the caller will use of the faces, so that a path can skip work nobody reads (the neural
 * path's description network is most of a picture's cost). Whatever is skipped, what is returned
 * is the same as with everything on.
 */
export interface FaceNeeds {
  /** false: the faces will not be compared or stored (DetectFaces); the descriptor may be left out. */
  descriptors: boolean;
  /** false: no attribute beyond the defaults will be shown (Attributes absent or ["DEFAULT"]). */
  attributes: boolean;
}

export const EVERYTHING: FaceNeeds = { descriptors: true, attributes: true };

export interface FaceMatcher {
  readonly path: MatcherPath;
  /** Every face of the picture, largest first. */
  findFaces(raster: RgbRaster, needs?: FaceNeeds & { descriptors: true }): Promise<FoundFace[]>;
  findFaces(raster: RgbRaster, needs: FaceNeeds): Promise<LocatedFace[]>;
}

/** Whether a request's Attributes / DetectionAttributes list asks for more than the defaults. */
export function wantsAttributes(attributes: string[]): boolean {
  return attributes.some((name) => name !== 'DEFAULT');
}

export function largestFirst<Face extends LocatedFace>(faces: Face[]): Face[] {
  return faces.sort((left, right) => right.areaPixels - left.areaPixels || left.boundingBox.Left - right.boundingBox.Left);
}

/** Similarity (0-100) of two faces; 0 when they come from different paths, which never match. */
export function similarityBetween(left: FaceDescriptor, right: FaceDescriptor): number {
  if (left.path === 'synthetic' && right.path === 'synthetic') return similarityOfDistance(hammingDistance(left.hash, 0, right.hash, 0));
  if (left.path === 'neural' && right.path === 'neural') return similarityOfCorrelation(correlationOf(left, right));
  return 0;
}
