// Measures the synthetic matcher against changes the face generator does not draw: each person's
// studio portrait is enrolled as it is, then changed after the fact by sim/faces/photo-transforms.ts
// (rotation, crops, rescaling, colour, occlusion, recompression, blur, noise, mirror) and searched
// for. Every picture goes through the real decode, detection and hash path. Genuine pairs: a
// changed photo against its own person's enrolment; impostor pairs: photos of different people,
// changed or not. Shared by the `npm test` gate and `npx tsx bench/matcher-transforms.ts`.
import { decodeImage } from '../rekognition/matcher/decode-image.js';
import { detectFaces, type DetectedFace } from '../rekognition/matcher/detect-faces.js';
import { hammingDistance, similarityOfDistance, type FaceHash } from '../rekognition/matcher/face-hash.js';
import { generateFace } from './generate-face.js';
import { PHOTO_TRANSFORMS, transformPhoto, type FaceLandmarks, type PhotoTransform } from './photo-transforms.js';
import { HASH_BITS } from './species.js';

export interface TransformEvaluationOptions {
  identities: number;
  /** Side of the generated portrait in pixels. */
  size: number;
  /** Which transforms to run (default: all). */
  transforms?: readonly PhotoTransform[];
}

export interface TransformResult {
  name: string;
  description: string;
  probes: number;
  /** Probes in which no face was found (the person's seed). */
  missed: string[];
  /** Hamming distance of each found probe to its own enrolment. */
  genuineDistances: number[];
  /** Distances of this transform's probes to other people (their enrolments and their probes). */
  impostor: number[];
}

export interface TransformEvaluation {
  identities: number;
  size: number;
  results: TransformResult[];
  /** Distance histogram of every pair of different people among all enrolments and probes. */
  impostor: number[];
}

function landmarksInPixels(face: DetectedFace, width: number, height: number): FaceLandmarks {
  const at = (type: string) => {
    const landmark = face.landmarks.find((candidate) => candidate.Type === type);
    if (!landmark) throw new Error(`no ${type} landmark`);
    return { x: landmark.X * width, y: landmark.Y * height };
  };
  const mouthLeft = at('mouthLeft');
  const mouthRight = at('mouthRight');
  return { eyeLeft: at('eyeLeft'), eyeRight: at('eyeRight'), mouth: { x: (mouthLeft.x + mouthRight.x) / 2, y: (mouthLeft.y + mouthRight.y) / 2 } };
}

async function largestFace(jpeg: Buffer): Promise<DetectedFace | undefined> {
  return detectFaces(await decodeImage(jpeg))[0];
}

export async function evaluateTransforms(options: TransformEvaluationOptions): Promise<TransformEvaluation> {
  const transforms = options.transforms ?? PHOTO_TRANSFORMS;
  const enrolments: { identity: number; seed: string; photo: Buffer; hash: FaceHash; landmarks: FaceLandmarks }[] = [];
  for (let identity = 0; identity < options.identities; identity++) {
    const seed = `transformed-${identity}`;
    const photo = await generateFace({ seed, size: options.size });
    const face = await largestFace(photo);
    // The untouched studio portrait must be found; the generator's own gate holds that.
    if (!face) throw new Error(`no face in the studio portrait of ${seed}`);
    enrolments.push({ identity, seed, photo, hash: face.hash, landmarks: landmarksInPixels(face, options.size, options.size) });
  }

  const everyHash: { identity: number; hash: FaceHash }[] = enrolments.map(({ identity, hash }) => ({ identity, hash }));
  const results: TransformResult[] = [];
  for (const transform of transforms) {
    const result: TransformResult = { name: transform.name, description: transform.description, probes: 0, missed: [], genuineDistances: [], impostor: new Array<number>(HASH_BITS + 1).fill(0) };
    const probes: { identity: number; hash: FaceHash }[] = [];
    for (const enrolment of enrolments) {
      result.probes++;
      const face = await largestFace(await transformPhoto(transform, enrolment.photo, enrolment.landmarks, enrolment.seed));
      if (!face) {
        result.missed.push(enrolment.seed);
        continue;
      }
      result.genuineDistances.push(hammingDistance(face.hash, 0, enrolment.hash, 0));
      probes.push({ identity: enrolment.identity, hash: face.hash });
    }
    for (const [index, probe] of probes.entries()) {
      for (const other of enrolments) {
        if (other.identity !== probe.identity) result.impostor[hammingDistance(probe.hash, 0, other.hash, 0)]++;
      }
      for (const other of probes.slice(index + 1)) {
        if (other.identity !== probe.identity) result.impostor[hammingDistance(probe.hash, 0, other.hash, 0)]++;
      }
    }
    everyHash.push(...probes);
    results.push(result);
  }

  const impostor = new Array<number>(HASH_BITS + 1).fill(0);
  for (let left = 0; left < everyHash.length; left++) {
    for (let right = left + 1; right < everyHash.length; right++) {
      if (everyHash[left].identity !== everyHash[right].identity) impostor[hammingDistance(everyHash[left].hash, 0, everyHash[right].hash, 0)]++;
    }
  }
  return { identities: options.identities, size: options.size, results, impostor };
}

/** Probes of a transform that match their own person at `threshold`, counting a missed face as a non-match. */
export function trueMatchesAt(result: TransformResult, threshold: number): number {
  return result.genuineDistances.filter((distance) => similarityOfDistance(distance) >= threshold).length;
}

/** Impostor pairs of a distance histogram accepted at `threshold`. */
export function falseMatchesAt(histogram: readonly number[], threshold: number): number {
  return histogram.reduce((sum, pairs, distance) => sum + (similarityOfDistance(distance) >= threshold ? pairs : 0), 0);
}

/** Highest similarity in a distance histogram (0 when it is empty). */
export function highestSimilarity(histogram: readonly number[]): number {
  const closest = histogram.findIndex((pairs) => pairs > 0);
  return closest < 0 ? 0 : similarityOfDistance(closest);
}
