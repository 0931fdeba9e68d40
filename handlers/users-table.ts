// The users table (ARCHITECTURE.md): one item per user, per uploaded photo and per user's run of
// failed face matches. Every write that could race with another function is conditional.
import { BatchGetCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './aws-clients/dynamodb.js';
import { config } from './config.js';

export type LastFactor = 'face' | 'face-enrolment';

export interface UserRecord {
  sub: string;
  email?: string;
  /** ISO 8601 */
  createdAt?: string;
  faceId?: string;
  /** ISO 8601 */
  enrolledAt?: string;
  /** SHA-256 hex of the one-time enrolment secret given to ConfirmSignUp. */
  enrolSecretHash?: string;
  /** Epoch milliseconds. */
  enrolSecretExpiresAt?: number;
  /**
   * Which answer took the secret: SHA-256 hex of that challenge's proof id and the secret's hash,
   * so Cognito's retry of that very answer is still accepted (see mailbox-proof.ts).
   */
  enrolSecretTakenBy?: string;
  /** Epoch milliseconds. */
  enrolSecretTakenAt?: number;
  /** ISO 8601 */
  lastSignInAt?: string;
  lastFactor?: LastFactor;
  /** SHA-256 hex of the device keys of the devices this face signed in from (newest last, at most 5). */
  trustedDevices?: string[];
  /**
   * The face indexed from the user's latest enrolment photo, until Verify binds it. Only this face
   * can be bound, and the next enrolment photo's face takes its place, the one it replaces leaving
   * the collection: an enrolment never answered leaves at most one face bound to nobody.
   */
  pendingFaceId?: string;
  /** The enrolment photo (its S3 key) the pending face was indexed from. */
  pendingPhoto?: string;
  /** What the bind of `faceId` left to do, until it is done (see EnrolmentFollowUp). */
  followUp?: EnrolmentFollowUp;
}

/**
 * What is left to do once a face is bound (the mailbox hears of every bind), written by the bind itself: a Verify cut short between
 * the bind and these steps (a Lambda that died, a kit killed with SIGKILL, whose auth sessions and
 * so Cognito's retry die with it) leaves them for the next function that reads the record
 * (PreTokenGeneration, on the next sign-in or refresh) rather than undone. Undone, a take-back
 * left the old face's refresh tokens working (4 of 10 kills right after the bind, an audit of
 * 2026-12-03), the old face in the collection and the mailbox untold.
 */
export interface EnrolmentFollowUp {
  /** The face replaced another: every session made with the old one ends. */
  signOut: boolean;
  /** The replaced face, which leaves the collection. */
  retiredFaceId?: string;
}

/** What a bind over `previousFaceId` (none for a first enrolment) leaves to do, besides the notice every bind sends. */
export function followUpOfBind(previousFaceId: string | undefined): EnrolmentFollowUp {
  return previousFaceId ? { signOut: true, retiredFaceId: previousFaceId } : { signOut: false };
}

/** Devices remembered per user: the oldest is forgotten first. */
export const MAX_TRUSTED_DEVICES = 5;

/** Why an enrolment photo was refused; reported to the client as `previousRejection`. */
export type RejectionReason =
  | 'NO_FACE'
  | 'MULTIPLE_FACES'
  | 'LOW_QUALITY'
  | 'NOT_AN_IMAGE'
  | 'TOO_LARGE'
  | 'NOT_UPLOADED'
  | 'NOT_CHECKED_IN_TIME';

export type UploadResult =
  | { status: 'INDEXED'; faceId: string; sub: string }
  | { status: 'REJECTED'; reason: RejectionReason; sub: string };

const ONE_DAY_SECONDS = 24 * 60 * 60;

export const userKey = (sub: string) => `USER#${sub}`;
export const uploadKey = (objectKey: string) => `UPLOAD#${objectKey}`;
export const failuresKey = (sub: string) => `FAILURES#${sub}`;
export const mailboxKey = (sub: string) => `MAILBOX#${sub}`;
export const indexingKey = (objectKey: string) => `INDEXING#${objectKey}`;

/** Epoch seconds one day from `now` (ms): when DynamoDB's TTL may drop a short-lived item. */
export const expiresInOneDay = (now: number) => Math.floor(now / 1000) + ONE_DAY_SECONDS;

/**
 * The user's record, read consistently: Verify may have bound a face or consumed a secret a
 * moment before Define, Create or PreTokenGeneration reads it.
 */
export async function getUser(sub: string): Promise<UserRecord | undefined> {
  const { Item } = await documentClient.send(
    // Stryker disable next-line BooleanLiteral: dynalite reads consistently either way (docs/mutation-testing.md)
    new GetCommand({ TableName: config.usersTable, Key: { pk: userKey(sub) }, ConsistentRead: true }),
  );
  return userOf(Item);
}

/** The user record stored in a table item (the item without its key). */
export function userOf(item: Record<string, unknown> | undefined): UserRecord | undefined {
  if (!item) return undefined;
  const { pk: _pk, ...user } = item;
  return user as unknown as UserRecord;
}

/** How often BatchGetItem is asked again for keys it left unprocessed, and the first wait. */
export const BATCH_GET_ATTEMPTS = 5;
const FIRST_BATCH_RETRY_MS = 10;

/**
 * Items by key, read consistently in one BatchGetItem: one round trip instead of one per item.
 * DynamoDB may leave keys unprocessed (throttling, or a response over 16 MB); those are asked
 * again after a growing wait, as the SDK's own retries do for a throttled call. A key with no
 * item is absent from the map.
 */
export async function getItems(keys: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  let pending: Record<string, unknown>[] = keys.map((pk) => ({ pk }));
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > BATCH_GET_ATTEMPTS) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after ${BATCH_GET_ATTEMPTS} attempts`);
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, FIRST_BATCH_RETRY_MS * 2 ** (attempt - 2)));
    const { Responses, UnprocessedKeys } = await documentClient.send(
      // Stryker disable next-line BooleanLiteral: dynalite reads consistently either way (docs/mutation-testing.md)
      new BatchGetCommand({ RequestItems: { [config.usersTable]: { Keys: pending, ConsistentRead: true } } }),
    );
    for (const item of Responses?.[config.usersTable] ?? []) found.set(item.pk as string, item);
    pending = UnprocessedKeys?.[config.usersTable]?.Keys ?? [];
  }
  return found;
}

/** Creates or replaces the record of a confirmed user, but never one that already has a face. */
export async function createUserUnlessEnrolled(user: UserRecord): Promise<boolean> {
  return unlessConditionFails(() =>
    documentClient.send(
      new PutCommand({
        TableName: config.usersTable,
        Item: { pk: userKey(user.sub), ...user },
        ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(faceId)',
      }),
    ),
  );
}

/**
 * Removes the enrolment secret if it is still this one and still live: it works once. `takenBy`
 * names the answer that took it.
 */
export async function consumeEnrolSecret(sub: string, secretHash: string, now: number, takenBy: string): Promise<boolean> {
  return unlessConditionFails(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: config.usersTable,
        Key: { pk: userKey(sub) },
        UpdateExpression: 'REMOVE enrolSecretHash, enrolSecretExpiresAt SET enrolSecretTakenBy = :takenBy, enrolSecretTakenAt = :now',
        ConditionExpression: 'enrolSecretHash = :hash AND enrolSecretExpiresAt > :now',
        ExpressionAttributeValues: { ':hash': secretHash, ':now': now, ':takenBy': takenBy },
      }),
    ),
  );
}

/** What holding a face as pending did: replaced another photo's face, or left another run's. */
export type PendingHold = { held: true; replaced?: string } | { held: false; heldForPhoto?: string };

/**
 * Holds a freshly indexed face as the user's pending face, before its verdict is recorded (Verify
 * binds only the pending face), and names the pending face it replaced, which nobody can bind
 * any more. A face another run of the same photo holds (a duplicate event, or a retry after a run
 * that died between its hold and its verdict) is not replaced: it may be the face the photo's
 * verdict names, and replacing it lost the enrolment. This run's face is then the surplus, and
 * `heldForPhoto` names the one held, while it is still pending. A user without a record
 * (PostConfirmation failed) gets one, as bindFace would give.
 */
export async function holdPendingFace(sub: string, faceId: string, photoKey: string): Promise<PendingHold> {
  let replaced: string | undefined;
  const held = await unlessConditionFails(async () => {
    const { Attributes } = await documentClient.send(
      new UpdateCommand({
        TableName: config.usersTable,
        Key: { pk: userKey(sub) },
        UpdateExpression: 'SET #sub = :sub, pendingFaceId = :faceId, pendingPhoto = :photo',
        ConditionExpression: 'attribute_not_exists(pendingPhoto) OR pendingPhoto <> :photo',
        ExpressionAttributeNames: { '#sub': 'sub' },
        ExpressionAttributeValues: { ':sub': sub, ':faceId': faceId, ':photo': photoKey },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    replaced = Attributes?.pendingFaceId as string | undefined;
  });
  if (held) return replaced === undefined || replaced === faceId ? { held: true } : { held: true, replaced };
  const user = await getUser(sub);
  // Stryker disable next-line OptionalChaining: the refused condition read the record; only the deleted-user sweep removes one, of a user gone from the pool
  return user?.pendingPhoto === photoKey ? { held: false, heldForPhoto: user.pendingFaceId } : { held: false };
}

/**
 * Binds the user's pending face, provided it is still pending (a later enrolment photo has not
 * replaced it) and nobody bound another face since `previousFaceId` was read (two enrolments
 * racing must not silently replace each other), with what is left to do after it
 * (`followUpOfBind`). `email` fills in a record PostConfirmation never wrote (a confirmation cut
 * short after Cognito confirmed the user: the face-indexer's hold then made the record), and leaves
 * one it wrote as it is.
 */
export async function bindFace(
  sub: string,
  faceId: string,
  previousFaceId: string | undefined,
  now: number,
  { deviceHash, email }: { deviceHash?: string; email?: string } = {},
): Promise<boolean> {
  return unlessConditionFails(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: config.usersTable,
        Key: { pk: userKey(sub) },
        // A new face starts a new list of trusted devices: after a take-back by the mailbox owner,
        // the devices of whoever enrolled before are strangers again.
        UpdateExpression:
          'SET #sub = :sub, faceId = :faceId, enrolledAt = :enrolledAt, lastFactor = :factor, createdAt = if_not_exists(createdAt, :enrolledAt), trustedDevices = :devices, followUp = :followUp' +
          `${email ? ', email = if_not_exists(email, :email)' : ''} REMOVE pendingFaceId, pendingPhoto`,
        ConditionExpression: `pendingFaceId = :faceId AND ${previousFaceId ? 'faceId = :previous' : 'attribute_not_exists(faceId)'}`,
        ExpressionAttributeNames: { '#sub': 'sub' },
        ExpressionAttributeValues: {
          ':sub': sub,
          ':faceId': faceId,
          ':enrolledAt': new Date(now).toISOString(),
          ':factor': 'face-enrolment' satisfies LastFactor,
          ':devices': deviceHash ? [deviceHash] : [],
          ':followUp': followUpOfBind(previousFaceId),
          ...(email ? { ':email': email } : {}),
          ...(previousFaceId ? { ':previous': previousFaceId } : {}),
        },
      }),
    ),
  );
}

/** The bind of `faceId` has nothing left to do; false when another face was bound since (its own follow-up stays). */
export async function clearFollowUp(sub: string, faceId: string): Promise<boolean> {
  return updateUserIf(sub, 'REMOVE followUp', 'faceId = :faceId', { ':faceId': faceId });
}

/** Updates the user's record when `condition` holds; false when it does not. */
function updateUserIf(sub: string, update: string, condition: string, values: Record<string, unknown>): Promise<boolean> {
  return unlessConditionFails(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: config.usersTable,
        Key: { pk: userKey(sub) },
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

/**
 * After a face sign-in: the factor for the token claims, and the device remembered as trusted.
 * Only while `faceId`, the face that matched, is still bound; false when another face was bound
 * since it was read (a re-enrolment): the device list read with the old face must not be written
 * over the one the new face started with.
 */
export async function recordFaceSignIn(sub: string, faceId: string, trustedDevices: string[] | undefined): Promise<boolean> {
  return unlessConditionFails(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: config.usersTable,
        Key: { pk: userKey(sub) },
        UpdateExpression: trustedDevices ? 'SET lastFactor = :factor, trustedDevices = :devices' : 'SET lastFactor = :factor',
        ConditionExpression: 'faceId = :faceId',
        ExpressionAttributeValues: {
          ':factor': 'face' satisfies LastFactor,
          ':faceId': faceId,
          ...(trustedDevices ? { ':devices': trustedDevices } : {}),
        },
      }),
    ),
  );
}

/**
 * Whether `recordFaceSignIn(sub, faceId, trustedDevices)` would change the user's record. The usual
 * sign-in (the face factor already recorded, from the newest trusted device or with no device
 * key) changes nothing, and is not written again.
 */
export function faceSignInChangesRecord(user: UserRecord | undefined, trustedDevices: string[] | undefined): boolean {
  if (user?.lastFactor !== 'face') return true;
  if (!trustedDevices) return false;
  const current = user.trustedDevices ?? [];
  return trustedDevices.length !== current.length || trustedDevices.some((hash, index) => hash !== current[index]);
}

/** The trusted-device list with `deviceHash` added as the newest, the oldest dropped beyond the limit. */
export function withTrustedDevice(current: string[] | undefined, deviceHash: string): string[] {
  const others = (current ?? []).filter((hash) => hash !== deviceHash);
  return [...others, deviceHash].slice(-MAX_TRUSTED_DEVICES);
}

/**
 * What a face check found, kept with the photo's USED mark. Cognito retries a Verify that has not
 * answered in 5 seconds with the very same event; by then the first run may have deleted the
 * photo, and the retry must answer what that run found rather than "nothing uploaded".
 */
export interface SignInVerdict {
  sub: string;
  matched: boolean;
  /** When the run that found it started (ms). */
  checkedAt: number;
}

/**
 * Marks a sign-in photo as looked at, with the verdict when the check reached one (`matched`
 * undefined: it did not, and the mark holds none). A photo posted again with its upload form after
 * this (the form lives on for its TTL) is deleted by the face-indexer as soon as S3 reports it.
 */
export async function markSignInPhotoUsed(objectKey: string, now: number, sub: string, matched: boolean | undefined): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: config.usersTable,
      // An undefined `matched` is left out of the item (removeUndefinedValues).
      Item: { pk: uploadKey(objectKey), status: 'USED', sub, matched, checkedAt: now, expiresAt: expiresInOneDay(now) },
    }),
  );
}

async function signInPhotoMark(objectKey: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documentClient.send(
    // Stryker disable next-line BooleanLiteral: dynalite reads consistently either way (docs/mutation-testing.md)
    new GetCommand({ TableName: config.usersTable, Key: { pk: uploadKey(objectKey) }, ConsistentRead: true }),
  );
  return Item?.status === 'USED' ? Item : undefined;
}

export async function signInPhotoUsed(objectKey: string): Promise<boolean> {
  return (await signInPhotoMark(objectKey)) !== undefined;
}

/** The verdict an earlier check of this sign-in photo recorded, if it reached one. */
export async function signInPhotoVerdict(objectKey: string): Promise<SignInVerdict | undefined> {
  const mark = await signInPhotoMark(objectKey);
  if (typeof mark?.matched !== 'boolean' || typeof mark.checkedAt !== 'number') return undefined;
  return { sub: String(mark.sub), matched: mark.matched, checkedAt: mark.checkedAt };
}

/** Returns false when there is no record to update (it is not created from a sign-in alone). */
export async function recordSignIn(sub: string, now: number): Promise<boolean> {
  return updateUserIf(sub, 'SET lastSignInAt = :at', 'attribute_exists(pk)', { ':at': new Date(now).toISOString() });
}

/** The indexer's verdict on one uploaded object, ignoring a verdict past its expiry. */
export async function getUploadResult(objectKey: string, now: number): Promise<UploadResult | undefined> {
  const { Item } = await documentClient.send(
    // Stryker disable next-line BooleanLiteral: dynalite reads consistently either way (docs/mutation-testing.md)
    new GetCommand({ TableName: config.usersTable, Key: { pk: uploadKey(objectKey) }, ConsistentRead: true }),
  );
  if (!Item || (typeof Item.expiresAt === 'number' && Item.expiresAt * 1000 <= now)) return undefined;
  return Item as UploadResult;
}

/**
 * Records the verdict on an uploaded object unless one exists: S3 delivers events at least once,
 * and Verify may have declared the upload missing; the first verdict stands.
 */
export async function recordUploadResultIfAbsent(objectKey: string, result: UploadResult, now: number): Promise<boolean> {
  return unlessConditionFails(() =>
    documentClient.send(
      new PutCommand({
        TableName: config.usersTable,
        Item: { pk: uploadKey(objectKey), ...result, expiresAt: expiresInOneDay(now) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/**
 * Leaves the trace of an indexing of this enrolment photo, before its IndexFaces: false when an
 * earlier attempt left one, so this one is a retry (or a duplicate event) and the earlier may have
 * indexed faces and died before holding or deleting them. The trace outlives the attempt and
 * expires with the verdict; on the first delivery it costs this one conditional write.
 */
export async function traceIndexingAttempt(objectKey: string, sub: string, now: number): Promise<boolean> {
  return unlessConditionFails(() =>
    documentClient.send(
      new PutCommand({
        TableName: config.usersTable,
        Item: { pk: indexingKey(objectKey), sub, startedAt: now, expiresAt: expiresInOneDay(now) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/** Whether an indexing of this enrolment photo ever reached IndexFaces (traceIndexingAttempt). */
export async function indexingWasAttempted(objectKey: string): Promise<boolean> {
  const { Item } = await documentClient.send(
    // Stryker disable next-line BooleanLiteral: dynalite reads consistently either way (docs/mutation-testing.md)
    new GetCommand({ TableName: config.usersTable, Key: { pk: indexingKey(objectKey) }, ConsistentRead: true }),
  );
  return Item !== undefined;
}

/** Runs a conditional write; false when its condition did not hold. */
export async function unlessConditionFails(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    // By name, not instanceof: a bundle may hold more than one copy of the SDK's error classes.
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}
