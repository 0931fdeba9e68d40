// What Rekognition says about a detected face (FaceDetail), and which quality problems a
// QualityFilter level turns into UnindexedFaces / filtered faces.
import type { QualityReason } from './matcher/detect-faces.js';
import type { LocatedFace } from './matcher/face-matcher.js';
import type { QualityFilter } from './parameters.js';

export const FACE_MODEL_VERSION = '7.0';

/** Request attribute name -> FaceDetail field. */
const ATTRIBUTE_FIELDS: Record<string, string> = {
  AGE_RANGE: 'AgeRange',
  BEARD: 'Beard',
  EMOTIONS: 'Emotions',
  EYE_DIRECTION: 'EyeDirection',
  EYEGLASSES: 'Eyeglasses',
  EYES_OPEN: 'EyesOpen',
  GENDER: 'Gender',
  MOUTH_OPEN: 'MouthOpen',
  MUSTACHE: 'Mustache',
  FACE_OCCLUDED: 'FaceOccluded',
  SMILE: 'Smile',
  SUNGLASSES: 'Sunglasses',
};

/**
 * The FaceDetail of `face`: the default fields (BoundingBox, Landmarks, Pose, Quality,
 * Confidence), plus, for `attributes` ["ALL"] or named attributes, the fields the face's path
 * measures (fields a path cannot measure are left out rather than invented).
 */
export function faceDetailOf(face: LocatedFace, attributes: string[] = ['DEFAULT']): Record<string, unknown> {
  const all = attributes.includes('ALL');
  const wanted = all ? Object.values(ATTRIBUTE_FIELDS) : attributes.map((name) => ATTRIBUTE_FIELDS[name]).filter(Boolean);
  const extra = Object.fromEntries(wanted.filter((field) => face.attributes[field] !== undefined).map((field) => [field, face.attributes[field]]));
  return {
    BoundingBox: face.boundingBox,
    ...extra,
    Landmarks: all ? face.allLandmarks : face.landmarks,
    Pose: face.pose,
    Quality: face.quality,
    Confidence: face.confidence,
  };
}

/**
 * The stricter bar of QualityFilter HIGH, on top of the standard rules. No stricter brightness:
 * Brightness is the face's mean luma, which reads skin tone as much as light, and the neural
 * model recognises faces far darker than the standard bar lets through (docs/rekognition.md,
 * "Brightness and skin tone"), so a stricter one would only refuse darker-skinned people in ordinary light.
 */
const HIGH_QUALITY = { minSharpness: 75, maxYaw: 30, minConfidence: 97 } as const;

/**
 * Reasons a face fails `filter`:
 * NONE filters nothing; LOW only faces that are barely faces (LOW_CONFIDENCE, SMALL_BOUNDING_BOX);
 * MEDIUM and AUTO every standard rule; HIGH additionally the stricter HIGH_QUALITY bar.
 */
export function reasonsUnder(face: Pick<LocatedFace, 'reasons' | 'confidence' | 'pose' | 'quality'>, filter: QualityFilter): QualityReason[] {
  switch (filter) {
    case 'NONE':
      return [];
    case 'LOW':
      return face.reasons.filter((reason) => reason === 'LOW_CONFIDENCE' || reason === 'SMALL_BOUNDING_BOX');
    case 'AUTO':
    case 'MEDIUM':
      return face.reasons;
    case 'HIGH': {
      const reasons = new Set(face.reasons);
      if (face.confidence < HIGH_QUALITY.minConfidence) reasons.add('LOW_CONFIDENCE');
      if (Math.abs(face.pose.Yaw) > HIGH_QUALITY.maxYaw) reasons.add('EXTREME_POSE');
      if (face.quality.Sharpness < HIGH_QUALITY.minSharpness) reasons.add('LOW_SHARPNESS');
      return [...reasons];
    }
  }
}
