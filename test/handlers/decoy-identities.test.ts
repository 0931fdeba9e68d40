import './handler-test-environment.js';
import { createHmac, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../handlers/aws-clients/dynamodb.js';
import { DECOY_KEY_ITEM } from '../../handlers/decoy-identities.js';
import { TABLE } from './handler-test-environment.js';
import { USER_POOL_ID, getItem, putItem } from './trigger-events.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * decoySub from a fresh copy of its module, as after a cold start: the key is cached per module,
 * so a fresh copy reads whatever key the table holds now.
 */
async function coldStart(): Promise<typeof import('../../handlers/decoy-identities.js')> {
  vi.resetModules();
  return import('../../handlers/decoy-identities.js');
}

const coldStartDecoySub = async (userPoolId: string, userName: string) => (await coldStart()).decoySub(userPoolId, userName);

const storeDecoyKey = (key: Buffer) => putItem({ pk: DECOY_KEY_ITEM, key: key.toString('base64') });

/** What someone who knows only the pool id and the email could compute, keyed with `guess`. */
function subUnderKey(guess: string | Buffer, userPoolId: string, userName: string): string {
  const digest = createHmac('sha256', guess).update(`${userPoolId}\n${userName.toLowerCase()}`).digest();
  digest[6] = (digest[6] & 0x0f) | 0x40;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

beforeEach(async () => {
  await documentClient.send(new DeleteCommand({ TableName: TABLE, Key: { pk: DECOY_KEY_ITEM } }));
});

describe('the stand-in sub of an unknown email', () => {
  it('depends on the secret decoy key: another key gives another sub for the same pool and email', async () => {
    const firstKey = randomBytes(32);
    const secondKey = randomBytes(32);

    await storeDecoyKey(firstKey);
    const underFirstKey = await coldStartDecoySub(USER_POOL_ID, 'ghost@example.com');
    await storeDecoyKey(secondKey);
    const underSecondKey = await coldStartDecoySub(USER_POOL_ID, 'ghost@example.com');

    expect(underFirstKey).not.toBe(underSecondKey);
    expect(underFirstKey).toBe(subUnderKey(firstKey, USER_POOL_ID, 'ghost@example.com'));
    expect(underSecondKey).toBe(subUnderKey(secondKey, USER_POOL_ID, 'ghost@example.com'));
  });

  it('cannot be computed from what an outsider knows (pool id, email, an empty or guessed key)', async () => {
    const sub = await coldStartDecoySub(USER_POOL_ID, 'ghost@example.com');

    const outsiderGuesses = ['', USER_POOL_ID, 'ghost@example.com', DECOY_KEY_ITEM, 'decoy', 'secret'];
    for (const guess of outsiderGuesses) expect(sub).not.toBe(subUnderKey(guess, USER_POOL_ID, 'ghost@example.com'));
  });

  it('creates a random 32-byte key in the table on first use, and keeps using it', async () => {
    const sub = await coldStartDecoySub(USER_POOL_ID, 'ghost@example.com');
    const stored = (await getItem(DECOY_KEY_ITEM))?.key as string;

    expect(Buffer.from(stored, 'base64')).toHaveLength(32);
    expect(sub).toBe(subUnderKey(Buffer.from(stored, 'base64'), USER_POOL_ID, 'ghost@example.com'));
    expect(await coldStartDecoySub(USER_POOL_ID, 'ghost@example.com')).toBe(sub);
  });

  it('is shaped like a real sub, stable whatever the case of the email, and differs per email and per pool', async () => {
    const { decoySub } = await coldStart();

    const sub = await decoySub(USER_POOL_ID, 'ghost@example.com');

    expect(sub).toMatch(UUID_V4);
    expect(await decoySub(USER_POOL_ID, 'GHOST@Example.com')).toBe(sub);
    expect(await decoySub(USER_POOL_ID, 'wraith@example.com')).not.toBe(sub);
    expect(await decoySub('us-east-1_OtherPool', 'ghost@example.com')).not.toBe(sub);
  });
});
