// The challenge kinds, each with its create and verify functions.
import type { ChallengeModule } from './challenge-module.js';
import type { ChallengeKind } from './challenge-sequence.js';
import * as enrolFace from './enrol-face.js';
import * as faceMatch from './face-match.js';
import * as mailboxProof from './mailbox-proof.js';

export const challengeModules: Record<ChallengeKind, ChallengeModule> = {
  MAILBOX_PROOF: mailboxProof,
  ENROL_FACE: enrolFace,
  FACE_MATCH: faceMatch,
};

/** The module for a kind named in untrusted-looking data, or undefined for anything else. */
export function challengeModuleFor(kind: string | undefined): ChallengeModule | undefined {
  // Stryker disable next-line ConditionalExpression: Object.hasOwn(modules, undefined) is false too; the check is there for the type
  return kind !== undefined && Object.hasOwn(challengeModules, kind) ? challengeModules[kind as ChallengeKind] : undefined;
}
