// Face sign-in with Amplify v6: sign-up, confirmation with an enrolment secret, and the custom
// auth flow (CUSTOM_WITHOUT_SRP) through its challenges (docs/handlers.md). Every session starts
// with FACE_MATCH; to enrol (first time, or again) the client answers it with the ENROL intent
// and goes on through MAILBOX_PROOF → ENROL_FACE. No DOM here: the page hands in callbacks for
// what needs the user (a code from the email, another photo).
import { Amplify } from 'aws-amplify';
import { confirmSignIn, confirmSignUp, fetchAuthSession, resendSignUpCode, signIn, signOut, signUp } from 'aws-amplify/auth';
import { describeRefusal, REFUSAL_MESSAGES } from './refusals.js';

const CHALLENGE_KINDS = ['MAILBOX_PROOF', 'ENROL_FACE', 'FACE_MATCH'];

/** ClientMetadata `intent` (and the ANSWER) that asks to enrol instead of matching a face. */
export const ENROL_INTENT = 'ENROL';

function randomBase64Url(byteCount) {
  const bytes = crypto.getRandomValues(new Uint8Array(byteCount));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A password nobody ever uses: Cognito requires one at sign-up, the face is the factor. */
export function unusablePassword() {
  return `${randomBase64Url(24)}aA1!`;
}

/**
 * A fresh device key: sent with every answer, so that once a face signed in from this device a
 * stranger's failed attempts elsewhere do not block it. Keep it (the page: localStorage).
 */
export function newDeviceKey() {
  return randomBase64Url(32);
}

/** SignUp with a random password; Cognito emails the confirmation code. */
export async function signUpWithEmail(email) {
  const { userId, nextStep } = await signUp({ username: email, password: unusablePassword(), options: { userAttributes: { email } } });
  return { userSub: userId, confirmed: nextStep.signUpStep !== 'CONFIRM_SIGN_UP' };
}

/**
 * SignUp, or, when the email is signed up but not confirmed (perhaps by someone else, who cannot
 * confirm without the code), ResendConfirmationCode: whoever confirms the emailed code owns the
 * account (docs/handlers.md, finding 1). An email already confirmed still fails, as SignUp does.
 */
export async function signUpOrResend(email) {
  try {
    await signUpWithEmail(email);
    return { resent: false };
  } catch (error) {
    if (error?.name !== 'UsernameExistsException') throw error;
    try {
      await resendSignUpCode({ username: email });
    } catch {
      throw error; // already confirmed: the sign-up's own error says what to do
    }
    return { resent: true };
  }
}

/** ResendConfirmationCode: a new sign-up code by email; the earlier ones stop working. */
export async function sendNewSignUpCode(email) {
  await resendSignUpCode({ username: email });
}

/**
 * ConfirmSignUp with a fresh enrolment secret in ClientMetadata (PostConfirmation keeps its hash
 * for 10 minutes); returns the secret, which only this page then holds, in memory.
 */
export async function confirmEmail(email, code) {
  const enrolSecret = randomBase64Url(32);
  await confirmSignUp({ username: email, confirmationCode: String(code).trim(), options: { clientMetadata: { enrolSecret } } });
  return enrolSecret;
}

/**
 * A photo that did not reach the bucket. `retryable`: nothing was answered yet, so the same
 * session can send it again (a dropped connection, a server error); otherwise, e.g. for an upload
 * form that expired with its session, only a new sign-in helps.
 */
export class PhotoUploadError extends Error {
  constructor(message, { retryable, cause }) {
    super(message, { cause });
    this.name = 'PhotoUploadError';
    this.retryable = retryable;
  }
}

/**
 * Posts the photo with the challenge's upload form (S3's POST Object, from a presigned POST): the
 * signed fields as they are, the photo's type, and the photo last, as S3 requires. The form's
 * policy lets S3 take only this key, only until `expiresAt`, and at most `maxBytes`.
 */
async function uploadPhoto(parameters, photo) {
  const url = parameters.uploadFormUrl;
  const form = new FormData();
  for (const [name, value] of Object.entries(JSON.parse(parameters.uploadFormFields))) form.append(name, value);
  form.append('Content-Type', photo.type || 'image/jpeg');
  form.append('file', photo);
  let response;
  try {
    response = await fetch(url, { method: 'POST', body: form });
  } catch (error) {
    // All a browser says ("Failed to fetch") for a dropped connection, a stopped server, or an
    // upload the bucket's CORS refused.
    throw new PhotoUploadError(`${REFUSAL_MESSAGES.UPLOAD_UNREACHABLE} (No answer from ${new URL(url).host}.)`, { retryable: true, cause: error });
  }
  if (response.ok) {
    // Read to its (empty) end: left unread, the browser logs the upload as cancelled after its 204.
    await response.arrayBuffer().catch(() => undefined);
    return;
  }
  const body = await response.text().catch(() => '');
  const [code, s3Message] = ['Code', 'Message'].map((tag) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(body)?.[1]);
  // S3's answer to an upload form past its expiry, which the kit sets inside Cognito's 3-minute session.
  if (response.status === 403 && s3Message === 'Invalid according to Policy: Policy expired.') throw new PhotoUploadError(REFUSAL_MESSAGES.SESSION_ENDED, { retryable: false });
  const said = [code, s3Message].filter(Boolean).join(': ');
  throw new PhotoUploadError(`The photo upload was refused (HTTP ${response.status}${said ? `, ${said}` : ''}).`, {
    retryable: response.status >= 500 || code === 'RequestTimeout',
  });
}

/**
 * Uploads the photo. When it did not arrive and may be sent again, the user is asked
 * (`retakePhoto`, an `upload-failed` refusal) in the same session: no answer was sent, so no
 * attempt is used up, and the challenge's upload form is still the one to use.
 */
async function uploadUntilSent(parameters, photo, options, challenges) {
  for (;;) {
    try {
      await uploadPhoto(parameters, photo);
      return;
    } catch (error) {
      if (!(error instanceof PhotoUploadError) || !error.retryable || !options.retakePhoto) throw error;
      const again = await options.retakePhoto({ kind: 'upload-failed', message: error.message, challenges: [...challenges] });
      if (!again) throw error;
      photo = again;
    }
  }
}

/**
 * Runs the custom auth flow to the end: a face match or, with `enrol` (implied by an enrolment
 * secret), an enrolment: the first FACE_MATCH is answered with the ENROL intent, the mailbox is
 * proven (the secret from sign-up, or a code emailed then), the photo enrolled.
 * @param {string} email
 * @param {{ photo: Blob, deviceKey: string, enrol?: boolean, enrolSecret?: string,
 *   emailCode?: (request: { previousCodeWrong: boolean }) => Promise<string | undefined>,
 *   onStep?: (kind: string, parameters: { method?: string, enrolRequested?: boolean }) => void,
 *   retakePhoto?: (refusal: object) => Promise<Blob | undefined> }} options
 *   retakePhoto: asked for another photo when the last was refused or not recognised (same
 *   session, which allows three answers), or for the same one again when its upload failed;
 *   without one the refusal is the outcome (an upload that failed: its PhotoUploadError).
 *   emailCode: asked for the emailed code; `previousCodeWrong` when the last one was refused (the
 *   kit then emailed a new one: one guess per code); no code (undefined) cancels.
 * @returns {Promise<{ kind: 'signed-in', challenges: string[] }
 *   | { kind: 'enrolment-rejected', reason: string, message: string, challenges: string[] }
 *   | { kind: 'face-not-recognised', message: string, challenges: string[] }
 *   | { kind: 'code-refused', message: string, challenges: string[] }
 *   | { kind: 'email-not-confirmed', message: string, challenges: string[] }
 *   | { kind: 'cancelled', challenges: string[] }>}
 *   The session's third wrong answer ends it (Cognito's `Incorrect username or password.`, words
 *   for a password this flow never uses): it comes back as the refusal of what was answered last.
 */
export async function signInWithFace(email, options) {
  let photo = options.photo;
  const challenges = [];
  const enrol = options.enrol === true || Boolean(options.enrolSecret);
  let enrolRequested = false;
  let result = await signIn({ username: email, options: { authFlowType: 'CUSTOM_WITHOUT_SRP' } });
  // Amplify turns Cognito's UserNotConfirmedException into this step: the sign-up's code was never entered.
  if (result.nextStep.signInStep === 'CONFIRM_SIGN_UP') return { kind: 'email-not-confirmed', message: REFUSAL_MESSAGES.EMAIL_NOT_CONFIRMED, challenges };
  for (;;) {
    if (result.isSignedIn || result.nextStep.signInStep === 'DONE') return { kind: 'signed-in', challenges };
    if (result.nextStep.signInStep !== 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE') {
      throw new Error(`Cognito asked for an unexpected step: ${result.nextStep.signInStep}`);
    }
    const parameters = result.nextStep.additionalInfo ?? {};
    const kind = parameters.challenge;
    if (!CHALLENGE_KINDS.includes(kind)) throw new Error(`unexpected challenge ${kind}`);
    // The same challenge again: the last photo was refused or did not match, and the session
    // allows another try. The same photo cannot change the answer, so go on only with a new one.
    const refusal =
      kind === 'ENROL_FACE' && parameters.previousRejection && challenges.includes('ENROL_FACE')
        ? { kind: 'enrolment-rejected', reason: parameters.previousRejection, message: describeRefusal(parameters.previousRejection), challenges: [...challenges] }
        : kind === 'FACE_MATCH' && challenges.includes('FACE_MATCH') && !enrolRequested
          ? { kind: 'face-not-recognised', message: describeRefusal('FACE_NOT_RECOGNISED'), challenges: [...challenges] }
          : undefined;
    if (refusal) {
      const newPhoto = options.retakePhoto ? await options.retakePhoto(refusal) : undefined;
      if (!newPhoto) return refusal;
      photo = newPhoto;
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
      else if (options.emailCode) {
        // MAILBOX_PROOF again: the last code was wrong, and Create emailed a new one.
        const previousCodeWrong = challenges.filter((seen) => seen === 'MAILBOX_PROOF').length > 1;
        const code = await options.emailCode({ previousCodeWrong });
        if (code === undefined) return { kind: 'cancelled', challenges: [...challenges] };
        answer = String(code).trim();
      } else throw new Error('Enrolling needs the code sent by email.');
    } else {
      await uploadUntilSent(parameters, photo, options, challenges);
      answer = 'uploaded';
    }
    const clientMetadata = {
      deviceKey: options.deviceKey,
      ...(requestEnrolment ? { intent: ENROL_INTENT } : {}),
      // Create picks the mailbox proof method from it, in the same call that asks to enrol.
      ...(options.enrolSecret && kind !== 'ENROL_FACE' ? { enrolSecret: options.enrolSecret } : {}),
    };
    try {
      result = await confirmSignIn({ challengeResponse: answer, options: { clientMetadata } });
    } catch (error) {
      const lastAnswer = requestEnrolment ? 'ENROL_INTENT' : kind;
      if (!isSessionOfWrongAnswersOver(error) || lastAnswer === 'ENROL_INTENT') throw error;
      return sessionOverRefusal(lastAnswer, [...challenges]);
    }
  }
}

/** Cognito's answer to a session's third wrong answer (docs/handlers.md, "Failure and backoff policy"). */
function isSessionOfWrongAnswersOver(error) {
  return error?.name === 'NotAuthorizedException' && error.message === 'Incorrect username or password.';
}

/** The outcome of a session that three wrong answers ended, by the challenge answered last. */
function sessionOverRefusal(lastAnswer, challenges) {
  if (lastAnswer === 'MAILBOX_PROOF') return { kind: 'code-refused', message: REFUSAL_MESSAGES.CODE_REFUSED, challenges };
  if (lastAnswer === 'ENROL_FACE') return { kind: 'enrolment-rejected', reason: 'REFUSED_THREE_TIMES', message: describeRefusal('REFUSED_THREE_TIMES'), challenges };
  return { kind: 'face-not-recognised', message: describeRefusal('FACE_NOT_RECOGNISED'), challenges };
}

/** The signed-in user's ID token claims, from Amplify's session (decoded, not verified: that is a server's job). */
export async function currentClaims() {
  const { tokens } = await fetchAuthSession();
  return tokens?.idToken ? { ...tokens.idToken.payload } : undefined;
}

/**
 * Calls an app backend the way an app does: the access token as `Authorization: Bearer`. The
 * backend verifies it (the kit's example: `GET /_sim/example/me`, behind CognitoJwtVerifier).
 */
export async function askAppBackend(url) {
  const { tokens } = await fetchAuthSession();
  if (!tokens?.accessToken) throw new Error('Not signed in.');
  const response = await fetch(url, { headers: { authorization: `Bearer ${tokens.accessToken.toString()}` } });
  const body = await response.json().catch(() => ({}));
  return { status: response.status, body };
}

/**
 * Signs out, and forgets every other account whose tokens this browser holds. Amplify keeps each
 * account's tokens under its name and signs out only the last one to sign in: two tabs that
 * finished sign-ins of two accounts at once left the first one's tokens behind after "Sign out",
 * its refresh token still good for new tokens (an Amplify app audit). Those are revoked
 * (RevokeToken, which takes the token and the client id, no signature) and removed too.
 * `storage`: where Amplify keeps its tokens (localStorage in a browser; none in Node).
 */
export async function signOutEverywhere(storage = globalThis.localStorage) {
  await signOut();
  if (storage) await forgetOtherAccounts(storage);
}

async function forgetOtherAccounts(storage) {
  const cognito = Amplify.getConfig().Auth?.Cognito;
  if (!cognito?.userPoolClientId) return;
  const prefix = `CognitoIdentityServiceProvider.${cognito.userPoolClientId}.`;
  const keys = [];
  for (let index = 0; index < storage.length; index++) {
    const key = storage.key(index);
    if (key?.startsWith(prefix)) keys.push(key);
  }
  const endpoint = cognito.userPoolEndpoint ?? `https://cognito-idp.${cognito.userPoolId.split('_')[0]}.amazonaws.com/`;
  const revocations = keys
    .filter((key) => key.endsWith('.refreshToken'))
    .map((key) => revokeRefreshToken(endpoint, cognito.userPoolClientId, storage.getItem(key)));
  await Promise.all(revocations);
  for (const key of keys) storage.removeItem(key);
}

/** Cognito's RevokeToken; a token already revoked or expired is refused, which is as good. */
async function revokeRefreshToken(endpoint, clientId, token) {
  if (!token) return;
  await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.RevokeToken' },
    body: JSON.stringify({ Token: token, ClientId: clientId }),
  }).then((response) => response.arrayBuffer(), () => undefined);
}
