// Why a photo or a request was refused, in words a user understands. The reasons are the
// `previousRejection` values of the ENROL_FACE challenge (docs/handlers.md) and Cognito's errors.

export const REFUSAL_MESSAGES = {
  // Not "better light will not help": a frame too dark to show a face is NO_FACE too (a webcam
  // audit's at 12-18 % brightness), and the same frame in better light enrols.
  NO_FACE:
    "No face was found in the photo. The check looks for one person's face, turned towards the camera, lit well enough to be seen " +
    'and filling a good part of the picture. Take a new photo of your face, closer to the camera, in good light.',
  MULTIPLE_FACES: 'More than one face is in the photo. Make sure you are alone in the picture.',
  LOW_QUALITY: 'The face is too small, blurred or dark. Come closer to the camera, in better light.',
  NOT_AN_IMAGE: 'The file is not a JPEG or PNG picture.',
  TOO_LARGE: 'The picture is too large. Use a smaller one.',
  NOT_UPLOADED: 'The photo did not arrive. Check the connection and try again.',
  NOT_CHECKED_IN_TIME: 'The photo arrived, but checking it took too long. Please try again.',
  // Neutral on purpose: a face that did not match, an account without a face and a lock-out
  // after repeated failures all come back the same (docs/handlers.md), so the owner may read it.
  FACE_NOT_RECOGNISED:
    'Face not recognised. Try another photo in good light, facing the camera. After several failed attempts, wait a minute before trying again.',
  REFUSED_THREE_TIMES:
    'The photo was refused again, and this enrolment has ended (three refusals end it): your face is not enrolled. ' +
    'Press "Enrol my face" to start again, with a code sent by email.',
  CODE_WRONG_NEW_SENT: 'That code was wrong; a new code was sent by email: use the newest one.',
  CODE_REFUSED:
    'That code was wrong too, and this enrolment has ended (three wrong answers end it): your face is not enrolled. ' +
    'Press "Enrol my face" for a new code by email, and type the newest one.',
  EMAIL_NOT_CONFIRMED: 'This email is not confirmed yet: the code sent by email at sign-up was never entered.',
  UPLOAD_UNREACHABLE: 'The photo could not be sent: the connection failed. Check the connection and try again.',
  SESSION_ENDED:
    'This sign-in has ended: it lasts 3 minutes from "Sign in" to the last answer (and a restarted kit forgets it). ' +
    'Press "Sign in" to start again, or "Enrol my face" to enrol.',
};

/**
 * Refusals that say nothing against the photo itself (it did not arrive, or its check did not
 * finish in time): sending the same photo again is the thing to do.
 */
const PHOTO_NOT_AT_FAULT = new Set(['NOT_UPLOADED', 'NOT_CHECKED_IN_TIME']);

/** Whether a refusal (an `enrolment-rejected` or `face-not-recognised` outcome) calls for another photo. */
export function needsAnotherPhoto(refusal) {
  if (refusal.kind === 'upload-failed') return false;
  return !(refusal.kind === 'enrolment-rejected' && PHOTO_NOT_AT_FAULT.has(refusal.reason));
}

export function describeRefusal(reason) {
  return REFUSAL_MESSAGES[reason] ?? `The photo was refused (${reason}).`;
}

const ERROR_WORDS = {
  UsernameExistsException: 'An account with this email already exists. Use "Sign in".',
  CodeMismatchException: 'That code is not the one we sent. Check the email and try again.',
  ExpiredCodeException: 'That code has expired. Sign up again to get a new one.',
  UserNotFoundException: 'No account has this email. Use "Sign up" first.',
  UserNotConfirmedException: 'This account is not confirmed yet. Enter the code from the email.',
  NotAuthorizedException: 'Sign-in was refused. Wait a little, then try again with a new photo.',
  LimitExceededException: 'Too many codes or attempts for this email. Wait a while, then try again.',
  InvalidParameterException: 'Cognito refused the request.',
  TooManyRequestsException: 'Too many attempts. Wait a minute and try again.',
  NetworkError: 'The sign-in service cannot be reached. Is the kit running (`npm start`)?',
};

/**
 * Why the camera did not start, by the DOMException getUserMedia rejects with. `InsecureContext`
 * and `NoCameraApi` are the page's own names for a browser that offers no getUserMedia at all.
 */
const CAMERA_WORDS = {
  NotAllowedError:
    'The camera is blocked for this page. Allow it (the camera icon in the address bar, or the site settings), ' +
    'then press "Start camera" again; or choose a picture instead.',
  NotFoundError: 'No camera was found. Connect one and press "Start camera" again, or choose a picture instead.',
  NotReadableError:
    'The camera is busy or blocked by the system (another application may be using it). ' +
    'Free it and press "Start camera" again, or choose a picture instead.',
  InsecureContext: 'Browsers allow the camera only on https:// pages and on localhost; choose a picture instead.',
  NoCameraApi: 'This browser offers no camera here; choose a picture instead.',
};
CAMERA_WORDS.SecurityError = CAMERA_WORDS.NotAllowedError;
CAMERA_WORDS.OverconstrainedError = CAMERA_WORDS.NotFoundError;
CAMERA_WORDS.AbortError = CAMERA_WORDS.NotReadableError;

/** A camera that did not start, in words that say what to do next. */
export function describeCameraProblem(error) {
  return CAMERA_WORDS[error?.name] ?? `The camera could not start (${error?.name ?? error}); choose a picture instead.`;
}

/** Cognito's NotAuthorizedException covers refusals that waiting does not cure; its message tells them apart. */
const NOT_AUTHORIZED_WORDS = {
  'User is disabled.': 'This account is disabled. Ask the administrator to enable it again.',
  // A custom auth session lives 3 minutes; an answer after that (a photo taken slowly, a code
  // fetched from the mailbox late, or sent to a kit restarted since: it keeps sessions in memory)
  // is refused with these words, which do not say why nor what to do.
  'Invalid session for the user.': REFUSAL_MESSAGES.SESSION_ENDED,
  'Invalid session for the user, session is expired.': REFUSAL_MESSAGES.SESSION_ENDED,
};

/** An error from Amplify (its `name` is Cognito's exception) or from the page, in plain words. */
export function describeError(error) {
  const words = (error?.name === 'NotAuthorizedException' && NOT_AUTHORIZED_WORDS[error.message]) || ERROR_WORDS[error?.name];
  return words ? `${words} (${error.message})` : String(error?.message ?? error);
}
