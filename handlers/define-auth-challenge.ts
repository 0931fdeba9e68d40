// DefineAuthChallenge: decides after each step whether to issue tokens, fail, or ask the next
// custom challenge (see challenges/challenge-sequence.ts for the rules).
import type { DefineAuthChallengeTriggerHandler } from 'aws-lambda';
import { currentStep } from './challenges/current-step.js';
import { logger } from './logger.js';
import { withErrorBoundary } from './trigger-errors.js';

export const handler: DefineAuthChallengeTriggerHandler = withErrorBoundary('DefineAuthChallenge', async (event) => {
  const { sub, userNotFound, step } = await currentStep(event);
  event.response.issueTokens = step.action === 'ISSUE_TOKENS';
  event.response.failAuthentication = step.action === 'FAIL';
  if (step.action === 'CHALLENGE') event.response.challengeName = 'CUSTOM_CHALLENGE';
  logger.info('next step decided', {
    sub,
    userNotFound,
    answered: event.request.session.length,
    ...step,
  });
  return event;
});
