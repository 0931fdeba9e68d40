// DescribeUserPool: the pool's configuration as far as the sim knows it from the template.
import { poolById, requireUserPoolId, type CognitoContext } from '../cognito-context.js';
import { userPoolType } from '../pool-view.js';

export async function describeUserPool(context: CognitoContext, input: Record<string, unknown>) {
  return { UserPool: userPoolType(poolById(context, requireUserPoolId(input))) };
}
