// A face of a collection as the API shows it (the `Face` shape).
import type { StoredFace } from './collection-store.js';
import { FACE_MODEL_VERSION } from './face-detail.js';

export function faceOf(face: StoredFace): Record<string, unknown> {
  return {
    FaceId: face.FaceId,
    BoundingBox: face.BoundingBox,
    ImageId: face.ImageId,
    ...(face.ExternalImageId ? { ExternalImageId: face.ExternalImageId } : {}),
    Confidence: face.Confidence,
    IndexFacesModelVersion: FACE_MODEL_VERSION,
  };
}
