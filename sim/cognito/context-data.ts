// ContextData of the admin sign-in calls, UserContextData of the public ones, and AnalyticsMetadata
// of both: accepted and checked as Coral checks them (shape, required members, StringType's
// length), then unused: the sim has no threat protection to score the user's device with and no
// Pinpoint to send analytics to. Unchecked, a wrong type an app sent passed here and failed on AWS.
import { MAX_MODEL_STRING_LENGTH, memberMissing, memberName, optionalString, tooLong, wrongType } from './cognito-context.js';
import { isObject } from './triggers.js';

/** ContextDataType's members Coral requires, in the model's order. */
const REQUIRED_CONTEXT_MEMBERS = ['IpAddress', 'ServerName', 'ServerPath', 'HttpHeaders'];

/** A structure member: absent or null is nothing to check, anything but an object its SerializationException. */
function optionalStructure(input: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw wrongType(value, 'map');
  return value;
}

/** `ContextData` (ContextDataType): IpAddress, ServerName, ServerPath and HttpHeaders required. */
export function checkContextData(input: Record<string, unknown>): void {
  const contextData = optionalStructure(input, 'ContextData');
  if (!contextData) return;
  for (const name of ['IpAddress', 'ServerName', 'ServerPath', 'EncodedData']) optionalString(contextData, name);
  const headers = contextData.HttpHeaders;
  if (headers !== undefined && headers !== null) {
    if (!Array.isArray(headers)) throw wrongType(headers, 'list');
    for (const header of headers) {
      if (header === null) continue;
      if (!isObject(header)) throw wrongType(header, 'map');
      optionalString(header, 'headerName');
      optionalString(header, 'headerValue');
    }
  }
  const absent = REQUIRED_CONTEXT_MEMBERS.find((name) => contextData[name] === undefined || contextData[name] === null);
  if (absent) throw memberMissing(`contextData.${memberName(absent)}`);
}

/** A StringType member of a structure, at `<structure>.<member>` in Coral's messages. */
function optionalModelString(structure: Record<string, unknown>, structureName: string, name: string): void {
  const value = optionalString(structure, name);
  if (value !== undefined && value.length > MAX_MODEL_STRING_LENGTH) throw tooLong(`${memberName(structureName)}.${memberName(name)}`, MAX_MODEL_STRING_LENGTH);
}

/** `AnalyticsMetadata` (AnalyticsMetadataType): an optional AnalyticsEndpointId string. */
export function checkAnalyticsMetadata(input: Record<string, unknown>): void {
  const analytics = optionalStructure(input, 'AnalyticsMetadata');
  if (analytics) optionalModelString(analytics, 'AnalyticsMetadata', 'AnalyticsEndpointId');
}

/** `UserContextData` (UserContextDataType) of the public calls: optional IpAddress and EncodedData strings. */
export function checkUserContextData(input: Record<string, unknown>): void {
  const userContext = optionalStructure(input, 'UserContextData');
  if (!userContext) return;
  for (const name of ['IpAddress', 'EncodedData']) optionalModelString(userContext, 'UserContextData', name);
}

/** Both members every public sign-up and sign-in call takes (InitiateAuth, RespondToAuthChallenge, SignUp, ConfirmSignUp, ResendConfirmationCode). */
export function checkPublicCallContext(input: Record<string, unknown>): void {
  checkAnalyticsMetadata(input);
  checkUserContextData(input);
}
