// The emails the kit sends: Cognito's verification codes (through CustomMessage) and the
// enrolment code (through SES). Each has a subject, an HTML body and a text body.
export interface EmailMessage {
  subject: string;
  html: string;
  text: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Paragraphs written once, given the app name raw for the text body and escaped for the HTML one. */
function message(subject: string, appName: string, paragraphs: (name: string) => string[]): EmailMessage {
  return {
    subject,
    text: paragraphs(appName).join('\n\n'),
    html: paragraphs(escapeHtml(appName))
      .map((paragraph) => `<p>${paragraph}</p>`)
      .join('\n'),
  };
}

/** `code` may be Cognito's placeholder ({####}): it is digits or that, and must reach Cognito untouched. */
export function verificationCodeEmail(appName: string, code: string, purpose: 'sign-up' | 'email-change'): EmailMessage {
  const action = purpose === 'sign-up' ? 'finish creating your account' : 'confirm your email address';
  return message(`Your ${appName} verification code`, appName, (name) => [
    `Your code to ${action} for ${name} is ${code}`,
    'If you did not ask for it, you can ignore this email.',
  ]);
}

export function enrolmentCodeEmail(appName: string, code: string): EmailMessage {
  return message(`Your ${appName} enrolment code`, appName, (name) => [
    `Your code to enrol your face for ${name} is ${code}`,
    'It is valid for this sign-in only. If you did not ask for it, someone may be trying to enrol a face on your account: do not share the code.',
  ]);
}

/** Sent once per window when strangers (or the owner) used up the day's enrolment codes. */
export function enrolmentPausedEmail(appName: string, until: Date): EmailMessage {
  return message(`${appName}: enrolment codes paused`, appName, (name) => [
    `Enrolment codes for your ${name} account were asked for too often, so none will be sent until ${until.toISOString()}.`,
    'If it was not you, someone is trying to enrol a face on your account. They cannot without a code from this mailbox; your face sign-in keeps working.',
  ]);
}

/** Sent after every enrolment, so the mailbox owner learns of one they did not make. */
export function faceEnrolledEmail(appName: string, at: Date): EmailMessage {
  return message(`${appName}: a face was enrolled`, appName, (name) => [
    `A face was enrolled for your ${name} account at ${at.toISOString()}.`,
    'If it was not you, press "Enrol my face" on the sign-in page: a code sent to this mailbox lets you replace that face with yours.',
  ]);
}
