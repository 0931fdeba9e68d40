// Slows down guessing with photos of someone else: after FREE_ATTEMPTS failed face matches in a
// row, each further failure blocks that run's face sign-in for twice as long as the previous one
// (30 s, 60 s, ... up to 15 min). A success clears the count; DynamoDB's TTL drops a count a day
// after its last failure.
//
// Failures are counted per bucket, not per user, so a stranger cannot lock the owner out: a
// device the user signed in from before (it sends its device key, whose hash is on the user's
// record) counts in a bucket of its own; every other attempt (strangers, and the owner on a new
// device) shares the user's "untrusted" bucket. A stranger failing once a second for ever keeps
// the untrusted bucket blocked and learns nothing; the owner's known devices are not affected.
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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

export async function recordFailure(bucket: string, now: number): Promise<FailureRecord> {
  const { Attributes } = await documentClient.send(
    new UpdateCommand({
      TableName: config.usersTable,
      Key: { pk: bucket },
      UpdateExpression: 'ADD #count :one SET expiresAt = :expiresAt',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':one': 1, ':expiresAt': expiresInOneDay(now) },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const count = Number(Attributes?.count ?? 1);
  const block = blockDurationMs(count);
  if (block === 0) return { count };
  const blockedUntil = now + block;
  await documentClient.send(
    new UpdateCommand({
      TableName: config.usersTable,
      Key: { pk: bucket },
      UpdateExpression: 'SET blockedUntil = :blockedUntil',
      ExpressionAttributeValues: { ':blockedUntil': blockedUntil },
    }),
  );
  return { count, blockedUntil };
}

export async function clearFailures(bucket: string): Promise<void> {
  await documentClient.send(new DeleteCommand({ TableName: config.usersTable, Key: { pk: bucket } }));
}
