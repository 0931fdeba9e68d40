import { describe, expect, it } from 'vitest';
import { enrolmentCodeEmail, enrolmentPausedEmail, faceEnrolledEmail, verificationCodeEmail } from '../../handlers/email-messages.js';

const APP = 'Acme & <Co>';
const ESCAPED = 'Acme &#38; &#60;Co&#62;';
const AT = new Date('2026-11-29T17:00:00.000Z');

describe('email messages', () => {
  it('words the sign-up code: subject, text paragraphs and HTML paragraphs with the app name escaped', () => {
    expect(verificationCodeEmail(APP, '{####}', 'sign-up')).toEqual({
      subject: `Your ${APP} verification code`,
      text: `Your code to finish creating your account for ${APP} is {####}\n\nIf you did not ask for it, you can ignore this email.`,
      html: `<p>Your code to finish creating your account for ${ESCAPED} is {####}</p>\n<p>If you did not ask for it, you can ignore this email.</p>`,
    });
  });

  it('words the email-change code differently from the sign-up one', () => {
    const email = verificationCodeEmail(APP, '123456', 'email-change');

    expect(email.text).toBe(`Your code to confirm your email address for ${APP} is 123456\n\nIf you did not ask for it, you can ignore this email.`);
  });

  it('words the enrolment code with a warning not to share it', () => {
    expect(enrolmentCodeEmail(APP, '04291735')).toEqual({
      subject: `Your ${APP} enrolment code`,
      text:
        `Your code to enrol your face for ${APP} is 04291735\n\n` +
        'It is valid for this sign-in only. If you did not ask for it, someone may be trying to enrol a face on your account: do not share the code.',
      html:
        `<p>Your code to enrol your face for ${ESCAPED} is 04291735</p>\n` +
        '<p>It is valid for this sign-in only. If you did not ask for it, someone may be trying to enrol a face on your account: do not share the code.</p>',
    });
  });

  it('tells the owner until when enrolment codes are paused', () => {
    const email = enrolmentPausedEmail(APP, AT);

    expect(email.subject).toBe(`${APP}: enrolment codes paused`);
    expect(email.text).toBe(
      `Enrolment codes for your ${APP} account were asked for too often, so none will be sent until 2026-11-29T17:00:00.000Z.\n\n` +
        'If it was not you, someone is trying to enrol a face on your account. They cannot without a code from this mailbox; your face sign-in keeps working.',
    );
    expect(email.html.split('\n')).toHaveLength(2);
  });

  it('tells the owner when a face was enrolled and how to take the account back', () => {
    const email = faceEnrolledEmail(APP, AT);

    expect(email.subject).toBe(`${APP}: a face was enrolled`);
    expect(email.text).toBe(
      `A face was enrolled for your ${APP} account at 2026-11-29T17:00:00.000Z.\n\n` +
        'If it was not you, press "Enrol my face" on the sign-in page: a code sent to this mailbox lets you replace that face with yours.',
    );
    expect(email.html).toBe(
      `<p>A face was enrolled for your ${ESCAPED} account at 2026-11-29T17:00:00.000Z.</p>\n` +
        '<p>If it was not you, press "Enrol my face" on the sign-in page: a code sent to this mailbox lets you replace that face with yours.</p>',
    );
  });
});
