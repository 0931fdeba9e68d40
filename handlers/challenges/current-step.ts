// The facts Define and Create both decide on: the next step the session calls for and, when that
// step depends on it, the user's record (read consistently, as Verify may have just bound a
// face). Whether the record is read depends on the session alone, never on who the email
// belongs to: for an email that does not exist the stand-in sub's record is read (there is none),
// so Define and Create do the same work, and take the same time, for every email.
import type { DefineAuthChallengeTriggerEvent } from 'aws-lambda';
import { subjectOf } from '../decoy-identities.js';
import { getUser, type UserRecord } from '../users-table.js';
import { nextStep, type NextStep } from './challenge-sequence.js';
import { asksToEnrol } from './client-requests.js';

export interface CurrentStep {
  /** The real sub, or the stand-in sub of an email that does not exist. */
  sub: string;
  userNotFound: boolean;
  step: NextStep;
  /** The user's record (undefined for an unknown email or a user without one), read once at most. */
  readUser(): Promise<UserRecord | undefined>;
}

type StepEvent = Pick<DefineAuthChallengeTriggerEvent, 'userPoolId' | 'userName'> & {
  request: Pick<DefineAuthChallengeTriggerEvent['request'], 'userAttributes' | 'session' | 'userNotFound'> & {
    clientMetadata?: Record<string, string>;
  };
};

export async function currentStep(event: StepEvent): Promise<CurrentStep> {
  const { sub, userNotFound } = await subjectOf(event);
  let reading: Promise<UserRecord | undefined> | undefined;
  const readUser = () => (reading ??= getUser(sub).then((read) => (userNotFound ? undefined : read)));
  const session = event.request.session;
  const enrolRequested = asksToEnrol(event.request.clientMetadata);
  // Most steps are the same with a face bound or not (every session starts with FACE_MATCH,
  // whoever asks), and then the record is not read; tokens after a correct FACE_MATCH need it.
  // Whether it is read is decided as for an existing user, so that unknown emails read too.
  const dependsOnFace = !sameStep(
    nextStep(session, { userNotFound: false, enrolRequested, enrolled: true }),
    nextStep(session, { userNotFound: false, enrolRequested, enrolled: false }),
  );
  const user = dependsOnFace ? await readUser() : undefined;
  const enrolled = !!user?.faceId;
  const step = nextStep(session, { userNotFound, enrolRequested, enrolled, enrolledAt: Date.parse(String(user?.enrolledAt)) });
  return { sub, userNotFound, step, readUser };
}

function sameStep(one: NextStep, other: NextStep): boolean {
  return JSON.stringify(one) === JSON.stringify(other);
}
