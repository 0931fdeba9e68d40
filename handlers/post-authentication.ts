// PostAuthentication: remembers when the user last signed in.
import type { PostAuthenticationTriggerHandler } from 'aws-lambda';
import { logger } from './logger.js';
import { withErrorBoundary } from './trigger-errors.js';
import { recordSignIn } from './users-table.js';

export const handler: PostAuthenticationTriggerHandler = withErrorBoundary('PostAuthentication', async (event) => {
  const sub = event.request.userAttributes.sub;
  if (!sub) return event;
  const recorded = await recordSignIn(sub, Date.now());
  if (recorded) logger.info('sign-in recorded', { sub });
  else logger.warn('sign-in of a user without a record', { sub });
  return event;
});
