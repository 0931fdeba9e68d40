import './handler-test-environment.js';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  bindFace,
  faceSignInChangesRecord,
  getUploadResult,
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
    await putItem({ pk: `USER#${sub}`, sub, trustedDevices: ['old'] });

    await recordFaceSignIn(sub, undefined);
    const kept = await getItem(`USER#${sub}`);
    await recordFaceSignIn(sub, ['old', 'new']);

    expect(kept).toMatchObject({ lastFactor: 'face', trustedDevices: ['old'] });
    expect(await getItem(`USER#${sub}`)).toMatchObject({ lastFactor: 'face', trustedDevices: ['old', 'new'] });
  });

  it('binds a first face with a new list of trusted devices, and refuses it once another face is bound', async () => {
    const sub = randomUUID();
    await putItem({ pk: `USER#${sub}`, sub, trustedDevices: ['a-stranger'] });

    expect(await bindFace(sub, 'face-1', undefined, NOW, 'device-hash')).toBe(true);
    expect(await bindFace(sub, 'face-2', undefined, NOW)).toBe(false);

    expect(await getItem(`USER#${sub}`)).toEqual({
      pk: `USER#${sub}`,
      sub,
      faceId: 'face-1',
      enrolledAt: '2026-11-29T17:00:00.000Z',
      createdAt: '2026-11-29T17:00:00.000Z',
      lastFactor: 'face-enrolment',
      trustedDevices: ['device-hash'],
    });
  });

  it('replaces a face only when the one read before is still bound, and forgets the devices', async () => {
    const sub = randomUUID();
    await putItem({ pk: `USER#${sub}`, sub, faceId: 'face-1', createdAt: '2026-01-01T00:00:00.000Z', trustedDevices: ['d1'] });

    expect(await bindFace(sub, 'face-3', 'face-0', NOW)).toBe(false);
    expect(await bindFace(sub, 'face-2', 'face-1', NOW)).toBe(true);

    expect(await getItem(`USER#${sub}`)).toMatchObject({ faceId: 'face-2', createdAt: '2026-01-01T00:00:00.000Z', trustedDevices: [] });
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
