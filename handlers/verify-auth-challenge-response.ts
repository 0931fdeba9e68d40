// VerifyAuthChallengeResponse: hands the answer to the module of the challenge named in the
// private parameters (which only CreateAuthChallenge writes). Wrong answers never throw.
import type { VerifyAuthChallengeResponseTriggerHandler } from 'aws-lambda';
import { challengeModuleFor } from './challenges/challenge-modules.js';
import { logger } from './logger.js';
import { withErrorBoundary } from './trigger-errors.js';

export const handler: VerifyAuthChallengeResponseTriggerHandler = withErrorBoundary(
  'VerifyAuthChallengeResponse',
  async (event) => {
    event.response.answerCorrect = false;
    const kind = event.request.privateChallengeParameters?.challenge;
    const challenge = challengeModuleFor(kind);
    if (!challenge) {
      logger.warn('answer to an unknown challenge', { challenge: kind });
      return event;
    }
    event.response.answerCorrect = await challenge.verifyAnswer(event, Date.now());
    logger.info('answer verified', { challenge: kind, correct: event.response.answerCorrect });
    return event;
  },
);
