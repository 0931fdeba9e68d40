// ListUsers with Cognito's filter syntax (`email = "x"`, `email ^= "x"`) and pagination.
import { assertInRange, MAX_ATTRIBUTE_NAME_LENGTH, optionalInteger, optionalString, poolById, requireUserPoolId, validationFailed, wrongType, type CognitoContext } from '../cognito-context.js';
import { InvalidParameterError } from '../errors.js';
import { compareUsers, type StoredUser } from '../user-pool-store.js';
import { userType } from '../user-view.js';

const SEARCHABLE = new Set([
  'username', 'email', 'phone_number', 'name', 'given_name', 'family_name', 'preferred_username',
  'cognito:user_status', 'status', 'sub',
]);
const FILTER = /^\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/;

type UserPredicate = (user: StoredUser) => boolean;

function parseFilter(filter: string | undefined): UserPredicate {
  if (filter === undefined || filter.trim() === '') return () => true;
  const match = FILTER.exec(filter);
  if (!match || !SEARCHABLE.has(match[1]!)) throw new InvalidParameterError('Error while parsing filter.');
  const [, attribute, operator, quoted] = match as unknown as [string, string, string, string];
  // The ListUsers reference: `cognito:user_status` (the console's Status: CONFIRMED, ...) matches
  // in any case; `status` (the console's Enabled: Enabled or Disabled) only in its own case.
  const caseInsensitive = attribute === 'cognito:user_status';
  const expected = quoted.replace(/\\(.)/g, '$1');
  const wanted = caseInsensitive ? expected.toLowerCase() : expected;
  const valueOf = (user: StoredUser): string | undefined => {
    if (attribute === 'username') return user.username;
    if (attribute === 'status') return user.enabled ? 'Enabled' : 'Disabled';
    if (attribute === 'cognito:user_status') return user.status.toLowerCase();
    return user.attributes[attribute];
  };
  return (user) => {
    const value = valueOf(user);
    if (value === undefined) return false;
    return operator === '=' ? value === wanted : value.startsWith(wanted);
  };
}

// The token names the last user returned, in the store's order (compareUsers), and
// the next page starts strictly after that position: a user deleted between pages, that one included,
// neither breaks the token nor makes anyone else skipped.
interface PagePosition {
  createdAt: number;
  username: string;
}

function tokenAfter(user: StoredUser): string {
  return Buffer.from(JSON.stringify([user.createdAt, user.username])).toString('base64url');
}

function positionOf(token: string): PagePosition {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2 && Number.isFinite(decoded[0]) && typeof decoded[1] === 'string') {
      return { createdAt: decoded[0] as number, username: decoded[1] };
    }
  } catch {
    // Not JSON: not a token of ours.
  }
  throw new InvalidParameterError('Invalid pagination token.');
}


/** UserFilterType's and AttributeNameType's lengths in Cognito's model. */
const MAX_FILTER_LENGTH = 256;
const ATTRIBUTE_NAME_LENGTH = { min: 1, max: MAX_ATTRIBUTE_NAME_LENGTH };

/** `AttributesToGet`: a list of strings, read as Coral reads it (a list of another type was ignored). */
function attributesToGetOf(input: Record<string, unknown>): string[] | undefined {
  const value = input.AttributesToGet;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw wrongType(value, 'list');
  return value.map((name: unknown) => {
    if (typeof name !== 'string') throw wrongType(name, 'string');
    return name;
  });
}

/** The model's length limits on Filter and on each name of AttributesToGet (Coral's member paths). */
function assertListUsersLengths(filter: string | undefined, attributesToGet: string[] | undefined): void {
  const violations = [];
  for (const [index, name] of (attributesToGet ?? []).entries()) {
    const path = `attributesToGet.${index + 1}.member`;
    if (name.length < ATTRIBUTE_NAME_LENGTH.min) violations.push({ value: name, path, constraint: `Member must have length greater than or equal to ${ATTRIBUTE_NAME_LENGTH.min}` });
    if (name.length > ATTRIBUTE_NAME_LENGTH.max) violations.push({ value: name, path, constraint: `Member must have length less than or equal to ${ATTRIBUTE_NAME_LENGTH.max}` });
  }
  if (filter !== undefined && filter.length > MAX_FILTER_LENGTH) {
    violations.push({ value: filter, path: 'filter', constraint: `Member must have length less than or equal to ${MAX_FILTER_LENGTH}` });
  }
  if (violations.length > 0) throw validationFailed(violations);
}

export async function listUsers(context: CognitoContext, input: Record<string, unknown>) {
  // A member of the wrong type fails as the body is read, before any member is validated.
  const limit = optionalInteger(input, 'Limit') ?? 60;
  // A Filter or PaginationToken of another type was once taken as absent: `Filter: 5` listed
  // every user of the pool and `PaginationToken: 5` restarted the list.
  const filter = optionalString(input, 'Filter');
  const only = attributesToGetOf(input);
  const paginationToken = optionalString(input, 'PaginationToken');
  const userPoolId = requireUserPoolId(input);
  // QueryLimitType is 0 to 60 in the model (ListUserPools' and ListUserPoolClients' start at 1).
  assertInRange(limit, 'limit', 0, 60);
  assertListUsersLengths(filter, only);
  const pool = poolById(context, userPoolId);
  const matches = parseFilter(filter);
  let users = pool.store.listUsers().filter(matches);
  if (paginationToken !== undefined) {
    const position = positionOf(paginationToken);
    users = users.filter((user) => compareUsers(user, position) > 0);
  }
  const page = users.slice(0, limit || 60);
  // "Amazon Cognito returns an error if not all users in the results have set a value for the
  // attribute you request" (the ListUsers reference), worded as aws/aws-sdk-js#2570 and #3091 quote it.
  // Own attributes only: `constructor` or `toString` is no attribute a user has set.
  if (only?.some((name) => page.some((user) => !Object.hasOwn(user.attributes, name)))) {
    throw new InvalidParameterError('One or more requested attributes do not exist.');
  }
  const last = page.at(-1);
  return {
    Users: page.map((user) => userType(user, only)),
    ...(last && users.length > page.length ? { PaginationToken: tokenAfter(last) } : {}),
  };
}
