// Types of face-auth-flow.js for the TypeScript that imports it (the tests); the page uses the JS.
export type ChallengeKind = 'MAILBOX_PROOF' | 'ENROL_FACE' | 'FACE_MATCH';

export const REJECTION_MESSAGES: Record<string, string>;
export function describeRejection(reason: string): string;

export class CognitoError extends Error {
  constructor(name: string, message?: string);
}

export const ENROL_INTENT: 'ENROL';
export function newDeviceKey(): string;
export function unusablePassword(): string;
export function decodeJwtClaims(token: string): Record<string, unknown>;
export function loadStackOutputs(fetchImpl: typeof fetch, baseUrl?: string): Promise<{ userPoolClientId: string; region: string }>;

export interface AuthenticationTokens {
  IdToken: string;
  AccessToken: string;
  RefreshToken?: string;
  ExpiresIn: number;
  TokenType: string;
}

export type FlowOutcome =
  | { kind: 'signed-in'; tokens: AuthenticationTokens; claims: Record<string, unknown>; challenges: ChallengeKind[] }
  | { kind: 'enrolment-rejected'; reason: string; message: string; challenges: ChallengeKind[] }
  | { kind: 'face-not-recognised'; challenges: ChallengeKind[] };

export interface AuthenticateOptions {
  photo: Blob | Uint8Array;
  photoContentType?: string;
  enrolSecret?: string;
  /** Enrol (first time, or again) instead of signing in; implied by `enrolSecret`. */
  enrol?: boolean;
  emailCode?: () => Promise<string>;
  onStep?: (kind: ChallengeKind, parameters: { method?: string; enrolRequested?: boolean }) => void;
  /** Asked for a new photo when the last one was refused or not recognised; none ends the flow with that refusal. */
  retakePhoto?: (refusal: Exclude<FlowOutcome, { kind: 'signed-in' }>) => Promise<Blob | Uint8Array | undefined>;
}

export interface FaceAuthFlow {
  signUp(email: string): Promise<{ userSub: string; confirmed: boolean }>;
  /** SignUp, or ResendConfirmationCode when the email is signed up but not confirmed. */
  signUpOrResend(email: string): Promise<{ resent: boolean }>;
  confirmSignUp(email: string, code: string): Promise<string>;
  authenticate(email: string, options: AuthenticateOptions): Promise<FlowOutcome>;
}

export function createFaceAuthFlow(target: { fetch: typeof fetch; endpoint?: string; userPoolClientId: string; deviceKey?: string }): FaceAuthFlow;
