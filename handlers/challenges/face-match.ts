// FACE_MATCH: the first challenge of every session. The client uploads a photo to a key chosen
// here; Verify asks Rekognition which collection faces it matches and accepts only when THIS
// user's face is among the matches at or above the threshold. The photo is deleted on every
// path, so it cannot be replayed, and marked used, so a second upload with the same form is deleted too.
// The mark keeps the verdict, for Cognito's retry of a run it stopped waiting for.
//
// An unknown email, and a user without a face, get the same challenge and the same checks (the
// stand-in sub's records are read and its failures counted), so nothing in the answers or their
// timing tells them from an enrolled user. Answering with the ENROL intent asks to (re-)enrol
// instead: no face is checked and no failure counted.
import { subjectOf } from '../decoy-identities.js';
import { clearFailures, failureBucket, readSignInRecords, reserveAttempt } from '../failure-backoff.js';
import { SEARCH_MAX_FACES, searchFace } from '../face-collection.js';
import { deletePhoto, inspectPhoto, isSignInKey, newSignInKey, photoProblem, photoUploadParameters, type PhotoFacts } from '../face-photos.js';
import { logger } from '../logger.js';
import { sha256Hex } from '../secret-hashing.js';
import { faceSignInChangesRecord, markSignInPhotoUsed, recordFaceSignIn, signInPhotoVerdict, withTrustedDevice } from '../users-table.js';
import { challengeMetadata } from './challenge-sequence.js';
import { withinRetryWindow, type ChallengeModule } from './challenge-module.js';
import { asksToEnrol, deviceKeyOf } from './client-requests.js';

export const createChallenge: ChallengeModule['createChallenge'] = async (event, { now }) => {
  const key = newSignInKey();
  event.response.publicChallengeParameters = await photoUploadParameters('FACE_MATCH', key, now);
  event.response.privateChallengeParameters = { challenge: 'FACE_MATCH', key };
  // The issue time lets Define refuse tokens for a match made with a face replaced since (enrolled again).
  event.response.challengeMetadata = challengeMetadata('FACE_MATCH', now);
  logger.info('challenge created', { challenge: 'FACE_MATCH' });
};

export const verifyAnswer: ChallengeModule['verifyAnswer'] = async (event, now) => {
  const key = event.request.privateChallengeParameters.key ?? '';
  if (!isSignInKey(key)) {
    logger.warn('FACE_MATCH without a sign-in key', { key });
    return false;
  }
  const { sub, userNotFound } = await subjectOf(event);
  let verdict: boolean | undefined;
  let answeredBefore = false;
  /** A match's own writes, sent with the photo's mark (one round trip for all of them). */
  // Stryker disable next-line ArrayDeclaration: a non-promise in Promise.all is a value already settled
  let writesOfMatch: Array<Promise<void>> = [];
  try {
    if (asksToEnrol(event.request.clientMetadata)) {
      logger.info('enrolment requested instead of a face match', { sub });
      return false;
    }
    const deviceKey = deviceKeyOf(event.request.clientMetadata);
    const deviceHash = deviceKey ? sha256Hex(deviceKey) : undefined;
    // The record, both failure buckets and the photo's size and type: one round trip for all.
    const [records, photo] = await Promise.all([readSignInRecords(sub, deviceHash), inspectPhoto(key)]);
    if (!photo) {
      // Nothing to check: either never uploaded, or checked and deleted by a run Cognito gave up
      // waiting for. That run counted the attempt already.
      const earlier = await verdictOfEarlierRun(key, sub, now);
      if (earlier !== undefined) {
        answeredBefore = true;
        return earlier;
      }
    }
    const { user } = records;
    const trustedDevice = !userNotFound && !!deviceHash && !!user?.trustedDevices?.includes(deviceHash);
    const bucket = failureBucket(sub, trustedDevice ? deviceHash : undefined);
    // Counted as a failure before the check runs (and cleared if it matches), so that answers
    // sent in parallel cannot all pass while none has failed yet.
    const counted = await reserveAttempt(bucket, trustedDevice ? records.device : records.untrusted, now);
    if (!counted) {
      logger.info('face sign-in refused: blocked after repeated failures', { sub, trustedDevice });
      return (verdict = false);
    }
    const faceId = userNotFound ? undefined : user?.faceId;
    const matched = await photoShows(faceId, photo, key, sub, now);
    if (!matched || !faceId) {
      logger.info('face did not match', { sub, trustedDevice, failures: counted.count, blockedUntil: counted.blockedUntil });
      return (verdict = false);
    }
    // The user's record is written only when it changes: most sign-ins come from the device that
    // signed in last. (Then nothing is written, and Define refuses tokens for a match made with a
    // face replaced meanwhile.)
    const trustedDevices = deviceHash ? withTrustedDevice(user?.trustedDevices, deviceHash) : undefined;
    if (faceSignInChangesRecord(user, trustedDevices)) {
      const [, recorded] = await Promise.all([clearFailures(bucket), recordFaceSignIn(sub, faceId, trustedDevices)]);
      if (!recorded) {
        // The owner enrolled another face during the check: the one that matched no longer opens the account.
        logger.warn('face matched one replaced during the check: refused', { sub, trustedDevice });
        return (verdict = false);
      }
    } else {
      // The usual sign-in writes nothing on the record: the count is cleared beside the photo's mark.
      writesOfMatch = [clearFailures(bucket)];
    }
    logger.info('face matched', { sub, trustedDevice });
    return (verdict = true);
  } finally {
    // The mark comes before the delete: the face-indexer and a retried run read it once the photo is gone.
    await Promise.all([...writesOfMatch, answeredBefore ? undefined : markSignInPhotoUsed(key, now, sub, verdict)]);
    await deletePhoto(key);
  }
};

/** The verdict of an earlier run on this same answer (Cognito retrying), if there is one to trust. */
async function verdictOfEarlierRun(key: string, sub: string, now: number): Promise<boolean | undefined> {
  const earlier = await signInPhotoVerdict(key);
  if (!earlier || earlier.sub !== sub || !withinRetryWindow(earlier.checkedAt, now)) return undefined;
  logger.info('sign-in photo already checked: its verdict stands (Cognito retried)', { sub, matched: earlier.matched });
  return earlier.matched;
}

/** Whether the photo shows the face `faceId`; the search runs even without one, to take the same time. */
async function photoShows(faceId: string | undefined, photo: PhotoFacts | undefined, key: string, sub: string, now: number): Promise<boolean> {
  if (!photo) {
    logger.info('sign-in photo rejected', { sub, reason: 'NOT_UPLOADED' });
    return false;
  }
  const problem = photoProblem(photo);
  if (problem) {
    logger.info('sign-in photo rejected', { sub, reason: problem, size: photo.size, contentType: photo.contentType });
    return false;
  }
  let outcome;
  try {
    outcome = await searchFace(key);
  } catch (error) {
    // The photo went between the HeadObject and the search: a run Cognito gave up waiting for
    // checked it and deleted it meanwhile. Its verdict stands; without one, the error does.
    if (!(error instanceof Error && error.name === 'InvalidS3ObjectException')) throw error;
    const earlier = await verdictOfEarlierRun(key, sub, now);
    if (earlier === undefined) throw error;
    return earlier;
  }
  if ('rejection' in outcome) {
    logger.info('sign-in photo rejected', { sub, reason: outcome.rejection });
    return false;
  }
  const matched = !!faceId && outcome.matchedFaceIds.includes(faceId);
  if (!matched && outcome.matchedFaceIds.length >= SEARCH_MAX_FACES) {
    // Rekognition's longest list is full of other faces: someone may be crowding this face out.
    logger.warn('face search list full without the user: possible crowding', { sub, matches: outcome.matchedFaceIds.length });
  }
  return matched;
}
