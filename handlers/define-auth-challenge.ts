// DefineAuthChallenge: decides after each step whether to issue tokens, fail, or ask the next
// custom challenge (see challenges/challenge-sequence.ts for the rules).
import type { DefineAuthChallengeTriggerHandler } from 'aws-lambda';
import { nextStep } from './challenges/challenge-sequence.js';
import { logger } from './logger.js';
import { withErrorBoundary } from './trigger-errors.js';
import { getUser } from './users-table.js';

export const handler: DefineAuthChallengeTriggerHandler = withErrorBoundary('DefineAuthChallenge', async (event) => {
  const sub = event.request.userAttributes.sub;
  const userNotFound = event.request.userNotFound === true || !sub;
  const user = userNotFound ? undefined : await getUser(sub, { consistent: true });
  const step = nextStep(event.request.session, { userNotFound, enrolled: !!user?.faceId });
  event.response.issueTokens = step.action === 'ISSUE_TOKENS';
  event.response.failAuthentication = step.action === 'FAIL';
  if (step.action === 'CHALLENGE') event.response.challengeName = 'CUSTOM_CHALLENGE';
  logger.info('next step decided', {
    sub,
    userNotFound,
    enrolled: !!user?.faceId,
    answered: event.request.session.length,
    ...step,
  });
  return event;
});
