import { FACE_MODEL_VERSION } from '../face-detail.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import { collectionIdOf, faceIdListOf, numberOf, pageTokenOf, userIdOf } from '../parameters.js';
import type { FaceCollection } from '../collection-store.js';
import { existingCollection, type RekognitionOperation } from '../rekognition-context.js';
import { faceOf } from '../stored-face.js';

export const listFaces: RekognitionOperation = async (input, context) => {
  const collectionId = collectionIdOf(input);
  const collection = existingCollection(context, collectionId);
  const maxResults = numberOf(input.MaxResults, { min: 0, max: 4096, fallback: 1000, integer: true });
  const token = pageTokenOf(input.NextToken);
  const after = token === undefined ? -1 : decodePageToken(token, `faces:${collectionId}`, (value): value is number => isSequenceOf(collection, value));
  const onlyFaceIds = input.FaceIds === undefined ? undefined : new Set(faceIdListOf(input.FaceIds, { min: 1, max: 4096 }));
  // `UserId` lists the faces associated with that user. Users (CreateUser, AssociateFaces) are not
  // emulated, so no face belongs to any user and the list is empty; ignoring the filter listed every
  // face of the collection, which a "remove this user's faces" clean-up would then delete.
  const onlyUsersFaces = userIdOf(input) !== undefined;
  const faces = onlyUsersFaces ? [] : collection.listFaces().filter((face) => face.sequence > after && (!onlyFaceIds || onlyFaceIds.has(face.FaceId)));
  const page = faces.slice(0, maxResults);
  return {
    Faces: page.map(faceOf),
    FaceModelVersion: FACE_MODEL_VERSION,
    ...(faces.length > page.length && page.length > 0 ? { NextToken: encodePageToken(`faces:${collectionId}`, page[page.length - 1].sequence) } : {}),
  };
};

/** A face's place in its collection: a `sequence` the collection has given a face, from 0. */
function isSequenceOf(collection: FaceCollection, after: unknown): after is number {
  return typeof after === 'number' && Number.isInteger(after) && after >= 0 && after < collection.sequencesIssued;
}
