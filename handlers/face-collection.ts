// The Rekognition collection: one indexed face per enrolled user. A face's ExternalImageId names
// the enrolment photo it was indexed from, `<sub>:<photo id>` (face-tags.ts).
// Images are always read by Rekognition from the upload bucket, never passed through a function.
import { DeleteFacesCommand, IndexFacesCommand, ListFacesCommand, SearchFacesByImageCommand, type Face } from '@aws-sdk/client-rekognition';
import { rekognitionClient } from './aws-clients/rekognition.js';
import { config } from './config.js';
import { faceTagOf } from './face-tags.js';
import type { RejectionReason } from './users-table.js';

export type IndexOutcome = { faceId: string } | { rejection: RejectionReason };

/** Errors that mean "this upload is not a usable photo", as opposed to infrastructure trouble. */
const IMAGE_ERRORS: Record<string, RejectionReason> = {
  InvalidImageFormatException: 'NOT_AN_IMAGE',
  // Also what Rekognition says for an image below 80 px on a side.
  InvalidParameterException: 'NOT_AN_IMAGE',
  ImageTooLargeException: 'TOO_LARGE',
};

function imageRejection(error: unknown): RejectionReason | undefined {
  return error instanceof Error ? IMAGE_ERRORS[error.name] : undefined;
}

/** ListFaces' largest MaxResults, which is also DeleteFaces' largest list of ids. */
export const FACES_PER_PAGE = 4096;

/** Indexes the single face of an enrolment photo; more than one face, or none usable, is a rejection. */
export async function indexFace(key: string): Promise<IndexOutcome> {
  let response;
  try {
    response = await rekognitionClient.send(
      new IndexFacesCommand({
        CollectionId: config.faceCollectionId,
        Image: { S3Object: { Bucket: config.uploadBucket, Name: key } },
        ExternalImageId: faceTagOf(key),
        MaxFaces: 1,
        // HIGH: a face Rekognition itself rates sharp, bright and frontal enough, so later sign-in
        // photos of the same person can match it; a blurred enrolment would never match again.
        QualityFilter: 'HIGH',
        DetectionAttributes: ['DEFAULT'],
      }),
    );
  } catch (error) {
    const rejection = imageRejection(error);
    if (rejection) return { rejection };
    throw error;
  }
  // Stryker disable next-line ArrayDeclaration,MethodExpression,OptionalChaining: IndexFaces always gives a FaceRecord its Face.FaceId (a made-up record has none and is dropped)
  const indexed = (response.FaceRecords ?? []).map((record) => record.Face?.FaceId).filter((id): id is string => !!id);
  const unindexed = response.UnindexedFaces ?? [];
  if (indexed.length === 1 && unindexed.length === 0) return { faceId: indexed[0] };
  if (indexed.length > 0) {
    // Someone else in the picture (even small or blurred): refuse rather than guess whose face it is.
    await deleteFaces(indexed);
    return { rejection: 'MULTIPLE_FACES' };
  }
  if (unindexed.length > 0) return { rejection: 'LOW_QUALITY' };
  return { rejection: 'NO_FACE' };
}

/** SearchFacesByImage's largest MaxFaces. */
export const SEARCH_MAX_FACES = 4096;

export type SearchOutcome = { matchedFaceIds: string[] } | { rejection: RejectionReason };

/** The faces in the collection that the photo's largest face matches at or above the threshold. */
export async function searchFace(key: string): Promise<SearchOutcome> {
  try {
    const response = await rekognitionClient.send(
      new SearchFacesByImageCommand({
        CollectionId: config.faceCollectionId,
        Image: { S3Object: { Bucket: config.uploadBucket, Name: key } },
        FaceMatchThreshold: config.faceMatchThreshold,
        // Rekognition's maximum: look-alikes and copies of the user's face enrolled on other
        // accounts rank alongside the user's own face, and must not push it off the list.
        MaxFaces: SEARCH_MAX_FACES,
      }),
    );
    // Stryker disable next-line ArrayDeclaration,MethodExpression: a made-up match has no similarity and is filtered out; every FaceMatch has a Face.FaceId
    const matchedFaceIds = (response.FaceMatches ?? [])
      .filter((match) => (match.Similarity ?? 0) >= config.faceMatchThreshold)
      // Stryker disable next-line OptionalChaining: every FaceMatch has a Face
      .map((match) => match.Face?.FaceId)
      .filter((id): id is string => !!id);
    return { matchedFaceIds };
  } catch (error) {
    const rejection = imageRejection(error);
    // For SearchFacesByImage, InvalidParameterException mostly means "no face in the image".
    if (rejection) return { rejection: error instanceof Error && error.name === 'InvalidParameterException' ? 'NO_FACE' : rejection };
    throw error;
  }
}

/** Every face of the collection, read page by page through ListFaces. */
export async function* collectionFaces(): AsyncGenerator<Face> {
  let NextToken: string | undefined;
  do {
    const page = await rekognitionClient.send(new ListFacesCommand({ CollectionId: config.faceCollectionId, MaxResults: FACES_PER_PAGE, NextToken }));
    // Stryker disable next-line ArrayDeclaration: a made-up face is skipped by every caller, as none is
    yield* page.Faces ?? [];
    NextToken = page.NextToken;
  } while (NextToken);
}

/**
 * The ids of the collection's faces whose ExternalImageId is `tag`. ListFaces has no filter on it,
 * so this reads the whole collection: only for the rare retry of an indexing that died midway.
 */
export async function facesTagged(tag: string): Promise<string[]> {
  const faceIds: string[] = [];
  for await (const face of collectionFaces()) if (face.ExternalImageId === tag && face.FaceId) faceIds.push(face.FaceId);
  return faceIds;
}

/** Deletes the faces, in as many DeleteFaces calls as its limit of ids per call needs (none for an empty list). */
export async function deleteFaces(faceIds: string[]): Promise<void> {
  for (let start = 0; start < faceIds.length; start += FACES_PER_PAGE) {
    await rekognitionClient.send(new DeleteFacesCommand({ CollectionId: config.faceCollectionId, FaceIds: faceIds.slice(start, start + FACES_PER_PAGE) }));
  }
}
