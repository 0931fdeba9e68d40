import { FACE_MODEL_VERSION } from '../face-detail.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import { collectionIdOf, faceIdListOf, numberOf, pageTokenOf } from '../parameters.js';
import { existingCollection, type RekognitionOperation } from '../rekognition-context.js';
import { faceOf } from '../stored-face.js';

export const listFaces: RekognitionOperation = async (input, context) => {
  const collectionId = collectionIdOf(input);
  const collection = existingCollection(context, collectionId);
  const maxResults = numberOf(input.MaxResults, { min: 0, max: 4096, fallback: 1000, integer: true });
  const token = pageTokenOf(input.NextToken);
  const after = token === undefined ? -1 : Number(decodePageToken(token, `faces:${collectionId}`).after);
  const onlyFaceIds = input.FaceIds === undefined ? undefined : new Set(faceIdListOf(input.FaceIds, { min: 1, max: 4096 }));
  const faces = collection.listFaces().filter((face) => face.sequence > after && (!onlyFaceIds || onlyFaceIds.has(face.FaceId)));
  const page = faces.slice(0, maxResults);
  return {
    Faces: page.map(faceOf),
    FaceModelVersion: FACE_MODEL_VERSION,
    ...(faces.length > page.length && page.length > 0 ? { NextToken: encodePageToken({ scope: `faces:${collectionId}`, after: page[page.length - 1].sequence }) } : {}),
  };
};
