// The Cognito pool store's cost per change and per lookup at 1,000 and 5,000 users (issue 12:
// the whole-file rewrite it replaced took 15 ms p50 / 93 ms p99 per save at 5,000 users).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserPoolStore, type StoredUser } from '../sim/cognito/user-pool-store.js';
import { percentile } from './face-users.js';

function user(index: number): StoredUser {
  return {
    username: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    attributes: { sub: `sub-${index}`, email: `user-${index}@example.com`, email_verified: 'true' },
    status: 'CONFIRMED',
    enabled: true,
    createdAt: index,
    updatedAt: index,
  };
}

const micros = (sorted: number[], p: number) => `${(percentile(sorted, p) * 1000).toFixed(0)} µs`;

for (const size of [1_000, 5_000]) {
  const directory = mkdtempSync(join(tmpdir(), 'facekit-store-bench-'));
  try {
    const store = new UserPoolStore(directory);
    for (let index = 0; index < size; index++) store.putUser(user(index));
    const writes: number[] = [];
    const lookups: number[] = [];
    for (let round = 0; round < 2_000; round++) {
      const changed = store.getUser(user(round % size).username)!;
      changed.updatedAt = round;
      let started = performance.now();
      store.putUser(changed);
      writes.push(performance.now() - started);
      started = performance.now();
      store.findUser(`USER-${(round * 7) % size}@example.com`);
      lookups.push(performance.now() - started);
    }
    writes.sort((a, b) => a - b);
    lookups.sort((a, b) => a - b);
    console.log(`${String(size).padStart(5)} users: putUser p50 ${micros(writes, 50)} p99 ${micros(writes, 99)};  findUser by email p50 ${micros(lookups, 50)} p99 ${micros(lookups, 99)}`);
    await store.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
