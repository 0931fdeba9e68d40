// CustomMessage: words the verification-code emails Cognito sends. Messages this kit has no
// use for (password reset, invitations) keep Cognito's defaults.
import type { CustomMessageTriggerEvent, CustomMessageTriggerHandler } from 'aws-lambda';
import { config } from './config.js';
import { verificationCodeEmail } from './email-messages.js';
import { logger } from './logger.js';
import { withErrorBoundary } from './trigger-errors.js';

const PURPOSES: Partial<Record<CustomMessageTriggerEvent['triggerSource'], 'sign-up' | 'email-change'>> = {
  CustomMessage_SignUp: 'sign-up',
  CustomMessage_ResendCode: 'sign-up',
  CustomMessage_UpdateUserAttribute: 'email-change',
  CustomMessage_VerifyUserAttribute: 'email-change',
};

export const handler: CustomMessageTriggerHandler = withErrorBoundary('CustomMessage', async (event) => {
  const purpose = PURPOSES[event.triggerSource];
  const code = event.request.codeParameter;
  // Cognito refuses a message without its code placeholder, so without one we change nothing.
  if (!purpose || !code) return event;
  const email = verificationCodeEmail(config.appName, code, purpose);
  event.response.emailSubject = email.subject;
  event.response.emailMessage = email.html;
  event.response.smsMessage = email.text;
  logger.info('message worded', { triggerSource: event.triggerSource });
  return event;
});
