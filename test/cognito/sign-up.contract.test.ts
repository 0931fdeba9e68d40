// Sign-up and confirmation, driven with the real AWS SDK v3 client against the sim over HTTP.
import {
  AdminConfirmSignUpCommand,
  AdminGetUserCommand,
  ConfirmSignUpCommand,
  ResendConfirmationCodeCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_ID, LEGACY_CLIENT_ID, PASSWORD, POOL_ID, failureOf, startCognitoSim, type CognitoSimHarness } from './cognito-sim-harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Cognito sim: sign-up', () => {
  let sim: CognitoSimHarness;
  beforeAll(async () => {
    sim = await startCognitoSim();
  });
  afterAll(() => sim.close({ removeData: true }));
  beforeEach(() => sim.reset());

  const signUp = (email: string, password = PASSWORD, clientId = CLIENT_ID) =>
    sim.client.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: password, ClientMetadata: { app: 'web' } }));

  it('creates an unconfirmed user named by a UUID equal to its sub and emails a masked-destination code', async () => {
    const result = await signUp('jane@example.com');

    expect(result.UserConfirmed).toBe(false);
    expect(result.UserSub).toMatch(UUID);
    expect(result.CodeDeliveryDetails).toEqual({ Destination: 'j***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    const user = await sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'jane@example.com' }));
    expect(user.Username).toBe(result.UserSub);
    expect(user.UserStatus).toBe('UNCONFIRMED');
    expect(user.UserAttributes).toEqual(expect.arrayContaining([
      { Name: 'sub', Value: result.UserSub }, { Name: 'email', Value: 'jane@example.com' }, { Name: 'email_verified', Value: 'false' },
    ]));
  });

  it('sends the email the CustomMessage trigger wrote, with the code in it', async () => {
    await signUp('custom@example.com');

    const emails = sim.outbox.list({ to: 'custom@example.com' });
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ subject: 'Welcome to Face sign-in', source: `cognito-idp:${POOL_ID}` });
    expect(emails[0]!.body).toMatch(/^Your code is \d{6}$/);
    const [event] = sim.eventsOf('CustomMessage');
    expect(event).toMatchObject({
      version: '1', triggerSource: 'CustomMessage_SignUp', region: 'eu-west-1', userPoolId: POOL_ID,
      callerContext: { clientId: CLIENT_ID },
      request: { codeParameter: '{####}', clientMetadata: { app: 'web' }, userAttributes: { email: 'custom@example.com' } },
      response: { smsMessage: null, emailMessage: null, emailSubject: null },
    });
  });

  it("falls back to Cognito's default message when the custom one lacks the code", async () => {
    sim.triggers.CustomMessage = async (event) => {
      event.response.emailMessage = 'Hello without a code';
      return event;
    };

    await signUp('fallback@example.com');

    const [email] = sim.outbox.list({ to: 'fallback@example.com' });
    expect(email!.subject).toBe('Your verification code');
    expect(email!.body).toMatch(/^Your verification code is \d{6}\. $/);
  });

  it('serves the emails at GET /_sim/emails, filtered by recipient, newest last', async () => {
    await signUp('list@example.com');
    await sim.client.send(new ResendConfirmationCodeCommand({ ClientId: CLIENT_ID, Username: 'list@example.com' }));

    const response = await fetch(`${sim.baseUrl}/_sim/emails?to=LIST@example.com`);
    const emails = (await response.json()) as Array<{ to: string; body: string }>;
    expect(emails.map((email) => email.to)).toEqual(['list@example.com', 'list@example.com']);
    expect(sim.eventsOf('CustomMessage').map((event) => event.triggerSource)).toEqual(['CustomMessage_SignUp', 'CustomMessage_ResendCode']);
    expect(await sim.latestCode('list@example.com')).toBe(/(\d{6})/.exec(emails[1]!.body)![1]);

    // One recipient, given once: a repeated `to` is the client's mistake, said as such (it was a 500).
    const refused = await fetch(`${sim.baseUrl}/_sim/emails?to=a@example.com&to=b@example.com`);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ message: expect.stringContaining('to: one email address') });
  });

  it('refuses an email that already has an account', async () => {
    await signUp('twice@example.com');
    expect(await failureOf(signUp('TWICE@example.com'))).toEqual({
      name: 'UsernameExistsException', message: 'An account with the given email already exists.',
    });
  });

  it.each([
    ['Sh0rt!', 'Password did not conform with policy: Password not long enough'],
    ['nouppercase1!', 'Password did not conform with policy: Password must have uppercase characters'],
    ['NOLOWERCASE1!', 'Password did not conform with policy: Password must have lowercase characters'],
    ['NoDigitsHere!', 'Password did not conform with policy: Password must have numeric characters'],
    ['NoSymbols123', 'Password did not conform with policy: Password must have symbol characters'],
  ])('refuses the password %s', async (password, message) => {
    expect(await failureOf(signUp('weak@example.com', password))).toEqual({ name: 'InvalidPasswordException', message });
  });

  const signUpWith = (email: string, attributes: Record<string, string>) =>
    sim.client.send(new SignUpCommand({
      ClientId: CLIENT_ID, Username: email, Password: PASSWORD,
      UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
    }));

  it('refuses attributes outside the schema, which would otherwise be claims of the signed ID token', async () => {
    const failure = await failureOf(signUpWith('claims@example.com', { email: 'claims@example.com', 'cognito:groups': 'admin', 'custom:role': 'admin', role: 'admin' }));
    expect(failure).toEqual({
      name: 'InvalidParameterException',
      message: 'Attributes did not conform to the schema: cognito:groups: Attribute does not exist in the schema.\n'
        + 'custom:role: Attribute does not exist in the schema.\nrole: Attribute does not exist in the schema.\n',
    });
    expect(await failureOf(sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'claims@example.com' })))).toMatchObject({ name: 'UserNotFoundException' });
  });

  it.each(['sub', 'identities', 'email_verified', 'phone_number_verified'])('refuses a client write of %s, which only Cognito or an administrator sets', async (name) => {
    expect(await failureOf(signUpWith('readonly@example.com', { email: 'readonly@example.com', [name]: 'true' }))).toEqual({
      name: 'NotAuthorizedException', message: 'A client attempted to write unauthorized attribute',
    });
  });

  it('keeps standard attributes and the custom ones the schema declares', async () => {
    const { UserSub } = await signUpWith('schema@example.com', { email: 'schema@example.com', given_name: 'Ada', 'custom:tier': 'gold' });
    const user = await sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'schema@example.com' }));
    expect(user.UserAttributes).toEqual(expect.arrayContaining([
      { Name: 'sub', Value: UserSub }, { Name: 'given_name', Value: 'Ada' }, { Name: 'custom:tier', Value: 'gold' },
    ]));
  });

  it('refuses a username that is not an email in an email-username pool', async () => {
    expect(await failureOf(signUp('jane'))).toEqual({ name: 'InvalidParameterException', message: 'Username should be an email.' });
  });

  it('refuses an email attribute other than the username in an email-username pool, and takes the same one', async () => {
    expect(await failureOf(signUpWith('owner@example.com', { email: 'someone-else@example.com' }))).toEqual({
      name: 'InvalidParameterException', message: 'User email should be empty or same as username, since username attribute is email.',
    });
    for (const email of ['owner@example.com', 'someone-else@example.com']) {
      expect(await failureOf(sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: email })))).toMatchObject({ name: 'UserNotFoundException' });
    }
    expect((await signUpWith('owner@example.com', { email: 'owner@example.com' })).UserConfirmed).toBe(false);
  });

  it('refuses usernames outside Cognito’s UsernameType pattern (controls, spaces, lone surrogates), which no client could print back', async () => {
    const pattern = "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+";
    for (const username of ['a\ud800b@example.com', 'nul\u0000@example.com', 'bell\u0007@example.com', 'tab\t@example.com', '\udc00']) {
      expect(await failureOf(signUp(username)), JSON.stringify(username)).toEqual({ name: 'InvalidParameterException', message: pattern });
      expect(await failureOf(sim.client.send(new ResendConfirmationCodeCommand({ ClientId: CLIENT_ID, Username: username })))).toEqual({ name: 'InvalidParameterException', message: pattern });
      expect(await failureOf(sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: username })))).toEqual({ name: 'InvalidParameterException', message: pattern });
    }
    // Letters, marks, symbols, numbers and punctuation of any script pass the pattern.
    expect((await signUp('zoë+face€@exämple.com')).UserConfirmed).toBe(false);
  });

  it('answers an unknown client id with ResourceNotFoundException', async () => {
    expect(await failureOf(signUp('x@example.com', PASSWORD, 'nosuchclient000000000000000'))).toEqual({
      name: 'ResourceNotFoundException', message: 'User pool client nosuchclient000000000000000 does not exist.',
    });
  });

  it('turns a throwing PreSignUp into UserLambdaValidationException and creates no user', async () => {
    sim.triggers.PreSignUp = async () => {
      throw new Error('sign-up is closed');
    };
    expect(await failureOf(signUp('closed@example.com'))).toEqual({
      name: 'UserLambdaValidationException', message: 'PreSignUp failed with error sign-up is closed.',
    });
    expect(await failureOf(sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'closed@example.com' })))).toEqual({
      name: 'UserNotFoundException', message: 'User does not exist.',
    });
  });

  it('honours autoConfirmUser and autoVerifyEmail from PreSignUp and sends no code', async () => {
    sim.triggers.PreSignUp = async (event) => {
      event.response.autoConfirmUser = true;
      event.response.autoVerifyEmail = true;
      return event;
    };
    const result = await signUp('auto@example.com');
    expect(result.UserConfirmed).toBe(true);
    expect(result.CodeDeliveryDetails).toBeUndefined();
    expect(sim.outbox.list({ to: 'auto@example.com' })).toEqual([]);
    const [event] = sim.eventsOf('PreSignUp');
    expect(event).toMatchObject({
      triggerSource: 'PreSignUp_SignUp', request: { userAttributes: { email: 'auto@example.com' }, clientMetadata: { app: 'web' } },
      response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    });
  });

  it('confirms with the emailed code, verifies the email and gives PostConfirmation the ClientMetadata', async () => {
    const { UserSub } = await signUp('confirm@example.com');
    const code = await sim.latestCode('confirm@example.com');

    await sim.client.send(new ConfirmSignUpCommand({
      ClientId: CLIENT_ID, Username: 'confirm@example.com', ConfirmationCode: code, ClientMetadata: { enrolSecret: 's3cret' },
    }));

    const user = await sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: UserSub }));
    expect(user.UserStatus).toBe('CONFIRMED');
    expect(user.UserAttributes).toContainEqual({ Name: 'email_verified', Value: 'true' });
    const [event] = sim.eventsOf('PostConfirmation');
    expect(event).toMatchObject({
      version: '1', triggerSource: 'PostConfirmation_ConfirmSignUp', userName: UserSub,
      request: { clientMetadata: { enrolSecret: 's3cret' }, userAttributes: { sub: UserSub, email: 'confirm@example.com', 'cognito:user_status': 'CONFIRMED' } },
      response: {},
    });
  });

  it('rejects a wrong code, an expired code, and a second confirmation', async () => {
    await signUp('codes@example.com');
    const code = await sim.latestCode('codes@example.com');
    const confirm = (confirmationCode: string) =>
      sim.client.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: 'codes@example.com', ConfirmationCode: confirmationCode }));

    const wrong = code === '000000' ? '111111' : '000000';
    expect(await failureOf(confirm(wrong))).toEqual({ name: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.' });
    sim.clock.advance(24 * 3600 * 1000 + 1);
    expect(await failureOf(confirm(code))).toEqual({ name: 'ExpiredCodeException', message: 'Invalid code provided, please request a code again.' });

    await sim.client.send(new ResendConfirmationCodeCommand({ ClientId: CLIENT_ID, Username: 'codes@example.com' }));
    await confirm(await sim.latestCode('codes@example.com'));
    expect(await failureOf(confirm(code))).toEqual({ name: 'NotAuthorizedException', message: 'User cannot be confirmed. Current status is CONFIRMED' });
  });

  it('hides unknown users on ConfirmSignUp when existence errors are prevented, and not on a LEGACY client', async () => {
    const confirm = (clientId: string) =>
      sim.client.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: 'ghost@example.com', ConfirmationCode: '123456' }));
    expect(await failureOf(confirm(CLIENT_ID))).toEqual({ name: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.' });
    expect(await failureOf(confirm(LEGACY_CLIENT_ID))).toEqual({ name: 'UserNotFoundException', message: 'Username/client id combination not found.' });
  });

  it('confirms through AdminConfirmSignUp without verifying the email', async () => {
    const { UserSub } = await signUp('admin@example.com');
    await sim.client.send(new AdminConfirmSignUpCommand({ UserPoolId: POOL_ID, Username: 'admin@example.com', ClientMetadata: { by: 'admin' } }));

    const user = await sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: UserSub }));
    expect(user.UserStatus).toBe('CONFIRMED');
    expect(user.UserAttributes).toContainEqual({ Name: 'email_verified', Value: 'false' });
    expect(sim.eventsOf('PostConfirmation')[0]).toMatchObject({
      callerContext: { clientId: 'CLIENT_ID_NOT_APPLICABLE' }, request: { clientMetadata: { by: 'admin' } },
    });
  });
});

/** A pool whose template sets this password policy, for the describe block that calls it; its SignUp. */
function signUpUnderPasswordPolicy(policy: Record<string, number | boolean>) {
  let sim: CognitoSimHarness;
  beforeAll(async () => {
    sim = await startCognitoSim({
      configurePool: (config) => ({ ...config, settings: { ...config.settings, Policies: { PasswordPolicy: policy } } }),
    });
  });
  afterAll(() => sim.close({ removeData: true }));
  return (email: string, password: string) => sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: password }));
}

describe("Cognito sim: sign-up under the template's password policy", () => {
  const signUp = signUpUnderPasswordPolicy({ MinimumLength: 12, RequireNumbers: true });

  it('holds a password to the length the pool sets, not to 8', async () => {
    expect(await failureOf(signUp('short@example.com', 'elevenchar1'))).toEqual({
      name: 'InvalidPasswordException', message: 'Password did not conform with policy: Password not long enough',
    });
  });

  it('requires only what the policy requires', async () => {
    expect(await failureOf(signUp('digitless@example.com', 'twelve chars'))).toEqual({
      name: 'InvalidPasswordException', message: 'Password did not conform with policy: Password must have numeric characters',
    });
    // No upper case and no symbol: this pool does not ask for them; nor lower case.
    expect((await signUp('plain@example.com', 'twelvechars1')).UserConfirmed).toBe(false);
    expect((await signUp('digits@example.com', '123456789012')).UserConfirmed).toBe(false);
  });
});

describe('Cognito sim: sign-up under a policy that asks for symbols and no digits', () => {
  const signUp = signUpUnderPasswordPolicy({ MinimumLength: 10, RequireSymbols: true });

  it('takes a password without digits and refuses one without a symbol', async () => {
    expect((await signUp('no-digits@example.com', 'no digits here!')).UserConfirmed).toBe(false);
    expect(await failureOf(signUp('no-symbol@example.com', 'NoSymbol12345'))).toEqual({
      name: 'InvalidPasswordException', message: 'Password did not conform with policy: Password must have symbol characters',
    });
  });
});
