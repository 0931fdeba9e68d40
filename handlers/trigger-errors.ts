// How a function fails. Cognito shows a thrown message to the client
// ("<Trigger> failed with error <message>."), so only messages written for the user pass
// through; anything else is logged here and replaced by a generic message that leaks nothing.
import { logger } from './logger.js';

/** An error whose message is meant for the person signing up or in. */
export class UserFacingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserFacingError';
  }
}

export function withErrorBoundary<Event, Result>(
  functionName: string,
  body: (event: Event) => Promise<Result>,
): (event: Event) => Promise<Result> {
  return async (event) => {
    try {
      return await body(event);
    } catch (error) {
      if (error instanceof UserFacingError) {
        logger.warn('refused', { function: functionName, reason: error.message });
        throw error;
      }
      logger.error('failed', { function: functionName, error: describeError(error) });
      throw new Error('internal error, please try again');
    }
  };
}

/** Name and message only: SDK errors carry request metadata we do not need in the logs. */
function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'NonError', message: String(error) };
}
