// State in <dataDir>/cognito/ survives a new service on the same folder: users, codes, refresh
// tokens, revocations and the signing key.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfirmSignUpCommand, GetUserCommand, InitiateAuthCommand, RevokeTokenCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../sim/clock.js';
import { CLIENT_ID, PASSWORD, POOL_ID, failureOf, signUpAndSignIn, startCognitoSim } from './cognito-sim-harness.js';

describe('Cognito sim persistence', () => {
  it('keeps users, pending codes, refresh tokens, revocations and the signing keys across a restart', async () => {
    const clock = new ManualClock(Date.now());
    const first = await startCognitoSim({ clock });
    const dataDir = first.dataDir;
    let secondSim;
    try {
      const tokens = await signUpAndSignIn(first, 'kept@example.com');
      await first.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'pending@example.com', Password: PASSWORD }));
      const code = await first.latestCode('pending@example.com');
      const revoked = await signUpAndSignIn(first, 'kept@example.com');
      await first.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: revoked.RefreshToken! } }));
      const jwksBefore = await (await fetch(`${first.issuer}/.well-known/jwks.json`)).json();
      await first.close();
      expect(existsSync(join(dataDir, 'cognito', POOL_ID, 'state.jsonl'))).toBe(true);
      expect(existsSync(join(dataDir, 'cognito', POOL_ID, 'signing-keys.json'))).toBe(true);

      secondSim = await startCognitoSim({ dataDir, clock });
      const { client } = secondSim;
      expect(await (await fetch(`${secondSim.issuer}/.well-known/jwks.json`)).json()).toEqual(jwksBefore);
      expect((jwksBefore as { keys: Array<{ kid: string }> }).keys[1]!.kid).toBe(decodeProtectedHeader(tokens.AccessToken!).kid);
      // The access token issued before the restart still works (same key, same token family).
      expect((await client.send(new GetUserCommand({ AccessToken: tokens.AccessToken }))).Username).toBe(tokens.sub);
      const refreshed = await client.send(new InitiateAuthCommand({
        ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! },
      }));
      expect(refreshed.AuthenticationResult?.IdToken).toBeTruthy();
      await client.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: 'pending@example.com', ConfirmationCode: code }));
    } finally {
      await secondSim?.close({ removeData: true });
    }
  });

  it('keeps a revocation across a restart', async () => {
    const first = await startCognitoSim();
    const tokens = await signUpAndSignIn(first, 'revoked@example.com');
    await first.client.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: tokens.RefreshToken }));
    await first.close();
    const second = await startCognitoSim({ dataDir: first.dataDir });
    try {
      expect(await failureOf(second.client.send(new InitiateAuthCommand({
        ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! },
      })))).toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    } finally {
      await second.close({ removeData: true });
    }
  });
});
