// Measures the matcher on the species: photographs many people in several camera variants,
// hashes every picture through the real decode + detect path (no HTTP), and compares all pairs.
// Shared by the vitest quality gate and bench/matcher-quality.ts.
import { decodeImage } from '../rekognition/matcher/decode-image.js';
import { detectFaces } from '../rekognition/matcher/detect-faces.js';
import { hammingDistance, maxDistanceForThreshold, similarityOfDistance, type FaceHash } from '../rekognition/matcher/face-hash.js';
import { HASH_BITS } from './species.js';
import { generateFace, generateFixture, generateGroup, groupSeeds } from './generate-face.js';

export interface EvaluationOptions {
  identities: number;
  variantsPerIdentity: number;
  /** Picture side; smaller is faster to generate. */
  size: number;
  noFacePictures: number;
  groupPictures: number;
}

export interface Evaluation {
  /** Pictures of a single person in which no face was found. */
  missedFaces: string[];
  /** Hamming distance histograms (index = distance). */
  genuine: number[];
  impostor: number[];
  noFaceDetections: number;
  /** Group pictures where the detected faces did not equal the people in it. */
  groupFailures: string[];
  groupFacesChecked: number;
}

export async function evaluateMatcher(options: EvaluationOptions): Promise<Evaluation> {
  const hashes: { identity: number; hash: FaceHash }[] = [];
  const missedFaces: string[] = [];
  const solo = new Map<string, FaceHash>();
  for (let identity = 0; identity < options.identities; identity++) {
    for (let variant = 0; variant < options.variantsPerIdentity; variant++) {
      const seed = `person-${identity}`;
      const picture = await generateFace({ seed, variant, size: options.size });
      const [face] = detectFaces(await decodeImage(picture));
      if (!face) {
        missedFaces.push(`${seed}/${variant}`);
        continue;
      }
      hashes.push({ identity, hash: face.hash });
      if (variant === 0) solo.set(seed, face.hash);
    }
  }
  const genuine = new Array<number>(HASH_BITS + 1).fill(0);
  const impostor = new Array<number>(HASH_BITS + 1).fill(0);
  for (let left = 0; left < hashes.length; left++) {
    for (let right = left + 1; right < hashes.length; right++) {
      const distance = hammingDistance(hashes[left].hash, 0, hashes[right].hash, 0);
      (hashes[left].identity === hashes[right].identity ? genuine : impostor)[distance]++;
    }
  }

  let noFaceDetections = 0;
  for (let index = 0; index < options.noFacePictures; index++) {
    const kind = index % 2 === 0 ? 'no-face' : 'blank';
    noFaceDetections += detectFaces(await decodeImage(await generateFixture(kind, `scene-${index}`, index))).length;
  }

  // Every person of a group picture must be found, and must hash like their own portrait.
  const groupFailures: string[] = [];
  let groupFacesChecked = 0;
  for (let index = 0; index < options.groupPictures; index++) {
    const count = index % 2 === 0 ? 2 : 3;
    const seed = `group-${index}`;
    const detected = detectFaces(await decodeImage(await generateGroup(seed, count, index)));
    const people = groupSeeds(seed, count);
    if (detected.length !== count) {
      groupFailures.push(`${seed}: ${detected.length} of ${count} faces`);
      continue;
    }
    for (const [position, person] of people.entries()) {
      const portrait = detectFaces(await decodeImage(await generateFace({ seed: person, size: options.size })))[0];
      groupFacesChecked++;
      // Faces come largest first, and groupSeeds lists the largest person first.
      if (!portrait || hammingDistance(portrait.hash, 0, detected[position].hash, 0) > maxDistanceForThreshold(95)) {
        groupFailures.push(`${seed}: ${person} not recognised`);
      }
    }
  }
  return { missedFaces, genuine, impostor, noFaceDetections, groupFailures, groupFacesChecked };
}

export interface ErrorRates {
  threshold: number;
  /** Genuine pairs below the threshold / all genuine pairs. */
  falseNonMatchRate: number;
  /** Impostor pairs at or above the threshold / all impostor pairs. */
  falseMatchRate: number;
  falseNonMatches: number;
  falseMatches: number;
}

export function errorRatesAt(evaluation: Evaluation, threshold: number): ErrorRates {
  const count = (histogram: number[], accept: boolean) =>
    histogram.reduce((sum, pairs, distance) => sum + ((similarityOfDistance(distance) >= threshold) === accept ? pairs : 0), 0);
  const genuinePairs = evaluation.genuine.reduce((sum, pairs) => sum + pairs, 0);
  const impostorPairs = evaluation.impostor.reduce((sum, pairs) => sum + pairs, 0);
  const falseNonMatches = count(evaluation.genuine, false);
  const falseMatches = count(evaluation.impostor, true);
  return {
    threshold,
    falseNonMatches,
    falseMatches,
    falseNonMatchRate: genuinePairs === 0 ? 0 : falseNonMatches / genuinePairs,
    falseMatchRate: impostorPairs === 0 ? 0 : falseMatches / impostorPairs,
  };
}

/** Similarity at the given percentiles (0..100) of a distance histogram. */
export function similarityPercentiles(histogram: number[], percentiles: number[]): number[] {
  const total = histogram.reduce((sum, pairs) => sum + pairs, 0);
  return percentiles.map((percentile) => {
    // Similarity falls as distance grows: the p-th percentile of similarity is the
    // (100-p)-th percentile of distance.
    const rank = Math.min(total - 1, Math.floor(((100 - percentile) / 100) * total));
    let seen = 0;
    for (let distance = 0; distance < histogram.length; distance++) {
      seen += histogram[distance];
      if (seen > rank) return similarityOfDistance(distance);
    }
    return 0;
  });
}
