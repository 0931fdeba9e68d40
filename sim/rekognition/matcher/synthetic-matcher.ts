// The synthetic path behind the matcher seam: detect-faces.ts finds the drawn species, and what
// the species definition makes certain is reported as attributes (it has open eyes, no glasses,
// sunglasses, beard or moustache, and nothing covers it when the detector accepts it).
import { detectFaces, type DetectedFace } from './detect-faces.js';
import type { FaceMatcher, FoundFace } from './face-matcher.js';
import type { RgbRaster } from './raster.js';

const CERTAIN = 99.9;

export function foundFaceOf(face: DetectedFace): FoundFace {
  return {
    path: 'synthetic',
    boundingBox: face.boundingBox,
    confidence: face.confidence,
    landmarks: face.landmarks,
    allLandmarks: face.landmarks,
    pose: face.pose,
    quality: face.quality,
    reasons: face.reasons,
    attributes: {
      // The detector only accepts a face whose two eye holes it found.
      EyesOpen: { Value: true, Confidence: CERTAIN },
      // The species is drawn without them.
      Eyeglasses: { Value: false, Confidence: CERTAIN },
      Sunglasses: { Value: false, Confidence: CERTAIN },
      Beard: { Value: false, Confidence: CERTAIN },
      Mustache: { Value: false, Confidence: CERTAIN },
      // Accepted faces fill their outline ellipse and show eyes and mouth.
      FaceOccluded: { Value: false, Confidence: CERTAIN },
    },
    areaPixels: face.areaPixels,
    descriptor: { path: 'synthetic', hash: face.hash },
  };
}

/** The synthetic path always gives everything: its descriptor and attributes cost nothing extra. */
export const syntheticMatcher: FaceMatcher = {
  path: 'synthetic',
  findFaces: async (raster: RgbRaster) => detectFaces(raster).map(foundFaceOf),
};
