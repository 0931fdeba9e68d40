// AdminGetUser: by username or email alias; IAM-only, so the request must be SigV4-signed (cognito-service.ts).
import { userNamedByAdmin, type CognitoContext } from '../cognito-context.js';
import { userType } from '../user-view.js';

export async function adminGetUser(context: CognitoContext, input: Record<string, unknown>) {
  const { user } = userNamedByAdmin(context, input);
  const { Attributes, ...rest } = userType(user);
  return { ...rest, UserAttributes: Attributes };
}
