// PreTokenGeneration: tells relying parties how the session was proven. `face_factor` is the
// factor of the last face check ("face" for a sign-in match, "face-enrolment" right after
// enrolment); `face_enrolled` says whether a face is bound. Claim values must be strings.
// It runs before every token Cognito issues, sign-ins and refreshes alike, so it also finishes
// what a face's bind left undone (enrolment-follow-up.ts) before any token is issued.
import type { PreTokenGenerationTriggerHandler } from 'aws-lambda';
import { finishEnrolment } from './enrolment-follow-up.js';
import { logger } from './logger.js';
import { UserFacingError, withErrorBoundary } from './trigger-errors.js';
import { getUser } from './users-table.js';

export const handler: PreTokenGenerationTriggerHandler = withErrorBoundary('PreTokenGeneration', async (event) => {
  const sub = event.request.userAttributes.sub;
  const user = sub ? await getUser(sub) : undefined;
  if (sub && user?.faceId && user.followUp) {
    const owner = { userPoolId: event.userPoolId, userName: event.userName, email: event.request.userAttributes.email };
    await finishEnrolment(owner, sub, user.faceId, user.followUp, Date.now());
    logger.warn('finished an enrolment cut short', { sub, triggerSource: event.triggerSource });
    // A refresh token is older than the sign-out just made: any made since the bind came from a
    // sign-in, whose PreTokenGeneration would have finished the follow-up first. Its session ended.
    if (user.followUp.signOut && event.triggerSource === 'TokenGeneration_RefreshTokens') {
      throw new UserFacingError('This session ended when a new face was enrolled. Sign in again.');
    }
  }
  const claims: Record<string, string> = { face_enrolled: user?.faceId ? 'true' : 'false' };
  if (user?.lastFactor) claims.face_factor = user.lastFactor;
  const details = event.response.claimsOverrideDetails ?? {};
  event.response.claimsOverrideDetails = {
    ...details,
    claimsToAddOrOverride: { ...details.claimsToAddOrOverride, ...claims },
  };
  logger.info('claims added', { sub, triggerSource: event.triggerSource, ...claims });
  return event;
});
