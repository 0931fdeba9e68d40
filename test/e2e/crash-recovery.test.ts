// SIGKILL under load loses nothing that was acknowledged: `npm start` is killed while users are
// enrolling, started again on the same data folder, and every user whose enrolment finished
// (tokens came back) signs in with their face. A kill right after an enrolment photo's upload was
// answered leaves no photo behind: its S3 event is delivered at the next start. A kill as
// IndexFaces has stored the face leaves no face bound to nobody once the event came again. A kill
// as a re-enrolment binds the new face leaves the old face's sessions to end, the old face to go
// and the mailbox to hear of it, at the next token Cognito issues. Small on purpose; no timings
// are asserted.
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListFacesCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cognitoClient, enrolUser, signIn, signInPhotos, stackTarget, TEST_CREDENTIALS } from '../../bench/face-users.js';
import { startSimProcess, type SimProcess } from '../../bench/sim-process.js';
import { FaceAuthClient } from '../../cli/face-auth-client.js';
import { generateFixture } from '../../sim/faces/generate-face.js';
import { cloudAssembly } from './embedded-cloud-harness.js';

const WRITERS = 4;
const KILL_AFTER_ENROLMENTS = 6;

describe('embedded cloud after a crash', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'facekit-crash-'));
  let sim: SimProcess | undefined;
  afterAll(async () => {
    await sim?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in every user whose enrolment completed before a SIGKILL in the middle of enrolments', async () => {
    await cloudAssembly();
    sim = await startSimProcess({ dataDir });
    const target = await stackTarget(sim.endpoint);
    const cognito = cognitoClient(target);
    const completed: Array<{ email: string; seed: string }> = [];
    let killed = false;
    let started = 0;
    // Writers enrol users one after the other until the kill; enrolments cut short fail, and are
    // not counted.
    await Promise.all(Array.from({ length: WRITERS }, async () => {
      while (!killed && started < 40) {
        const seed = `crash-${started++}`;
        const email = `${seed}@example.com`;
        try {
          await enrolUser(target, cognito, email, seed);
        } catch (error) {
          if (killed) return;
          throw error;
        }
        if (killed) return;
        completed.push({ email, seed });
        if (completed.length >= KILL_AFTER_ENROLMENTS && !killed) {
          killed = true;
          await sim!.kill();
        }
      }
    }));
    cognito.destroy();
    expect(killed).toBe(true);
    expect(completed.length).toBeGreaterThanOrEqual(KILL_AFTER_ENROLMENTS);

    sim = await startSimProcess({ dataDir });
    const restarted = await stackTarget(sim.endpoint);
    const again = cognitoClient(restarted);
    try {
      for (const { email, seed } of completed) {
        const [photo] = await signInPhotos(seed, 1);
        await expect(signIn(restarted, again, email, photo!), email).resolves.toBeUndefined();
      }
    } finally {
      again.destroy();
    }
  }, 180_000);

  it('indexes and deletes at the next start an enrolment photo whose upload was answered just before a SIGKILL', async () => {
    const photoDir = mkdtempSync(join(tmpdir(), 'facekit-crash-photo-'));
    let kit: SimProcess | undefined;
    const resumedLines: string[] = [];
    const start = () => startSimProcess({ dataDir: photoDir, onOutput: (line) => {
      if (/asynchronous invocation\(s\) accepted before the last stop/.test(line)) resumedLines.push(line);
    } });
    try {
      await cloudAssembly();
      // Each kill comes as soon as the upload is answered, while the face indexer has the event: it
      // takes tens of milliseconds, the kill about one. Three, so that one kill losing the race
      // does not leave the test without the case.
      for (let user = 0; user < 3; user++) {
        kit = await start();
        const target = await stackTarget(kit.endpoint);
        const cognito = cognitoClient(target);
        const killedKit = kit;
        const enrolment = enrolUser(target, cognito, `photo-crash-${user}@example.com`, `photo-crash-${user}`, {
          afterPhotoSent: async () => {
            await killedKit.kill();
            throw new Error('killed after the photo');
          },
        });
        await expect(enrolment).rejects.toThrow('killed after the photo');
        cognito.destroy();
      }

      kit = await start();
      const target = await stackTarget(kit.endpoint);
      const outputs = (await (await fetch(`${kit.endpoint}/_sim/outputs`)).json()) as Record<string, Record<string, string>>;
      const bucket = Object.values(outputs)[0]!.BucketName!;
      const s3 = new S3Client({ region: target.region, endpoint: target.endpoint, credentials: TEST_CREDENTIALS, forcePathStyle: true });
      try {
        const enrolPhotos = async () => (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'enrol/' }))).KeyCount ?? 0;
        // The resumed events run in the background after the kit is ready.
        for (let wait = 0; wait < 300 && (await enrolPhotos()) > 0; wait++) await new Promise((pause) => setTimeout(pause, 100));
        expect(await enrolPhotos()).toBe(0);
      } finally {
        s3.destroy();
      }
    } finally {
      await kit?.kill();
      rmSync(photoDir, { recursive: true, force: true });
    }
    // Printed for whoever checks that the kills came in time (not asserted: a fast machine may not need it).
    console.log(resumedLines.join('\n') || 'every indexer finished before its kill');
  }, 240_000);

  it('leaves no face bound to nobody after kills as IndexFaces stored an enrolment photo’s face', async () => {
    const indexDir = mkdtempSync(join(tmpdir(), 'facekit-crash-index-'));
    const facesFolder = join(indexDir, 'rekognition', 'faces');
    const facesLogBytes = () =>
      existsSync(facesFolder) ? readdirSync(facesFolder).reduce((bytes, name) => bytes + (statSync(join(facesFolder, name), { throwIfNoEntry: false })?.size ?? 0), 0) : 0;
    let kit: SimProcess | undefined;
    let killsAtIndex = 0;
    try {
      await cloudAssembly();
      // The kill comes as soon as the collection's log grows after the upload: IndexFaces has stored
      // the face, and the indexer has (most likely) not held it yet. Two, as the chaos audit's kills
      // at this point left an orphan face four times in five.
      for (let user = 0; user < 2; user++) {
        kit = await startSimProcess({ dataDir: indexDir });
        const target = await stackTarget(kit.endpoint);
        const cognito = cognitoClient(target);
        const killedKit = kit;
        const enrolment = enrolUser(target, cognito, `index-crash-${user}@example.com`, `index-crash-${user}`, {
          afterPhotoSent: async () => {
            const before = facesLogBytes();
            for (let tick = 0; tick < 30_000 && facesLogBytes() === before; tick++) await new Promise((next) => setImmediate(next));
            if (facesLogBytes() > before) killsAtIndex += 1;
            await killedKit.kill();
            throw new Error('killed at IndexFaces');
          },
        });
        await expect(enrolment).rejects.toThrow('killed at IndexFaces');
        cognito.destroy();
      }

      kit = await startSimProcess({ dataDir: indexDir });
      const target = await stackTarget(kit.endpoint);
      const outputs = Object.values((await (await fetch(`${kit.endpoint}/_sim/outputs`)).json()) as Record<string, Record<string, string>>)[0]!;
      const clients = { region: target.region, endpoint: target.endpoint, credentials: TEST_CREDENTIALS };
      const s3 = new S3Client({ ...clients, forcePathStyle: true });
      const dynamodb = new DynamoDBClient(clients);
      const rekognition = new RekognitionClient(clients);
      try {
        // The redelivered events run in the background after the kit is ready; each deletes its
        // photo last, after any clean-up.
        const enrolPhotos = async () => (await s3.send(new ListObjectsV2Command({ Bucket: outputs.BucketName, Prefix: 'enrol/' }))).KeyCount ?? 0;
        for (let wait = 0; wait < 300 && (await enrolPhotos()) > 0; wait++) await new Promise((pause) => setTimeout(pause, 100));
        expect(await enrolPhotos()).toBe(0);
        const { Faces = [] } = await rekognition.send(new ListFacesCommand({ CollectionId: outputs.CollectionId, MaxResults: 4096 }));
        const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: outputs.UsersTableName }));
        const held = Items.filter((item) => item.pk?.S?.startsWith('USER#')).flatMap((item) => [item.faceId?.S, item.pendingFaceId?.S]);
        // Each user's redelivered photo is indexed again and its face held as pending; the face the
        // killed run had stored is gone.
        expect(Faces.map((face) => face.FaceId).sort()).toEqual(held.filter((faceId) => faceId !== undefined).sort());
        expect(Faces).toHaveLength(2);
      } finally {
        s3.destroy();
        dynamodb.destroy();
        rekognition.destroy();
      }
    } finally {
      await kit?.kill();
      rmSync(indexDir, { recursive: true, force: true });
    }
    // Printed for whoever checks that the kills came at IndexFaces (not asserted: a kill may miss it).
    console.log(`${killsAtIndex} of 2 kills came as the collection's log grew`);
  }, 240_000);

  it('ends the old face’s sessions, removes the old face and tells the mailbox after a SIGKILL as a re-enrolment bound the new face', async () => {
    const takeBackDir = mkdtempSync(join(tmpdir(), 'facekit-crash-bind-'));
    let kit: SimProcess | undefined;
    let killsAtBind = 0;
    const open = async () => {
      kit = await startSimProcess({ dataDir: takeBackDir });
      const outputs = Object.values((await (await fetch(`${kit.endpoint}/_sim/outputs`)).json()) as Record<string, Record<string, string>>)[0]!;
      const clients = { region: outputs.Region!, endpoint: kit.endpoint, credentials: TEST_CREDENTIALS };
      const face = new FaceAuthClient({ region: outputs.Region!, userPoolClientId: outputs.UserPoolClientId!, endpoint: kit.endpoint });
      return { kit, outputs, face, dynamodb: new DynamoDBClient(clients), rekognition: new RekognitionClient(clients) };
    };
    const codeMailed = async (endpoint: string, email: string, digits: number) => {
      for (let wait = 0; wait < 100; wait++) {
        const emails = (await (await fetch(`${endpoint}/_sim/emails?to=${encodeURIComponent(email)}`)).json()) as Array<{ body: string }>;
        const code = new RegExp(`\\b(\\d{${digits}})\\b`).exec(emails.at(-1)?.body ?? '')?.[1];
        if (code) return code;
        await new Promise((pause) => setTimeout(pause, 25));
      }
      throw new Error(`no ${digits}-digit code for ${email}`);
    };
    try {
      await cloudAssembly();
      let cloud = await open();
      // Three, as a kill lands between the bind and the sign-out about four times in ten (the
      // chaos audit's count); each round checks the same outcome wherever its kill landed.
      for (let user = 0; user < 3; user++) {
        const email = `bind-crash-${user}@example.com`;
        await cloud.face.signUp(email);
        const enrolSecret = await cloud.face.confirmSignUp(email, await codeMailed(cloud.kit.endpoint, email, 6));
        const first = await cloud.face.authenticate(email, { photo: await generateFixture('face', `old-${user}`, 0), enrolSecret });
        if (first.kind !== 'signed-in') throw new Error(`first enrolment: ${first.kind}`);
        const refreshTokenOfOldFace = first.tokens.RefreshToken!;
        const key = { pk: { S: `USER#${JSON.parse(Buffer.from(first.tokens.IdToken!.split('.')[1]!, 'base64url').toString()).sub}` } };
        const record = async () => (await cloud.dynamodb.send(new GetItemCommand({ TableName: cloud.outputs.UsersTableName, Key: key, ConsistentRead: true }))).Item;
        const oldFace = (await record())!.faceId!.S!;

        // The mailbox owner enrols again; the kit dies as soon as the record names the new face.
        const killedKit = cloud.kit;
        let killed = false;
        const takeBack = cloud.face
          .authenticate(email, { photo: await generateFixture('face', `new-${user}`, 0), enrol: true, emailCode: () => codeMailed(killedKit.endpoint, email, 8) })
          .catch(() => undefined);
        for (let poll = 0; poll < 2000 && !killed; poll++) {
          const faceId = (await record().catch(() => undefined))?.faceId?.S;
          if (faceId && faceId !== oldFace) {
            killed = true;
            killsAtBind += 1;
          }
        }
        await killedKit.kill();
        await takeBack;
        cloud.face.cognito.destroy();
        cloud.dynamodb.destroy();
        cloud.rekognition.destroy();

        cloud = await open();
        const refresh = cloud.face.cognito.send(new InitiateAuthCommand({
          ClientId: cloud.outputs.UserPoolClientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshTokenOfOldFace },
        }));
        if (!killed) continue; // the take-back finished before the bind was seen: nothing was cut short
        await expect(refresh, 'the old face’s refresh token').rejects.toMatchObject({ name: expect.stringMatching(/^(NotAuthorizedException|UserLambdaValidationException)$/) });
        expect((await cloud.face.authenticate(email, { photo: await generateFixture('face', `new-${user}`, 2) })).kind).toBe('signed-in');
        expect((await cloud.face.authenticate(email, { photo: await generateFixture('face', `old-${user}`, 2) })).kind).toBe('face-not-recognised');
        const { Faces = [] } = await cloud.rekognition.send(new ListFacesCommand({ CollectionId: cloud.outputs.CollectionId, MaxResults: 4096 }));
        expect(Faces.map((face) => face.FaceId)).not.toContain(oldFace);
        expect((await record())).not.toHaveProperty('followUp');
        const subjects = ((await (await fetch(`${cloud.kit.endpoint}/_sim/emails?to=${encodeURIComponent(email)}`)).json()) as Array<{ subject: string }>).map((mail) => mail.subject);
        // The first enrolment's notice, and the new face's: sent again when the kill fell between
        // the notice and the record's follow-up cleared (at least once, as finishEnrolment says;
        // CI met the third notice once, 2026-12-03).
        const notices = subjects.filter((subject) => subject.endsWith('a face was enrolled')).length;
        expect(notices).toBeGreaterThanOrEqual(2);
        expect(notices).toBeLessThanOrEqual(3);
      }
      cloud.face.cognito.destroy();
      cloud.dynamodb.destroy();
      cloud.rekognition.destroy();
    } finally {
      await kit?.kill();
      rmSync(takeBackDir, { recursive: true, force: true });
    }
    expect(killsAtBind, 'kills that came once the new face was bound').toBeGreaterThan(0);
  }, 240_000);
});
