// MAILBOX_PROOF: before a face is bound to an account, its owner proves they read the account's
// mailbox. Either with the one-time enrolment secret the client passed to ConfirmSignUp
// (ENROL_SECRET: the email code Cognito sent for sign-up already proved the mailbox), or with
// a 6-digit code emailed now through SES (EMAIL_CODE).
import { randomInt } from 'node:crypto';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { sesClient } from '../aws-clients/sesv2.js';
import { config } from '../config.js';
import { enrolmentCodeEmail } from '../email-messages.js';
import { logger } from '../logger.js';
import { sameDigest, sha256Hex } from '../secret-hashing.js';
import { UserFacingError } from '../trigger-errors.js';
import { consumeEnrolSecret, getUser } from '../users-table.js';
import { challengeMetadata } from './challenge-sequence.js';
import type { ChallengeModule } from './challenge-module.js';

type MailboxProofMethod = 'ENROL_SECRET' | 'EMAIL_CODE';

const NO_EMAIL_SENDER_MESSAGE =
  'enrolment needs the one-time secret from ConfirmSignUp; no email sender is configured';

export const createChallenge: ChallengeModule['createChallenge'] = async (event, { user, now }) => {
  const secretIsLive = !!user?.enrolSecretHash && (user.enrolSecretExpiresAt ?? 0) > now;
  let method: MailboxProofMethod;
  const privateParameters: Record<string, string> = { challenge: 'MAILBOX_PROOF' };
  if (secretIsLive) {
    method = 'ENROL_SECRET';
  } else {
    const sender = config.emailSender;
    if (!sender) throw new UserFacingError(NO_EMAIL_SENDER_MESSAGE);
    const recipient = user?.email ?? event.request.userAttributes.email;
    if (!recipient) throw new UserFacingError('enrolment needs an email address on the account');
    method = 'EMAIL_CODE';
    const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
    await sendCode(sender, recipient, code);
    privateParameters.codeHash = sha256Hex(code);
  }
  privateParameters.method = method;
  event.response.publicChallengeParameters = { challenge: 'MAILBOX_PROOF', method };
  event.response.privateChallengeParameters = privateParameters;
  event.response.challengeMetadata = challengeMetadata('MAILBOX_PROOF');
  logger.info('challenge created', { challenge: 'MAILBOX_PROOF', method });
};

export const verifyAnswer: ChallengeModule['verifyAnswer'] = async (event, now) => {
  const { privateChallengeParameters: privateParameters, userAttributes, clientMetadata } = event.request;
  const answer = (event.request.challengeAnswer ?? '').trim();
  if (privateParameters.method === 'EMAIL_CODE') {
    return /^\d{6}$/.test(answer) && sameDigest(sha256Hex(answer), privateParameters.codeHash ?? '');
  }
  if (privateParameters.method !== 'ENROL_SECRET' || !userAttributes.sub) return false;
  // The secret may come as the answer or, to keep it out of the ANSWER field, in ClientMetadata.
  const secret = clientMetadata?.enrolSecret || answer;
  if (!secret) return false;
  const user = await getUser(userAttributes.sub, { consistent: true });
  const secretHash = sha256Hex(secret);
  if (!user?.enrolSecretHash || (user.enrolSecretExpiresAt ?? 0) <= now) return false;
  if (!sameDigest(secretHash, user.enrolSecretHash)) return false;
  // Single use: only the first of two concurrent answers removes it.
  return consumeEnrolSecret(userAttributes.sub, secretHash, now);
};

async function sendCode(sender: string, recipient: string, code: string): Promise<void> {
  const email = enrolmentCodeEmail(config.appName, code);
  await sesClient.send(
    new SendEmailCommand({
      FromEmailAddress: sender,
      Destination: { ToAddresses: [recipient] },
      Content: {
        Simple: {
          Subject: { Data: email.subject },
          Body: { Text: { Data: email.text }, Html: { Data: email.html } },
        },
      },
    }),
  );
}
