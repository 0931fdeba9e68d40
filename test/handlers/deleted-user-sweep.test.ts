import './handler-test-environment.js';
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScheduledEvent } from 'aws-lambda';
import { AdminGetUserCommand, CognitoIdentityProviderClient, ListUsersCommand, UserNotFoundException, type UserType } from '@aws-sdk/client-cognito-identity-provider';
import { DeleteFacesCommand, ListFacesCommand, RekognitionClient, ThrottlingException, type Face } from '@aws-sdk/client-rekognition';
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { documentClient } from '../../handlers/aws-clients/dynamodb.js';
import { handler } from '../../handlers/deleted-user-sweep.js';
import { COLLECTION, TABLE } from './handler-test-environment.js';
import { dynamoDbCommandsOf } from './dynamodb-calls.js';
import { captureLogs } from './log-capture.js';
import { getItem, invoke, putItem, USER_POOL_ID } from './trigger-events.js';

const cognito = mockClient(CognitoIdentityProviderClient);
const rekognition = mockClient(RekognitionClient);
const logs = captureLogs();
process.env.USER_POOL_ID = USER_POOL_ID;

const scheduledEvent = { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} } as unknown as ScheduledEvent;
const sweep = () => invoke<ScheduledEvent, void>(handler, scheduledEvent);
// As ListUsers lists them: the sub among other attributes.
const poolUser = (sub: string): UserType => ({ Username: sub, Attributes: [{ Name: 'email', Value: `${sub.slice(0, 8)}@example.com` }, { Name: 'sub', Value: sub }] });
const face = (sub: string): Face => ({ FaceId: randomUUID(), ExternalImageId: sub });
const notFound = () => new UserNotFoundException({ message: 'User does not exist.', $metadata: {} });

/** The pool: ListUsers lists `members`; AdminGetUser also knows `signedUpSince` (not in the listing). */
function pool(members: string[], signedUpSince: string[] = []) {
  cognito.on(ListUsersCommand).resolves({ Users: members.map(poolUser) });
  cognito.on(AdminGetUserCommand).callsFake((input: { Username: string }) => {
    if ([...members, ...signedUpSince].includes(input.Username)) return { Username: input.Username };
    throw notFound();
  });
}
const collection = (faces: Face[]) => rekognition.on(ListFacesCommand).resolves({ Faces: faces });
const deletedFaceIds = () => rekognition.commandCalls(DeleteFacesCommand).flatMap((call) => call.args[0].input.FaceIds ?? []);
const record = (sub: string, faceId?: string) => putItem({ pk: `USER#${sub}`, sub, email: `${sub.slice(0, 8)}@example.com`, ...(faceId ? { faceId } : {}) });

beforeEach(async () => {
  cognito.reset();
  rekognition.reset();
  rekognition.on(DeleteFacesCommand).resolves({});
  // Each test sees only its own items.
  const { Items = [] } = await documentClient.send(new ScanCommand({ TableName: TABLE }));
  for (const item of Items) await documentClient.send(new DeleteCommand({ TableName: TABLE, Key: { pk: item.pk } }));
});

describe('the deleted-user sweep', () => {
  it('removes the faces and the record of a user no longer in the pool, and nothing of a member', async () => {
    const [member, deleted] = [randomUUID(), randomUUID()];
    const [memberFace, deletedFace, deletedPendingFace] = [face(member), face(deleted), face(deleted)];
    await record(member, memberFace.FaceId);
    await record(deleted, deletedFace.FaceId);
    await putItem({ pk: `FAILURES#${deleted}`, count: 2 });
    pool([member]);
    collection([memberFace, deletedFace, deletedPendingFace]);

    await sweep();

    expect(deletedFaceIds()).toEqual([deletedFace.FaceId, deletedPendingFace.FaceId]);
    expect(rekognition.commandCalls(DeleteFacesCommand)[0].args[0].input.CollectionId).toBe(COLLECTION);
    expect(await getItem(`USER#${deleted}`)).toBeUndefined();
    expect(await getItem(`USER#${member}`)).toMatchObject({ faceId: memberFace.FaceId });
    // Left to the table's TTL: only USER# records are the sweep's.
    expect(await getItem(`FAILURES#${deleted}`)).toMatchObject({ count: 2 });
    // Every attribute: Cognito refuses an AttributesToGet naming one a listed user lacks.
    expect(cognito.commandCalls(ListUsersCommand)[0].args[0].input).toEqual({ UserPoolId: USER_POOL_ID, PaginationToken: undefined });
    expect(cognito.commandCalls(AdminGetUserCommand).map((call) => call.args[0].input)).toEqual([{ UserPoolId: USER_POOL_ID, Username: deleted }]);
    const summary = logs.text().split('\n').find((line) => line.includes('deleted users swept'));
    expect(JSON.parse(summary ?? '{}')).toMatchObject({ usersInPool: 1, usersRemoved: 1, facesRemoved: 2 });
  });

  it('reads the owner of a face tagged with its enrolment photo, as the indexer tags faces (and older ones alone)', async () => {
    const [member, deleted] = [randomUUID(), randomUUID()];
    const photo = () => randomUUID().replace(/-/g, '');
    const memberFaces = [face(`${member}:${photo()}`), face(member)];
    const deletedFaces = [face(`${deleted}:${photo()}`), face(deleted), face(`${deleted}:${photo()}`)];
    await record(member, memberFaces[0].FaceId);
    await record(deleted);
    pool([member]);
    collection([memberFaces[0], deletedFaces[0], memberFaces[1], deletedFaces[1], deletedFaces[2]]);

    await sweep();

    expect(deletedFaceIds()).toEqual(deletedFaces.map((deletedFace) => deletedFace.FaceId));
    expect(cognito.commandCalls(AdminGetUserCommand).map((call) => call.args[0].input.Username)).toEqual([deleted]);
    expect(await getItem(`USER#${deleted}`)).toBeUndefined();
  });

  it("removes a member's face that nobody can bind once its photo's indexing trace has expired, and keeps every face that may yet be bound", async () => {
    const member = randomUUID();
    const photo = () => randomUUID().replace(/-/g, '');
    const [boundPhoto, pendingPhoto, tracedPhoto, expiredPhoto] = [photo(), photo(), photo(), photo()];
    const bound = face(`${member}:${boundPhoto}`);
    const pending = face(`${member}:${pendingPhoto}`);
    // An indexing of this photo began within the day: a retry may still hold its face.
    const traced = face(`${member}:${tracedPhoto}`);
    const expired = face(`${member}:${expiredPhoto}`);
    // Indexed by an older version: the tag names no photo whose trace could be read.
    const untagged = face(member);
    await putItem({ pk: `USER#${member}`, sub: member, faceId: bound.FaceId, pendingFaceId: pending.FaceId });
    // The traces of the bound and pending photos have expired too: the record keeps their faces.
    await putItem({ pk: `INDEXING#enrol/${member}/${tracedPhoto}`, sub: member, startedAt: Date.now() });
    pool([member]);
    collection([bound, pending, traced, expired, untagged]);

    await sweep();

    expect(rekognition.commandCalls(DeleteFacesCommand).map((call) => call.args[0].input)).toEqual([{ CollectionId: COLLECTION, FaceIds: [expired.FaceId] }]);
    expect(await getItem(`USER#${member}`)).toMatchObject({ faceId: bound.FaceId, pendingFaceId: pending.FaceId });
    expect(cognito.commandCalls(AdminGetUserCommand)).toHaveLength(0);
    const summary = logs.text().split('\n').find((line) => line.includes('deleted users swept'));
    expect(JSON.parse(summary ?? '{}')).toMatchObject({ usersInPool: 1, usersRemoved: 0, facesRemoved: 0, unboundFacesRemoved: 1 });
  });

  it("removes a member's face tagged with a photo when the member has no record at all", async () => {
    const member = randomUUID();
    const unbound = face(`${member}:${randomUUID().replace(/-/g, '')}`);
    pool([member]);
    collection([unbound]);

    await sweep();

    expect(deletedFaceIds()).toEqual([unbound.FaceId]);
  });

  it('leaves alone a user who signed up after the listing (AdminGetUser finds them)', async () => {
    const newcomer = randomUUID();
    const newcomerFace = face(newcomer);
    await record(newcomer, newcomerFace.FaceId);
    pool([], [newcomer]);
    collection([newcomerFace]);

    await sweep();

    expect(deletedFaceIds()).toEqual([]);
    expect(await getItem(`USER#${newcomer}`)).toMatchObject({ faceId: newcomerFace.FaceId });
  });

  it('removes a face whose record is gone, and a record with no face, each without the other', async () => {
    const [faceOnly, recordOnly] = [randomUUID(), randomUUID()];
    const orphan = face(faceOnly);
    await record(recordOnly);
    pool([]);
    collection([orphan]);

    await sweep();

    expect(rekognition.commandCalls(DeleteFacesCommand).map((call) => call.args[0].input.FaceIds)).toEqual([[orphan.FaceId]]);
    expect(await getItem(`USER#${recordOnly}`)).toBeUndefined();
  });

  it('deletes no record for a sub that has only faces', async () => {
    const faceOnly = randomUUID();
    pool([]);
    collection([face(faceOnly)]);

    const commands = await dynamoDbCommandsOf(sweep);

    expect(commands).toEqual(['ScanCommand']);
    expect(deletedFaceIds()).toHaveLength(1);
  });

  it('reads a listed user without attributes, or without a sub, as no member, and a scan page without Items as empty', async () => {
    const deleted = randomUUID();
    const deletedFace = face(deleted);
    cognito.on(ListUsersCommand).resolves({ Users: [{ Username: 'no-attributes' }, { Username: 'no-sub', Attributes: [{ Name: 'email', Value: 'x@example.com' }] }] });
    cognito.on(AdminGetUserCommand).rejects(notFound());
    collection([deletedFace]);
    const send = documentClient.send.bind(documentClient) as (command: unknown) => Promise<unknown>;
    const scanWithoutItems = vi.spyOn(documentClient, 'send').mockImplementation((async (command: object) =>
      command instanceof ScanCommand ? { Count: 0, ScannedCount: 0 } : send(command)) as never);
    try {
      await sweep();
    } finally {
      scanWithoutItems.mockRestore();
    }

    expect(cognito.commandCalls(AdminGetUserCommand).map((call) => call.args[0].input.Username)).toEqual([deleted]);
    expect(deletedFaceIds()).toEqual([deletedFace.FaceId]);
  });

  it('reads every page of the pool, the collection and the table', async () => {
    const members = [randomUUID(), randomUUID()];
    const deleted = [randomUUID(), randomUUID()];
    cognito.on(ListUsersCommand, { PaginationToken: undefined }).resolves({ Users: [poolUser(members[0])], PaginationToken: 'page-2' });
    cognito.on(ListUsersCommand, { PaginationToken: 'page-2' }).resolves({ Users: [poolUser(members[1])] });
    cognito.on(AdminGetUserCommand).rejects(notFound());
    const faces = [...members, ...deleted].map(face);
    rekognition.on(ListFacesCommand, { NextToken: undefined }).resolves({ Faces: [faces[0], faces[2]], NextToken: 'faces-2' });
    rekognition.on(ListFacesCommand, { NextToken: 'faces-2' }).resolves({ Faces: [faces[1], faces[3]] });
    // Records big enough that DynamoDB answers a Scan in more than one page (1 MB each).
    const padding = 'x'.repeat(390_000);
    for (const sub of [...members, ...deleted]) await putItem({ pk: `USER#${sub}`, sub, padding });
    for (let extra = 0; extra < 2; extra++) await putItem({ pk: `USER#${randomUUID()}`, padding });

    await sweep();

    expect(deletedFaceIds().sort()).toEqual([faces[2].FaceId, faces[3].FaceId].sort());
    for (const sub of members) expect(await getItem(`USER#${sub}`)).toBeDefined();
    for (const sub of deleted) expect(await getItem(`USER#${sub}`)).toBeUndefined();
    const { Items = [] } = await documentClient.send(new ScanCommand({ TableName: TABLE, ProjectionExpression: 'pk' }));
    expect(Items.map((item) => item.pk).sort()).toEqual(members.map((sub) => `USER#${sub}`).sort());
  });

  it('asks Rekognition to delete at most 4096 faces at a time', async () => {
    const deleted = randomUUID();
    const faces = Array.from({ length: 4097 }, () => face(deleted));
    pool([]);
    collection(faces);

    await sweep();

    expect(rekognition.commandCalls(DeleteFacesCommand).map((call) => call.args[0].input.FaceIds?.length)).toEqual([4096, 1]);
    expect(deletedFaceIds()).toEqual(faces.map((each) => each.FaceId));
    expect(rekognition.commandCalls(ListFacesCommand)[0].args[0].input).toMatchObject({ CollectionId: COLLECTION, MaxResults: 4096 });
  });

  it('keeps the record when its faces could not be deleted, so the next sweep finds the user again', async () => {
    const deleted = randomUUID();
    const deletedFace = face(deleted);
    await record(deleted, deletedFace.FaceId);
    pool([]);
    collection([deletedFace]);
    rekognition.on(DeleteFacesCommand).rejects(new ThrottlingException({ message: 'Slow down', $metadata: {} }));

    await expect(sweep()).rejects.toThrow('internal error');
    expect(await getItem(`USER#${deleted}`)).toMatchObject({ faceId: deletedFace.FaceId });
  });

  it('stops, removing nothing of the user, when Cognito cannot say whether the user exists', async () => {
    const unsure = randomUUID();
    const unsureFace = face(unsure);
    await record(unsure, unsureFace.FaceId);
    cognito.on(ListUsersCommand).resolves({ Users: [] });
    cognito.on(AdminGetUserCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    collection([unsureFace]);

    await expect(sweep()).rejects.toThrow('internal error');
    expect(deletedFaceIds()).toEqual([]);
    expect(await getItem(`USER#${unsure}`)).toBeDefined();
  });

  it('skips faces indexed without a sub or without an id', async () => {
    pool([]);
    collection([{ FaceId: randomUUID() }, { ExternalImageId: randomUUID() }]);

    await sweep();

    expect(cognito.commandCalls(AdminGetUserCommand)).toHaveLength(0);
    expect(deletedFaceIds()).toEqual([]);
  });
});
