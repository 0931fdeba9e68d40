// The append-only logs of the data folder when the disk fills up part-way through a write: the
// write fails, leaves nothing of itself in the file, and the next write, once the disk has room
// again, is read back at the next start. The part a failed write had left was joined by the next
// append into a line of garbage in the middle of the log, and the next start stopped on it
// (a chaos audit enrolling on a 20 MiB tmpfs: `the Cognito data is damaged: ... line 29 is not
// a JSON object`). The simulated disk is seen through node:fs's writeSync, which the logs use;
// node's appendFileSync, which the collection's log and the outbox used before, writes a string
// without it, so for those two the test without the fix sees no full disk at all (the tmpfs did).
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { AdminConfirmSignUpCommand, AdminGetUserCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it, vi } from 'vitest';
import { CLIENT_ID, PASSWORD, POOL_ID, startCognitoSim } from '../test/cognito/cognito-sim-harness.js';
import { UserPoolStore, type StoredUser } from './cognito/user-pool-store.js';
import { Outbox } from './outbox.js';
import { CollectionStore } from './rekognition/collection-store.js';
import { hashFromHex } from './rekognition/matcher/face-hash.js';
import { scratchFolders } from '../test/scratch-folders.js';

const scratch = scratchFolders('facekit-full-disk-');

const realWriteSync = fs.writeSync;

/**
 * Runs `write` on a disk that fills up during it: the first write(2) stores half of what it was
 * given and returns that count, as Linux does when the space runs out, and every later one fails
 * with ENOSPC. (The module object is changed, and the named imports synced with it, so both
 * `writeSync` and node's own appendFileSync see the full disk.)
 */
function onADiskThatFills(write: () => void): unknown {
  const restore = fillTheDisk();
  try {
    write();
  } catch (error) {
    return error;
  } finally {
    restore();
  }
  return undefined;
}

/** `onADiskThatFills` around an asynchronous call: its result, or what it threw. */
async function onADiskThatFillsWhile(call: () => Promise<unknown>): Promise<unknown> {
  const restore = fillTheDisk();
  try {
    return await call();
  } catch (error) {
    return error;
  } finally {
    restore();
  }
}

/** Makes writeSync see a disk that fills up (see `onADiskThatFills`); returns what restores it. */
function fillTheDisk(): () => void {
  let calls = 0;
  (fs as { writeSync: unknown }).writeSync = (fd: number, data: string | NodeJS.ArrayBufferView, offset?: number, length?: number) => {
    if (calls++ > 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const start = typeof data === 'string' ? 0 : (offset ?? 0);
    const wanted = typeof data === 'string' ? bytes.length : (length ?? bytes.length - start);
    return realWriteSync(fd, bytes, start, Math.ceil(wanted / 2));
  };
  syncBuiltinESMExports();
  return () => {
    fs.writeSync = realWriteSync;
    syncBuiltinESMExports();
  };
}

const userNamed = (username: string): StoredUser => ({
  username,
  attributes: { sub: username, email: `${username}@example.com` },
  status: 'CONFIRMED',
  enabled: true,
  createdAt: 1,
  updatedAt: 1,
});

const faceNamed = (faceId: string) => ({
  FaceId: faceId,
  ImageId: faceId,
  ExternalImageId: faceId,
  BoundingBox: { Width: 0.5, Height: 0.5, Left: 0.25, Top: 0.25 },
  Confidence: 99.9,
  descriptor: { path: 'synthetic' as const, hash: hashFromHex('a026509aab38faf1816bbf7baa83d524') },
});

describe('a log whose disk fills up during a write', () => {
  it('keeps the Cognito state readable: the failed change is not in it, and nothing more is written until a restart', async () => {
    const folder = scratch();
    const store = new UserPoolStore(folder);
    store.putUser(userNamed('before'));

    const failure = onADiskThatFills(() => store.putUser(userNamed('during')));
    // The disk has room again, but memory holds the change the log lost: the store takes no more.
    expect(() => store.putUser(userNamed('refused'))).toThrow(failure as Error);
    expect(store.failedWrite).toBe(failure);
    await store.close();

    expect(failure).toMatchObject({ code: 'ENOSPC' });
    const reopened = new UserPoolStore(folder);
    expect(reopened.listUsers().map((user) => user.username)).toEqual(['before']);
    reopened.putUser(userNamed('after'));
    await reopened.close();
    const again = new UserPoolStore(folder);
    expect(again.listUsers().map((user) => user.username)).toEqual(['after', 'before']);
    await again.close();
  });

  it('has Cognito answer every request InternalErrorException after a change it could not write, and lose nothing it acknowledged', async () => {
    const reports: string[] = [];
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((text) => (reports.push(String(text)), true));
    let sim = await startCognitoSim();
    try {
      await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'kept@example.com', Password: PASSWORD }));
      await sim.client.send(new AdminConfirmSignUpCommand({ UserPoolId: POOL_ID, Username: 'kept@example.com' }));

      const failed = await onADiskThatFillsWhile(() =>
        sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'lost@example.com', Password: PASSWORD })));
      // Room again: still refused, reads included, since memory holds the change the log lost.
      const refusedSignUp = await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'later@example.com', Password: PASSWORD })).catch((error: unknown) => error);
      const refusedRead = await sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'lost@example.com' })).catch((error: unknown) => error);

      expect(failed).toMatchObject({ name: 'InternalErrorException', $metadata: { httpStatusCode: 500 } });
      for (const refused of [refusedSignUp, refusedRead]) {
        expect(refused).toMatchObject({ name: 'InternalErrorException', message: 'Internal server error', $metadata: { httpStatusCode: 500 } });
      }
      expect(reports.filter((line) => line.startsWith('[cognito] '))).toEqual([
        `[cognito] the state of ${POOL_ID} could not be written (ENOSPC): every Cognito request is answered InternalErrorException until the kit restarts. Free some space, then restart: nothing acknowledged is lost.\n`,
      ]);
    } finally {
      stderr.mockRestore();
      await sim.close();
    }

    sim = await startCognitoSim({ dataDir: sim.dataDir });
    try {
      const kept = await sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'kept@example.com' }));
      expect(kept.UserStatus).toBe('CONFIRMED');
      await expect(sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'lost@example.com' })))
        .rejects.toMatchObject({ name: 'UserNotFoundException' });
      await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'later@example.com', Password: PASSWORD }));
    } finally {
      await sim.close({ removeData: true });
    }
  });

  it('keeps a collection\'s faces readable: the failed face is not in it, the next one is', () => {
    const folder = scratch();
    const collection = new CollectionStore(folder).create({ id: 'faces', arn: 'arn', createdAt: 1 });
    collection.addFaces([faceNamed('before')]);

    const failure = onADiskThatFills(() => collection.addFaces([faceNamed('during')]));
    collection.addFaces([faceNamed('after')]);

    expect(failure).toMatchObject({ code: 'ENOSPC' });
    expect(collection.listFaces().map((face) => face.FaceId)).toEqual(['before', 'after']);
    const reopened = new CollectionStore(folder).get('faces')!;
    expect(reopened.listFaces().map((face) => face.FaceId)).toEqual(['before', 'after']);
  });

  it('deletes no face when the deletion cannot be logged', () => {
    const folder = scratch();
    const collection = new CollectionStore(folder).create({ id: 'faces', arn: 'arn', createdAt: 1 });
    collection.addFaces([faceNamed('kept')]);

    const failure = onADiskThatFills(() => collection.deleteFaces(['kept']));

    expect(failure).toMatchObject({ code: 'ENOSPC' });
    expect(collection.listFaces().map((face) => face.FaceId)).toEqual(['kept']);
    expect(new CollectionStore(folder).get('faces')!.listFaces().map((face) => face.FaceId)).toEqual(['kept']);
  });

  it('keeps the outbox readable: the failed email is not in it, the next one is', () => {
    const folder = scratch();
    const outbox = new Outbox({ dataDir: folder });
    outbox.send({ to: 'before@example.com', subject: 's', body: 'b', source: 'ses' });

    const failure = onADiskThatFills(() => outbox.send({ to: 'during@example.com', subject: 's', body: 'b', source: 'ses' }));
    outbox.send({ to: 'after@example.com', subject: 's', body: 'b', source: 'ses' });

    expect(failure).toMatchObject({ code: 'ENOSPC' });
    expect(new Outbox({ dataDir: folder }).list().map((email) => email.to)).toEqual(['before@example.com', 'after@example.com']);
  });
});
