// The account's Cognito password. Nobody signs in with it (the app client allows the custom flow
// only), but whoever called SignUp chose it, and that may be a stranger whose unconfirmed sign-up
// the mailbox owner took over by confirming it (docs/handlers.md, residual risks). PostConfirmation
// replaces it with one nobody knows, so it opens nothing should a client with password or SRP
// sign-in ever be added to the pool.
import { randomBytes } from 'node:crypto';
import { AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider';
import { cognitoClient } from './aws-clients/cognito.js';
import type { PoolUser } from './user-sessions.js';

/**
 * 96 random characters (72 bytes, base64url) and one of each class a policy may require: 100
 * characters, within any pool's policy (a minimum of 6 to 99, a maximum of 256).
 */
export function unknowablePassword(): string {
  return `${randomBytes(72).toString('base64url')}aA1!`;
}

/** Sets a permanent password nobody knows. */
export async function replacePassword(user: PoolUser): Promise<void> {
  await cognitoClient.send(
    new AdminSetUserPasswordCommand({ UserPoolId: user.userPoolId, Username: user.userName, Password: unknowablePassword(), Permanent: true }),
  );
}
