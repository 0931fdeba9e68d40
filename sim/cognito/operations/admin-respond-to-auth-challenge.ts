// AdminRespondToAuthChallenge: RespondToAuthChallenge for a backend holding IAM credentials
// (IAM-only, so the request must be SigV4-signed: cognito-service.ts). The answer is judged exactly
// as RespondToAuthChallenge judges it (`answerChallenge`); the pool is named with the client, and
// ContextData and AnalyticsMetadata are accepted.
import { clientOfPool, requireClientId, requireUserPoolId, type CognitoContext } from '../cognito-context.js';
import { checkAnalyticsMetadata, checkContextData } from '../context-data.js';
import { answerChallenge, readChallengeAnswer } from './respond-to-auth-challenge.js';

export async function adminRespondToAuthChallenge(context: CognitoContext, input: Record<string, unknown>) {
  // Every member is validated before the pool or client is looked up (Coral validates the request whole).
  const userPoolId = requireUserPoolId(input);
  const clientId = requireClientId(input);
  const answer = readChallengeAnswer(input);
  checkAnalyticsMetadata(input);
  checkContextData(input);
  return answerChallenge(context, clientOfPool(context, userPoolId, clientId), answer);
}
