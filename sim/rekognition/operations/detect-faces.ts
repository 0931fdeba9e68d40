import { faceDetailOf } from '../face-detail.js';
import type { RekognitionOperation } from '../rekognition-context.js';
import { wantsAttributes } from '../matcher/face-matcher.js';
import { checkAttributes } from './index-faces.js';

/** DetectFaces reports at most the 100 largest faces. */
export const detectFaces: RekognitionOperation = async (input, context) => {
  const attributes = checkAttributes(input.Attributes);
  // Nothing is compared or stored: the neural path can skip the face descriptor.
  const faces = await context.pictures.facesIn(input.Image, context.region, { descriptors: false, attributes: wantsAttributes(attributes) });
  return { FaceDetails: faces.slice(0, 100).map((face) => faceDetailOf(face, attributes)) };
};
