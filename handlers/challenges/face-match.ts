// FACE_MATCH: the client uploads a photo to a key chosen here; Verify asks Rekognition which
// collection faces it matches and accepts only when THIS user's face is among the matches at or
// above the threshold. The photo is deleted on every path, so it cannot be replayed.
import { decoySub } from '../decoy-identities.js';
import { clearFailures, isBlocked, recordFailure } from '../failure-backoff.js';
import { searchFace } from '../face-collection.js';
import { deletePhoto, inspectPhoto, newPhotoKey, photoProblem, photoUploadParameters } from '../face-photos.js';
import { logger } from '../logger.js';
import { getUser, setLastFactor } from '../users-table.js';
import { challengeMetadata } from './challenge-sequence.js';
import type { ChallengeModule } from './challenge-module.js';

export const createChallenge: ChallengeModule['createChallenge'] = async (event, { user, now }) => {
  // An unknown user gets the same challenge, under a stand-in sub that is stable per username.
  const realSub = user ? event.request.userAttributes.sub : undefined;
  const userNotFound = !realSub;
  const sub = realSub ?? (await decoySub(event.userPoolId, event.userName));
  const key = newPhotoKey('signin', sub);
  event.response.publicChallengeParameters = await photoUploadParameters('FACE_MATCH', key, now);
  event.response.privateChallengeParameters = {
    challenge: 'FACE_MATCH',
    key,
    ...(userNotFound ? { userNotFound: 'true' } : {}),
  };
  event.response.challengeMetadata = challengeMetadata('FACE_MATCH');
  logger.info('challenge created', { challenge: 'FACE_MATCH' });
};

export const verifyAnswer: ChallengeModule['verifyAnswer'] = async (event, now) => {
  const key = event.request.privateChallengeParameters.key ?? '';
  const sub = event.request.userAttributes.sub;
  if (event.request.privateChallengeParameters.userNotFound === 'true' || event.request.userNotFound || !sub) {
    if (key.startsWith('signin/')) await deletePhoto(key);
    return false;
  }
  if (!key.startsWith(`signin/${sub}/`)) {
    logger.warn('sign-in key does not belong to the user', { sub, key });
    return false;
  }
  let matched = false;
  let blocked = false;
  try {
    blocked = await isBlocked(sub, now);
    if (!blocked) matched = await photoShowsUser(sub, key);
  } finally {
    await deletePhoto(key);
  }
  if (blocked) {
    logger.info('face sign-in refused: blocked after repeated failures', { sub });
    return false;
  }
  if (!matched) {
    const failures = await recordFailure(sub, now);
    logger.info('face did not match', { sub, failures: failures.count, blockedUntil: failures.blockedUntil });
    return false;
  }
  await clearFailures(sub);
  await setLastFactor(sub, 'face');
  logger.info('face matched', { sub });
  return true;
};

async function photoShowsUser(sub: string, key: string): Promise<boolean> {
  const photo = await inspectPhoto(key);
  if (!photo) {
    logger.info('sign-in photo rejected', { sub, reason: 'NOT_UPLOADED' });
    return false;
  }
  const problem = photoProblem(photo);
  if (problem) {
    logger.info('sign-in photo rejected', { sub, reason: problem });
    return false;
  }
  const user = await getUser(sub, { consistent: true });
  if (!user?.faceId) return false;
  const outcome = await searchFace(key);
  if ('rejection' in outcome) {
    logger.info('sign-in photo rejected', { sub, reason: outcome.rejection });
    return false;
  }
  return outcome.matchedFaceIds.includes(user.faceId);
}
