// DescribeUserPoolClient: a client's flows, token lifetimes, existence-error setting and the other
// settings its template gives (identity providers, OAuth). The client must belong to the named
// pool, as on AWS.
import { poolById, requireString, requireUserPoolId, type CognitoContext } from '../cognito-context.js';
import { ResourceNotFoundError } from '../errors.js';
import { userPoolClientType } from '../pool-view.js';

export async function describeUserPoolClient(context: CognitoContext, input: Record<string, unknown>) {
  const userPoolId = requireUserPoolId(input);
  const clientId = requireString(input, 'ClientId');
  const pool = poolById(context, userPoolId);
  const client = pool.clients.get(clientId);
  if (!client) throw new ResourceNotFoundError(`User pool client ${clientId} does not exist.`);
  return { UserPoolClient: userPoolClientType(pool, client) };
}
