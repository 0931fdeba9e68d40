// DescribeUserPoolClient: a client's flows, token lifetimes, existence-error setting and the other
// settings its template gives (identity providers, OAuth). The client must belong to the named
// pool, as on AWS.
import { clientOfPool, requireClientId, requireUserPoolId, type CognitoContext } from '../cognito-context.js';
import { userPoolClientType } from '../pool-view.js';

export async function describeUserPoolClient(context: CognitoContext, input: Record<string, unknown>) {
  const userPoolId = requireUserPoolId(input);
  const clientId = requireClientId(input);
  const { pool, client } = clientOfPool(context, userPoolId, clientId);
  return { UserPoolClient: userPoolClientType(pool, client) };
}
