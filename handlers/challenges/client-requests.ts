// What a client may ask for through RespondToAuthChallenge's ClientMetadata (the only metadata
// Cognito passes to Define, Create and Verify). Every sign-in starts with FACE_MATCH, whoever the
// email belongs to; a client that wants to enrol (first time, or again because the enrolled face
// no longer matches) answers that FACE_MATCH with `intent: "ENROL"` instead of a photo, and the
// session moves on to MAILBOX_PROOF. Nothing here is trusted beyond that choice.

/** ClientMetadata key: "ENROL" asks for (re-)enrolment instead of a face match. */
export const INTENT_KEY = 'intent';
export const ENROL_INTENT = 'ENROL';
/** ClientMetadata key: the one-time secret given to ConfirmSignUp. */
export const ENROL_SECRET_KEY = 'enrolSecret';
/** ClientMetadata key: a random key the client keeps per user on this device (>= 32 characters). */
export const DEVICE_KEY = 'deviceKey';
export const MIN_DEVICE_KEY_LENGTH = 32;

type ClientMetadata = Record<string, string> | undefined;

export function asksToEnrol(metadata: ClientMetadata): boolean {
  return metadata?.[INTENT_KEY] === ENROL_INTENT;
}

export function enrolSecretOf(metadata: ClientMetadata): string | undefined {
  const secret = metadata?.[ENROL_SECRET_KEY];
  return typeof secret === 'string' && secret !== '' ? secret : undefined;
}

export function deviceKeyOf(metadata: ClientMetadata): string | undefined {
  const key = metadata?.[DEVICE_KEY];
  return typeof key === 'string' && key.length >= MIN_DEVICE_KEY_LENGTH && key.length <= 512 ? key : undefined;
}
