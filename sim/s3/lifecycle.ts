// S3 lifecycle expiration, as the bucket's rules in the template say: an object under a rule's
// prefix expires `days` after its creation, rounded up to the next midnight UTC (S3's rule), and
// the sim then deletes it; a multipart upload under a rule's prefix left open
// `abortIncompleteDays` after its initiation (AbortIncompleteMultipartUpload), rounded the same
// way, is aborted and its parts removed. The sweep runs on the injected clock, so tests expire
// uploads without waiting. S3 itself removes expired objects asynchronously, usually within a day
// or two.
import type { MultipartUploads } from './multipart-uploads.js';
import type { ObjectStore } from './object-store.js';

export interface ExpirationRule {
  id?: string;
  prefix: string;
  /** Days after creation; the object expires at the following midnight UTC. */
  days?: number;
  /** An absolute expiry (ISO date, midnight UTC): everything under the prefix expires then. */
  date?: number;
  /** AbortIncompleteMultipartUpload's DaysAfterInitiation: an upload still open then is aborted, at the following midnight UTC. */
  abortIncompleteDays?: number;
  /** ObjectSizeGreaterThan / ObjectSizeLessThan: the rule expires only objects strictly between them. */
  minSizeExclusive?: number;
  maxSizeExclusive?: number;
}

/** Whether the rule's size bounds hold the object's size. */
function sizeMatches(rule: ExpirationRule, size: number): boolean {
  return (rule.minSizeExclusive === undefined || size > rule.minSizeExclusive) && (rule.maxSizeExclusive === undefined || size < rule.maxSizeExclusive);
}

const DAY_MS = 24 * 3600 * 1000;

/** When an object created at `createdAt` expires under `rule`, or undefined if it never does. */
export function expirationTime(rule: ExpirationRule, createdAt: number): number | undefined {
  const times: number[] = [];
  if (rule.days !== undefined) times.push(Math.ceil((createdAt + rule.days * DAY_MS) / DAY_MS) * DAY_MS);
  if (rule.date !== undefined) times.push(rule.date);
  return times.length === 0 ? undefined : Math.min(...times);
}

/**
 * When a multipart upload of `key` initiated at `initiated` is aborted, and by which rule (the
 * earliest; S3 names it in `x-amz-abort-rule-id`), or undefined if none applies.
 */
export function abortTime(rules: readonly ExpirationRule[], key: string, initiated: number): { time: number; ruleId?: string } | undefined {
  let earliest: { time: number; ruleId?: string } | undefined;
  for (const rule of rules) {
    if (rule.abortIncompleteDays === undefined || !key.startsWith(rule.prefix)) continue;
    const time = Math.ceil((initiated + rule.abortIncompleteDays * DAY_MS) / DAY_MS) * DAY_MS;
    if (!earliest || time < earliest.time) earliest = { time, ruleId: rule.id };
  }
  return earliest;
}

/** Aborts the bucket's multipart uploads whose abort time has passed; returns their keys. */
export function abortIncompleteUploads(uploads: MultipartUploads, bucket: string, rules: ExpirationRule[], now: number): string[] {
  if (!rules.some((rule) => rule.abortIncompleteDays !== undefined)) return [];
  const aborted: string[] = [];
  for (const upload of uploads.list(bucket)) {
    const due = abortTime(rules, upload.key, upload.initiated);
    if (due && due.time <= now) {
      uploads.remove(upload.uploadId);
      aborted.push(upload.key);
    }
  }
  return aborted;
}

/** Deletes the bucket's objects whose expiration time has passed; returns their keys. */
export function expireObjects(store: ObjectStore, bucket: string, rules: ExpirationRule[], now: number): string[] {
  if (rules.length === 0 || !store.getBucket(bucket)) return [];
  const expired: string[] = [];
  for (const object of store.listObjects(bucket)) {
    const due = rules
      .filter((rule) => object.key.startsWith(rule.prefix) && sizeMatches(rule, object.size))
      .map((rule) => expirationTime(rule, object.lastModified))
      .filter((time): time is number => time !== undefined);
    if (due.length > 0 && Math.min(...due) <= now) {
      store.deleteObject(bucket, object.key);
      expired.push(object.key);
    }
  }
  return expired;
}
