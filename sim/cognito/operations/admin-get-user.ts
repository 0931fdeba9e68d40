// AdminGetUser: by username or email alias. (The sim does not check IAM signatures.)
import { poolById, requireString, type CognitoContext } from '../cognito-context.js';
import { UserNotFoundError } from '../errors.js';
import { userType } from '../user-view.js';

export async function adminGetUser(context: CognitoContext, input: Record<string, unknown>) {
  const pool = poolById(context, requireString(input, 'UserPoolId'));
  const user = pool.store.findUser(requireString(input, 'Username'));
  if (!user) throw new UserNotFoundError();
  const { Attributes, ...rest } = userType(user);
  return { ...rest, UserAttributes: Attributes };
}
