// A deleted account's face leaves the collection: the stack's daily sweep
// (handlers/deleted-user-sweep.ts), run by the embedded cloud's schedule and invoked here through
// the Lambda API as a developer would (`aws lambda invoke`), against the real pool and collection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminDeleteUserCommand, DeleteUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { IndexFacesCommand, ListFacesCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ownerOfFace } from '../../handlers/face-tags.js';
import { LOCAL_CREDENTIALS } from '../../sim/embedded-cloud.js';
import { generateFixture } from '../../sim/faces/generate-face.js';
import { latestCode, startHarness, type Harness } from './embedded-cloud-harness.js';

let harness: Harness;
let lambda: LambdaClient;
let rekognition: RekognitionClient;

beforeAll(async () => {
  harness = await startHarness();
  const sdk = { region: harness.outputs.Region, endpoint: harness.endpoint, credentials: LOCAL_CREDENTIALS };
  lambda = new LambdaClient(sdk);
  rekognition = new RekognitionClient(sdk);
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

/** Signs up, confirms and enrols `seed`'s face; returns the sub and an access token. */
async function enrolledUser(email: string, seed: string): Promise<{ sub: string; accessToken: string }> {
  const { userSub } = await harness.client.signUp(email);
  const enrolSecret = await harness.client.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);
  const outcome = await harness.client.authenticate(email, { photo: await generateFixture('face', seed, 0), enrolSecret });
  if (outcome.kind !== 'signed-in') throw new Error(`enrolment of ${email} ended ${outcome.kind}`);
  return { sub: userSub, accessToken: outcome.tokens.AccessToken! };
}

const facesBySub = async () => {
  const { Faces = [] } = await rekognition.send(new ListFacesCommand({ CollectionId: harness.outputs.CollectionId, MaxResults: 4096 }));
  return Faces.map((face) => ownerOfFace(face.ExternalImageId!));
};
const userRecord = async (sub: string) =>
  (await harness.dynamo.send(new GetCommand({ TableName: harness.outputs.UsersTableName, Key: { pk: `USER#${sub}` } }))).Item;

describe('the deleted-user sweep', () => {
  it('is the target of a daily schedule, and not loaded until it runs', () => {
    const [schedule] = harness.cloud.plan.schedules;
    const sweep = harness.cloud.plan.functions.find((fn) => fn.logicalId.startsWith('DeletedUserSweep'));

    expect(harness.cloud.plan.schedules).toHaveLength(1);
    expect(schedule).toMatchObject({ expression: 'rate(1 day)', intervalMs: 86_400_000, functionNames: [sweep?.name] });
    expect(sweep?.keepWarm).toBe(false);
    expect(harness.cloud.plan.functions.filter((fn) => fn.keepWarm === false)).toEqual([sweep]);
  });

  it('removes the faces and records of users deleted by themselves or by an administrator, and a face nobody can bind, and keeps everyone else', async () => {
    const stays = await enrolledUser('stays@example.com', 'stays');
    const leaves = await enrolledUser('leaves@example.com', 'leaves');
    const removed = await enrolledUser('removed@example.com', 'removed');
    await harness.cognito.send(new DeleteUserCommand({ AccessToken: leaves.accessToken }));
    await harness.cognito.send(new AdminDeleteUserCommand({ UserPoolId: harness.outputs.UserPoolId, Username: 'removed@example.com' }));
    expect((await facesBySub()).sort()).toEqual([stays.sub, leaves.sub, removed.sub].sort());
    // A face of a member that no record binds, from a photo with no indexing trace: as an
    // indexing whose every retry died between IndexFaces and holding the face would leave it.
    await rekognition.send(
      new IndexFacesCommand({
        CollectionId: harness.outputs.CollectionId,
        Image: { Bytes: await generateFixture('face', 'stays', 5) },
        ExternalImageId: `${stays.sub}:${'0'.repeat(32)}`,
        MaxFaces: 1,
      }),
    );

    const { Functions = [] } = await lambda.send(new ListFunctionsCommand({}));
    const sweepName = Functions.map((fn) => fn.FunctionName!).find((name) => name.includes('DeletedUserSweep'));
    const run = await lambda.send(new InvokeCommand({ FunctionName: sweepName, Payload: JSON.stringify({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }) }));

    expect(run.FunctionError).toBeUndefined();
    const { Faces: left = [] } = await rekognition.send(new ListFacesCommand({ CollectionId: harness.outputs.CollectionId, MaxResults: 4096 }));
    expect(left.map((face) => face.FaceId)).toEqual([(await userRecord(stays.sub))?.faceId]);
    expect(await userRecord(leaves.sub)).toBeUndefined();
    expect(await userRecord(removed.sub)).toBeUndefined();
    expect(await userRecord(stays.sub)).toMatchObject({ email: 'stays@example.com' });
    // The one who stayed still signs in with their face.
    const again = await harness.client.authenticate('stays@example.com', { photo: await generateFixture('face', 'stays', 2) });
    expect(again.kind).toBe('signed-in');
  });
});
