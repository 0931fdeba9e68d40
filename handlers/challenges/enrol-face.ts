// ENROL_FACE: the client uploads one photo to a key chosen here; the S3 event runs the
// face-indexer, which records its verdict under UPLOAD#<key>. Verify waits for the verdict on
// exactly that key and binds the indexed face to the user. A rejection is reported to the
// client by the next ENROL_FACE challenge, so it can say what to do differently.
import { setTimeout as sleep } from 'node:timers/promises';
import { config } from '../config.js';
import { deleteFaces } from '../face-collection.js';
import { clearFailures, failureBucket } from '../failure-backoff.js';
import { deletePhoto, isPhotoStored, newEnrolKey, photoUploadParameters, subOfEnrolKey } from '../face-photos.js';
import { logger } from '../logger.js';
import { sha256Hex } from '../secret-hashing.js';
import { finishEnrolment, type EnrolledOwner } from '../enrolment-follow-up.js';
import {
  bindFace,
  followUpOfBind,
  getUploadResult,
  getUser,
  recordUploadResultIfAbsent,
  type RejectionReason,
  type UploadResult,
} from '../users-table.js';
import { challengeMetadata, readSession, type SessionEntry } from './challenge-sequence.js';
import type { ChallengeModule } from './challenge-module.js';
import { deviceKeyOf } from './client-requests.js';

const POLL_INTERVAL_MS = 200;

export const createChallenge: ChallengeModule['createChallenge'] = async (event, { sub, userNotFound, now }) => {
  // Only after a proven mailbox, which an unknown email never has.
  if (userNotFound) throw new Error('ENROL_FACE for a user that does not exist');
  const previousRejection = await rejectionOfPreviousAttempt(event.request.session, now);
  const key = newEnrolKey(sub);
  event.response.publicChallengeParameters = {
    ...(await photoUploadParameters('ENROL_FACE', key, now)),
    ...(previousRejection ? { previousRejection } : {}),
  };
  event.response.privateChallengeParameters = { challenge: 'ENROL_FACE', key };
  event.response.challengeMetadata = challengeMetadata('ENROL_FACE', key);
  logger.info('challenge created', { challenge: 'ENROL_FACE', key, previousRejection });
};

async function rejectionOfPreviousAttempt(session: SessionEntry[], now: number): Promise<RejectionReason | undefined> {
  const last = readSession(session)?.at(-1);
  if (last?.kind !== 'ENROL_FACE' || last.correct || !last.key) return undefined;
  const result = await getUploadResult(last.key, now);
  return result?.status === 'REJECTED' ? result.reason : undefined;
}

export const verifyAnswer: ChallengeModule['verifyAnswer'] = async (event, now) => {
  const sub = event.request.userAttributes.sub;
  const key = event.request.privateChallengeParameters.key ?? '';
  // The answer is ignored: the only photo that counts is the one under the key Create chose.
  if (!sub || subOfEnrolKey(key) !== sub) {
    logger.warn('enrolment key does not belong to the user', { sub, key });
    return false;
  }
  const result = await awaitVerdict(key, sub, now);
  if (!result) return false;
  if (result.sub !== sub) {
    logger.warn('enrolment verdict belongs to another user', { sub, key });
    return false;
  }
  if (result.status === 'REJECTED') {
    logger.info('enrolment photo rejected', { sub, key, reason: result.reason });
    return false;
  }
  const deviceKey = deviceKeyOf(event.request.clientMetadata);
  const owner = { userPoolId: event.userPoolId, userName: event.userName, email: event.request.userAttributes.email };
  return bind(owner, sub, result.faceId, deviceKey ? sha256Hex(deviceKey) : undefined, now);
};

/**
 * Waits up to ENROL_WAIT_MS for the indexer; if it has not spoken by then, the photo is refused:
 * as not uploaded when none is stored under the key, and as not checked in time when one still
 * is (the indexer deletes every photo it has looked at, so it has not finished: a cold start, a
 * slow Rekognition), so the user is not told to check a connection that worked.
 */
async function awaitVerdict(key: string, sub: string, startedAt: number): Promise<UploadResult | undefined> {
  const deadline = startedAt + config.enrolWaitMs;
  for (;;) {
    const result = await getUploadResult(key, Date.now());
    if (result) return result;
    if (Date.now() + POLL_INTERVAL_MS > deadline) break;
    await sleep(POLL_INTERVAL_MS);
  }
  const reason: RejectionReason = (await isPhotoStored(key)) ? 'NOT_CHECKED_IN_TIME' : 'NOT_UPLOADED';
  const declared = await recordUploadResultIfAbsent(key, { status: 'REJECTED', reason, sub }, Date.now());
  if (!declared) return getUploadResult(key, Date.now()); // the indexer finished just now
  logger.info('enrolment photo without a verdict in time', { sub, key, reason });
  // A late upload must not linger; the indexer also ignores it, as the verdict now exists.
  await deletePhoto(key);
  return undefined;
}

async function bind(owner: EnrolledOwner, sub: string, faceId: string, deviceHash: string | undefined, now: number): Promise<boolean> {
  const user = await getUser(sub);
  if (user?.faceId === faceId) {
    // Cognito retried this invocation after it had already bound the face. The first try may have
    // failed before it finished what the bind left to do (ended the old face's sessions): then it
    // is still on the record, and this try does it.
    if (user.followUp) await finishEnrolment(owner, sub, faceId, user.followUp, now);
    return true;
  }
  // The face is dated from this write, not from when the answer arrived: Verify may have waited
  // seconds for the indexer, and a FACE_MATCH issued during that wait and matched with the old face
  // before the bind would otherwise pass Define's check (enrolledAt against the challenge's issue
  // time) after the sign-out below, and its tokens would outlive the take-back.
  const boundAt = Date.now();
  // Stryker disable next-line OptionalChaining: the indexer made the record it held this face on; were it gone, the conditional bind fails either way
  if (await bindFace(sub, faceId, user?.faceId, boundAt, { deviceHash, email: owner.email })) {
    // The sessions end after the bind, not before: a sign-in with the old face in between would
    // otherwise get tokens that outlive it.
    // Stryker disable next-line OptionalChaining: as above, a bound face means a record
    await finishEnrolment(owner, sub, faceId, followUpOfBind(user?.faceId), now);
    // A fresh face after a proven mailbox: earlier failures (perhaps a stranger's) no longer count.
    await clearFailures(failureBucket(sub));
    logger.info('face enrolled', { sub, replaced: !!user?.faceId });
    return true;
  }
  const current = await getUser(sub);
  // Stryker disable next-line OptionalChaining: as above, the record is there
  if (current?.faceId === faceId) return true;
  // Another enrolment won the race, or a later enrolment photo replaced this face as the pending
  // one: it is bound to nobody, so it leaves the collection (if the indexer has not removed it).
  await deleteFaces([faceId]);
  logger.warn('enrolment lost a race with another enrolment', { sub });
  return false;
}
