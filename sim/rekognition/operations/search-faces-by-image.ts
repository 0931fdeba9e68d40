import { NoFacesInImageError } from '../errors.js';
import { FACE_MODEL_VERSION, reasonsUnder } from '../face-detail.js';
import { faceMatches, searchOptionsOf } from '../face-search.js';
import { collectionIdOf, qualityFilterOf } from '../parameters.js';
import { existingCollection, type RekognitionOperation } from '../rekognition-context.js';

/** Searches with the largest face of the picture (that passes QualityFilter, default NONE). */
export const searchFacesByImage: RekognitionOperation = async (input, context) => {
  const collection = existingCollection(context, collectionIdOf(input));
  const options = searchOptionsOf(input);
  const qualityFilter = qualityFilterOf(input.QualityFilter, 'NONE');
  const searched = (await context.pictures.facesIn(input.Image, context.region, { descriptors: true, attributes: false })).find((face) => reasonsUnder(face, qualityFilter).length === 0);
  if (!searched) throw new NoFacesInImageError();
  return {
    SearchedFaceBoundingBox: searched.boundingBox,
    SearchedFaceConfidence: searched.confidence,
    FaceMatches: faceMatches(collection, searched.descriptor, options),
    FaceModelVersion: FACE_MODEL_VERSION,
  };
};
