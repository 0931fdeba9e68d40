// CreateAuthChallenge: re-derives which challenge Define asked for (from the same session and
// user record) and lets that challenge's module fill in the parameters.
import type { CreateAuthChallengeTriggerHandler } from 'aws-lambda';
import { challengeModules } from './challenges/challenge-modules.js';
import { currentStep } from './challenges/current-step.js';
import { withErrorBoundary } from './trigger-errors.js';

export const handler: CreateAuthChallengeTriggerHandler = withErrorBoundary('CreateAuthChallenge', async (event) => {
  if (event.request.challengeName !== 'CUSTOM_CHALLENGE') {
    throw new Error(`unexpected challenge ${event.request.challengeName}`);
  }
  const now = Date.now();
  const { sub, userNotFound, step, readUser } = await currentStep(event);
  if (step.action !== 'CHALLENGE') throw new Error(`no challenge to create: the session is at ${step.action}`);
  await challengeModules[step.kind].createChallenge(event, { sub, userNotFound, readUser, now });
  return event;
});
