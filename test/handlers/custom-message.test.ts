import './handler-test-environment.js';
import { describe, expect, it } from 'vitest';
import type { CustomMessageTriggerEvent } from 'aws-lambda';
import { handler } from '../../handlers/custom-message.js';
import { invoke } from './trigger-events.js';
import { captureLogs } from './log-capture.js';

captureLogs();

function message(triggerSource: CustomMessageTriggerEvent['triggerSource']): CustomMessageTriggerEvent {
  return {
    version: '1',
    region: 'us-east-1',
    userPoolId: 'us-east-1_FaceKit01',
    userName: 'user',
    callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: 'client' },
    triggerSource,
    request: { userAttributes: { email: 'ada@example.com' }, codeParameter: '{####}', linkParameter: '{##Click##}', usernameParameter: null },
    response: { smsMessage: null, emailMessage: null, emailSubject: null },
  } as CustomMessageTriggerEvent;
}
const customMessage = (event: CustomMessageTriggerEvent) => invoke<CustomMessageTriggerEvent, CustomMessageTriggerEvent>(handler, event);

describe('CustomMessage', () => {
  it.each(['CustomMessage_SignUp', 'CustomMessage_ResendCode', 'CustomMessage_VerifyUserAttribute', 'CustomMessage_UpdateUserAttribute'] as const)(
    'words the %s email with the code placeholder and the app name',
    async (triggerSource) => {
      const { response } = await customMessage(message(triggerSource));

      expect(response.emailSubject).toBe('Your Face Kit <Test> verification code');
      expect(response.emailMessage).toContain('{####}');
      expect(response.emailMessage).toContain('Face Kit &#60;Test&#62;');
      expect(response.emailMessage).not.toContain('<Test>');
      expect(response.smsMessage).toContain('{####}');
    },
  );

  it.each(['CustomMessage_ForgotPassword', 'CustomMessage_AdminCreateUser', 'CustomMessage_Authentication'] as const)(
    'leaves the %s message to Cognito',
    async (triggerSource) => {
      const { response } = await customMessage(message(triggerSource));

      expect(response).toEqual({ smsMessage: null, emailMessage: null, emailSubject: null });
    },
  );
});
