// face-indexer: runs on each photo created under `enrol/`, indexes its one face into the
// collection, holds it as the user's pending face (the only one Verify may bind), records the
// verdict under UPLOAD#<key> for Verify to read, and deletes the photo.
// S3 delivers events at least once: the first verdict for a key stands, and a redelivered event
// for a photo already gone indexes nothing. An attempt that dies between IndexFaces and the hold
// (a timeout, a killed process) leaves a face nobody holds; its retry finds the trace the attempt
// left first and deletes that face once the verdict stands (deleteFacesOfEarlierAttempts).
// It also runs on each photo created under `signin/`, and deletes at once one that Verify has
// already looked at (a second upload with a form that is still valid) or that no challenge
// can have asked for; the others Verify deletes itself.
import type { S3EventRecord, S3Handler } from 'aws-lambda';
import { deleteFaces, facesTagged, indexFace } from './face-collection.js';
import { deletePhoto, inspectPhoto, isSignInKey, photoProblem, subOfEnrolKey } from './face-photos.js';
import { faceTagOf } from './face-tags.js';
import { logger } from './logger.js';
import { withErrorBoundary } from './trigger-errors.js';
import {
  getUploadResult,
  holdPendingFace,
  indexingWasAttempted,
  type PendingHold,
  recordUploadResultIfAbsent,
  signInPhotoUsed,
  traceIndexingAttempt,
  type UploadResult,
} from './users-table.js';

/** S3 event keys are URL-encoded, with spaces as '+'. */
function objectKeyOf(record: S3EventRecord): string {
  return decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
}

export const handler: S3Handler = withErrorBoundary('face-indexer', async (event) => {
  for (const record of event.Records) {
    const key = objectKeyOf(record);
    if (key.startsWith('signin/')) await sweepSignInPhoto(key);
    else await indexPhoto(key);
  }
});

async function sweepSignInPhoto(key: string): Promise<void> {
  if (!isSignInKey(key)) {
    logger.warn('object outside the sign-in key pattern deleted', { key });
    await deletePhoto(key);
    return;
  }
  if (await signInPhotoUsed(key)) {
    logger.info('sign-in photo uploaded after its check: deleted', { key });
    await deletePhoto(key);
  }
}

async function indexPhoto(key: string): Promise<void> {
  const sub = subOfEnrolKey(key);
  if (!sub) {
    // Only CreateAuthChallenge makes keys; anything else under enrol/ did not come from it.
    logger.warn('object outside the enrolment key pattern deleted', { key });
    await deletePhoto(key);
    return;
  }
  const photo = await inspectPhoto(key);
  if (!photo) {
    logger.info('photo already gone: redelivered event ignored', { key });
    if (await indexingWasAttempted(key)) {
      // An attempt reached IndexFaces, and the photo is gone: Verify gave up on it (and recorded
      // why), or the attempt failed after IndexFaces (its answer lost, the table throttled) and
      // deleted the photo on its way out with no verdict. Nobody can index the photo again, so it
      // gets the verdict Verify would give it, unless one stands, and the faces it left then go.
      await recordUploadResultIfAbsent(key, { status: 'REJECTED', reason: 'NOT_CHECKED_IN_TIME', sub }, Date.now());
      await deleteFacesOfEarlierAttempts(key, sub);
    }
    return;
  }
  try {
    if (await getUploadResult(key, Date.now())) {
      logger.info('photo already has a verdict: not indexed again', { key });
      if (await indexingWasAttempted(key)) await deleteFacesOfEarlierAttempts(key, sub);
      return;
    }
    const problem = photoProblem(photo);
    // The trace goes first, so that no face of this photo can exist without it.
    const earlierAttempt = !problem && !(await traceIndexingAttempt(key, sub, Date.now()));
    const indexed = problem ? { rejection: problem } : await indexFace(key);
    const outcome = 'faceId' in indexed ? await holdAsPending(sub, indexed.faceId, key) : indexed;
    if (!outcome) {
      // Another run of this photo held its face, and it is no longer pending: bound (so its
      // verdict stands) or replaced by a later photo's. This run has no verdict to give.
      if (earlierAttempt) await deleteFacesOfEarlierAttempts(key, sub);
      return;
    }
    const result: UploadResult =
      'faceId' in outcome
        ? { status: 'INDEXED', faceId: outcome.faceId, sub }
        : { status: 'REJECTED', reason: outcome.rejection, sub };
    const recorded = await recordUploadResultIfAbsent(key, result, Date.now());
    if (!recorded && result.status === 'INDEXED' && !(await verdictNames(key, result.faceId))) {
      // Someone recorded another verdict first (Verify gave up, or a run of this photo with its
      // own face): this face is nobody's.
      await deleteFaces([result.faceId]);
    }
    if (earlierAttempt) await deleteFacesOfEarlierAttempts(key, sub);
    logger.info(recorded ? 'verdict recorded' : 'verdict already recorded: kept', {
      key,
      sub,
      status: result.status,
      ...(result.status === 'REJECTED' ? { reason: result.reason } : {}),
      ...(problem ? { size: photo.size, contentType: photo.contentType } : {}),
    });
  } finally {
    await deletePhoto(key);
  }
}

/**
 * Makes the new face the user's pending one before its verdict is recorded, so that Verify never
 * reads a verdict whose face it may not bind, and returns the face the verdict is to name. The face
 * this replaces belonged to an enrolment photo that was never answered, or lost to this one:
 * nobody can bind it, so it leaves the collection. When another run of the same photo holds its
 * face already, that one stays and is the verdict's (its run may have died before recording it),
 * and this run's face leaves; with nothing of the photo pending any more, there is no verdict to give.
 */
async function holdAsPending(sub: string, faceId: string, key: string): Promise<{ faceId: string } | undefined> {
  let hold: PendingHold;
  try {
    hold = await holdPendingFace(sub, faceId, key);
  } catch (error) {
    // The photo is deleted on the way out, so Lambda's retry finds nothing to index again: a face
    // left here would be bound to nobody and never removed.
    await deleteFaces([faceId]).catch((cleanupError: unknown) =>
      logger.error('face not held as pending, and not deleted', {
        sub,
        faceId,
        error: cleanupError instanceof Error ? cleanupError.name : String(cleanupError),
      }),
    );
    throw error;
  }
  if (hold.held) {
    if (hold.replaced) {
      await deleteFaces([hold.replaced]);
      logger.info('unanswered enrolment face deleted', { sub });
    }
    return { faceId };
  }
  if (hold.heldForPhoto === faceId) return { faceId };
  await deleteFaces([faceId]);
  logger.info('face surplus to another run of the photo deleted', { key, sub });
  return hold.heldForPhoto === undefined ? undefined : { faceId: hold.heldForPhoto };
}

/** Whether the photo's standing verdict names this face. */
async function verdictNames(key: string, faceId: string): Promise<boolean> {
  const verdict = await getUploadResult(key, Date.now());
  // Stryker disable next-line ConditionalExpression: a REJECTED verdict has no faceId, so it names no face either way
  return verdict?.status === 'INDEXED' && verdict.faceId === faceId;
}

/**
 * Deletes the faces indexed from this photo by attempts that died before holding or deleting them,
 * found by their ExternalImageId (faceTagOf). Only once the photo has its verdict, and never the
 * verdict's own face: Verify binds no other face of the photo, so every other one is bound to
 * nobody, whether its attempt died or is a duplicate event still running (which would have deleted
 * it itself, on finding the verdict taken). Deleting before the verdict could take the face of
 * such a duplicate before it records it, and Verify would then bind a face no longer in the
 * collection. Faces of the user's other photos are left alone: another enrolment of the same user
 * may be between its IndexFaces and its hold. Runs only on a retry, as it lists the collection.
 */
async function deleteFacesOfEarlierAttempts(key: string, sub: string): Promise<void> {
  const verdict = await getUploadResult(key, Date.now());
  if (!verdict) return;
  // Stryker disable next-line ConditionalExpression: a REJECTED verdict has no faceId, so reading one keeps nothing either
  const verdictFace = verdict.status === 'INDEXED' ? verdict.faceId : undefined;
  const leftBehind = (await facesTagged(faceTagOf(key))).filter((faceId) => faceId !== verdictFace);
  if (leftBehind.length === 0) return;
  await deleteFaces(leftBehind);
  logger.warn('faces left by an earlier indexing of the photo deleted', { key, sub, faces: leftBehind.length });
}
