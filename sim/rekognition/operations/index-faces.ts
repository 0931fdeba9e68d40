import { FACE_MODEL_VERSION, faceDetailOf, reasonsUnder } from '../face-detail.js';
import { InvalidParameterError } from '../errors.js';
import { collectionIdOf, externalImageIdOf, numberOf, qualityFilterOf } from '../parameters.js';
import { existingCollection, type RekognitionOperation } from '../rekognition-context.js';
import { faceOf } from '../stored-face.js';
import { wantsAttributes } from '../matcher/face-matcher.js';

/** Rekognition indexes at most 100 faces per picture. */
const MAX_FACES_PER_IMAGE = 100;

export const indexFaces: RekognitionOperation = async (input, context) => {
  const collection = existingCollection(context, collectionIdOf(input));
  const externalImageId = externalImageIdOf(input);
  const maxFaces = numberOf(input.MaxFaces, { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: MAX_FACES_PER_IMAGE, integer: true });
  const qualityFilter = qualityFilterOf(input.QualityFilter, 'AUTO');
  const attributes = checkAttributes(input.DetectionAttributes);
  // Largest faces first: MaxFaces keeps the largest faces that pass the quality filter.
  const faces = await context.pictures.facesIn(input.Image, context.region, { descriptors: true, attributes: wantsAttributes(attributes) });
  const imageId = context.random.uuid();
  const indexed: ReturnType<typeof faceDetailOf>[] = [];
  const toStore = [];
  const unindexed = [];
  for (const face of faces) {
    const reasons: string[] = reasonsUnder(face, qualityFilter);
    if (reasons.length === 0 && toStore.length >= Math.min(maxFaces, MAX_FACES_PER_IMAGE)) reasons.unshift('EXCEEDS_MAX_FACES');
    if (reasons.length > 0) {
      unindexed.push({ Reasons: reasons, FaceDetail: faceDetailOf(face, attributes) });
      continue;
    }
    indexed.push(faceDetailOf(face, attributes));
    toStore.push({ FaceId: context.random.uuid(), ImageId: imageId, ExternalImageId: externalImageId, BoundingBox: face.boundingBox, Confidence: face.confidence, descriptor: face.descriptor });
  }
  const stored = collection.addFaces(toStore);
  return {
    FaceRecords: stored.map((face, index) => ({ Face: faceOf(face), FaceDetail: indexed[index] })),
    FaceModelVersion: FACE_MODEL_VERSION,
    UnindexedFaces: unindexed,
  };
};

/** The requested attribute names (["DEFAULT"] when absent); InvalidParameter for unknown ones. */
export function checkAttributes(value: unknown): string[] {
  if (value === undefined || value === null) return ['DEFAULT'];
  const known = ['DEFAULT', 'ALL', 'AGE_RANGE', 'BEARD', 'EMOTIONS', 'EYE_DIRECTION', 'EYEGLASSES', 'EYES_OPEN', 'GENDER', 'MOUTH_OPEN', 'MUSTACHE', 'FACE_OCCLUDED', 'SMILE', 'SUNGLASSES'];
  if (!Array.isArray(value) || value.some((attribute) => !known.includes(attribute as string))) throw new InvalidParameterError();
  return value as string[];
}
