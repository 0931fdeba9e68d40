import './handler-test-environment.js';
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../handlers/aws-clients/dynamodb.js';
import { config } from '../../handlers/config.js';
import {
  BATCH_GET_ATTEMPTS,
  bindFace,
  clearFollowUp,
  faceSignInChangesRecord,
  getItems,
  getUploadResult,
  holdPendingFace,
  MAX_TRUSTED_DEVICES,
  recordFaceSignIn,
  recordUploadResultIfAbsent,
  unlessConditionFails,
  withTrustedDevice,
} from '../../handlers/users-table.js';
import { getItem, putItem } from './trigger-events.js';

const NOW = Date.parse('2026-11-29T17:00:00.000Z');

describe('users table', () => {
  it('remembers at most five trusted devices, the newest last, moving a known one to the end', () => {
    const devices = ['d1', 'd2', 'd3', 'd4', 'd5'];

    expect(withTrustedDevice(undefined, 'd1')).toEqual(['d1']);
    expect(withTrustedDevice(devices, 'd6')).toEqual(['d2', 'd3', 'd4', 'd5', 'd6']);
    expect(withTrustedDevice(devices, 'd2')).toEqual(['d1', 'd3', 'd4', 'd5', 'd2']);
    expect(MAX_TRUSTED_DEVICES).toBe(5);
  });

  it('writes a face sign-in only when it changes the record: a new factor, or a device that is not the newest', () => {
    const user = { sub: 's', lastFactor: 'face' as const, trustedDevices: ['d1', 'd2'] };

    expect(faceSignInChangesRecord(user, undefined)).toBe(false);
    expect(faceSignInChangesRecord(user, ['d1', 'd2'])).toBe(false);
    expect(faceSignInChangesRecord(user, ['d2', 'd1'])).toBe(true);
    expect(faceSignInChangesRecord(user, ['d1', 'd2', 'd3'])).toBe(true);
    expect(faceSignInChangesRecord(user, ['d1', 'd3'])).toBe(true);
    expect(faceSignInChangesRecord(user, ['d1'])).toBe(true);
    expect(faceSignInChangesRecord({ sub: 's', lastFactor: 'face' }, [])).toBe(false);
    expect(faceSignInChangesRecord({ sub: 's', lastFactor: 'face' }, ['d1'])).toBe(true);
    expect(faceSignInChangesRecord({ sub: 's', lastFactor: 'face' }, undefined)).toBe(false);
    expect(faceSignInChangesRecord({ ...user, lastFactor: 'face-enrolment' }, ['d1', 'd2'])).toBe(true);
    expect(faceSignInChangesRecord({ sub: 's' }, undefined)).toBe(true);
    expect(faceSignInChangesRecord(undefined, undefined)).toBe(true);
  });

  it('records a face sign-in: the factor, and the devices only when given', async () => {
    const sub = randomUUID();
    await putItem({ pk: `USER#${sub}`, sub, faceId: 'face-1', trustedDevices: ['old'] });

    expect(await recordFaceSignIn(sub, 'face-1', undefined)).toBe(true);
    const kept = await getItem(`USER#${sub}`);
    expect(await recordFaceSignIn(sub, 'face-1', ['old', 'new'])).toBe(true);
    // Another face bound since the match was read: nothing written.
    expect(await recordFaceSignIn(sub, 'face-0', ['other'])).toBe(false);

    expect(kept).toMatchObject({ lastFactor: 'face', trustedDevices: ['old'] });
    expect(await getItem(`USER#${sub}`)).toMatchObject({ lastFactor: 'face', trustedDevices: ['old', 'new'] });
  });

  it('holds a new face as pending and returns the pending face it replaced, creating a missing record', async () => {
    const sub = randomUUID();

    expect(await holdPendingFace(sub, 'face-1', 'photo-1')).toStrictEqual({ held: true });
    expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub, pendingFaceId: 'face-1', pendingPhoto: 'photo-1' });
    expect(await holdPendingFace(sub, 'face-2', 'photo-2')).toStrictEqual({ held: true, replaced: 'face-1' });
    expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub, pendingFaceId: 'face-2', pendingPhoto: 'photo-2' });
  });

  it('holds a face over a pending face of an older version, which names no photo, and does not call it replaced when it is the same', async () => {
    const sub = randomUUID();
    await putItem({ pk: `USER#${sub}`, sub, pendingFaceId: 'face-1' });

    expect(await holdPendingFace(sub, 'face-1', 'photo-1')).toStrictEqual({ held: true });
    expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub, pendingFaceId: 'face-1', pendingPhoto: 'photo-1' });
  });

  it('leaves the face another run of the same photo holds, and names it', async () => {
    const sub = randomUUID();
    await holdPendingFace(sub, 'face-1', 'photo-1');

    expect(await holdPendingFace(sub, 'face-2', 'photo-1')).toStrictEqual({ held: false, heldForPhoto: 'face-1' });
    expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub, pendingFaceId: 'face-1', pendingPhoto: 'photo-1' });
  });

  it('names no held face once the photo’s face is bound', async () => {
    const sub = randomUUID();
    await holdPendingFace(sub, 'face-1', 'photo-1');
    expect(await bindFace(sub, 'face-1', undefined, NOW)).toBe(true);
    expect(await getItem(`USER#${sub}`)).not.toHaveProperty('pendingPhoto');

    expect(await holdPendingFace(sub, 'face-2', 'photo-1')).toStrictEqual({ held: true });
  });

  it('binds only the pending face', async () => {
    const sub = randomUUID();
    await putItem({ pk: `USER#${sub}`, sub, pendingFaceId: 'face-2' });

    expect(await bindFace(sub, 'face-1', undefined, NOW)).toBe(false);
    expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub, pendingFaceId: 'face-2' });
    expect(await bindFace(sub, 'face-2', undefined, NOW)).toBe(true);
  });

  it('binds a first face with a new list of trusted devices, and refuses it once another face is bound', async () => {
    const sub = randomUUID();
    await putItem({ pk: `USER#${sub}`, sub, trustedDevices: ['a-stranger'] });

    await holdPendingFace(sub, 'face-1', 'photo-1');
    expect(await bindFace(sub, 'face-1', undefined, NOW, { deviceHash: 'device-hash' })).toBe(true);
    await holdPendingFace(sub, 'face-2', 'photo-2');
    expect(await bindFace(sub, 'face-2', undefined, NOW)).toBe(false);

    expect(await getItem(`USER#${sub}`)).toEqual({
      pk: `USER#${sub}`,
      sub,
      faceId: 'face-1',
      enrolledAt: '2026-11-29T17:00:00.000Z',
      createdAt: '2026-11-29T17:00:00.000Z',
      lastFactor: 'face-enrolment',
      trustedDevices: ['device-hash'],
      followUp: { signOut: false },
      pendingFaceId: 'face-2',
      pendingPhoto: 'photo-2',
    });
  });

  it('replaces a face only when the one read before is still bound, and forgets the devices', async () => {
    const sub = randomUUID();
    await putItem({ pk: `USER#${sub}`, sub, faceId: 'face-1', createdAt: '2026-01-01T00:00:00.000Z', trustedDevices: ['d1'] });

    await holdPendingFace(sub, 'face-3', 'photo-3');
    expect(await bindFace(sub, 'face-3', 'face-0', NOW)).toBe(false);
    await holdPendingFace(sub, 'face-2', 'photo-2');
    expect(await bindFace(sub, 'face-2', 'face-1', NOW)).toBe(true);

    expect(await getItem(`USER#${sub}`)).toMatchObject({
      faceId: 'face-2',
      createdAt: '2026-01-01T00:00:00.000Z',
      trustedDevices: [],
      followUp: { signOut: true, retiredFaceId: 'face-1' },
    });
  });

  it('fills in the email of a record PostConfirmation never wrote, and keeps the one it wrote', async () => {
    const [cutShort, confirmed] = [randomUUID(), randomUUID()];
    await putItem({ pk: `USER#${cutShort}`, sub: cutShort, pendingFaceId: 'face-1' });
    await putItem({ pk: `USER#${confirmed}`, sub: confirmed, email: 'first@example.com', pendingFaceId: 'face-2' });

    expect(await bindFace(cutShort, 'face-1', undefined, NOW, { email: 'owner@example.com' })).toBe(true);
    expect(await bindFace(confirmed, 'face-2', undefined, NOW, { email: 'other@example.com' })).toBe(true);

    expect((await getItem(`USER#${cutShort}`))?.email).toBe('owner@example.com');
    expect((await getItem(`USER#${confirmed}`))?.email).toBe('first@example.com');
  });

  it('clears the follow-up of the face still bound, not one a later bind wrote', async () => {
    const sub = randomUUID();
    await putItem({ pk: `USER#${sub}`, sub, faceId: 'face-2', followUp: { signOut: true, retiredFaceId: 'face-1' } });

    expect(await clearFollowUp(sub, 'face-1')).toBe(false);
    expect(await getItem(`USER#${sub}`)).toHaveProperty('followUp');
    expect(await clearFollowUp(sub, 'face-2')).toBe(true);
    expect(await getItem(`USER#${sub}`)).toEqual({ pk: `USER#${sub}`, sub, faceId: 'face-2' });
  });

  it('keeps the first verdict on an upload, and ignores one past its expiry', async () => {
    const key = `enrol/${randomUUID()}/${'c'.repeat(32)}`;
    const expired = `enrol/${randomUUID()}/${'d'.repeat(32)}`;
    await putItem({ pk: `UPLOAD#${expired}`, status: 'INDEXED', faceId: 'f', sub: 's', expiresAt: NOW / 1000 });

    expect(await recordUploadResultIfAbsent(key, { status: 'REJECTED', reason: 'NO_FACE', sub: 's' }, NOW)).toBe(true);
    expect(await recordUploadResultIfAbsent(key, { status: 'INDEXED', faceId: 'f', sub: 's' }, NOW)).toBe(false);

    expect(await getUploadResult(key, NOW)).toMatchObject({ status: 'REJECTED', reason: 'NO_FACE' });
    expect((await getItem(`UPLOAD#${key}`))?.expiresAt).toBe(NOW / 1000 + 86_400);
    expect(await getUploadResult(expired, NOW)).toBeUndefined();
    expect(await getUploadResult(expired, NOW - 1)).toMatchObject({ status: 'INDEXED' });
  });

  it('turns only a failed condition into false; any other error is thrown', async () => {
    const conditionFailed = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    expect(await unlessConditionFails(async () => undefined)).toBe(true);
    expect(await unlessConditionFails(async () => Promise.reject(conditionFailed))).toBe(false);
    await expect(unlessConditionFails(async () => Promise.reject(throttled))).rejects.toBe(throttled);
    await expect(unlessConditionFails(async () => Promise.reject('not an error'))).rejects.toBe('not an error');
  });
});

describe('getItems (one BatchGetItem for several items)', () => {
  it('returns the items found by key, leaving out the keys without one', async () => {
    const [first, second, missing] = [randomUUID(), randomUUID(), randomUUID()].map((id) => `USER#${id}`);
    await putItem({ pk: first, sub: 'one' });
    await putItem({ pk: second, sub: 'two' });

    const items = await getItems([first, second, missing]);

    expect([...items.keys()].sort()).toEqual([first, second].sort());
    expect(items.get(first)).toStrictEqual({ pk: first, sub: 'one' });
    expect(items.get(second)).toStrictEqual({ pk: second, sub: 'two' });
  });

  it('asks again for the keys DynamoDB left unprocessed, and only those', async () => {
    const [first, second] = [randomUUID(), randomUUID()].map((id) => `USER#${id}`);
    await putItem({ pk: first, sub: 'one' });
    await putItem({ pk: second, sub: 'two' });
    const sent = vi.spyOn(documentClient, 'send');
    // The first answer carries one item and leaves the other key unprocessed, as under throttling.
    sent.mockImplementationOnce(async () => ({
      Responses: { [config.usersTable]: [{ pk: first, sub: 'one' }] },
      UnprocessedKeys: { [config.usersTable]: { Keys: [{ pk: second }], ConsistentRead: true } },
    }));
    try {
      const items = await getItems([first, second]);

      expect(items.get(first)).toStrictEqual({ pk: first, sub: 'one' });
      expect(items.get(second)).toStrictEqual({ pk: second, sub: 'two' });
      expect(sent).toHaveBeenCalledTimes(2);
      const retried = (sent.mock.calls[1]![0] as BatchGetCommand).input.RequestItems![config.usersTable]!;
      expect(retried).toStrictEqual({ Keys: [{ pk: second }], ConsistentRead: true });
    } finally {
      sent.mockRestore();
    }
  });

  it('waits 10, 20, 40 and 80 ms before asking again, and not before the first attempt', async () => {
    const key = `USER#${randomUUID()}`;
    vi.useFakeTimers();
    const sent = vi.spyOn(documentClient, 'send').mockImplementation(async () => ({ UnprocessedKeys: { [config.usersTable]: { Keys: [{ pk: key }] } } }));
    try {
      const reading = getItems([key]).catch((error: unknown) => error);
      const callsAfter = async (ms: number) => {
        await vi.advanceTimersByTimeAsync(ms);
        return sent.mock.calls.length;
      };
      expect(await callsAfter(0)).toBe(1);
      expect(await callsAfter(9)).toBe(1);
      expect(await callsAfter(1)).toBe(2);
      expect(await callsAfter(19)).toBe(2);
      expect(await callsAfter(1)).toBe(3);
      expect(await callsAfter(39)).toBe(3);
      expect(await callsAfter(1)).toBe(4);
      expect(await callsAfter(79)).toBe(4);
      expect(await callsAfter(1)).toBe(5);
      expect(await reading).toBeInstanceOf(Error);
    } finally {
      sent.mockRestore();
      vi.useRealTimers();
    }
  });

  it('reads an answer without Responses or UnprocessedKeys as nothing found', async () => {
    const sent = vi.spyOn(documentClient, 'send').mockImplementationOnce(async () => ({}));
    try {
      const items = await getItems([`USER#${randomUUID()}`]);

      expect(items.size).toBe(0);
      expect(sent).toHaveBeenCalledTimes(1);
    } finally {
      sent.mockRestore();
    }
  });

  it('gives up with an error, rather than answering without them, when keys stay unprocessed', async () => {
    const key = `USER#${randomUUID()}`;
    await putItem({ pk: key, sub: 'one' });
    const sent = vi.spyOn(documentClient, 'send').mockImplementation(async () => ({
      Responses: { [config.usersTable]: [] },
      UnprocessedKeys: { [config.usersTable]: { Keys: [{ pk: key }] } },
    }));
    try {
      await expect(getItems([key])).rejects.toThrow(`BatchGetItem left 1 keys unprocessed after ${BATCH_GET_ATTEMPTS} attempts`);
      expect(sent).toHaveBeenCalledTimes(BATCH_GET_ATTEMPTS);
      expect(BATCH_GET_ATTEMPTS).toBe(5);
    } finally {
      sent.mockRestore();
    }
  });
});
