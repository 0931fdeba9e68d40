// An emailed enrolment code is always 8 digits: a draw below 10,000,000 keeps its leading zeros.
// On its own file because it replaces node:crypto's randomInt for the whole module graph.
import './handler-test-environment.js';
import { createHash } from 'node:crypto';
import { beforeEach, expect, it, vi } from 'vitest';
import type { CreateAuthChallengeTriggerEvent } from 'aws-lambda';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/create-auth-challenge.js';
import { captureLogs } from './log-capture.js';
import { createEvent, ENROL_REQUEST, entry, invoke, newUser, putItem } from './trigger-events.js';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, randomInt: vi.fn(() => 4_207) };
});

const ses = mockClient(SESv2Client);
captureLogs();

beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'message-1' });
});

it('emails a small draw with its leading zeros, and keeps the hash of those 8 digits', async () => {
  const user = newUser();
  await putItem({ pk: `USER#${user.sub}`, sub: user.sub, email: user.email });

  const { response } = await invoke<CreateAuthChallengeTriggerEvent, CreateAuthChallengeTriggerEvent>(
    handler,
    createEvent(user, [entry('FACE_MATCH', false)], undefined, { ...ENROL_REQUEST }),
  );

  const text = ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Body?.Text?.Data ?? '';
  expect(text).toMatch(/\b00004207\b/);
  expect(response.privateChallengeParameters.codeHash).toBe(createHash('sha256').update('00004207').digest('hex'));
});
