// SES v2 SendEmail with Simple content: one Outbox entry per recipient, as each would get a copy.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Outbox } from '../outbox.js';

export class BadRequestError extends Error {
  readonly code = 'BadRequestException';
}

interface Body {
  Data?: unknown;
}

interface SendEmailInput {
  FromEmailAddress?: unknown;
  Destination?: { ToAddresses?: unknown; CcAddresses?: unknown; BccAddresses?: unknown };
  Content?: { Simple?: { Subject?: Body; Body?: { Text?: Body; Html?: Body } }; Raw?: unknown; Template?: unknown };
}

/** SES's per-message recipient limit. */
const MAX_RECIPIENTS = 50;

function addressList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    throw new BadRequestError(`${field} must be a list of email addresses`);
  }
  return value as string[];
}

/** The check SES applies first: JavaMail's parser, whose messages SES passes through. */
function checkAddress(address: string): void {
  if (/\s/.test(address.trim())) throw new BadRequestError('Local address contains control or whitespace');
  const at = address.lastIndexOf('@');
  if (at < 0 || at === address.length - 1) throw new BadRequestError("Missing final '@domain'");
  if (at === 0) throw new BadRequestError('Missing local name');
}

export function sendEmail(input: SendEmailInput, services: { outbox: Outbox; clock: Clock }): { MessageId: string } {
  if (input.Content?.Raw !== undefined || input.Content?.Template !== undefined) {
    throw new BadRequestError('The emulator supports only Simple content');
  }
  const simple = input.Content?.Simple;
  if (!simple) throw new BadRequestError('Content is required');
  const subject = simple.Subject?.Data;
  if (typeof subject !== 'string') throw new BadRequestError('Subject is required');
  const text = simple.Body?.Text?.Data;
  const html = simple.Body?.Html?.Data;
  if (typeof text !== 'string' && typeof html !== 'string') throw new BadRequestError('Body must contain Text or Html');
  const from = input.FromEmailAddress;
  if (typeof from !== 'string' || !from) throw new BadRequestError('FromEmailAddress is required');
  checkAddress(from);

  const recipients = [
    ...addressList(input.Destination?.ToAddresses, 'ToAddresses'),
    ...addressList(input.Destination?.CcAddresses, 'CcAddresses'),
    ...addressList(input.Destination?.BccAddresses, 'BccAddresses'),
  ];
  if (recipients.length === 0) throw new BadRequestError('Missing required header \'To\'.');
  if (recipients.length > MAX_RECIPIENTS) throw new BadRequestError(`Recipient count exceeds ${MAX_RECIPIENTS}.`);
  recipients.forEach(checkAddress);

  for (const to of recipients) {
    services.outbox.send({ to, from, subject, body: typeof text === 'string' ? text : String(html), source: 'ses' });
  }
  // Shaped like SES's ids: 16 hex digits of time, a UUID, `-000000`.
  const timeHex = services.clock.now().toString(16).padStart(16, '0');
  return { MessageId: `${timeHex}-${randomUUID()}-000000` };
}
