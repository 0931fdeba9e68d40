import { NoFacesInImageError } from '../errors.js';
import { reasonsUnder } from '../face-detail.js';
import { similarityBetween, type FoundFace } from '../matcher/face-matcher.js';
import { numberOf, qualityFilterOf } from '../parameters.js';
import type { RekognitionOperation } from '../rekognition-context.js';

function comparedFaceOf(face: FoundFace): Record<string, unknown> {
  return { BoundingBox: face.boundingBox, Confidence: face.confidence, Landmarks: face.landmarks, Pose: face.pose, Quality: face.quality };
}

/** CompareFaces shows no attribute beyond the defaults. */
const NO_ATTRIBUTES = { descriptors: true, attributes: false } as const;

/** Compares the largest face of the source with up to 100 faces of the target. */
export const compareFaces: RekognitionOperation = async (input, context) => {
  const threshold = numberOf(input.SimilarityThreshold, { min: 0, max: 100, fallback: 80 });
  const qualityFilter = qualityFilterOf(input.QualityFilter, 'NONE');
  // A source without a face is reported only after the target's checks, so a bad target is
  // reported first. (A bad target makes the source's detection wasted work: an error path only.)
  const sourceFaces = await context.pictures.facesIn(input.SourceImage, context.region, NO_ATTRIBUTES);
  const targetFaces = await context.pictures.facesIn(input.TargetImage, context.region, NO_ATTRIBUTES);
  const passes = (face: FoundFace) => reasonsUnder(face, qualityFilter).length === 0;
  const sourceFace = sourceFaces.find(passes);
  if (!sourceFace) throw new NoFacesInImageError();
  const compared = targetFaces
    .filter(passes)
    .slice(0, 100)
    // A face of the other matcher path is never a match, whatever the threshold.
    .map((face) => ({ face, similarity: similarityBetween(sourceFace.descriptor, face.descriptor), comparable: face.path === sourceFace.path }));
  return {
    SourceImageFace: { BoundingBox: sourceFace.boundingBox, Confidence: sourceFace.confidence },
    FaceMatches: compared
      .filter(({ similarity, comparable }) => comparable && similarity >= threshold)
      .sort((left, right) => right.similarity - left.similarity)
      .map(({ face, similarity }) => ({ Similarity: similarity, Face: comparedFaceOf(face) })),
    UnmatchedFaces: compared.filter(({ similarity, comparable }) => !comparable || similarity < threshold).map(({ face }) => comparedFaceOf(face)),
  };
};
