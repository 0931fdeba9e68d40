import { FACE_MODEL_VERSION } from '../face-detail.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import { isCollectionId, numberOf, pageTokenOf } from '../parameters.js';
import type { RekognitionOperation } from '../rekognition-context.js';

export const listCollections: RekognitionOperation = async (input, context) => {
  const maxResults = numberOf(input.MaxResults, { min: 0, max: 4096, fallback: 1000, integer: true });
  const token = pageTokenOf(input.NextToken);
  const after = token === undefined ? undefined : decodePageToken(token, 'collections', isCollectionId);
  const ids = context.store.ids().filter((id) => after === undefined || id > after);
  const page = ids.slice(0, maxResults);
  return {
    CollectionIds: page,
    FaceModelVersions: page.map(() => FACE_MODEL_VERSION),
    ...(ids.length > page.length && page.length > 0 ? { NextToken: encodePageToken('collections', page[page.length - 1]) } : {}),
  };
};
