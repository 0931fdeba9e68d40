import { collectionIdOf, faceIdListOf } from '../parameters.js';
import { existingCollection, type RekognitionOperation } from '../rekognition-context.js';

export const deleteFaces: RekognitionOperation = async (input, context) => {
  const collection = existingCollection(context, collectionIdOf(input));
  const faceIds = faceIdListOf(input.FaceIds, { min: 1, max: 4096 });
  const deleted = new Set(collection.deleteFaces([...new Set(faceIds)]));
  return {
    DeletedFaces: [...deleted],
    UnsuccessfulFaceDeletions: [...new Set(faceIds)].filter((faceId) => !deleted.has(faceId)).map((faceId) => ({ FaceId: faceId, Reasons: ['FACE_NOT_FOUND'] })),
  };
};
