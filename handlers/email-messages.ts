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
