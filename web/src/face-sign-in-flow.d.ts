// Types of face-sign-in-flow.js for the TypeScript that imports it (the Node tests); the page uses the JS.
export type ChallengeKind = 'MAILBOX_PROOF' | 'ENROL_FACE' | 'FACE_MATCH';

export const ENROL_INTENT: 'ENROL';
export function newDeviceKey(): string;
export function unusablePassword(): string;
export function signUpWithEmail(email: string): Promise<{ userSub: string | undefined; confirmed: boolean }>;
export function signUpOrResend(email: string): Promise<{ resent: boolean }>;
export function sendNewSignUpCode(email: string): Promise<void>;
export function confirmEmail(email: string, code: string): Promise<string>;

export type FlowOutcome =
  | { kind: 'signed-in'; challenges: ChallengeKind[] }
  | { kind: 'enrolment-rejected'; reason: string; message: string; challenges: ChallengeKind[] }
  | { kind: 'face-not-recognised'; message: string; challenges: ChallengeKind[] }
  | { kind: 'code-refused'; message: string; challenges: ChallengeKind[] }
  | { kind: 'email-not-confirmed'; message: string; challenges: ChallengeKind[] }
  | { kind: 'cancelled'; challenges: ChallengeKind[] };

export interface SignInWithFaceOptions {
  photo: Blob;
  /** This device's key (>= 32 characters), sent with every answer. */
  deviceKey: string;
  /** Enrol (first time, or again) instead of signing in; implied by `enrolSecret`. */
  enrol?: boolean;
  enrolSecret?: string;
  /**
   * Asked for the emailed code; `previousCodeWrong` when the last one was refused (a new one was
   * emailed then). Undefined cancels: the outcome is `cancelled`.
   */
  emailCode?: (request: { previousCodeWrong: boolean }) => Promise<string | undefined>;
  onStep?: (kind: ChallengeKind, parameters: { method?: string; enrolRequested?: boolean }) => void;
  /**
   * Asked for another photo after a refusal, or for the same one again after an upload that did
   * not arrive (`upload-failed`); none ends the flow with that refusal (or the upload's error).
   */
  retakePhoto?: (refusal: Refusal) => Promise<Blob | undefined>;
}

/** What `retakePhoto` is asked about. */
export type Refusal = Extract<FlowOutcome, { kind: 'enrolment-rejected' | 'face-not-recognised' }> | UploadFailure;

/** The photo did not reach the bucket, and the session may send it again. */
export interface UploadFailure {
  kind: 'upload-failed';
  message: string;
  challenges: ChallengeKind[];
}

export class PhotoUploadError extends Error {
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown });
}

export function signInWithFace(email: string, options: SignInWithFaceOptions): Promise<FlowOutcome>;
export function currentClaims(): Promise<Record<string, unknown> | undefined>;
export function askAppBackend(url: string): Promise<{ status: number; body: unknown }>;
/** Signs out, and revokes and removes the tokens of any other account `storage` holds (another tab's sign-in). */
export function signOutEverywhere(storage?: Pick<Storage, 'length' | 'key' | 'getItem' | 'removeItem'>): Promise<void>;
