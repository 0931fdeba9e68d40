import { describe, expect, it } from 'vitest';
import { expirationRulesFromConfiguration } from './bucket-config-translation.js';
import { abortTime, expirationTime, expireObjects } from './lifecycle.js';
import { ObjectStore } from './object-store.js';

const HOUR_MS = 3600 * 1000;

describe('expirationTime', () => {
  it('adds the days and rounds up to the next midnight UTC, as S3 does', () => {
    const createdAt = Date.UTC(2026, 0, 10, 15, 30);
    expect(new Date(expirationTime({ prefix: 'signin/', days: 1 }, createdAt)!).toISOString()).toBe('2026-01-12T00:00:00.000Z');
  });

  it('keeps an upload made just after midnight for almost two days: the longest a photo lives', () => {
    const createdAt = Date.UTC(2026, 0, 10, 0, 0, 0, 1);
    const lifetime = expirationTime({ prefix: 'signin/', days: 1 }, createdAt)! - createdAt;
    expect(lifetime).toBe(48 * HOUR_MS - 1);
  });

  it('takes the earlier of a day count and an absolute date', () => {
    const createdAt = Date.UTC(2026, 0, 10);
    expect(expirationTime({ prefix: '', days: 30, date: Date.UTC(2026, 0, 12) }, createdAt)).toBe(Date.UTC(2026, 0, 12));
  });
});

describe('expirationRulesFromConfiguration', () => {
  it("reads the stack's CloudFormation rules, AbortIncompleteMultipartUpload's days included, and skips disabled and tag-filtered ones", () => {
    const rules = expirationRulesFromConfiguration({
      Rules: [
        { Id: 'expire-enrol-photos', Prefix: 'enrol/', ExpirationInDays: 1, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
        { Id: 'filtered', Filter: { Prefix: 'signin/' }, ExpirationInDays: 2, Status: 'Enabled' },
        { Id: 'off', Prefix: 'x/', ExpirationInDays: 1, Status: 'Disabled' },
        { Id: 'tagged', Filter: { TagFilters: [{ Key: 'k', Value: 'v' }] }, ExpirationInDays: 1, Status: 'Enabled' },
        { Id: 'abort-only', Prefix: 'y/', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
      ],
    });
    expect(rules).toEqual([
      { id: 'expire-enrol-photos', prefix: 'enrol/', days: 1, date: undefined, abortIncompleteDays: 1 },
      { id: 'filtered', prefix: 'signin/', days: 2, date: undefined },
      { id: 'abort-only', prefix: 'y/', days: undefined, date: undefined, abortIncompleteDays: 1 },
    ]);
    // A rule that only aborts uploads never expires an object.
    expect(expirationTime(rules[2]!, Date.UTC(2026, 0, 10))).toBeUndefined();
  });
});

describe('abortTime', () => {
  const rules = [
    { id: 'expire-only', prefix: '', days: 1 },
    { id: 'slow', prefix: 'tmp/', abortIncompleteDays: 7 },
    { id: 'fast', prefix: 'tmp/a/', abortIncompleteDays: 2 },
  ];

  it('adds DaysAfterInitiation and rounds up to the next midnight UTC, naming the earliest rule whose prefix holds the key', () => {
    const initiated = Date.UTC(2026, 0, 10, 15, 30);
    expect(abortTime(rules, 'tmp/a/big.bin', initiated)).toEqual({ time: Date.UTC(2026, 0, 13), ruleId: 'fast' });
    expect(abortTime(rules, 'tmp/b/big.bin', initiated)).toEqual({ time: Date.UTC(2026, 0, 18), ruleId: 'slow' });
  });

  it('is undefined when no abort rule holds the key', () => {
    expect(abortTime(rules, 'other/big.bin', Date.UTC(2026, 0, 10))).toBeUndefined();
  });
});

describe('expirationRulesFromConfiguration: tags and sizes', () => {
  it('skips a rule filtered by tags wherever the template puts them (CloudFormation: on the rule), and keeps size bounds as CloudFormation and the S3 API write them', () => {
    const rules = expirationRulesFromConfiguration({
      Rules: [
        { Id: 'cfn-tags', Prefix: 'a/', TagFilters: [{ Key: 'keep', Value: 'no' }], ExpirationInDays: 1, Status: 'Enabled' },
        { Id: 'api-and-tags', Filter: { And: { Prefix: 'b/', Tags: [{ Key: 'k', Value: 'v' }] } }, ExpirationInDays: 1, Status: 'Enabled' },
        { Id: 'cfn-size', Prefix: 'c/', ObjectSizeGreaterThan: '1000', ObjectSizeLessThan: 5000, ExpirationInDays: 1, Status: 'Enabled' },
        { Id: 'api-and-size', Filter: { And: { Prefix: 'd/', ObjectSizeGreaterThan: 10 } }, Expiration: { Days: 2 }, Status: 'Enabled' },
      ],
    });
    expect(rules).toEqual([
      { id: 'cfn-size', prefix: 'c/', days: 1, date: undefined, minSizeExclusive: 1000, maxSizeExclusive: 5000 },
      { id: 'api-and-size', prefix: 'd/', days: 2, date: undefined, minSizeExclusive: 10 },
    ]);
  });

  it('expires only the objects strictly between a rule’s size bounds', () => {
    const store = new ObjectStore();
    store.createBucket('bucket', 0);
    const object = (key: string, size: number) => store.putObject('bucket', { key, size, etag: '"x"', lastModified: 0, contentType: 'image/jpeg', metadata: {}, headers: {} }, Buffer.alloc(size));
    object('c/small.jpg', 1000);
    object('c/middle.jpg', 1001);
    object('c/large.jpg', 5000);

    const expired = expireObjects(store, 'bucket', [{ prefix: 'c/', days: 1, minSizeExclusive: 1000, maxSizeExclusive: 5000 }], Date.UTC(2030, 0, 1));

    expect(expired).toEqual(['c/middle.jpg']);
  });
});
