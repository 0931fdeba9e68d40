// SIGKILL under load loses nothing that was acknowledged: `npm start` is killed while users are
// enrolling, started again on the same data folder, and every user whose enrolment finished
// (tokens came back) signs in with their face. Small on purpose; no timings are asserted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cognitoClient, enrolUser, signIn, signInPhotos, stackTarget } from '../../bench/face-users.js';
import { startSimProcess, type SimProcess } from '../../bench/sim-process.js';
import { cloudAssembly } from './embedded-cloud-harness.js';

const WRITERS = 4;
const KILL_AFTER_ENROLMENTS = 6;

describe('embedded cloud after a crash', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'facekit-crash-'));
  let sim: SimProcess | undefined;
  afterAll(async () => {
    await sim?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in every user whose enrolment completed before a SIGKILL in the middle of enrolments', async () => {
    await cloudAssembly();
    sim = await startSimProcess({ dataDir });
    const target = await stackTarget(sim.endpoint);
    const cognito = cognitoClient(target);
    const completed: Array<{ email: string; seed: string }> = [];
    let killed = false;
    let started = 0;
    // Writers enrol users one after the other until the kill; enrolments cut short fail, and are
    // not counted.
    await Promise.all(Array.from({ length: WRITERS }, async () => {
      while (!killed && started < 40) {
        const seed = `crash-${started++}`;
        const email = `${seed}@example.com`;
        try {
          await enrolUser(target, cognito, email, seed);
        } catch (error) {
          if (killed) return;
          throw error;
        }
        if (killed) return;
        completed.push({ email, seed });
        if (completed.length >= KILL_AFTER_ENROLMENTS && !killed) {
          killed = true;
          await sim!.kill();
        }
      }
    }));
    cognito.destroy();
    expect(killed).toBe(true);
    expect(completed.length).toBeGreaterThanOrEqual(KILL_AFTER_ENROLMENTS);

    sim = await startSimProcess({ dataDir });
    const restarted = await stackTarget(sim.endpoint);
    const again = cognitoClient(restarted);
    try {
      for (const { email, seed } of completed) {
        const [photo] = await signInPhotos(seed, 1);
        await expect(signIn(restarted, again, email, photo!), email).resolves.toBeUndefined();
      }
    } finally {
      again.destroy();
    }
  }, 180_000);
});
