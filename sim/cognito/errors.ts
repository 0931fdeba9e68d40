// Cognito's exceptions, one class per AWS error code; the protocol layer turns them into
// `{"__type": code, "message": ...}` with the `x-amzn-errortype` header.
import { AwsServiceError } from '../aws-json-protocol.js';

export class NotAuthorizedError extends AwsServiceError {
  constructor(message: string) {
    super('NotAuthorizedException', message);
  }
}
export class InvalidParameterError extends AwsServiceError {
  constructor(message: string) {
    super('InvalidParameterException', message);
  }
}
export class ResourceNotFoundError extends AwsServiceError {
  constructor(message: string) {
    super('ResourceNotFoundException', message);
  }
}
export class UserNotFoundError extends AwsServiceError {
  constructor(message = 'User does not exist.') {
    super('UserNotFoundException', message);
  }
}
export class UserNotConfirmedError extends AwsServiceError {
  constructor() {
    super('UserNotConfirmedException', 'User is not confirmed.');
  }
}
export class UsernameExistsError extends AwsServiceError {
  constructor(message = 'An account with the given email already exists.') {
    super('UsernameExistsException', message);
  }
}
export class InvalidPasswordError extends AwsServiceError {
  constructor(reason: string) {
    super('InvalidPasswordException', `Password did not conform with policy: ${reason}`);
  }
}
export class CodeMismatchError extends AwsServiceError {
  constructor() {
    super('CodeMismatchException', 'Invalid verification code provided, please try again.');
  }
}
export class ExpiredCodeError extends AwsServiceError {
  constructor() {
    super('ExpiredCodeException', 'Invalid code provided, please request a code again.');
  }
}
/** A trigger threw: Cognito passes the function's error message through. */
export class UserLambdaValidationError extends AwsServiceError {
  constructor(trigger: string, functionMessage: string) {
    super('UserLambdaValidationException', `${trigger} failed with error ${functionMessage}.`);
  }
}
/** A trigger answered with something Cognito cannot use. */
export class InvalidLambdaResponseError extends AwsServiceError {
  constructor() {
    super('InvalidLambdaResponseException', 'Unrecognizable lambda output');
  }
}
/** A trigger could not be run at all (timeout, missing function). */
export class UnexpectedLambdaError extends AwsServiceError {
  constructor(trigger: string, reason: string) {
    super('UnexpectedLambdaException', `${trigger} invocation failed due to error ${reason}.`);
  }
}
/** Too many attempts for one user (wrong codes, code resends): Cognito's wording. */
export class LimitExceededError extends AwsServiceError {
  constructor() {
    super('LimitExceededException', 'Attempt limit exceeded, please try after some time.');
  }
}
/** A value of the wrong JSON type where Cognito's model expects a string, map or list. */
export class SerializationError extends AwsServiceError {
  constructor(message: string) {
    super('SerializationException', message);
  }
}
export class UnsupportedOperationError extends AwsServiceError {
  constructor(message: string) {
    super('UnsupportedOperationException', message);
  }
}

export const INCORRECT_CREDENTIALS = 'Incorrect username or password.';
export const INVALID_SESSION = 'Invalid session for the user.';
/** Cognito's words for a session past its validity (quoted by apps that match on them to say "start again"). */
export const SESSION_EXPIRED = 'Invalid session for the user, session is expired.';
export const USER_DISABLED = 'User is disabled.';
