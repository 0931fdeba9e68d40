// Measures the neural path on real photographs: every shot of every person (real-face-shots.ts)
// goes through the same decode and face finder as a Rekognition call; similarities of all pairs
// of the same person (genuine) and of different people (impostor) are kept, so error rates can
// be read at any threshold. Shared by the `npm test` gate and `npm run bench`.
import { FaceFinder } from '../rekognition/face-finder.js';
import { decodeImage } from '../rekognition/matcher/decode-image.js';
import { similarityBetween, type FaceDescriptor } from '../rekognition/matcher/face-matcher.js';
import type { NeuralFaceModel } from '../rekognition/matcher/neural-model.js';
import { NO_FACE_PHOTOS, REAL_PEOPLE, realPhoto, SHOT_KINDS, shotOf, type ShotKind } from './real-face-shots.js';

export interface RealShot {
  person: string;
  photo: string;
  kind: ShotKind;
  /** The largest face's descriptor; undefined when no face was found. */
  descriptor?: FaceDescriptor;
}

export interface RealFaceEvaluation {
  shots: RealShot[];
  /** Similarities of every pair of found shots of the same person. */
  genuine: number[];
  /** Similarities of every pair of found shots of different people. */
  impostor: number[];
  /** Faces found in the no-face photographs, per photograph. */
  noFaceDetections: Record<string, number>;
}

export async function evaluateRealFaces(model: NeuralFaceModel): Promise<RealFaceEvaluation> {
  const finder = new FaceFinder(model);
  const shots: RealShot[] = [];
  for (const { person, photos } of REAL_PEOPLE) {
    for (const photo of photos) {
      for (const kind of SHOT_KINDS) {
        const faces = await finder.findFaces(await decodeImage(await shotOf(realPhoto(photo), kind)));
        shots.push({ person, photo, kind, descriptor: faces[0]?.descriptor });
      }
    }
  }
  const genuine: number[] = [];
  const impostor: number[] = [];
  const found = shots.filter((shot) => shot.descriptor);
  for (let first = 0; first < found.length; first++) {
    for (let second = first + 1; second < found.length; second++) {
      const similarity = similarityBetween(found[first].descriptor!, found[second].descriptor!);
      (found[first].person === found[second].person ? genuine : impostor).push(similarity);
    }
  }
  const noFaceDetections: Record<string, number> = {};
  for (const photo of NO_FACE_PHOTOS) noFaceDetections[photo] = (await finder.findFaces(await decodeImage(realPhoto(photo)))).length;
  return { shots, genuine, impostor, noFaceDetections };
}

export interface RealErrorRates {
  threshold: number;
  falseMatches: number;
  falseMatchRate: number;
  falseNonMatches: number;
  falseNonMatchRate: number;
}

/** FMR: impostor pairs at or above the threshold; FNMR: genuine pairs below it. */
export function realErrorRatesAt(evaluation: RealFaceEvaluation, threshold: number): RealErrorRates {
  const falseMatches = evaluation.impostor.filter((similarity) => similarity >= threshold).length;
  const falseNonMatches = evaluation.genuine.filter((similarity) => similarity < threshold).length;
  return {
    threshold,
    falseMatches,
    falseMatchRate: falseMatches / evaluation.impostor.length,
    falseNonMatches,
    falseNonMatchRate: falseNonMatches / evaluation.genuine.length,
  };
}
