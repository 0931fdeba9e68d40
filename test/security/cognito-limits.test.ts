// Issue 10, findings 1 and 7, as the attacker plays them with raw SDK calls against the Cognito
// sim: guessing a victim's confirmation code, flooding code emails, a 20 MB attribute, members of
// the wrong JSON type and X-Amz-Target names that are JavaScript object members.
import {
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  ListUsersCommand,
  ResendConfirmationCodeCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { answerBeforeBody } from '../raw-http.js';
import { CLIENT_ID, failureOf, PASSWORD, POOL_ID, startCognitoSim, type CognitoSimHarness } from '../cognito/cognito-sim-harness.js';

const HOUR_MS = 3600 * 1000;
const ATTEMPT_LIMIT = { name: 'LimitExceededException', message: 'Attempt limit exceeded, please try after some time.' };

let sim: CognitoSimHarness;
let counter = 0;
const freshEmail = () => `victim-${++counter}-${Date.now()}@example.com`;

beforeAll(async () => {
  sim = await startCognitoSim();
});
afterAll(async () => {
  await sim.close({ removeData: true });
});
beforeEach(() => sim.reset());

/** Any six digits but the right ones. */
const wrongCodes = (right: string) => Array.from({ length: 20 }, (_, index) => String((Number(right) + 1 + index) % 1_000_000).padStart(6, '0'));

async function rawCall(target: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${sim.baseUrl}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as { __type?: string; message?: string } };
}

describe('ConfirmSignUp brute force', () => {
  it('answers LimitExceededException after five wrong codes, and then refuses even the right code', async () => {
    const email = freshEmail();
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD }));
    const rightCode = await sim.latestCode(email);

    const answers: string[] = [];
    for (const guess of wrongCodes(rightCode).slice(0, 8)) {
      answers.push((await failureOf(sim.client.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: guess })))).name);
    }
    expect(answers).toEqual([...Array(5).fill('CodeMismatchException'), ...Array(3).fill('LimitExceededException')]);
    expect(await failureOf(sim.client.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: rightCode }))))
      .toEqual(ATTEMPT_LIMIT);
  });

  it('lets the owner confirm with the right code once the hour of wrong guesses has passed', async () => {
    const email = freshEmail();
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD }));
    const rightCode = await sim.latestCode(email);
    for (const guess of wrongCodes(rightCode).slice(0, 5)) {
      await failureOf(sim.client.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: guess })));
    }

    sim.clock.advance(HOUR_MS + 1000);

    await sim.client.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: rightCode }));
    const users = await sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, Filter: `email = "${email}"` }));
    expect(users.Users?.[0]?.UserStatus).toBe('CONFIRMED');
  });

  it('does not reset the count when the attacker asks for a new code', async () => {
    const email = freshEmail();
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD }));
    for (const guess of wrongCodes(await sim.latestCode(email)).slice(0, 5)) {
      await failureOf(sim.client.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: guess })));
    }
    await sim.client.send(new ResendConfirmationCodeCommand({ ClientId: CLIENT_ID, Username: email }));

    const freshCode = await sim.latestCode(email);
    expect(await failureOf(sim.client.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: freshCode }))))
      .toEqual(ATTEMPT_LIMIT);
  });

  it('refuses a code older than 24 hours with ExpiredCodeException', async () => {
    const email = freshEmail();
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD }));
    const code = await sim.latestCode(email);

    sim.clock.advance(24 * HOUR_MS + 1000);

    expect((await failureOf(sim.client.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: code })))).name)
      .toBe('ExpiredCodeException');
  });
});

describe('ResendConfirmationCode flooding', () => {
  it('sends five codes an hour per user, then answers LimitExceededException without emailing', async () => {
    const email = freshEmail();
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD }));

    for (let resend = 0; resend < 5; resend++) await sim.client.send(new ResendConfirmationCodeCommand({ ClientId: CLIENT_ID, Username: email }));
    const refused = await failureOf(sim.client.send(new ResendConfirmationCodeCommand({ ClientId: CLIENT_ID, Username: email })));

    expect(refused).toEqual(ATTEMPT_LIMIT);
    expect(sim.outbox.list({ to: email })).toHaveLength(6);
    sim.clock.advance(HOUR_MS + 1000);
    await sim.client.send(new ResendConfirmationCodeCommand({ ClientId: CLIENT_ID, Username: email }));
    expect(sim.outbox.list({ to: email })).toHaveLength(7);
  });
});

describe('oversized sign-ups', () => {
  it('refuses a SignUp carrying a 20 MB attribute with 413 before storing anything', async () => {
    const email = freshEmail();
    const body = JSON.stringify({
      ClientId: CLIENT_ID,
      Username: email,
      Password: PASSWORD,
      UserAttributes: [{ Name: 'name', Value: 'x'.repeat(20 * 1024 * 1024) }],
    });

    const { status, body: error } = await rawCall('AWSCognitoIdentityProviderService.SignUp', body);

    expect(status).toBe(413);
    expect(error.__type).toBe('RequestEntityTooLargeException');
    const users = await sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, Filter: `email = "${email}"` }));
    expect(users.Users).toEqual([]);
  });

  // 30 MB announced (under the 32 MiB any JSON body may have), 1 KB sent: Cognito's 1 MiB is
  // applied from the headers, or each such call would make the kit hold 30 MB before its 413.
  it('answers an InitiateAuth announcing 30 MB with 413 before its body has come', async () => {
    const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n` +
      `X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth\r\nContent-Length: ${30 * 1024 * 1024}\r\n\r\n{"ClientId":"` + 'x'.repeat(1024);

    const answer = await answerBeforeBody(sim.baseUrl, head);

    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ __type: 'RequestEntityTooLargeException', message: 'Request Entity Too Large' });
  }, 20_000);

  it('refuses a chunked body once it passes 1 MiB, without a Content-Length to go by', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const chunks = Array.from({ length: 17 }, () => chunk);
    const body = new ReadableStream({
      pull(controller) {
        const next = chunks.pop();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const response = await fetch(`${sim.baseUrl}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(413);
    expect(((await response.json()) as { __type: string }).__type).toBe('RequestEntityTooLargeException');
  });

  it("refuses an attribute value over 2048 characters with Cognito's validation message, and stores no user", async () => {
    const email = freshEmail();
    const refused = await failureOf(sim.client.send(new SignUpCommand({
      ClientId: CLIENT_ID,
      Username: email,
      Password: PASSWORD,
      UserAttributes: [{ Name: 'given_name', Value: 'Jo' }, { Name: 'name', Value: 'x'.repeat(2049) }],
    })));

    expect(refused).toEqual({
      name: 'InvalidParameterException',
      message: "1 validation error detected: Value at 'userAttributes.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 2048",
    });
    const users = await sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, Filter: `email = "${email}"` }));
    expect(users.Users).toEqual([]);
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'name', Value: 'x'.repeat(2048) }] }));
  });
});

describe('malformed calls', () => {
  it.each(['__proto__', 'constructor', 'valueOf', 'hasOwnProperty', 'toString', 'isPrototypeOf', '__defineGetter__'])(
    'answers the target %s with UnknownOperationException',
    async (member) => {
      const { status, body } = await rawCall(`AWSCognitoIdentityProviderService.${member}`, '{"ClientId":"x"}');
      expect(status).toBe(400);
      expect(body.__type).toBe('UnknownOperationException');
    },
  );

  it.each([
    ['a number', 42],
    ['an object', { nested: 'x' }],
    ['a list', ['x']],
    ['a boolean', true],
  ])('answers InitiateAuth with %s as USERNAME with SerializationException', async (_kind, username) => {
    const { status, body } = await rawCall(
      'AWSCognitoIdentityProviderService.InitiateAuth',
      JSON.stringify({ ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: username } }),
    );
    expect(status).toBe(400);
    expect(body.__type).toBe('SerializationException');
  });

  it('answers a REFRESH_TOKEN that is not a string with SerializationException', async () => {
    const { status, body } = await rawCall(
      'AWSCognitoIdentityProviderService.InitiateAuth',
      JSON.stringify({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: { forged: true } } }),
    );
    expect(status).toBe(400);
    expect(body.__type).toBe('SerializationException');
  });

  it('answers a body that is not JSON, or not an object, with SerializationException', async () => {
    for (const body of ['{"ClientId":', '"just a string"', '[1,2]', '12']) {
      const answer = await rawCall('AWSCognitoIdentityProviderService.SignUp', body);
      expect(answer.status).toBe(400);
      expect(answer.body.__type).toBe('SerializationException');
    }
  });

  it('still serves the pool after all of the above', async () => {
    const email = freshEmail();
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD }));
    const refused = await failureOf(sim.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } })));
    expect(refused.name).toBe('UserNotConfirmedException');
  });
});
