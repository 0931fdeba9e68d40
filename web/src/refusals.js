// Why a photo or a request was refused, in words a user understands. The reasons are the
// `previousRejection` values of the ENROL_FACE challenge (docs/handlers.md) and Cognito's errors.

export const REFUSAL_MESSAGES = {
  NO_FACE:
    "No face was found in the photo. The check looks for one person's face, turned towards the camera and filling a good part of the picture; " +
    'this photo does not show one, so better light alone will not help. Take a new photo of your face, closer to the camera.',
  MULTIPLE_FACES: 'More than one face is in the photo. Make sure you are alone in the picture.',
  LOW_QUALITY: 'The face is too small, blurred or dark. Come closer to the camera, in better light.',
  NOT_AN_IMAGE: 'The file is not a JPEG or PNG picture.',
  TOO_LARGE: 'The picture is too large. Use a smaller one.',
  NOT_UPLOADED: 'The photo did not arrive. Check the connection and try again.',
  NOT_CHECKED_IN_TIME: 'The photo arrived, but checking it took too long. Please try again.',
  FACE_NOT_RECOGNISED: 'Face not recognised: this photo does not match the face enrolled for this account.',
};

/**
 * Refusals that say nothing against the photo itself (it did not arrive, or its check did not
 * finish in time): sending the same photo again is the thing to do.
 */
const PHOTO_NOT_AT_FAULT = new Set(['NOT_UPLOADED', 'NOT_CHECKED_IN_TIME']);

/** Whether a refusal (an `enrolment-rejected` or `face-not-recognised` outcome) calls for another photo. */
export function needsAnotherPhoto(refusal) {
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
  InvalidParameterException: 'Cognito refused the request.',
  TooManyRequestsException: 'Too many attempts. Wait a minute and try again.',
  NetworkError: 'The sign-in service cannot be reached. Is the kit running (`npm start`)?',
};

/** Cognito's NotAuthorizedException covers refusals that waiting does not cure; its message tells them apart. */
const NOT_AUTHORIZED_WORDS = {
  'User is disabled.': 'This account is disabled. Ask the administrator to enable it again.',
};

/** An error from Amplify (its `name` is Cognito's exception) or from the page, in plain words. */
export function describeError(error) {
  const words = (error?.name === 'NotAuthorizedException' && NOT_AUTHORIZED_WORDS[error.message]) || ERROR_WORDS[error?.name];
  return words ? `${words} (${error.message})` : String(error?.message ?? error);
}
