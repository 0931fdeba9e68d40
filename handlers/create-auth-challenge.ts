// CreateAuthChallenge: re-derives which challenge Define asked for (from the same session and
// user record) and lets that challenge's module fill in the parameters.
import type { CreateAuthChallengeTriggerHandler } from 'aws-lambda';
import { challengeModules } from './challenges/challenge-modules.js';
import { nextStep } from './challenges/challenge-sequence.js';
import { withErrorBoundary } from './trigger-errors.js';
import { getUser } from './users-table.js';

export const handler: CreateAuthChallengeTriggerHandler = withErrorBoundary('CreateAuthChallenge', async (event) => {
  if (event.request.challengeName !== 'CUSTOM_CHALLENGE') {
    throw new Error(`unexpected challenge ${event.request.challengeName}`);
  }
  const now = Date.now();
  const sub = event.request.userAttributes.sub;
  const userNotFound = event.request.userNotFound === true || !sub;
  const user = userNotFound ? undefined : await getUser(sub, { consistent: true });
  const step = nextStep(event.request.session, { userNotFound, enrolled: !!user?.faceId });
  if (step.action !== 'CHALLENGE') throw new Error(`no challenge to create: the session is at ${step.action}`);
  await challengeModules[step.kind].createChallenge(event, { user, now });
  return event;
});
