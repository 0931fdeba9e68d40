// Chaos run of the durable queue of asynchronous Lambda invocations (sim/lambda/async-invocation-log.ts):
// the kit (`node sim/start.mjs`, one process) is SIGKILLed at many points (right after enrolment
// PUTs, under sign-in load, around a compaction of the log, while it resumes a previous run's
// events, several times in a row), and after each restart and a settle the invariants are checked:
// no photo left under enrol/ nor a used one under signin/, every acknowledged enrolment signs in
// with its own face and not with another user's, every bound face belongs to its user, the log
// stays small; in the end every accepted event was delivered. Prints the counts. Two runs of 21
// rounds, 33 kills and over 1,000 checks each: the one failure, in the first, was a sign-in whose
// Verify ran past Cognito's 5 s while 630 resumed events ran, on a busy two-core machine. Usage: npx tsx bench/async-queue-chaos.ts [rounds] [port]
import { randomBytes } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InitiateAuthCommand, RespondToAuthChallengeCommand, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListFacesCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { cognitoClient, enrolUser, signInPhotos, stackTarget, TEST_CREDENTIALS, type StackTarget } from './face-users.js';
import { startSimProcess, type SimProcess } from './sim-process.js';
import { ownerOfFace } from '../handlers/face-tags.js';
import { uploadKeyOf, uploadPhoto } from '../cli/face-auth-client.js';

const rounds = Number(process.argv[2] ?? 12);
const port = Number(process.argv[3] ?? 4901);
const dataDir = '/tmp/wt-async-data-chaos';
const logFile = join(dataDir, 'lambda', 'async-invocations.jsonl');
rmSync(dataDir, { recursive: true, force: true });

const enrolled: Array<{ email: string; seed: string }> = [];
/** Keys of sign-in photos whose sign-in got its answer (tokens or a refusal): Verify used them. */
const usedSignInKeys = new Set<string>();
const counts = { kills: 0, starts: 0, checks: 0, failures: 0, resumed: 0, droppedLines: 0, logBytesMax: 0 };
const failures: string[] = [];
let userCounter = 0;

function fail(message: string): void {
  counts.failures += 1;
  failures.push(message);
  console.log(`  FAIL ${message}`);
}

function check(ok: boolean, message: string): void {
  counts.checks += 1;
  if (!ok) fail(message);
}

const sleep = (ms: number) => new Promise((pause) => setTimeout(pause, ms));

async function start(): Promise<SimProcess> {
  counts.starts += 1;
  const kit = await startSimProcess({
    dataDir,
    port,
    onOutput: (line) => {
      const resumed = /delivering (\d+) asynchronous invocation/.exec(line);
      if (resumed) {
        counts.resumed += Number(resumed[1]);
        console.log(`  ${line.trim()}`);
      }
      if (/event dropped|damaged|Error:|shutdown:/.test(line) && !/NotAuthorized|UserNotFound|CodeMismatch/.test(line)) {
        counts.droppedLines += 1;
        console.log(`  kit: ${line.slice(0, 300)}`);
      }
    },
  });
  return kit;
}

async function kill(kit: SimProcess, why: string): Promise<void> {
  await kit.kill();
  counts.kills += 1;
  console.log(`  SIGKILL #${counts.kills}: ${why}`);
}

interface Clients {
  target: StackTarget;
  cognito: CognitoIdentityProviderClient;
  s3: S3Client;
  bucket: string;
  table: string;
  collection: string;
  destroy(): void;
}

async function clientsOf(kit: SimProcess): Promise<Clients> {
  const target = await stackTarget(kit.endpoint);
  const outputs = (await (await fetch(`${kit.endpoint}/_sim/outputs`)).json()) as Record<string, Record<string, string>>;
  const stack = Object.values(outputs)[0]!;
  const cognito = cognitoClient(target);
  const s3 = new S3Client({ region: target.region, endpoint: target.endpoint, credentials: TEST_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
  return {
    target, cognito, s3,
    bucket: stack.BucketName!, table: stack.UsersTableName!, collection: stack.CollectionId!,
    destroy: () => { cognito.destroy(); s3.destroy(); },
  };
}

/** A face sign-in that remembers its photo's key once the answer came back (Verify has used it). */
async function signInRecordingKey(clients: Clients, email: string, photo: Buffer): Promise<boolean> {
  const { cognito, target } = clients;
  const started = await cognito.send(new InitiateAuthCommand({ ClientId: target.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }));
  const parameters = started.ChallengeParameters ?? {};
  if (parameters.challenge !== 'FACE_MATCH') throw new Error(`expected FACE_MATCH, got ${parameters.challenge}`);
  const key = uploadKeyOf(parameters);
  await uploadPhoto(parameters, photo);
  const answered = await cognito.send(new RespondToAuthChallengeCommand({
    ClientId: target.clientId, ChallengeName: 'CUSTOM_CHALLENGE', Session: started.Session,
    ChallengeResponses: { USERNAME: parameters.USERNAME ?? email, ANSWER: 'uploaded' },
  }));
  usedSignInKeys.add(key);
  return Boolean(answered.AuthenticationResult?.IdToken);
}

async function keysUnder(clients: Clients, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await clients.s3.send(new ListObjectsV2Command({ Bucket: clients.bucket, Prefix: prefix, ContinuationToken }));
    for (const object of page.Contents ?? []) keys.push(object.Key!);
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return keys;
}

/** After a restart: waits for the resumed events, then checks every invariant. */
async function settleAndCheck(kit: SimProcess, label: string): Promise<void> {
  const clients = await clientsOf(kit);
  try {
    let enrolLeft: string[] = [];
    for (let wait = 0; wait < 200; wait++) {
      enrolLeft = await keysUnder(clients, 'enrol/');
      if (enrolLeft.length === 0) break;
      await sleep(100);
    }
    check(enrolLeft.length === 0, `${label}: ${enrolLeft.length} photo(s) left under enrol/ after the settle`);
    const signInLeft = new Set(await keysUnder(clients, 'signin/'));
    const usedLeft = [...usedSignInKeys].filter((key) => signInLeft.has(key));
    check(usedLeft.length === 0, `${label}: ${usedLeft.length} used sign-in photo(s) left: ${usedLeft.slice(0, 3).join(', ')}`);
    const logBytes = statSync(logFile, { throwIfNoEntry: false })?.size ?? 0;
    counts.logBytesMax = Math.max(counts.logBytesMax, logBytes);
    check(logBytes < 3 * 1024 * 1024, `${label}: the log is ${logBytes} bytes`);

    // Every bound face is its user's own (the owner part of the collection's ExternalImageId is the sub it was indexed for).
    const dynamodb = new DynamoDBClient({ region: clients.target.region, endpoint: clients.target.endpoint, credentials: TEST_CREDENTIALS });
    const rekognition = new RekognitionClient({ region: clients.target.region, endpoint: clients.target.endpoint, credentials: TEST_CREDENTIALS });
    try {
      const items = (await dynamodb.send(new ScanCommand({ TableName: clients.table }))).Items ?? [];
      const faces = new Map<string, string>();
      let NextToken: string | undefined;
      do {
        const page = await rekognition.send(new ListFacesCommand({ CollectionId: clients.collection, MaxResults: 4096, NextToken }));
        for (const face of page.Faces ?? []) faces.set(face.FaceId!, ownerOfFace(face.ExternalImageId!));
        NextToken = page.NextToken;
      } while (NextToken);
      const held = new Set<string>();
      for (const item of items) {
        const sub = item.sub?.S;
        for (const attribute of ['faceId', 'pendingFaceId']) {
          const faceId = item[attribute]?.S;
          if (!faceId || !item.pk?.S?.startsWith('USER#')) continue;
          held.add(faceId);
          check(faces.has(faceId), `${label}: ${sub}'s ${attribute} ${faceId} is not in the collection`);
          check(faces.get(faceId) === undefined || faces.get(faceId) === sub, `${label}: ${sub}'s ${attribute} was indexed for ${faces.get(faceId)}`);
        }
      }
      const orphans = [...faces.keys()].filter((faceId) => !held.has(faceId));
      if (orphans.length) console.log(`  note: ${orphans.length} face(s) in the collection held by no record`);
    } finally {
      dynamodb.destroy();
      rekognition.destroy();
    }

    // Every acknowledged enrolment signs in with its own face; a few with someone else's are refused.
    const sample = enrolled.length <= 12 ? enrolled : [...enrolled].sort(() => Math.random() - 0.5).slice(0, 12);
    for (const { email, seed } of sample) {
      const [photo] = await signInPhotos(seed, 1);
      let ok = false;
      try {
        ok = await signInRecordingKey(clients, email, photo!);
      } catch (error) {
        fail(`${label}: ${email} sign-in threw ${(error as Error).message}`);
        continue;
      }
      check(ok, `${label}: ${email} (enrolment acknowledged) does not sign in with their face`);
    }
    for (let pair = 0; pair < Math.min(3, Math.floor(enrolled.length / 2)); pair++) {
      const victim = enrolled[pair]!;
      const intruder = enrolled[enrolled.length - 1 - pair]!;
      const [photo] = await signInPhotos(intruder.seed, 2);
      const ok = await signInRecordingKey(clients, victim.email, photo!).catch(() => false);
      check(!ok, `${label}: ${victim.email} signed in with ${intruder.email}'s face`);
    }
  } finally {
    clients.destroy();
  }
}

function newUser(): { email: string; seed: string } {
  const seed = `chaos-${userCounter++}-${randomBytes(3).toString('hex')}`;
  return { email: `${seed}@example.com`, seed };
}

/** Enrolment writers until `stop()` says so; acknowledged ones are kept. */
async function enrolWriters(clients: Clients, writers: number, stopped: () => boolean, onPhotoSent?: () => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: writers }, async () => {
    while (!stopped()) {
      const user = newUser();
      try {
        await enrolUser(clients.target, clients.cognito, user.email, user.seed, { afterPhotoSent: onPhotoSent });
      } catch {
        if (stopped()) return;
        continue;
      }
      if (!stopped()) enrolled.push(user);
      else return; // its tokens came after the kill was decided: not counted, though they came back
    }
  }));
}

/** Sign-in load by acknowledged users until stopped. */
async function signInLoad(clients: Clients, workers: number, stopped: () => boolean): Promise<void> {
  await Promise.all(Array.from({ length: workers }, async (_, worker) => {
    let n = worker;
    while (!stopped() && enrolled.length > 0) {
      const user = enrolled[n++ % enrolled.length]!;
      const [photo] = await signInPhotos(user.seed, 1 + (n % 3));
      await signInRecordingKey(clients, user.email, photo!).catch(() => undefined);
    }
  }));
}

type Mode = 'after-enrol-put' | 'sign-in-load' | 'around-compaction' | 'during-resume' | 'in-a-row';
const modes: Mode[] = ['after-enrol-put', 'sign-in-load', 'during-resume', 'after-enrol-put', 'in-a-row', 'sign-in-load', 'around-compaction'];

async function main(): Promise<void> {
  let kit = await start();
  // A few users first, so that sign-in load has someone to sign in.
  {
    const clients = await clientsOf(kit);
    let done = 0;
    await enrolWriters(clients, 2, () => done++ >= 6);
    clients.destroy();
  }
  for (let round = 0; round < rounds; round++) {
    const mode = modes[round % modes.length]!;
    console.log(`round ${round + 1}/${rounds}: ${mode} (${enrolled.length} users enrolled)`);
    const clients = await clientsOf(kit);
    let stop = false;
    const stopped = () => stop;
    if (mode === 'after-enrol-put') {
      // The kill comes in the hook of the 2nd to 4th photo upload answered.
      let puts = 0;
      const killAt = 2 + Math.floor(Math.random() * 3);
      const target = kit;
      await enrolWriters(clients, 3, stopped, async () => {
        if (++puts === killAt && !stop) {
          stop = true;
          await kill(target, `right after enrolment upload #${puts}`);
        }
        if (stop) throw new Error('killed');
      });
    } else if (mode === 'sign-in-load') {
      const delay = 1000 + Math.floor(Math.random() * 3000);
      const load = Promise.all([signInLoad(clients, 6, stopped), enrolWriters(clients, 1, stopped)]);
      await sleep(delay);
      stop = true;
      await kill(kit, `under sign-in load, after ${delay} ms`);
      await load;
    } else if (mode === 'around-compaction') {
      // Photos outside the sign-in key pattern (the indexer deletes them) until the log passes
      // 1 MiB; the kill comes as soon as its size falls (a compaction just ran) or at 1.05 MiB.
      const before = statSync(logFile).size;
      const putting = (async () => {
        let n = 0;
        while (!stop) {
          await Promise.all(Array.from({ length: 8 }, () => clients.s3.send(new PutObjectCommand({ Bucket: clients.bucket, Key: `signin/chaos-${n++}`, Body: 'x' })).catch(() => undefined)));
        }
      })();
      let last = before;
      let fell = false;
      for (let polls = 0; polls < 20_000; polls++) {
        const size = statSync(logFile).size;
        if (size < last && last > 900_000) { fell = true; break; }
        if (size > 1.05 * 1024 * 1024 * 2) break;
        last = size;
        await sleep(2);
      }
      stop = true;
      await kill(kit, fell ? `a compaction just ran (log ${last} -> ${statSync(logFile).size} bytes)` : `log at ${last} bytes, no compaction seen`);
      await putting;
    } else if (mode === 'during-resume') {
      // Leave events in flight (uploads of photos the indexer takes), kill, start, and kill again
      // as soon as the kit answers: while it delivers the previous run's events.
      const putting = Promise.all(Array.from({ length: 30 }, (_, n) => clients.s3.send(new PutObjectCommand({ Bucket: clients.bucket, Key: `signin/resume-${round}-${n}`, Body: 'x' })).catch(() => undefined)));
      await putting;
      await kill(kit, 'with 30 S3 events just accepted');
      clients.destroy();
      kit = await start();
      await kill(kit, 'as soon as it answered (resuming)');
    } else {
      for (let times = 0; times < 3; times++) {
        await kill(kit, `in a row #${times + 1}, at ready`);
        kit = await start();
      }
      const again = await clientsOf(kit);
      let done = 0;
      await enrolWriters(again, 2, () => done++ >= 2);
      again.destroy();
      await kill(kit, 'in a row, after two enrolments');
    }
    clients.destroy();
    kit = await start();
    await settleAndCheck(kit, `round ${round + 1} (${mode})`);
  }
  // Every event accepted in any round is delivered in the end: the photos put outside the sign-in
  // key pattern (the indexer deletes each one it is given) are all gone.
  const clients = await clientsOf(kit);
  let undelivered: string[] = [];
  for (let wait = 0; wait < 600; wait++) {
    undelivered = (await keysUnder(clients, 'signin/')).filter((key) => /^signin\/(chaos|resume)-/.test(key));
    if (undelivered.length === 0) break;
    await sleep(100);
  }
  check(undelivered.length === 0, `in the end: ${undelivered.length} photo(s) whose event was never delivered`);
  clients.destroy();
  await kit.stop();
  console.log(JSON.stringify({ ...counts, users: enrolled.length, usedSignInPhotos: usedSignInKeys.size }));
  if (failures.length) console.log(failures.join('\n'));
}

await main();
