import { FACE_MODEL_VERSION } from '../face-detail.js';
import { collectionIdOf } from '../parameters.js';
import { existingCollection, type RekognitionOperation } from '../rekognition-context.js';

export const describeCollection: RekognitionOperation = async (input, context) => {
  const collection = existingCollection(context, collectionIdOf(input));
  return {
    FaceCount: collection.faceCount,
    FaceModelVersion: FACE_MODEL_VERSION,
    CollectionARN: collection.record.arn,
    // Timestamps travel as epoch seconds in AWS JSON.
    CreationTimestamp: collection.record.createdAt / 1000,
    UserCount: 0,
  };
};
