// PreTokenGeneration: tells relying parties how the session was proven. `face_factor` is the
// factor of the last face check ("face" for a sign-in match, "face-enrolment" right after
// enrolment); `face_enrolled` says whether a face is bound. Claim values must be strings.
import type { PreTokenGenerationTriggerHandler } from 'aws-lambda';
import { logger } from './logger.js';
import { withErrorBoundary } from './trigger-errors.js';
import { getUser } from './users-table.js';

export const handler: PreTokenGenerationTriggerHandler = withErrorBoundary('PreTokenGeneration', async (event) => {
  const sub = event.request.userAttributes.sub;
  const user = sub ? await getUser(sub) : undefined;
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
