import { InvalidParameterError } from '../errors.js';
import { FACE_MODEL_VERSION } from '../face-detail.js';
import { faceMatches, searchOptionsOf } from '../face-search.js';
import { collectionIdOf, faceIdOf } from '../parameters.js';
import { existingCollection, type RekognitionOperation } from '../rekognition-context.js';

export const searchFaces: RekognitionOperation = async (input, context) => {
  const collection = existingCollection(context, collectionIdOf(input));
  const faceId = faceIdOf(input.FaceId);
  const options = searchOptionsOf(input);
  const face = collection.getFace(faceId);
  if (!face) throw new InvalidParameterError('faceId was not found in the collection.');
  return {
    SearchedFaceId: faceId,
    FaceMatches: faceMatches(collection, face.descriptor, { ...options, excludeFaceId: faceId }),
    FaceModelVersion: FACE_MODEL_VERSION,
  };
};
