// Which step comes next in a custom-auth session. DefineAuthChallenge decides with it, and
// CreateAuthChallenge re-derives the same answer from the same facts, so the two cannot disagree
// about which challenge to build. Each session entry's kind comes from the challengeMetadata
// CreateAuthChallenge set; the client never sees or sets it.
//
// Every session starts with FACE_MATCH, for an enrolled user, a user without a face and an
// unknown email alike, so the first answer tells nobody which one the email is. A client that
// wants to enrol answers that FACE_MATCH with the ENROL intent (client-requests.ts); the session
// then asks MAILBOX_PROOF and, once the mailbox is proven, ENROL_FACE.
import type { DefineAuthChallengeTriggerEvent } from 'aws-lambda';

export type ChallengeKind = 'MAILBOX_PROOF' | 'ENROL_FACE' | 'FACE_MATCH';
export type SessionEntry = DefineAuthChallengeTriggerEvent['request']['session'][number];

export type NextStep =
  | { action: 'ISSUE_TOKENS' }
  | { action: 'FAIL'; reason: string }
  | { action: 'CHALLENGE'; kind: ChallengeKind };

/** Wrong answers a session may contain; the next one ends it. */
export const MAX_WRONG_ANSWERS = 3;

export interface AnsweredChallenge {
  kind: ChallengeKind;
  correct: boolean;
  /** The photo key of an ENROL_FACE challenge. */
  key?: string;
  /** When a FACE_MATCH challenge was issued (epoch ms); absent in sessions from before it was recorded. */
  issuedAt?: number;
}

/**
 * What Create records about a challenge, for Define and Create to read back from the session: the
 * kind, an ENROL_FACE's photo key, a FACE_MATCH's issue time. Only triggers see it.
 */
export function challengeMetadata(kind: ChallengeKind, detail?: string | number): string {
  return detail === undefined ? kind : `${kind}:${detail}`;
}

function readEntry(entry: SessionEntry): AnsweredChallenge | undefined {
  if (entry.challengeName !== 'CUSTOM_CHALLENGE') return undefined;
  const metadata = entry.challengeMetadata ?? '';
  if (metadata === 'MAILBOX_PROOF' || metadata === 'FACE_MATCH') return { kind: metadata, correct: entry.challengeResult };
  const issued = /^FACE_MATCH:(\d{1,15})$/.exec(metadata);
  if (issued) return { kind: 'FACE_MATCH', correct: entry.challengeResult, issuedAt: Number(issued[1]) };
  if (metadata.startsWith('ENROL_FACE:')) {
    return { kind: 'ENROL_FACE', correct: entry.challengeResult, key: metadata.slice('ENROL_FACE:'.length) };
  }
  return undefined;
}

/** The session's answered challenges, or undefined when it holds anything this kit did not create. */
export function readSession(session: SessionEntry[]): AnsweredChallenge[] | undefined {
  const answered = session.map(readEntry);
  return answered.every((entry) => entry !== undefined) ? (answered as AnsweredChallenge[]) : undefined;
}

export interface UserState {
  /** Cognito ran the flow for a user that does not exist (PreventUserExistenceErrors). */
  userNotFound: boolean;
  /** The user has a face bound to their record. */
  enrolled: boolean;
  /** When that face was bound (epoch ms); NaN or absent when not known. */
  enrolledAt?: number;
  /** The answer just given (RespondToAuthChallenge's ClientMetadata) asked to enrol. */
  enrolRequested?: boolean;
}

/**
 * The index of the FACE_MATCH entry that asked to enrol (answered with the ENROL intent, so no
 * face was checked): the entry just before the first MAILBOX_PROOF, or the last entry when the
 * request comes with this answer. -1 when the session is not enrolling.
 */
function enrolRequestIndex(answered: AnsweredChallenge[], enrolRequestedNow: boolean): number {
  const firstProof = answered.findIndex((entry) => entry.kind === 'MAILBOX_PROOF');
  const candidate = firstProof >= 0 ? firstProof - 1 : enrolRequestedNow ? answered.length - 1 : -1;
  const request = answered[candidate];
  return request?.kind === 'FACE_MATCH' && !request.correct ? candidate : -1;
}

export function nextStep(session: SessionEntry[], user: UserState): NextStep {
  const answered = readSession(session);
  // SRP_A, PASSWORD_VERIFIER and the like: the password nobody knows must never open a session.
  if (!answered) return { action: 'FAIL', reason: 'session holds a step this flow never asks for' };
  const last = answered.at(-1);
  const requestIndex = enrolRequestIndex(answered, user.enrolRequested === true);
  const enrolling = requestIndex >= 0;
  const mailboxProven = enrolling && answered.some((entry) => entry.kind === 'MAILBOX_PROOF' && entry.correct);
  if (last?.correct && !user.userNotFound) {
    if (last.kind === 'FACE_MATCH' && user.enrolled) {
      // A face bound after this challenge was issued replaced the one Verify matched, if it was
      // matched before the bind: the owner took the account back meanwhile, and its sign-out must
      // not be outrun by a sign-in with the old face that was already under way.
      // (Either time unknown: NaN, which compares false.)
      if (Number(user.enrolledAt) >= Number(last.issuedAt)) {
        return { action: 'FAIL', reason: 'the face was enrolled again during this session' };
      }
      return { action: 'ISSUE_TOKENS' };
    }
    if (last.kind === 'ENROL_FACE' && mailboxProven) return { action: 'ISSUE_TOKENS' };
  }
  // The request to enrol is a choice, not a wrong answer: it does not use up an attempt.
  const wrong = answered.filter((entry, index) => !entry.correct && index !== requestIndex).length;
  if (wrong >= MAX_WRONG_ANSWERS) return { action: 'FAIL', reason: 'too many wrong answers' };
  if (!enrolling) return { action: 'CHALLENGE', kind: 'FACE_MATCH' };
  return { action: 'CHALLENGE', kind: mailboxProven ? 'ENROL_FACE' : 'MAILBOX_PROOF' };
}
