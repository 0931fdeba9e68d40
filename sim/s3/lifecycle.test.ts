import { describe, expect, it } from 'vitest';
import { expirationRulesFromConfiguration } from './bucket-config-translation.js';
import { abortTime, expirationTime } from './lifecycle.js';

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
