// deleted-user-sweep: runs on a schedule (daily on AWS) and removes what the kit keeps of users
// who are no longer in the user pool: their faces in the collection and their USER# record. A
// face is a credential and a biometric template; Cognito has no trigger for a deleted user
// (DeleteUser, AdminDeleteUser), so without this sweep a deleted account's face stayed for ever.
//
// A user counts as gone only when the pool's listing lacks them AND AdminGetUser, asked after the
// listing, says they do not exist: someone signing up while the sweep runs is never touched. The
// faces go before the record, so a sweep cut short leaves a record that the next one finds again;
// faces are found by the collection's own ExternalImageId (whose owner part is the sub, see
// face-tags.ts), so a face whose record is already gone (or never held it) goes too. Other items of a user (failure counts, photo marks,
// the mailbox budget) expire through the table's TTL within a day.
//
// It also removes a member's face that nobody can bind: neither the record's face nor its pending
// one, indexed from an enrolment photo whose INDEXING# trace has expired. The face-indexer deletes
// such faces itself, on a retry of the attempt that left them; only when every retry died too did
// one stay for ever. The trace is written before IndexFaces and lives a day, far longer than
// Lambda retries an event (6 hours at most), so while it exists an indexing of that photo may
// still hold its face, and the face is left alone. A face tagged with the sub alone (indexed by
// older versions) names no photo, and is left alone too.
import type { ScheduledHandler } from 'aws-lambda';
import { AdminGetUserCommand, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { cognitoClient } from './aws-clients/cognito.js';
import { documentClient } from './aws-clients/dynamodb.js';
import { config } from './config.js';
import { collectionFaces, deleteFaces } from './face-collection.js';
import { ownerOfFace, photoKeyOfFace } from './face-tags.js';
import { logger } from './logger.js';
import { withErrorBoundary } from './trigger-errors.js';
import { indexingWasAttempted, userKey } from './users-table.js';

export const handler: ScheduledHandler = withErrorBoundary('deleted-user-sweep', async () => {
  const userPoolId = config.userPoolId;
  const members = await subsInPool(userPoolId);
  // The records before the faces: a face held after this read is found with its fresh indexing trace.
  const { recordSubs, boundFaceIds } = await userRecordsOf(members);
  const { ofOthers: facesBySub, unboundOfMembers } = await collectionFacesByOwner(members, boundFaceIds);
  let usersRemoved = 0;
  let facesRemoved = 0;
  for (const sub of new Set([...facesBySub.keys(), ...recordSubs])) {
    if (await userExists(userPoolId, sub)) continue;
    const faceIds = facesBySub.get(sub) ?? [];
    await deleteFaces(faceIds);
    if (recordSubs.has(sub)) await documentClient.send(new DeleteCommand({ TableName: config.usersTable, Key: { pk: userKey(sub) } }));
    usersRemoved += 1;
    facesRemoved += faceIds.length;
  }
  const unboundFaceIds = await facesNobodyCanBind(unboundOfMembers);
  await deleteFaces(unboundFaceIds);
  logger.info('deleted users swept', { usersInPool: members.size, usersRemoved, facesRemoved, unboundFacesRemoved: unboundFaceIds.length });
});

interface UnboundFace {
  faceId: string;
  externalImageId: string;
}

/** Of members' faces no record binds, those whose enrolment photo's indexing trace has expired. */
async function facesNobodyCanBind(faces: UnboundFace[]): Promise<string[]> {
  const unbound: string[] = [];
  for (const { faceId, externalImageId } of faces) {
    const photoKey = photoKeyOfFace(externalImageId);
    // An indexing of the photo began within a day: it may yet hold this face.
    if (!photoKey || (await indexingWasAttempted(photoKey))) continue;
    unbound.push(faceId);
  }
  return unbound;
}

/** Every sub of the pool, from ListUsers' pages. */
async function subsInPool(userPoolId: string): Promise<Set<string>> {
  const subs = new Set<string>();
  let PaginationToken: string | undefined;
  do {
    // Every attribute, not AttributesToGet ['sub']: Cognito refuses a requested attribute any
    // listed user lacks, and a report has it refuse `sub` by name (aws-samples/sample-collaborative-ai-dlc#52).
    const page = await cognitoClient.send(new ListUsersCommand({ UserPoolId: userPoolId, PaginationToken }));
    // Stryker disable next-line ArrayDeclaration: a made-up user without Attributes adds no sub, as none does
    for (const user of page.Users ?? []) {
      const sub = user.Attributes?.find((attribute) => attribute.Name === 'sub')?.Value;
      // Stryker disable next-line ConditionalExpression: an undefined sub in the set matches no face or record
      if (sub) subs.add(sub);
    }
    PaginationToken = page.PaginationToken;
  } while (PaginationToken);
  return subs;
}

/**
 * The collection's faces by owner (the sub they were indexed for, from the ExternalImageId
 * `<sub>:<photo id>`, or the sub alone for faces indexed by older versions): those of users not
 * in `members`, by sub, and those of members that no record binds.
 */
async function collectionFacesByOwner(
  members: Set<string>,
  boundFaceIds: Set<string>,
): Promise<{ ofOthers: Map<string, string[]>; unboundOfMembers: UnboundFace[] }> {
  const ofOthers = new Map<string, string[]>();
  const unboundOfMembers: UnboundFace[] = [];
  for await (const face of collectionFaces()) {
    const sub = face.ExternalImageId && ownerOfFace(face.ExternalImageId);
    if (!sub || !face.FaceId) continue;
    if (!members.has(sub)) ofOthers.set(sub, [...(ofOthers.get(sub) ?? []), face.FaceId]);
    else if (!boundFaceIds.has(face.FaceId)) unboundOfMembers.push({ faceId: face.FaceId, externalImageId: face.ExternalImageId! });
  }
  return { ofOthers, unboundOfMembers };
}

/**
 * From every USER# record: the subs of those whose user is not in `members`, and the faces the
 * records bind or hold as pending (their ids alone, to keep the sweep small for a large pool).
 */
async function userRecordsOf(members: Set<string>): Promise<{ recordSubs: Set<string>; boundFaceIds: Set<string> }> {
  const recordSubs = new Set<string>();
  const boundFaceIds = new Set<string>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new ScanCommand({
        TableName: config.usersTable,
        FilterExpression: 'begins_with(pk, :user)',
        ProjectionExpression: 'pk, faceId, pendingFaceId',
        ExpressionAttributeValues: { ':user': userKey('') },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const sub = String(item.pk).slice(userKey('').length);
      if (!members.has(sub)) recordSubs.add(sub);
      // Stryker disable next-line ConditionalExpression: an undefined in the set matches no face (every face compared has an id)
      for (const faceId of [item.faceId, item.pendingFaceId]) if (typeof faceId === 'string') boundFaceIds.add(faceId);
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return { recordSubs, boundFaceIds };
}

/** Asked after the listing: a user who signed up since is not in it, but exists. */
async function userExists(userPoolId: string, sub: string): Promise<boolean> {
  try {
    await cognitoClient.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: sub }));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'UserNotFoundException') return false;
    throw error;
  }
}
