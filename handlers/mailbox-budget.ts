// How many enrolment codes one account may be emailed: CODES_PER_WINDOW per WINDOW_MS, counted
// under MAILBOX#<sub> (for an unknown email, under its stand-in sub, so the same writes happen).
// Each code answers exactly one MAILBOX_PROOF (a wrong answer gets a new code), so this also
// bounds the guesses: 10 a day at 1 in 10^8 each (8 digits) is 1 in 10^7 a day, about 1 in
// 27,000 a year, per account. When the budget runs out the owner is told once per window.
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './aws-clients/dynamodb.js';
import { config } from './config.js';
import { mailboxKey, unlessConditionFails } from './users-table.js';

export const CODES_PER_WINDOW = 10;
export const WINDOW_MS = 24 * 60 * 60_000;

export type CodeAllowance =
  | { granted: true }
  /** No code this time; `notifyOwner` is true for the first refusal of the window. */
  | { granted: false; notifyOwner: boolean; windowEndsAt: number };

const expiresAtOf = (windowEndsAt: number) => Math.floor(windowEndsAt / 1000) + 60;

export async function takeCode(sub: string, now: number): Promise<CodeAllowance> {
  const table = config.usersTable;
  const key = { pk: mailboxKey(sub) };
  const windowEndsAt = now + WINDOW_MS;
  const counted = await unlessConditionFails(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'SET windowEndsAt = if_not_exists(windowEndsAt, :end), expiresAt = if_not_exists(expiresAt, :expiresAt) ADD codesSent :one',
        ConditionExpression: 'attribute_not_exists(pk) OR (windowEndsAt > :now AND codesSent < :max)',
        ExpressionAttributeValues: { ':end': windowEndsAt, ':expiresAt': expiresAtOf(windowEndsAt), ':one': 1, ':now': now, ':max': CODES_PER_WINDOW },
      }),
    ),
  );
  if (counted) return { granted: true };
  // The window is over: start a new one (only one of two racing requests does).
  const restarted = await unlessConditionFails(() =>
    documentClient.send(
      new PutCommand({
        TableName: table,
        Item: { ...key, codesSent: 1, windowEndsAt, expiresAt: expiresAtOf(windowEndsAt) },
        ConditionExpression: 'windowEndsAt <= :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    ),
  );
  if (restarted) return { granted: true };
  // Refused: remember that the owner has been told, and tell them only the first time.
  const { Attributes: before } = await documentClient.send(
    new UpdateCommand({
      TableName: table,
      Key: key,
      UpdateExpression: 'SET noticeSent = :true',
      ExpressionAttributeValues: { ':true': true },
      ReturnValues: 'ALL_OLD',
    }),
  );
  return {
    granted: false,
    // Stryker disable next-line OptionalChaining: the item exists here (the first update fails only on an existing one)
    notifyOwner: before?.noticeSent !== true,
    // Stryker disable next-line OptionalChaining,ConditionalExpression: the item exists here, and its windowEndsAt is a number
    windowEndsAt: typeof before?.windowEndsAt === 'number' ? before.windowEndsAt : windowEndsAt,
  };
}
