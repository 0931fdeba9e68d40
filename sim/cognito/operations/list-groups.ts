// ListGroups and AdminListGroupsForUser: the kit's pools have no groups (CreateGroup is not
// emulated, and the stack declares none), so both answer an empty list, as Cognito answers them
// for a pool without groups, after Cognito's checks. Refused as not emulated, they broke the
// scripts developers run against a pool (`aws cognito-idp list-groups`; an audit, 2026-12-03).
import { assertInRange, optionalInteger, optionalString, poolById, requireUserPoolId, userNamedByAdmin, validationFailed, type CognitoContext } from '../cognito-context.js';
import { InvalidParameterError } from '../errors.js';

/**
 * Limit (QueryLimitType, 0 to 60) and NextToken, read and checked as Coral does, before anything
 * is looked up; returns whether a token was sent.
 */
function readPageMembers(input: Record<string, unknown>): boolean {
  const limit = optionalInteger(input, 'Limit');
  const nextToken = optionalString(input, 'NextToken');
  if (limit !== undefined) assertInRange(limit, 'limit', 0, 60);
  if (nextToken === '') throw validationFailed([{ value: '', path: 'nextToken', constraint: 'Member must have length greater than or equal to 1' }]);
  return nextToken !== undefined;
}

/** No list here has a next page: a token is one the kit never gave. */
function emptyList(tokenSent: boolean) {
  if (tokenSent) throw new InvalidParameterError('Invalid pagination token.');
  return { Groups: [] };
}

export async function listGroups(context: CognitoContext, input: Record<string, unknown>) {
  const tokenSent = readPageMembers(input);
  poolById(context, requireUserPoolId(input));
  return emptyList(tokenSent);
}

export async function adminListGroupsForUser(context: CognitoContext, input: Record<string, unknown>) {
  const tokenSent = readPageMembers(input);
  userNamedByAdmin(context, input);
  return emptyList(tokenSent);
}
