// ListUserPoolClients: the pool's app clients, paginated by MaxResults (optional, 1 to 60).
import { poolById, requireUserPoolId, type CognitoContext } from '../cognito-context.js';
import { pageOf, userPoolClientDescription } from '../pool-view.js';

export async function listUserPoolClients(context: CognitoContext, input: Record<string, unknown>) {
  const pool = poolById(context, requireUserPoolId(input));
  const { page, nextToken } = pageOf([...pool.clients.values()], input, { maxResultsRequired: false });
  return { UserPoolClients: page.map((client) => userPoolClientDescription(pool, client)), ...(nextToken ? { NextToken: nextToken } : {}) };
}
