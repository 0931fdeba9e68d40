// Opaque pagination tokens: base64 of `{scope, after}`, what the next page starts after. Anything
// but a token this sim could have issued for the same list is InvalidPaginationTokenException.
import { InvalidPaginationTokenError } from './errors.js';

export type PagePosition = string | number;

export function encodePageToken(scope: string, after: PagePosition): string {
  return Buffer.from(JSON.stringify({ scope, after })).toString('base64');
}

/**
 * Where the page `token` names starts, when the token is one `encodePageToken(scope, after)`
 * gives for this list: the right scope, exactly these two members, and an `after` that
 * `isPosition` accepts. A hand-edited token (a negative or fractional sequence, a string where a
 * number belongs, a member added or missing, other whitespace) is refused rather than read as the
 * start or the end of the list.
 */
export function decodePageToken<T extends PagePosition>(token: string, scope: string, isPosition: (after: unknown) => after is T): T {
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw new InvalidPaginationTokenError();
  }
  if (typeof position !== 'object' || position === null || Array.isArray(position)) throw new InvalidPaginationTokenError();
  const { after } = position as { after?: unknown };
  // Re-encoding what was read must give the token back: no other member, order or spelling.
  if (!isPosition(after) || encodePageToken(scope, after) !== token) throw new InvalidPaginationTokenError();
  return after;
}
