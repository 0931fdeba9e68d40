// ListUserPools: the pools this endpoint serves (the stack's), paginated by MaxResults (required).
import type { CognitoContext } from '../cognito-context.js';
import { pageOf, pageRequestOf, userPoolDescription } from '../pool-view.js';

export async function listUserPools(context: CognitoContext, input: Record<string, unknown>) {
  const { page, nextToken } = pageOf([...context.pools.values()], pageRequestOf(input, { maxResultsRequired: true }));
  return { UserPools: page.map(userPoolDescription), ...(nextToken ? { NextToken: nextToken } : {}) };
}
