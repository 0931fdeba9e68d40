import './handler-test-environment.js';
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { documentClient } from '../../handlers/aws-clients/dynamodb.js';
import {
  FREE_ATTEMPTS,
  blockDurationMs,
  failureBucket,
  failureRecordOf,
  isBlocked,
  readSignInRecords,
  reserveAttempt,
} from '../../handlers/failure-backoff.js';
import { getItem, putItem } from './trigger-events.js';

/** One face check that fails, as Verify counts it: read the bucket, then reserve the attempt. */
async function recordFailure(bucket: string, now: number) {
  const counted = await reserveAttempt(bucket, failureRecordOf(await getItem(bucket)), now);
  if (!counted) throw new Error(`bucket ${bucket} is blocked`);
  return counted;
}

/** The untrusted bucket's failures, as a sign-in without a device key reads them. */
const untrustedFailures = async (sub: string) => (await readSignInRecords(sub, undefined)).untrusted;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** The longest block docs/handlers.md promises ("Failure and backoff policy"). */
const DOCUMENTED_LONGEST_BLOCK = 15 * MINUTE;

/** The block each of `failures` consecutive failed face matches in one bucket starts, in ms (0: none). */
async function blocksOfConsecutiveFailures(failures: number): Promise<number[]> {
  const bucket = failureBucket(randomUUID());
  const start = Date.UTC(2026, 0, 1);
  const blocks: number[] = [];
  for (let failure = 1; failure <= failures; failure++) {
    // An hour apart: each failure comes after the previous block has passed.
    const now = start + failure * 60 * MINUTE;
    const { count, blockedUntil } = await recordFailure(bucket, now);
    expect(count).toBe(failure);
    blocks.push(blockedUntil === undefined ? 0 : blockedUntil - now);
  }
  return blocks;
}

describe('failure backoff', () => {
  it('does not block the first four failures', async () => {
    const blocks = await blocksOfConsecutiveFailures(FREE_ATTEMPTS);

    expect(blocks).toEqual([0, 0, 0, 0]);
  });

  it('doubles the block with each failure after the fourth: 30 s, 1 min, 2 min, 4 min, 8 min', async () => {
    const blocks = await blocksOfConsecutiveFailures(9);

    expect(blocks.slice(FREE_ATTEMPTS)).toEqual([30 * SECOND, 1 * MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE]);
  });

  it('caps the block at the documented 15 minutes, however many failures follow', async () => {
    const blocks = await blocksOfConsecutiveFailures(20);

    expect(blocks.slice(9)).toEqual(Array.from({ length: 11 }, () => DOCUMENTED_LONGEST_BLOCK));
    expect(Math.max(...blocks)).toBe(DOCUMENTED_LONGEST_BLOCK);
    // A count so high that 2^n alone is Infinity.
    expect(blockDurationMs(10_000)).toBe(DOCUMENTED_LONGEST_BLOCK);
  });

  it('holds the bucket blocked until the block ends, and no longer', async () => {
    const sub = randomUUID();
    const bucket = failureBucket(sub);
    const now = Date.UTC(2026, 0, 1);
    for (let failure = 0; failure < FREE_ATTEMPTS + 1; failure++) await recordFailure(bucket, now);

    const failures = await untrustedFailures(sub);
    expect(failures).toStrictEqual({ count: FREE_ATTEMPTS + 1, blockedUntil: now + 30 * SECOND });
    expect(isBlocked(failures, now + 30 * SECOND - 1)).toBe(true);
    expect(isBlocked(failures, now + 30 * SECOND)).toBe(false);
  });

  it('reads no failures for a bucket that never failed, and a count without a block before the fifth failure', async () => {
    const sub = randomUUID();
    const now = Date.UTC(2026, 0, 1);

    expect(await untrustedFailures(sub)).toBeUndefined();
    expect(isBlocked(undefined, now)).toBe(false);
    await recordFailure(failureBucket(sub), now);
    const failures = await untrustedFailures(sub);
    expect(failures).toStrictEqual({ count: 1 });
    expect(isBlocked(failures, now)).toBe(false);
  });

  it('lets at most FREE_ATTEMPTS + 1 of 30 checks sent at once run, and blocks the rest', async () => {
    const bucket = failureBucket(randomUUID());
    const now = Date.UTC(2026, 0, 1);

    // All 30 read the bucket before any of them counted: the race an attacker with parallel sessions runs.
    const reserved = (await Promise.all(Array.from({ length: 30 }, () => reserveAttempt(bucket, undefined, now)))).filter(Boolean);

    expect(reserved.length).toBeGreaterThanOrEqual(1);
    expect(reserved.length).toBeLessThanOrEqual(FREE_ATTEMPTS + 1);
    const stored = failureRecordOf(await getItem(bucket));
    expect(stored?.count).toBe(reserved.length);
    // Whatever got through, nothing more does until the block (if the count called for one) has passed.
    expect(await reserveAttempt(bucket, stored, now)).toEqual(reserved.length === FREE_ATTEMPTS + 1 ? undefined : expect.anything());
  });

  it('throws on a write that fails for any reason but a lost race, rather than refusing or retrying the check', async () => {
    // A partition key over DynamoDB's 2048 bytes: ValidationException, not ConditionalCheckFailedException.
    await expect(reserveAttempt(`FAILURES#${'x'.repeat(2100)}`, undefined, Date.UTC(2026, 0, 1))).rejects.toThrow(/2048|size|key/i);
    // Throttled once, with the bucket readable: the error reaches Verify (Cognito refuses the attempt), nothing is counted.
    const bucket = failureBucket(randomUUID());
    const send = vi.spyOn(documentClient, 'send');
    send.mockRejectedValueOnce(Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException' }));
    try {
      await expect(reserveAttempt(bucket, undefined, Date.UTC(2026, 0, 1))).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    } finally {
      send.mockRestore();
    }
    expect(await getItem(bucket)).toBeUndefined();
  });

  it('refuses a check on a bucket blocked since it was read, and retries one whose count moved on', async () => {
    const bucket = failureBucket(randomUUID());
    const now = Date.UTC(2026, 0, 1);
    await putItem({ pk: bucket, count: FREE_ATTEMPTS + 1, blockedUntil: now + 30 * SECOND });
    expect(await reserveAttempt(bucket, { count: 2 }, now)).toBeUndefined();
    expect(await getItem(bucket)).toMatchObject({ count: FREE_ATTEMPTS + 1, blockedUntil: now + 30 * SECOND });

    await putItem({ pk: bucket, count: 3 });
    expect(await reserveAttempt(bucket, undefined, now)).toStrictEqual({ count: 4 });
    expect(await reserveAttempt(bucket, { count: 1 }, now)).toStrictEqual({ count: 5, blockedUntil: now + 30 * SECOND });
    expect(await reserveAttempt(bucket, { count: 5 }, now + 30 * SECOND - 1)).toBeUndefined();
    expect(await reserveAttempt(bucket, { count: 5, blockedUntil: now + 30 * SECOND }, now + 30 * SECOND)).toStrictEqual({ count: 6, blockedUntil: now + 90 * SECOND });
  });

  it('reads the record and each bucket as its own: the device\'s failures are not the untrusted ones', async () => {
    const sub = randomUUID();
    const deviceHash = 'ab'.repeat(32);
    const now = Date.UTC(2026, 0, 1);
    await putItem({ pk: `USER#${sub}`, sub, faceId: 'face-1', trustedDevices: [deviceHash] });
    await recordFailure(failureBucket(sub, deviceHash), now);
    for (let failure = 0; failure < 3; failure++) await recordFailure(failureBucket(sub), now);

    expect(await readSignInRecords(sub, deviceHash)).toStrictEqual({
      user: { sub, faceId: 'face-1', trustedDevices: [deviceHash] },
      untrusted: { count: 3 },
      device: { count: 1 },
    });
    expect(await readSignInRecords(sub, undefined)).toStrictEqual({ user: { sub, faceId: 'face-1', trustedDevices: [deviceHash] }, untrusted: { count: 3 }, device: undefined });
    expect(await readSignInRecords(randomUUID(), deviceHash)).toStrictEqual({ user: undefined, untrusted: undefined, device: undefined });
  });
});
