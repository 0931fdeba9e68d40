// ListUsers with Cognito's filter syntax (`email = "x"`, `email ^= "x"`) and pagination.
import { poolById, requireString, type CognitoContext } from '../cognito-context.js';
import { InvalidParameterError } from '../errors.js';
import type { StoredUser } from '../user-pool-store.js';
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
  const expected = quoted.replace(/\\(.)/g, '$1');
  const valueOf = (user: StoredUser): string | undefined => {
    if (attribute === 'username') return user.username;
    if (attribute === 'status' || attribute === 'cognito:user_status') return user.status;
    return user.attributes[attribute];
  };
  return (user) => {
    const value = valueOf(user);
    if (value === undefined) return false;
    return operator === '=' ? value === expected : value.startsWith(expected);
  };
}

export async function listUsers(context: CognitoContext, input: Record<string, unknown>) {
  const pool = poolById(context, requireString(input, 'UserPoolId'));
  const limit = input.Limit === undefined ? 60 : Number(input.Limit);
  if (!Number.isInteger(limit) || limit < 0 || limit > 60) {
    throw new InvalidParameterError(`1 validation error detected: Value '${String(input.Limit)}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60`);
  }
  const matches = parseFilter(typeof input.Filter === 'string' ? input.Filter : undefined);
  const only = Array.isArray(input.AttributesToGet) ? (input.AttributesToGet as string[]) : undefined;
  const users = pool.store.listUsers().filter(matches);

  // The token names the first user of the next page, so deletions between pages do not skip anyone else.
  let start = 0;
  if (typeof input.PaginationToken === 'string') {
    const next = Buffer.from(input.PaginationToken, 'base64url').toString('utf8');
    start = users.findIndex((user) => user.username === next);
    if (start < 0) throw new InvalidParameterError('Invalid pagination token.');
  }
  const page = users.slice(start, start + (limit || 60));
  const following = users[start + page.length];
  return {
    Users: page.map((user) => userType(user, only)),
    ...(following ? { PaginationToken: Buffer.from(following.username).toString('base64url') } : {}),
  };
}
