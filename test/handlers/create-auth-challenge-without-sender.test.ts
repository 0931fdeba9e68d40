import './without-email-sender.js';
import { describe, expect, it } from 'vitest';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/create-auth-challenge.js';
import { captureLogs } from './log-capture.js';
import { createEvent, ENROL_REQUEST, entry, invoke, newUser, putItem } from './trigger-events.js';

const ses = mockClient(SESv2Client);
captureLogs();

describe('CreateAuthChallenge without EMAIL_SENDER', () => {
  it('refuses clearly when the client has no secret', async () => {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, email: user.email });

    const attempt = invoke(handler, createEvent(user, [entry('FACE_MATCH', false)], undefined, ENROL_REQUEST));

    await expect(attempt).rejects.toThrow('enrolment needs the one-time secret from ConfirmSignUp; no email sender is configured');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('still asks for the enrolment secret when the client sends one', async () => {
    const user = newUser();
    await putItem({ pk: `USER#${user.sub}`, sub: user.sub, email: user.email });

    const { response } = await invoke<ReturnType<typeof createEvent>, ReturnType<typeof createEvent>>(
      handler,
      createEvent(user, [entry('FACE_MATCH', false)], undefined, { ...ENROL_REQUEST, enrolSecret: 's'.repeat(40) }),
    );

    expect(response.publicChallengeParameters).toEqual({ challenge: 'MAILBOX_PROOF', method: 'ENROL_SECRET' });
  });
});
