// Everything an operation may need, built once by createCognitoService and handed to each
// operation: pools and their clients, stores, keys, clock, randomness, triggers, outbox.
import type { Clock, RandomSource } from '../clock.js';
import type { FunctionInvoker } from '../lambda/function-invoker.js';
import type { Outbox } from '../outbox.js';
import type { AuthSessionStore } from './auth-sessions.js';
import type { AttemptLimiter } from './attempt-limits.js';
import { ResourceNotFoundError, InvalidParameterError, SerializationError, UserNotFoundError } from './errors.js';
import type { SigningKeys } from './signing-keys.js';
import type { TriggerRunner } from './triggers.js';
import type { ResolvedClient, UserPoolConfig } from './user-pool-config.js';
import type { StoredUser, UserPoolStore } from './user-pool-store.js';

export interface PoolRuntime {
  config: UserPoolConfig;
  clients: Map<string, ResolvedClient>;
  store: UserPoolStore;
  /** One key per token type, as Cognito has. */
  signingKeys: SigningKeys;
  /** When this endpoint created the pool (epoch ms): its CreationDate. */
  createdAt: number;
  triggers: TriggerRunner;
  /** True when users sign in with their email and get a generated UUID username. */
  emailIsUsername: boolean;
}

export interface CognitoContext {
  pools: Map<string, PoolRuntime>;
  clock: Clock;
  random: RandomSource;
  invoker: FunctionInvoker;
  outbox: Outbox;
  sessions: AuthSessionStore;
  /** Per-user attempt counters (wrong codes, resends), kept apart from the pool's state. */
  limiter: AttemptLimiter;
  /** `<issuerBaseUrl>/<userPoolId>`, the `iss` of every token of that pool. */
  issuer(userPoolId: string): string;
}

export interface ClientInPool {
  pool: PoolRuntime;
  client: ResolvedClient;
}

/** Cognito's request members are limited in length; the longest (attribute values, codes) to 2048. */
const DEFAULT_MAX_STRING_LENGTH = 2048;
/** AttributeNameType in Cognito's model: 1 to 32 characters. */
export const MAX_ATTRIBUTE_NAME_LENGTH = 32;

/** `ClientId` → `clientId`, as Cognito names members in validation messages. */
export function memberName(name: string): string {
  return `${name.charAt(0).toLowerCase()}${name.slice(1)}`;
}

/**
 * The SerializationException Cognito's JSON layer (Coral) answers when a member has the wrong JSON
 * type, worded as it words it.
 */
export function wrongType(value: unknown, expected: 'string' | 'map' | 'list' | 'integer'): SerializationError {
  const javaType = { string: 'String', map: 'Map', list: 'List', integer: 'Integer' }[expected];
  if (typeof value === 'number') return new SerializationError(`class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an ${javaType}`);
  if (typeof value === 'boolean') return new SerializationError(`class java.lang.Boolean can not be converted to an ${javaType}`);
  if (Array.isArray(value)) return new SerializationError('Start of list found where not expected');
  if (typeof value === 'object') return new SerializationError('Start of structure or map found where not expected.');
  return new SerializationError(`class java.lang.String can not be converted to an ${javaType}`);
}

/** `Member must not be null`, Coral's message for a required member absent or JSON null at `path`. */
export function memberMissing(path: string): InvalidParameterError {
  return new InvalidParameterError(`1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`);
}

/** `Member must have length less than or equal to N`, Cognito's message for an over-long member. */
export function tooLong(path: string, maxLength: number): InvalidParameterError {
  return new InvalidParameterError(`1 validation error detected: Value at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${maxLength}`);
}

export function requireString(input: Record<string, unknown>, name: string, maxLength = DEFAULT_MAX_STRING_LENGTH): string {
  const value = optionalString(input, name);
  if (value === undefined || value === '') {
    throw memberMissing(memberName(name));
  }
  if (value.length > maxLength) throw tooLong(memberName(name), maxLength);
  return value;
}

// TokenModelType in Cognito's service model (AccessToken, RefreshToken, RevokeToken's Token): a
// pattern and no length limit.
const TOKEN_PATTERN = /^[A-Za-z0-9\-_=.]+$/;

/**
 * A token member checked as Coral checks TokenModelType, before any token is read: a value outside
 * its pattern (`Bearer eyJ...`, a pasted line break) is InvalidParameterException, not the
 * NotAuthorizedException of a well-formed token the pool did not issue. The value is sensitive, so
 * the message does not repeat it; the model sets no length limit, so none is applied.
 */
export function requireToken(input: Record<string, unknown>, name: string): string {
  const value = requireString(input, name, Number.POSITIVE_INFINITY);
  if (!TOKEN_PATTERN.test(value)) {
    throw new InvalidParameterError(
      `1 validation error detected: Value at '${memberName(name)}' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9-_=.]+`,
    );
  }
  return value;
}

/**
 * An optional string member as Coral reads it: absent or null is undefined, any other JSON type its
 * SerializationException (never taken as absent), an empty string is returned as it is.
 */
export function optionalString(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(value, 'string');
  return value;
}

/** Cognito's `UsernameType`: 1-128 letters, marks, symbols, numbers and punctuation, so no spaces, controls or lone surrogates. */
const USERNAME_PATTERN = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u;
const MAX_USERNAME_LENGTH = 128;

/**
 * A `Username` member, checked as Coral checks `UsernameType` (the value is sensitive, so the
 * message does not repeat it). A name the pattern lets through is what every client can print:
 * a lone surrogate stored at SignUp made `aws cognito-idp list-users` fail for the whole pool.
 */
export function requireUsername(input: Record<string, unknown>, name = 'Username'): string {
  const value = requireString(input, name, MAX_USERNAME_LENGTH);
  if (!USERNAME_PATTERN.test(value)) {
    throw new InvalidParameterError(
      `1 validation error detected: Value at '${memberName(name)}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+`,
    );
  }
  return value;
}

/** StringType in Cognito's model (map keys and values, AnalyticsEndpointId, UserContextData's members): at most 131,072 characters. */
export const MAX_MODEL_STRING_LENGTH = 131_072;

/** Coral's refusal of a map key or value over StringType's length (the value is not repeated: some maps are sensitive). */
function mapEntryTooLong(path: string, part: 'key' | 'value'): InvalidParameterError {
  return new InvalidParameterError(
    `1 validation error detected: Value at '${path}' failed to satisfy constraint: Map ${part} must satisfy constraint: ` +
      `[Member must have length less than or equal to ${MAX_MODEL_STRING_LENGTH}, Member must have length greater than or equal to 0]`,
  );
}

/**
 * A map of strings (ClientMetadata, AuthParameters, ChallengeResponses): every value must be a
 * string, and keys and values StringType's length at most.
 */
export function optionalStringMap(input: Record<string, unknown>, name: string): Record<string, string> | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(value, 'map');
  const map: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, entry] of Object.entries(value)) {
    if (entry === null) continue;
    if (typeof entry !== 'string') throw wrongType(entry, 'string');
    if (key.length > MAX_MODEL_STRING_LENGTH) throw mapEntryTooLong(memberName(name), 'key');
    if (entry.length > MAX_MODEL_STRING_LENGTH) throw mapEntryTooLong(memberName(name), 'value');
    map[key] = entry;
  }
  return { ...map };
}

/** SessionType: 20 to 2048 characters; sensitive, so the message does not repeat it. */
export function optionalSession(input: Record<string, unknown>): string | undefined {
  const session = optionalString(input, 'Session');
  if (session === undefined) return undefined;
  if (session.length < 20) {
    throw new InvalidParameterError("1 validation error detected: Value at 'session' failed to satisfy constraint: Member must have length greater than or equal to 20");
  }
  if (session.length > 2048) throw tooLong('session', 2048);
  return session;
}

/** Cognito answers an unknown client id with ResourceNotFoundException. */
export function clientById(context: CognitoContext, clientId: string): ClientInPool {
  for (const pool of context.pools.values()) {
    const client = pool.clients.get(clientId);
    if (client) return { pool, client };
  }
  throw new ResourceNotFoundError(`User pool client ${clientId} does not exist.`);
}

/**
 * The client a call names together with its pool (`UserPoolId`, `ClientId`, both validated):
 * ResourceNotFoundException when the pool does not exist, or the client is not one of its own,
 * even when another pool of this endpoint has it.
 */
export function clientOfPool(context: CognitoContext, userPoolId: string, clientId: string): ClientInPool {
  const pool = poolById(context, userPoolId);
  const client = pool.clients.get(clientId);
  if (!client) throw new ResourceNotFoundError(`User pool client ${clientId} does not exist.`);
  return { pool, client };
}

/**
 * Coral's InvalidParameterException for members that break their model constraints: one
 * `Value '<v>' at '<member>' failed to satisfy constraint: <constraint>` per violation, joined
 * with `; ` after `<n> validation error(s) detected: `.
 */
export function validationFailed(violations: Array<{ value: string; path: string; constraint: string }>): InvalidParameterError {
  const count = violations.length === 1 ? '1 validation error' : `${violations.length} validation errors`;
  const each = violations.map(({ value, path, constraint }) => `Value '${value}' at '${path}' failed to satisfy constraint: ${constraint}`);
  return new InvalidParameterError(`${count} detected: ${each.join('; ')}`);
}

/**
 * An integer member (`Limit`, `MaxResults`) as Coral reads it: absent or null is undefined; a
 * string, boolean, list or map is its SerializationException (`"10"` is not read as 10); a number
 * is truncated to an integer (Coral's TruncatingBigNumber: `1.5` is read as 1), so only its range
 * check can refuse it, with the value it read.
 */
export function optionalInteger(input: Record<string, unknown>, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw wrongType(value, 'integer');
  return Math.floor(value);
}

/** An integer member outside its model range, worded by the bound it breaks (as Coral words it). */
export function assertInRange(value: number, path: string, min: number, max: number): void {
  if (Number.isInteger(value) && value >= min && value <= max) return;
  const constraint = value < min ? `Member must have value greater than or equal to ${min}` : `Member must have value less than or equal to ${max}`;
  throw validationFailed([{ value: String(value), path, constraint }]);
}

/**
 * An id member checked against its own model constraints (a pattern Coral matches against the
 * whole value, a maximum length) rather than the 2048-character default of other members, before
 * anything is looked up; both violations are reported when it breaks both, as Coral reports them.
 */
function requireModelId(input: Record<string, unknown>, name: string, pattern: string, maxLength: number): string {
  const value = requireString(input, name, Number.POSITIVE_INFINITY);
  const path = memberName(name);
  const violations = [];
  if (!new RegExp(`^${pattern}$`).test(value)) {
    violations.push({ value, path, constraint: `Member must satisfy regular expression pattern: ${pattern}` });
  }
  if (value.length > maxLength) {
    violations.push({ value, path, constraint: `Member must have length less than or equal to ${maxLength}` });
  }
  if (violations.length > 0) throw validationFailed(violations);
  return value;
}

/** The request's `UserPoolId`: UserPoolIdType, `[\w-]+_[0-9a-zA-Z]+`, at most 55 characters. */
export function requireUserPoolId(input: Record<string, unknown>): string {
  return requireModelId(input, 'UserPoolId', '[\\w-]+_[0-9a-zA-Z]+', 55);
}

/**
 * The request's `ClientId`: ClientIdType, `[\w+]+` (Java's \w, ASCII as JavaScript's), at most
 * 128 characters. A pool id passed as the client id is Coral's validation error, as
 * boto/boto3#3581 quotes it, not the ResourceNotFoundException of a well-formed unknown id.
 */
export function requireClientId(input: Record<string, unknown>): string {
  return requireModelId(input, 'ClientId', '[\\w+]+', 128);
}

/**
 * The pool a well-formed id (from `requireUserPoolId`, which refuses a malformed one with
 * InvalidParameterException) names; ResourceNotFoundException when it names none.
 */
export function poolById(context: CognitoContext, userPoolId: string): PoolRuntime {
  const pool = context.pools.get(userPoolId);
  if (!pool) throw new ResourceNotFoundError(`User pool ${userPoolId} does not exist.`);
  return pool;
}

/** The user an administrator's call names (`UserPoolId`, `Username` by name or email alias). */
export function userNamedByAdmin(context: CognitoContext, input: Record<string, unknown>): { pool: PoolRuntime; user: StoredUser } {
  // Every member is validated before the pool is looked up, as Coral validates a request whole
  // before the service sees it.
  const userPoolId = requireUserPoolId(input);
  const username = requireUsername(input);
  const pool = poolById(context, userPoolId);
  const user = pool.store.findUser(username);
  if (!user) throw new UserNotFoundError();
  return { pool, user };
}

export function nowInSeconds(context: CognitoContext): number {
  return Math.floor(context.clock.now() / 1000);
}
