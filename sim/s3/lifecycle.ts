// S3 lifecycle expiration, as the bucket's rules in the template say: an object under a rule's
// prefix expires `days` after its creation, rounded up to the next midnight UTC (S3's rule), and
// the sim then deletes it. The sweep runs on the injected clock, so tests expire uploads without
// waiting. S3 itself removes expired objects asynchronously, usually within a day or two.
import type { ObjectStore } from './object-store.js';

export interface ExpirationRule {
  id?: string;
  prefix: string;
  /** Days after creation; the object expires at the following midnight UTC. */
  days?: number;
  /** An absolute expiry (ISO date, midnight UTC): everything under the prefix expires then. */
  date?: number;
}

const DAY_MS = 24 * 3600 * 1000;

/** When an object created at `createdAt` expires under `rule`, or undefined if it never does. */
export function expirationTime(rule: ExpirationRule, createdAt: number): number | undefined {
  const times: number[] = [];
  if (rule.days !== undefined) times.push(Math.ceil((createdAt + rule.days * DAY_MS) / DAY_MS) * DAY_MS);
  if (rule.date !== undefined) times.push(rule.date);
  return times.length === 0 ? undefined : Math.min(...times);
}

/** Deletes the bucket's objects whose expiration time has passed; returns their keys. */
export function expireObjects(store: ObjectStore, bucket: string, rules: ExpirationRule[], now: number): string[] {
  if (rules.length === 0 || !store.getBucket(bucket)) return [];
  const expired: string[] = [];
  for (const object of store.listObjects(bucket)) {
    const due = rules
      .filter((rule) => object.key.startsWith(rule.prefix))
      .map((rule) => expirationTime(rule, object.lastModified))
      .filter((time): time is number => time !== undefined);
    if (due.length > 0 && Math.min(...due) <= now) {
      store.deleteObject(bucket, object.key);
      expired.push(object.key);
    }
  }
  return expired;
}
