// Emails the kit sends itself through SES v2 (Cognito sends the sign-up codes).
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { sesClient } from './aws-clients/sesv2.js';
import type { EmailMessage } from './email-messages.js';

export async function sendEmail(sender: string, recipient: string, email: EmailMessage): Promise<void> {
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
