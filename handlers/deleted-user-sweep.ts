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
import type { ScheduledHandler } from 'aws-lambda';
import { AdminGetUserCommand, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { cognitoClient } from './aws-clients/cognito.js';
import { documentClient } from './aws-clients/dynamodb.js';
import { config } from './config.js';
import { collectionFaces, deleteFaces } from './face-collection.js';
import { ownerOfFace } from './face-tags.js';
import { logger } from './logger.js';
import { withErrorBoundary } from './trigger-errors.js';
import { userKey } from './users-table.js';

export const handler: ScheduledHandler = withErrorBoundary('deleted-user-sweep', async () => {
  const userPoolId = config.userPoolId;
  const members = await subsInPool(userPoolId);
  const facesBySub = await collectionFacesNotIn(members);
  const recordSubs = await recordSubsNotIn(members);
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
  logger.info('deleted users swept', { usersInPool: members.size, usersRemoved, facesRemoved });
});

/** Every sub of the pool, from ListUsers' pages. */
async function subsInPool(userPoolId: string): Promise<Set<string>> {
  const subs = new Set<string>();
  let PaginationToken: string | undefined;
  do {
    const page = await cognitoClient.send(new ListUsersCommand({ UserPoolId: userPoolId, AttributesToGet: ['sub'], PaginationToken }));
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
 * The collection's faces whose owner (the sub they were indexed for, from the ExternalImageId
 * `<sub>:<photo id>`, or the sub alone for faces indexed by older versions) is not in `members`.
 */
async function collectionFacesNotIn(members: Set<string>): Promise<Map<string, string[]>> {
  const faces = new Map<string, string[]>();
  for await (const face of collectionFaces()) {
    const sub = face.ExternalImageId && ownerOfFace(face.ExternalImageId);
    if (!sub || !face.FaceId || members.has(sub)) continue;
    faces.set(sub, [...(faces.get(sub) ?? []), face.FaceId]);
  }
  return faces;
}

/** The subs of USER# records whose user is not in `members`. */
async function recordSubsNotIn(members: Set<string>): Promise<Set<string>> {
  const subs = new Set<string>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new ScanCommand({
        TableName: config.usersTable,
        FilterExpression: 'begins_with(pk, :user)',
        ProjectionExpression: 'pk',
        ExpressionAttributeValues: { ':user': userKey('') },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const sub = String(item.pk).slice(userKey('').length);
      if (!members.has(sub)) subs.add(sub);
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return subs;
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
