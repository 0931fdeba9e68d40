// Opaque pagination tokens: base64 of what the next page starts after. A token that does not
// decode is InvalidPaginationTokenException.
import { InvalidPaginationTokenError } from './errors.js';

export function encodePageToken(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64');
}

export function decodePageToken(token: string, scope: string): Record<string, string | number> {
  try {
    const position = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Record<string, string | number>;
    if (position && typeof position === 'object' && position.scope === scope) return position;
  } catch {
    // falls through to the error below
  }
  throw new InvalidPaginationTokenError();
}
