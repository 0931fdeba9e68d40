import './handler-test-environment.js';
import { describe, expect, it } from 'vitest';
import type { PreSignUpTriggerEvent } from 'aws-lambda';
import { handler } from '../../handlers/pre-sign-up.js';
import { invoke } from './trigger-events.js';
import { captureLogs } from './log-capture.js';

captureLogs();

function signUp(userAttributes: Record<string, string>): PreSignUpTriggerEvent {
  return {
    version: '1',
    region: 'us-east-1',
    userPoolId: 'us-east-1_FaceKit01',
    userName: 'user',
    callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: 'client' },
    triggerSource: 'PreSignUp_SignUp',
    request: { userAttributes, validationData: {} },
    response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
  };
}
const preSignUp = (event: PreSignUpTriggerEvent) => invoke<PreSignUpTriggerEvent, PreSignUpTriggerEvent>(handler, event);

describe('PreSignUp', () => {
  it('accepts a plausible email address and confirms nothing automatically', async () => {
    const result = await preSignUp(signUp({ email: 'ada.lovelace+face@example.co.uk' }));

    expect(result.response).toEqual({ autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false });
  });

  it('accepts an address of exactly 254 characters, the longest SMTP allows', async () => {
    const email = `${'a'.repeat(242)}@example.com`;

    await expect(preSignUp(signUp({ email }))).resolves.toMatchObject({ response: { autoConfirmUser: false } });
    expect(email).toHaveLength(254);
  });

  it('refuses a sign-up without an email address, saying so', async () => {
    await expect(preSignUp(signUp({ name: 'Ada' }))).rejects.toThrow('an email address is required to sign up');
  });

  it.each(['name', 'preferred_username', 'phone_number', 'website', 'custom:tier'])(
    'refuses a sign-up that also gives %s: whoever signs up first with an address need not own it, and the owner who confirms keeps the account',
    async (name) => {
      await expect(preSignUp(signUp({ email: 'ada@example.com', [name]: 'Mallory' }))).rejects.toThrow('only an email address can be given at sign-up');
    },
  );

  it('accepts what an administrator gives with AdminCreateUser beside the email', async () => {
    const created = { ...signUp({ email: 'ada@example.com', email_verified: 'true', name: 'Ada' }), triggerSource: 'PreSignUp_AdminCreateUser' as const };

    await expect(preSignUp(created)).resolves.toMatchObject({ response: { autoConfirmUser: false } });
  });

  it("accepts Cognito's own cognito: names beside the email, which no client writes", async () => {
    await expect(preSignUp(signUp({ email: 'ada@example.com', 'cognito:user_status': 'UNCONFIRMED' }))).resolves.toMatchObject({
      response: { autoConfirmUser: false },
    });
  });

  it.each(['ada', 'ada@', '@example.com', 'ada@example', 'ada lovelace@example.com', 'ada@exa mple.com', 'ada@@example.com', `${'a'.repeat(250)}@example.com`])(
    'refuses the implausible address "%s"',
    async (email) => {
      await expect(preSignUp(signUp({ email }))).rejects.toThrow('the email address does not look valid');
    },
  );

  // The pool compares addresses case-insensitively: an unconfirmed Kelvin-sign twin of Kate's
  // address would hold hers, and the code she asks for would go to the twin.
  it.each([
    ['the Kelvin sign, small k', '\u212Aate@example.com'],
    ['the Angstrom sign, small å', '\u212Bsa@example.com'],
    ['the long s, capital S', '\u017Fam@example.com'],
    ['the dotted capital I, small i and a dot', '\u0130nfo@example.com'],
    ['the dotless i, capital I', 'k\u0131m@example.com'],
    ['ß, capital SS', 'stra\u00DFe@example.com'],
    ['the titlecase Dž, capital DŽ and small dž', '\u01C5ana@example.com'],
    ['the Kelvin sign in the domain', 'kate@\u212Aample.com'],
  ])('refuses an address with %s', async (_what, email) => {
    await expect(preSignUp(signUp({ email }))).rejects.toThrow('the email address has a letter that a change of case turns into another');
  });

  it('refuses such an address from AdminCreateUser too', async () => {
    const created = { ...signUp({ email: '\u212Aate@example.com' }), triggerSource: 'PreSignUp_AdminCreateUser' as const };

    await expect(preSignUp(created)).rejects.toThrow('the email address has a letter that a change of case turns into another');
  });

  // Twins by another form of the same characters: a fullwidth domain reaches the ASCII domain's mailbox.
  it.each([
    ['a fullwidth letter', '\uFF4Bate@example.com'],
    ['a fullwidth letter in the domain', 'kate@\uFF45xample.com'],
    ['the ij ligature', 'van\u0133k@example.com'],
    ['the small dž ligature', '\u01C6ana@example.com'],
    ['the capital DŽ ligature', '\u01C4ANA@example.com'],
    ['a base letter and a combining acute accent', 'jose\u0301@example.com'],
    ['a superscript digit', 'kate\u00B2@example.com'],
  ])('refuses an address with %s', async (_what, email) => {
    await expect(preSignUp(signUp({ email }))).rejects.toThrow('the email address has a character in an unusual form (fullwidth, a ligature or a combining mark)');
  });

  it.each(['Kate@Example.COM', 'jos\u00E9@example.com', '\u00DCnal@example.com', '\u03A3\u03C9\u03C3@example.gr', '\u65E5\u672C@example.jp', 'ana\u00B7maria@example.cat'])(
    'accepts "%s", whose letters are plain small or capital halves of their pairs, each in its one composed form',
    async (email) => {
      await expect(preSignUp(signUp({ email }))).resolves.toMatchObject({ response: { autoConfirmUser: false } });
    },
  );
});
