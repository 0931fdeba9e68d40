import { faceDetailOf } from '../face-detail.js';
import { detectFaces as findFaces } from '../matcher/detect-faces.js';
import type { RekognitionOperation } from '../rekognition-context.js';
import { checkAttributes } from './index-faces.js';

/** DetectFaces reports at most the 100 largest faces. */
export const detectFaces: RekognitionOperation = async (input, context) => {
  checkAttributes(input.Attributes);
  const raster = await context.images.load(input.Image, context.region);
  return { FaceDetails: findFaces(raster).slice(0, 100).map(faceDetailOf) };
};
