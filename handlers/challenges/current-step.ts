// The facts Define and Create both decide on: the user's record (read consistently, as Verify
// may have just bound a face) and the next step the session calls for.
import type { DefineAuthChallengeTriggerEvent } from 'aws-lambda';
import { getUser, type UserRecord } from '../users-table.js';
import { nextStep, type NextStep } from './challenge-sequence.js';

export interface CurrentStep {
  sub: string | undefined;
  userNotFound: boolean;
  user: UserRecord | undefined;
  step: NextStep;
}

type StepRequest = Pick<DefineAuthChallengeTriggerEvent['request'], 'userAttributes' | 'session' | 'userNotFound'>;

export async function currentStep(request: StepRequest): Promise<CurrentStep> {
  const sub = request.userAttributes.sub;
  const userNotFound = request.userNotFound === true || !sub;
  const user = userNotFound ? undefined : await getUser(sub, { consistent: true });
  return { sub, userNotFound, user, step: nextStep(request.session, { userNotFound, enrolled: !!user?.faceId }) };
}
