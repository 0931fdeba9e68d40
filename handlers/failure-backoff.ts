// Slows down guessing with photos of someone else: after FREE_ATTEMPTS failed face matches in a
// row, each further failure blocks that run's face sign-in for twice as long as the previous one
// (30 s, 60 s, ... up to 15 min). A success clears the count; DynamoDB's TTL drops a count a day
// after its last failure.
//
// Every face check is counted before it runs (reserveAttempt), in one conditional write that also
// sets the block the count calls for; a success then clears the count. Counting after the check
// would let answers sent in parallel all pass the "not blocked" test before any of them failed:
// with Lambda's concurrency, hundreds of checks where the policy allows four.
//
// Failures are counted per bucket, not per user, so a stranger cannot lock the owner out: a
// device the user signed in from before (it sends its device key, whose hash is on the user's
// record) counts in a bucket of its own; every other attempt (strangers, and the owner on a new
// device) shares the user's "untrusted" bucket. A stranger failing once a second for ever keeps
// the untrusted bucket blocked and learns nothing; the owner's known devices are not affected.
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './aws-clients/dynamodb.js';
import { config } from './config.js';
import { expiresInOneDay, failuresKey, getItems, userKey, userOf, type UserRecord } from './users-table.js';

export const FREE_ATTEMPTS = 4;
const FIRST_BLOCK_MS = 30_000;
const LONGEST_BLOCK_MS = 15 * 60_000;

export interface FailureRecord {
  count: number;
  /** Epoch milliseconds; absent before the first block. */
  blockedUntil?: number;
}

/** The table key failures are counted under: the user's untrusted bucket, or one trusted device's. */
export function failureBucket(sub: string, trustedDeviceHash?: string): string {
  return trustedDeviceHash ? `${failuresKey(sub)}#device#${trustedDeviceHash.slice(0, 32)}` : failuresKey(sub);
}

/** How long the failure numbered `count` (1-based) blocks further attempts; 0 for no block. */
export function blockDurationMs(count: number): number {
  if (count <= FREE_ATTEMPTS) return 0;
  return Math.min(2 ** (count - FREE_ATTEMPTS - 1) * FIRST_BLOCK_MS, LONGEST_BLOCK_MS);
}

/** The run of failures stored in a bucket's item, or undefined when it has none (the usual case: nothing to clear). */
export function failureRecordOf(item: Record<string, unknown> | undefined): FailureRecord | undefined {
  if (!item) return undefined;
  return { count: Number(item.count ?? 0), ...(typeof item.blockedUntil === 'number' ? { blockedUntil: item.blockedUntil } : {}) };
}

export interface SignInRecords {
  user: UserRecord | undefined;
  /** The failures of the user's untrusted bucket. */
  untrusted: FailureRecord | undefined;
  /** The failures of the device's own bucket (undefined without a device key). */
  device: FailureRecord | undefined;
}

/**
 * What a face sign-in reads before it searches: the user's record and the failures of both
 * buckets the attempt may count in, in one consistent read (which bucket counts depends on the
 * record, so reading it first would cost a second round trip).
 */
export async function readSignInRecords(sub: string, deviceHash: string | undefined): Promise<SignInRecords> {
  const untrustedBucket = failureBucket(sub);
  const deviceBucket = deviceHash ? failureBucket(sub, deviceHash) : undefined;
  const items = await getItems(deviceBucket ? [userKey(sub), untrustedBucket, deviceBucket] : [userKey(sub), untrustedBucket]);
  return {
    user: userOf(items.get(userKey(sub))),
    untrusted: failureRecordOf(items.get(untrustedBucket)),
    device: deviceBucket ? failureRecordOf(items.get(deviceBucket)) : undefined,
  };
}

export function isBlocked(failures: FailureRecord | undefined, now: number): boolean {
  return failures?.blockedUntil !== undefined && failures.blockedUntil > now;
}

/** Reservations that lose a race are retried this often, each time on a fresh read. */
const RESERVATION_TRIES = 4;

/**
 * Counts one face check in the bucket before it runs, atomically: the write succeeds only if the
 * bucket still holds the count it was read with and is not blocked, and it sets the block that
 * the new count calls for in the same write (a success clears both). Answers racing for the same
 * bucket are serialised by the condition, so at most FREE_ATTEMPTS + 1 checks run before a block
 * and one per block after that, however many arrive at once.
 *
 * `known` is the bucket as already read (undefined: no item). Returns the new count and block,
 * or undefined when the bucket is blocked: then no check may run.
 */
export async function reserveAttempt(bucket: string, known: FailureRecord | undefined, now: number): Promise<FailureRecord | undefined> {
  let current = known;
  // Stryker disable next-line UpdateOperator: unbounded retries end too (the fifth reservation blocks the bucket); the bound only caps the writes
  for (let attempt = 1; ; attempt++) {
    if (isBlocked(current, now)) return undefined;
    const count = (current?.count ?? 0) + 1;
    const block = blockDurationMs(count);
    const blockedUntil = block > 0 ? now + block : undefined;
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: config.usersTable,
          Key: { pk: bucket },
          UpdateExpression: blockedUntil === undefined
            ? 'SET #count = :count, expiresAt = :expiresAt'
            : 'SET #count = :count, expiresAt = :expiresAt, blockedUntil = :blockedUntil',
          // Unchanged since it was read: same count (or still no item), and no block in force.
          ConditionExpression: current
            ? '#count = :known AND (attribute_not_exists(blockedUntil) OR blockedUntil <= :now)'
            : 'attribute_not_exists(pk)',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: {
            ':count': count,
            ':expiresAt': expiresInOneDay(now),
            // Stryker disable next-line ConditionalExpression: the client drops undefined values (removeUndefinedValues), the same item either way
            ...(blockedUntil === undefined ? {} : { ':blockedUntil': blockedUntil }),
            ...(current ? { ':known': current.count, ':now': now } : {}),
          },
        }),
      );
      return blockedUntil === undefined ? { count } : { count, blockedUntil };
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
      // Another answer counted first: read what it wrote, and try again (refusing, if it blocked).
      // Stryker disable next-line ConditionalExpression: unbounded retries end too (the fifth reservation blocks the bucket); the bound only caps the writes
      if (attempt === RESERVATION_TRIES) return undefined;
      current = await readFailures(bucket);
    }
  }
}

async function readFailures(bucket: string): Promise<FailureRecord | undefined> {
  const { Item } = await documentClient.send(
    // Stryker disable next-line BooleanLiteral: dynalite reads consistently either way (docs/mutation-testing.md)
    new GetCommand({ TableName: config.usersTable, Key: { pk: bucket }, ConsistentRead: true }),
  );
  return failureRecordOf(Item);
}

export async function clearFailures(bucket: string): Promise<void> {
  await documentClient.send(new DeleteCommand({ TableName: config.usersTable, Key: { pk: bucket } }));
}
