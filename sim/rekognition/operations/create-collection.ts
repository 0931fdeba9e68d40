import { ResourceAlreadyExistsError } from '../errors.js';
import { FACE_MODEL_VERSION } from '../face-detail.js';
import { collectionIdOf } from '../parameters.js';
import type { RekognitionOperation } from '../rekognition-context.js';

export const createCollection: RekognitionOperation = async (input, context) => {
  const collectionId = collectionIdOf(input);
  if (context.store.get(collectionId)) throw new ResourceAlreadyExistsError(collectionId);
  // Rekognition's collection ARN really has no "arn:" prefix.
  const arn = `aws:rekognition:${context.region}:${context.accountId}:collection/${collectionId}`;
  context.store.create({ id: collectionId, arn, createdAt: context.clock.now() });
  return { StatusCode: 200, CollectionArn: arn, FaceModelVersion: FACE_MODEL_VERSION };
};
