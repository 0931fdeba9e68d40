// DynamoDB Time to Live, which dynalite lacks (it answers DescribeTimeToLive with DISABLED and
// knows no UpdateTimeToLive): the settings per table are kept here, persisted next to the
// tables, and a sweep deletes items whose TTL attribute is in the past, as DynamoDB's background
// process does.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isJsonObject, readJsonFile } from '../damaged-data.js';
import { replaceFileSync } from '../json-lines.js';

/** Table name → TTL attribute name, for the tables where TTL is enabled. */
export class TimeToLiveSettings {
  private readonly attributes: Map<string, string>;

  constructor(private readonly file?: string) {
    // A damaged file stops the start (sim/damaged-data.ts): the TTL of a table that is not in the
    // template lives only here.
    const saved = (file && readJsonFile('the DynamoDB data', file, isTableToAttribute)) || {};
    this.attributes = new Map(Object.entries(saved));
  }

  attributeOf(tableName: string): string | undefined {
    return this.attributes.get(tableName);
  }

  enabledTables(): Array<[tableName: string, attributeName: string]> {
    return [...this.attributes.entries()];
  }

  enable(tableName: string, attributeName: string): void {
    this.attributes.set(tableName, attributeName);
    this.save();
  }

  disable(tableName: string): void {
    if (this.attributes.delete(tableName)) this.save();
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    // Written aside then renamed, so a crash never leaves half a file.
    replaceFileSync(this.file, JSON.stringify(Object.fromEntries(this.attributes), null, 2));
  }
}

function isTableToAttribute(value: unknown): value is Record<string, string> {
  return isJsonObject(value) && Object.values(value).every((attribute) => typeof attribute === 'string');
}

/** Calls one DynamoDB operation on the backing store; rejects with the AWS error. */
export type DynamoDbCall = (operation: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>;

/**
 * DynamoDB leaves alone items whose TTL is more than five years in the past (a guard against
 * values in the wrong unit); the sweep does the same.
 */
const FIVE_YEARS_SECONDS = 5 * 365 * 24 * 60 * 60;

/**
 * A sweep reads every item of the table (the sim has no index of expiry times): 3,600 items took
 * about 0.1 s of the main thread, 64,000 about 1 s, so a kit a day of sign-ins had filled spent
 * half a core on sweeps every 10 s. The next sweep therefore waits this many times as long as the
 * last one took, which keeps sweeping under 1 / (1 + TTL_SWEEP_PACE) of the time (5 %), however
 * large the table. DynamoDB itself deletes expired items "within a few days".
 */
export const TTL_SWEEP_PACE = 19;

/** When the next periodic sweep starts, given the interval and how long the last sweep took. */
export function nextSweepDelay(intervalMs: number, lastSweepMs: number): number {
  return Math.max(intervalMs, TTL_SWEEP_PACE * lastSweepMs);
}

/** Items read per Scan page: dynalite filters a page in one go, on the main thread, so a page is kept short. */
const SWEEP_PAGE_ITEMS = 500;

/**
 * Deletes the items of one table whose TTL attribute (a Number, epoch seconds) is before `nowMs`.
 * Each delete is conditional on the item still being expired, so an update racing the sweep wins.
 * Stops after the page in hand once `stopped()` says so (the service is closing). Returns how many
 * items were deleted.
 */
export async function sweepExpiredItems(call: DynamoDbCall, tableName: string, attributeName: string, nowMs: number, stopped: () => boolean = () => false): Promise<number> {
  const description = (await call('DescribeTable', { TableName: tableName })).Table as { KeySchema: Array<{ AttributeName: string }> };
  const keyNames = description.KeySchema.map((key) => key.AttributeName);
  const names: Record<string, string> = { '#ttl': attributeName };
  keyNames.forEach((name, index) => (names[`#key${index}`] = name));
  const nowSeconds = nowMs / 1000;
  const values = { ':now': { N: String(nowSeconds) }, ':oldest': { N: String(Math.floor(nowSeconds - FIVE_YEARS_SECONDS)) } };

  let deleted = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await call('Scan', {
      TableName: tableName,
      Limit: SWEEP_PAGE_ITEMS,
      FilterExpression: '#ttl < :now AND #ttl >= :oldest',
      ProjectionExpression: keyNames.map((_, index) => `#key${index}`).join(', '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    });
    for (const key of (page.Items ?? []) as Array<Record<string, unknown>>) {
      try {
        await call('DeleteItem', {
          TableName: tableName,
          Key: key,
          ConditionExpression: '#ttl < :now',
          ExpressionAttributeNames: { '#ttl': attributeName },
          ExpressionAttributeValues: { ':now': values[':now'] },
        });
        deleted += 1;
      } catch (error) {
        if ((error as { code?: string }).code !== 'ConditionalCheckFailedException') throw error;
      }
    }
    startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (startKey && !stopped());
  return deleted;
}
