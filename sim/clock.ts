// Time and randomness are injected so tests can expire sessions and presigned URLs without sleeping.
import { randomBytes, randomUUID } from 'node:crypto';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
}

export interface RandomSource {
  uuid(): string;
  bytes(length: number): Buffer;
}

export const cryptoRandom: RandomSource = { uuid: () => randomUUID(), bytes: (length) => randomBytes(length) };
