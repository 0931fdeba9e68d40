// The client side of face sign-in, as an app would write it: Cognito's public API (no admin
// calls, no credentials), photos PUT to the presigned URLs the challenges hand out. The CLI and
// the end-to-end tests use it, against the embedded cloud and against AWS alike.
import { randomBytes } from 'node:crypto';
import { localCredentialsFromEnvironment } from '../sim/request-signature.js';
import {
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';

export interface FaceAuthTarget {
  region: string;
  userPoolClientId: string;
  /** Endpoint of the embedded cloud; undefined for AWS. */
  endpoint?: string;
}

export type ChallengeKind = 'MAILBOX_PROOF' | 'ENROL_FACE' | 'FACE_MATCH';

/** ClientMetadata `intent` (and ANSWER) that asks to enrol instead of matching a face. */
export const ENROL_INTENT = 'ENROL';

export type AuthOutcome =
  | { kind: 'signed-in'; tokens: AuthenticationResultType; challenges: ChallengeKind[] }
  /** The photo was refused at enrolment; the user should retake it. */
  | { kind: 'enrolment-rejected'; reason: string; challenges: ChallengeKind[] }
  /** The face did not match; the session allows another try with a different photo. */
  | { kind: 'face-not-recognised'; challenges: ChallengeKind[] };

export interface AuthenticateOptions {
  photo: Buffer;
  photoContentType?: string;
  /** The one-time secret sent with ConfirmSignUp, when enrolling right after sign-up (implies `enrol`). */
  enrolSecret?: string;
  /**
   * Enrol a face (first time, or again when the enrolled face no longer matches) instead of
   * signing in with it: the first FACE_MATCH is answered with the ENROL intent, then the mailbox
   * is proven (the enrolment secret, or `emailCode`) and the photo enrolled.
   */
  enrol?: boolean;
  /** Asked for when the service emails a code to prove the mailbox. */
  emailCode?: () => Promise<string>;
  onChallenge?: (kind: ChallengeKind, parameters: Record<string, string>) => void;
}

/** A password nobody ever uses: Cognito requires one at sign-up, the face is the factor. */
export function unusablePassword(): string {
  return `${randomBytes(24).toString('base64url')}aA1!`;
}

export class FaceAuthClient {
  readonly cognito: CognitoIdentityProviderClient;
  /**
   * This device's key, sent with every answer: after a sign-in or enrolment from here its hash is
   * remembered on the user's record, and failures of strangers elsewhere do not block it.
   */
  readonly deviceKey: string;

  constructor(
    private readonly target: FaceAuthTarget,
    deviceKey: string = randomBytes(32).toString('base64url'),
  ) {
    this.deviceKey = deviceKey;
    this.cognito = new CognitoIdentityProviderClient({
      region: target.region,
      ...(target.endpoint ? { endpoint: target.endpoint, credentials: localCredentialsFromEnvironment(process.env) } : {}),
    });
  }

  async signUp(email: string): Promise<{ userSub: string; confirmed: boolean }> {
    const result = await this.cognito.send(
      new SignUpCommand({
        ClientId: this.target.userPoolClientId,
        Username: email,
        Password: unusablePassword(),
        UserAttributes: [{ Name: 'email', Value: email }],
      }),
    );
    return { userSub: result.UserSub!, confirmed: result.UserConfirmed ?? false };
  }

  /**
   * Signs up, or, when the email is already signed up but not confirmed (perhaps by someone else,
   * who cannot confirm without the code), has Cognito email a new code: whoever confirms with it
   * owns the account. Throws Cognito's error when the account is already confirmed.
   */
  async signUpOrResend(email: string): Promise<{ resent: boolean }> {
    try {
      await this.signUp(email);
      return { resent: false };
    } catch (error) {
      if ((error as Error).name !== 'UsernameExistsException') throw error;
      await this.cognito.send(new ResendConfirmationCodeCommand({ ClientId: this.target.userPoolClientId, Username: email }));
      return { resent: true };
    }
  }

  /** Confirms the email and hands the enrolment secret to PostConfirmation; returns that secret. */
  async confirmSignUp(email: string, code: string): Promise<string> {
    const enrolSecret = randomBytes(32).toString('base64url');
    await this.cognito.send(
      new ConfirmSignUpCommand({
        ClientId: this.target.userPoolClientId,
        Username: email,
        ConfirmationCode: code,
        ClientMetadata: { enrolSecret },
      }),
    );
    return enrolSecret;
  }

  /** Runs the custom auth flow to the end: a face match, or with `enrol` an enrolment. */
  async authenticate(email: string, options: AuthenticateOptions): Promise<AuthOutcome> {
    const challenges: ChallengeKind[] = [];
    let response = await this.cognito.send(
      new InitiateAuthCommand({ ClientId: this.target.userPoolClientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }),
    );
    const enrol = options.enrol === true || options.enrolSecret !== undefined;
    let enrolRequested = false;
    for (;;) {
      if (response.AuthenticationResult) return { kind: 'signed-in', tokens: response.AuthenticationResult, challenges };
      const parameters = response.ChallengeParameters ?? {};
      const kind = parameters.challenge as ChallengeKind;
      if (!['MAILBOX_PROOF', 'ENROL_FACE', 'FACE_MATCH'].includes(kind)) {
        throw new Error(`unexpected challenge ${response.ChallengeName} ${String(kind)}`);
      }
      if (kind === 'ENROL_FACE' && parameters.previousRejection && challenges.includes('ENROL_FACE')) {
        return { kind: 'enrolment-rejected', reason: parameters.previousRejection, challenges };
      }
      // Sending the same photo again cannot change the answer; it would only use up attempts.
      if (kind === 'FACE_MATCH' && challenges.includes('FACE_MATCH') && !enrolRequested) {
        return { kind: 'face-not-recognised', challenges };
      }
      challenges.push(kind);
      options.onChallenge?.(kind, parameters);
      const requestEnrolment: boolean = kind === 'FACE_MATCH' && enrol && !enrolRequested;
      const answer = requestEnrolment ? ENROL_INTENT : await this.answer(kind, parameters, options);
      enrolRequested ||= requestEnrolment;
      response = await this.cognito.send(
        new RespondToAuthChallengeCommand({
          ClientId: this.target.userPoolClientId,
          ChallengeName: 'CUSTOM_CHALLENGE',
          Session: response.Session,
          ChallengeResponses: { USERNAME: parameters.USERNAME ?? email, ANSWER: answer },
          ClientMetadata: {
            deviceKey: this.deviceKey,
            ...(requestEnrolment ? { intent: ENROL_INTENT } : {}),
            // Create picks the mailbox proof method from it, in the same call that asks to enrol.
            ...(options.enrolSecret && kind !== 'ENROL_FACE' ? { enrolSecret: options.enrolSecret } : {}),
          },
        }),
      );
    }
  }

  private async answer(kind: ChallengeKind, parameters: Record<string, string>, options: AuthenticateOptions): Promise<string> {
    if (kind === 'MAILBOX_PROOF') {
      if (parameters.method === 'ENROL_SECRET' && options.enrolSecret) return options.enrolSecret;
      if (!options.emailCode) throw new Error('this account has no face yet and needs proof of the mailbox (a code sent by email)');
      return (await options.emailCode()).trim();
    }
    await uploadPhoto(parameters, options.photo, options.photoContentType);
    return 'uploaded';
  }
}

/** The form a photo challenge issued: where to post it, and the fields that go before the photo. */
export interface PhotoUploadForm {
  url: string;
  fields: Record<string, string>;
}

/** The upload form in a photo challenge's parameters (`uploadFormUrl`, `uploadFormFields` as JSON). */
export function uploadFormOf(parameters: Record<string, string | undefined>): PhotoUploadForm {
  const { uploadFormUrl, uploadFormFields } = parameters;
  if (!uploadFormUrl || !uploadFormFields) throw new Error('the challenge has no upload form (uploadFormUrl, uploadFormFields)');
  return { url: uploadFormUrl, fields: JSON.parse(uploadFormFields) as Record<string, string> };
}

/** The object key a photo challenge's form uploads to (chosen by CreateAuthChallenge). */
export function uploadKeyOf(parameters: Record<string, string | undefined>): string {
  return uploadFormOf(parameters).fields.key!;
}

/**
 * Posts the photo with the challenge's upload form (S3's POST Object): the signed fields as they
 * are, the Content-Type, and the photo last, as S3 requires.
 */
export async function uploadPhoto(parameters: Record<string, string | undefined>, photo: Buffer, contentType = 'image/jpeg'): Promise<void> {
  const { url, fields } = uploadFormOf(parameters);
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('Content-Type', contentType);
  form.append('file', new Blob([photo], { type: contentType }), 'photo');
  const response = await fetch(url, { method: 'POST', body: form });
  if (!response.ok) throw new Error(`photo upload refused: HTTP ${response.status}${describeS3Error(await response.text())}`);
}

/** S3's XML error as one line: `, EntityTooLarge: Your proposed upload exceeds ... (5315864 bytes; at most 5242880)`. */
function describeS3Error(body: string): string {
  const element = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];
  const [code, message, proposed, allowed] = ['Code', 'Message', 'ProposedSize', 'MaxSizeAllowed'].map(element);
  if (!code) return body ? ` ${body.slice(0, 300)}` : '';
  return `, ${code}: ${message ?? ''}${proposed && allowed ? ` (${proposed} bytes; at most ${allowed})` : ''}`;
}

/** Reads a JWT's claims without verifying it (for display; verification is the server's job). */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
