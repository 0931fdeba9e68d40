// Ending a user's sessions when their credential changes. A face is the credential: when the
// mailbox owner enrols a new face over one someone else enrolled, whoever held the old face must
// lose the refresh tokens they got with it, or "enrol again" would not take the account back.
import { AdminUserGlobalSignOutCommand } from '@aws-sdk/client-cognito-identity-provider';
import { cognitoClient } from './aws-clients/cognito.js';

/** The user as Cognito names them in a trigger event (both come from Cognito, never the client). */
export interface PoolUser {
  userPoolId: string;
  userName: string;
}

/**
 * Revokes every refresh token of the user, and the access tokens issued with them. Tokens the
 * current sign-in is about to get are issued after this returns, so they stay valid.
 */
export async function signOutEverywhere(user: PoolUser): Promise<void> {
  await cognitoClient.send(new AdminUserGlobalSignOutCommand({ UserPoolId: user.userPoolId, Username: user.userName }));
}
