// ListUserPoolClients: the pool's app clients, paginated by MaxResults (optional, 1 to 60).
import { poolById, requireUserPoolId, type CognitoContext } from '../cognito-context.js';
import { pageOf, pageRequestOf, userPoolClientDescription } from '../pool-view.js';

export async function listUserPoolClients(context: CognitoContext, input: Record<string, unknown>) {
  // Members are read and validated before the pool is looked up; a MaxResults of the wrong type
  // fails first, as Coral fails it while reading the body.
  const request = pageRequestOf(input, { maxResultsRequired: false });
  const userPoolId = requireUserPoolId(input);
  const pool = poolById(context, userPoolId);
  const { page, nextToken } = pageOf([...pool.clients.values()], request);
  return { UserPoolClients: page.map((client) => userPoolClientDescription(pool, client)), ...(nextToken ? { NextToken: nextToken } : {}) };
}
