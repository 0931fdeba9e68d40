import { faceDetailOf } from '../face-detail.js';
import type { RekognitionOperation } from '../rekognition-context.js';
import { checkAttributes } from './index-faces.js';

/** DetectFaces reports at most the 100 largest faces. */
export const detectFaces: RekognitionOperation = async (input, context) => {
  const attributes = checkAttributes(input.Attributes);
  const raster = await context.images.load(input.Image, context.region);
  const faces = await context.faces.findFaces(raster);
  return { FaceDetails: faces.slice(0, 100).map((face) => faceDetailOf(face, attributes)) };
};
