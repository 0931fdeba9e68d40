// A stand-in sub for a user that does not exist. Every check a real user's answer goes through
// (records read, failures counted, mailbox budget spent) runs for an unknown email too, under
// this sub, so the two take the same path and the same time. It is an HMAC under a random key
// kept in the users table: stable per username, and nobody without the key can compute it.
import { createHmac, randomBytes } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './aws-clients/dynamodb.js';
import { config } from './config.js';
import { unlessConditionFails } from './users-table.js';

export const DECOY_KEY_ITEM = 'SECRET#decoy-sub-key';
let cachedKey: Buffer | undefined;

async function decoyKey(): Promise<Buffer> {
  if (cachedKey) return cachedKey;
  const read = async () =>
    // Stryker disable next-line BooleanLiteral: dynalite reads consistently either way (docs/mutation-testing.md)
    (await documentClient.send(new GetCommand({ TableName: config.usersTable, Key: { pk: DECOY_KEY_ITEM }, ConsistentRead: true })))
      .Item?.key as string | undefined;
  let key = await read();
  if (!key) {
    const candidate = randomBytes(32).toString('base64');
    // Two cold starts may race to create it; whoever loses reads the winner's key.
    const created = await unlessConditionFails(() =>
      documentClient.send(
        new PutCommand({
          TableName: config.usersTable,
          Item: { pk: DECOY_KEY_ITEM, key: candidate },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    key = created ? candidate : await read();
  }
  if (!key) throw new Error('decoy key vanished after it was created');
  cachedKey = Buffer.from(key, 'base64');
  return cachedKey;
}

/** A UUID v4-shaped sub derived from the pool and the username as typed (case-insensitively). */
export async function decoySub(userPoolId: string, userName: string): Promise<string> {
  const digest = createHmac('sha256', await decoyKey())
    .update(`${userPoolId}\n${userName.toLowerCase()}`)
    .digest();
  digest[6] = (digest[6] & 0x0f) | 0x40;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface SubjectEvent {
  userPoolId: string;
  userName: string;
  request: { userAttributes: Record<string, string>; userNotFound?: boolean };
}

/** Whom an event is about: the user's sub, or for an unknown email its stand-in sub. */
export async function subjectOf(event: SubjectEvent): Promise<{ sub: string; userNotFound: boolean }> {
  const realSub = event.request.userAttributes.sub;
  if (event.request.userNotFound !== true && realSub) return { sub: realSub, userNotFound: false };
  return { sub: await decoySub(event.userPoolId, event.userName), userNotFound: true };
}
