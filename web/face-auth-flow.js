/* global btoa, atob, crypto, TextDecoder -- in browsers and in Node 20 alike */
// The face sign-in protocol as the page speaks it: Cognito's public JSON API and the presigned
// photo uploads, the same steps as cli/face-auth-client.ts. No DOM here, and fetch is injected,
// so Node tests drive this very module against the embedded cloud.

/** @typedef {'MAILBOX_PROOF' | 'ENROL_FACE' | 'FACE_MATCH'} ChallengeKind */

const CHALLENGE_KINDS = ['MAILBOX_PROOF', 'ENROL_FACE', 'FACE_MATCH'];

/** Why an enrolment photo was refused, in the words a user understands. */
export const REJECTION_MESSAGES = {
  NO_FACE: 'No face was found in the photo. Face the camera in good light and try again.',
  MULTIPLE_FACES: 'More than one face is in the photo. Make sure you are alone in the picture.',
  LOW_QUALITY: 'The face is too small, blurred or dark. Come closer to the camera, in better light.',
  NOT_AN_IMAGE: 'The file is not a JPEG or PNG picture.',
  TOO_LARGE: 'The picture is too large. Use a smaller one.',
  NOT_UPLOADED: 'The photo did not arrive. Check the connection and try again.',
};

export function describeRejection(reason) {
  return REJECTION_MESSAGES[reason] ?? `The photo was refused (${reason}).`;
}

/** An error Cognito returned, with the AWS exception name (e.g. UsernameExistsException). */
export class CognitoError extends Error {
  constructor(name, message) {
    super(message || name);
    this.name = name;
  }
}

function base64UrlOf(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomBase64Url(byteCount) {
  return base64UrlOf(crypto.getRandomValues(new Uint8Array(byteCount)));
}

/** A password nobody ever uses: Cognito requires one at sign-up, the face is the factor. */
export function unusablePassword() {
  return `${randomBase64Url(24)}aA1!`;
}

/** Reads a JWT's claims without verifying it (for display; verification is the server's job). */
export function decodeJwtClaims(token) {
  const payload = String(token).split('.')[1];
  if (!payload) throw new Error('not a JWT');
  const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** Reads the stack outputs the embedded cloud serves (client id and region). */
export async function loadStackOutputs(fetchImpl, baseUrl = '') {
  const response = await fetchImpl(`${baseUrl}/_sim/outputs`);
  if (!response.ok) throw new Error(`could not read the stack outputs: HTTP ${response.status}`);
  const stacks = await response.json();
  const outputs = Object.values(stacks).find((candidate) => candidate && candidate.UserPoolClientId);
  if (!outputs) throw new Error('the stack outputs name no UserPoolClientId');
  return { userPoolClientId: outputs.UserPoolClientId, region: outputs.Region };
}

/** ClientMetadata `intent` (and ANSWER) that asks to enrol instead of matching a face. */
export const ENROL_INTENT = 'ENROL';

/** A fresh random device key (see createFaceAuthFlow). */
export function newDeviceKey() {
  return randomBase64Url(32);
}

/**
 * @param {{ fetch: typeof fetch, endpoint?: string, userPoolClientId: string, deviceKey?: string }} target
 *   endpoint: where Cognito's API answers ('' means this page's origin).
 *   deviceKey: this device's key, sent with every answer; once a face signed in from here, a
 *   stranger's failed attempts elsewhere do not block this device. Keep it (e.g. localStorage).
 */
export function createFaceAuthFlow({ fetch: fetchImpl, endpoint = '', userPoolClientId, deviceKey = newDeviceKey() }) {
  async function cognito(operation, body) {
    const response = await fetchImpl(`${endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : {};
    if (!response.ok) {
      const type = String(parsed.__type ?? response.headers.get('x-amzn-errortype') ?? `HTTP ${response.status}`);
      throw new CognitoError(type.split('#').pop().split(':')[0], parsed.message ?? parsed.Message);
    }
    return parsed;
  }

  async function uploadPhoto(uploadUrl, photo, contentType) {
    const response = await fetchImpl(uploadUrl, { method: 'PUT', body: photo, headers: { 'content-type': contentType } });
    if (!response.ok) throw new Error(`the photo upload was refused (HTTP ${response.status})`);
  }

  async function signUp(email) {
    const result = await cognito('SignUp', {
      ClientId: userPoolClientId,
      Username: email,
      Password: unusablePassword(),
      UserAttributes: [{ Name: 'email', Value: email }],
    });
    return { userSub: result.UserSub, confirmed: Boolean(result.UserConfirmed) };
  }

  return {
    signUp,

    /**
     * Signs up, or, when the email is signed up but not confirmed (perhaps by someone else, who
     * cannot confirm without the code), has Cognito email a new code: whoever confirms owns it.
     */
    async signUpOrResend(email) {
      try {
        await signUp(email);
        return { resent: false };
      } catch (error) {
        if (error.name !== 'UsernameExistsException') throw error;
        await cognito('ResendConfirmationCode', { ClientId: userPoolClientId, Username: email });
        return { resent: true };
      }
    },

    /** Confirms the email and hands a fresh enrolment secret to PostConfirmation; returns it. */
    async confirmSignUp(email, code) {
      const enrolSecret = randomBase64Url(32);
      await cognito('ConfirmSignUp', {
        ClientId: userPoolClientId,
        Username: email,
        ConfirmationCode: String(code).trim(),
        ClientMetadata: { enrolSecret },
      });
      return enrolSecret;
    },

    /**
     * Runs the custom auth flow to the end: a face match or, with `enrol` (or an enrolment
     * secret), an enrolment: the first FACE_MATCH is answered with the ENROL intent, the mailbox
     * is proven, the photo enrolled.
     * @param {{ photo: Blob | Uint8Array, photoContentType?: string, enrolSecret?: string, enrol?: boolean,
     *   emailCode?: () => Promise<string>, onStep?: (kind: ChallengeKind, parameters: object) => void,
     *   retakePhoto?: (refusal: object) => Promise<Blob | Uint8Array | undefined> }} options
     *   retakePhoto: asked for a new photo when the last one was refused or not recognised; the
     *   refusal is returned as the outcome when it gives none.
     * @returns {Promise<{kind: 'signed-in', tokens: object, claims: object, challenges: ChallengeKind[]}
     *   | {kind: 'enrolment-rejected', reason: string, message: string, challenges: ChallengeKind[]}
     *   | {kind: 'face-not-recognised', challenges: ChallengeKind[]}>}
     */
    async authenticate(email, options) {
      let photo = options.photo;
      let contentType = options.photoContentType ?? options.photo.type ?? 'image/jpeg';
      const challenges = [];
      let response = await cognito('InitiateAuth', {
        ClientId: userPoolClientId,
        AuthFlow: 'CUSTOM_AUTH',
        AuthParameters: { USERNAME: email },
      });
      const enrol = options.enrol === true || Boolean(options.enrolSecret);
      let enrolRequested = false;
      for (;;) {
        if (response.AuthenticationResult) {
          const tokens = response.AuthenticationResult;
          return { kind: 'signed-in', tokens, claims: decodeJwtClaims(tokens.IdToken), challenges };
        }
        const parameters = response.ChallengeParameters ?? {};
        const kind = parameters.challenge;
        if (!CHALLENGE_KINDS.includes(kind)) throw new Error(`unexpected challenge ${response.ChallengeName} ${kind}`);
        // The same challenge again means the last photo was refused or did not match, and the
        // session allows another try. Sending the same photo cannot change the answer, so go on
        // only with a new one.
        const refusal =
          kind === 'ENROL_FACE' && parameters.previousRejection && challenges.includes('ENROL_FACE')
            ? { kind: 'enrolment-rejected', reason: parameters.previousRejection, message: describeRejection(parameters.previousRejection), challenges: [...challenges] }
            : kind === 'FACE_MATCH' && challenges.includes('FACE_MATCH') && !enrolRequested
              ? { kind: 'face-not-recognised', challenges: [...challenges] }
              : undefined;
        if (refusal) {
          const newPhoto = options.retakePhoto ? await options.retakePhoto(refusal) : undefined;
          if (!newPhoto) return refusal;
          photo = newPhoto;
          contentType = newPhoto.type || contentType;
        }
        challenges.push(kind);
        const requestEnrolment = kind === 'FACE_MATCH' && enrol && !enrolRequested;
        enrolRequested ||= requestEnrolment;
        options.onStep?.(kind, { method: parameters.method, enrolRequested: requestEnrolment });
        let answer;
        if (requestEnrolment) {
          answer = ENROL_INTENT;
        } else if (kind === 'MAILBOX_PROOF') {
          // ENROL_SECRET only when this page sent the secret it got at confirmation (in memory).
          if (parameters.method === 'ENROL_SECRET' && options.enrolSecret) answer = options.enrolSecret;
          else if (options.emailCode) answer = String(await options.emailCode()).trim();
          else throw new Error('enrolling needs the code sent by email');
        } else {
          await uploadPhoto(parameters.uploadUrl, photo, contentType);
          answer = 'uploaded';
        }
        response = await cognito('RespondToAuthChallenge', {
          ClientId: userPoolClientId,
          ChallengeName: 'CUSTOM_CHALLENGE',
          Session: response.Session,
          ChallengeResponses: { USERNAME: parameters.USERNAME ?? email, ANSWER: answer },
          ClientMetadata: {
            deviceKey,
            ...(requestEnrolment ? { intent: ENROL_INTENT } : {}),
            // Create picks the mailbox proof method from it, in the same call that asks to enrol.
            ...(options.enrolSecret && kind !== 'ENROL_FACE' ? { enrolSecret: options.enrolSecret } : {}),
          },
        });
      }
    },
  };
}
