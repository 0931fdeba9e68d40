// The facts Define and Create both decide on: the user's record (read consistently, as Verify
// may have just bound a face) and the next step the session calls for. For an email that does
// not exist the same read is made, of the stand-in sub's record (there is none), so Define and
// Create do the same work, and take the same time, for every email.
import type { DefineAuthChallengeTriggerEvent } from 'aws-lambda';
import { subjectOf } from '../decoy-identities.js';
import { getUser, type UserRecord } from '../users-table.js';
import { nextStep, type NextStep } from './challenge-sequence.js';
import { asksToEnrol } from './client-requests.js';

export interface CurrentStep {
  /** The real sub, or the stand-in sub of an email that does not exist. */
  sub: string;
  userNotFound: boolean;
  user: UserRecord | undefined;
  step: NextStep;
}

type StepEvent = Pick<DefineAuthChallengeTriggerEvent, 'userPoolId' | 'userName'> & {
  request: Pick<DefineAuthChallengeTriggerEvent['request'], 'userAttributes' | 'session' | 'userNotFound'> & {
    clientMetadata?: Record<string, string>;
  };
};

export async function currentStep(event: StepEvent): Promise<CurrentStep> {
  const { sub, userNotFound } = await subjectOf(event);
  const read = await getUser(sub);
  const user = userNotFound ? undefined : read;
  const step = nextStep(event.request.session, {
    userNotFound,
    enrolled: !!user?.faceId,
    enrolRequested: asksToEnrol(event.request.clientMetadata),
  });
  return { sub, userNotFound, user, step };
}
