// Random-SIGKILL chaos run of the whole user flow: the kit (`node sim/start.mjs`, one process, one
// data folder) runs a mixed workload from a few concurrent clients (sign-up + confirm + enrolment,
// sign-ins with the right face, re-enrolment by emailed code, refresh tokens, GlobalSignOut,
// DeleteUser, sign-ins and enrolments abandoned after the upload, the deleted-user sweep), is SIGKILLed
// at a random moment (50 ms to a few seconds into the round, or, in a third of the rounds, as soon
// as the face collection's log grows after an enrolment upload: between IndexFaces and the face being
// held as pending), started again, and checked through the public APIs and the data folder:
// - it starts every time (no damaged-data refusal), and a new user enrols and signs in after it;
// - every acknowledged operation still holds: a confirmed user exists, an enrolment that returned
//   tokens signs in with that face, a DeleteUser that answered is gone, a refresh token that was
//   revoked (GlobalSignOut, DeleteUser, a re-enrolment's sign-out) stays refused, one that was not
//   still works;
// - once the restarted kit has settled (redelivered events done): no photo under enrol/, no
//   sign-in photo whose answer came back, no object the workload did not upload;
// - after a sweep (deleted-user-sweep, invoked synchronously): every face in the collection is a
//   USER# record's faceId or pendingFaceId, and every such id is in the collection for its sub.
// An operation cut short by the kill leaves its user uncertain in exactly what that operation may
// have changed, until the checks resolve it. Images, tokens and presigned URLs are never printed.
// Usage: npx tsx bench/flow-chaos.ts [rounds] [clients] [dataDir]
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  DeleteUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListFacesCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ownerOfFace } from '../handlers/face-tags.js';
import { generateFixture } from '../sim/faces/generate-face.js';
import { signInPhotos, TEST_CREDENTIALS } from './face-users.js';
import { startSimProcess, type SimProcess } from './sim-process.js';
import { uploadKeyOf, uploadPhoto } from '../cli/face-auth-client.js';

const rounds = Number(process.argv[2] ?? 45);
const clientCount = Number(process.argv[3] ?? 3);
const dataDir = process.argv[4] ?? '/tmp/facekit-flow-chaos';
rmSync(dataDir, { recursive: true, force: true });

const sleep = (ms: number) => new Promise((pause) => setTimeout(pause, ms));
const pick = <T>(items: T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

// ---------------------------------------------------------------------------------------------
// The ledger: what the kit acknowledged, and what an operation cut short may have changed.

interface User {
  email: string;
  /** ConfirmSignUp answered. */
  confirmed: boolean;
  /** Seed of the face whose enrolment returned tokens (the latest). */
  seed?: string;
  /** Seeds of enrolments cut short: the bound face may be one of them. */
  maybeSeeds: string[];
  deleted: 'no' | 'maybe' | 'yes';
  /** Refresh tokens acknowledged and not revoked by an acknowledged operation. */
  validTokens: string[];
  /** Refresh tokens an acknowledged operation revoked: refused for ever. */
  revokedTokens: string[];
  /** A client is working on this user. */
  busy: boolean;
}

const users: User[] = [];
/** Sign-in photo keys uploaded (or upload attempted) whose answer never came back: allowed to stay. */
const unansweredSignInKeys = new Set<string>();
/** Sign-in photo keys whose answer came back: Verify deleted them. */
const answeredSignInKeys = new Set<string>();
const counts = { rounds: 0, kills: 0, starts: 0, checks: 0, failures: 0, acks: 0, cut: 0, errorsBeforeKill: 0, resumed: 0, indexerKills: 0, orphanFaces: 0 };
const failures: string[] = [];
const opCounts: Record<string, number> = {};

function fail(message: string): void {
  counts.failures += 1;
  failures.push(message);
  console.log(`  FAIL ${message}`);
}

function check(ok: boolean, message: string): boolean {
  counts.checks += 1;
  if (!ok) fail(message);
  return ok;
}

// ---------------------------------------------------------------------------------------------
// The kit and its clients.

interface Kit {
  process: SimProcess;
  endpoint: string;
  region: string;
  clientId: string;
  userPoolId: string;
  bucket: string;
  table: string;
  collection: string;
  cognito: CognitoIdentityProviderClient;
  s3: S3Client;
  lambda: LambdaClient;
  sweepFunction?: string;
  destroy(): void;
}

const kitLines: string[] = [];

async function startKit(): Promise<Kit> {
  counts.starts += 1;
  let process_: SimProcess;
  try {
    process_ = await startSimProcess({
      dataDir,
      onOutput: (line) => {
        const resumed = /delivering (\d+) asynchronous invocation/.exec(line);
        if (resumed) counts.resumed += Number(resumed[1]);
        if (/damaged|DamagedData|event dropped|not held as pending|shutdown:/i.test(line)) {
          kitLines.push(line.slice(0, 300));
          console.log(`  kit: ${line.slice(0, 300)}`);
        }
      },
    });
  } catch (error) {
    fail(`start #${counts.starts} failed: ${(error as Error).message}`);
    throw error;
  }
  const outputs = (await (await fetch(`${process_.endpoint}/_sim/outputs`)).json()) as Record<string, Record<string, string>>;
  const stack = Object.values(outputs)[0]!;
  const region = stack.Region!;
  const endpoint = process_.endpoint;
  const cognito = new CognitoIdentityProviderClient({ region, endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  const s3 = new S3Client({ region, endpoint, credentials: TEST_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
  const lambda = new LambdaClient({ region, endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  const kit: Kit = {
    process: process_, endpoint, region,
    clientId: stack.UserPoolClientId!, userPoolId: stack.UserPoolId!,
    bucket: stack.BucketName!, table: stack.UsersTableName!, collection: stack.CollectionId!,
    cognito, s3, lambda,
    destroy: () => { cognito.destroy(); s3.destroy(); lambda.destroy(); },
  };
  const functions = await lambda.send(new ListFunctionsCommand({}));
  kit.sweepFunction = functions.Functions?.find((fn) => fn.FunctionName?.includes('DeletedUserSweep'))?.FunctionName;
  return kit;
}

function facesLogSize(): number {
  const folder = join(dataDir, 'rekognition', 'faces');
  if (!existsSync(folder)) return 0;
  let size = 0;
  for (const name of readdirSync(folder)) size += statSync(join(folder, name), { throwIfNoEntry: false })?.size ?? 0;
  return size;
}

// ---------------------------------------------------------------------------------------------
// The flows, on raw SDK calls.

async function emailedCode(kit: Kit, to: string, digits: number): Promise<string> {
  const emails = (await (await fetch(`${kit.endpoint}/_sim/emails?to=${encodeURIComponent(to)}`)).json()) as Array<{ body: string }>;
  const code = new RegExp(`\\b(\\d{${digits}})\\b`).exec(emails.at(-1)?.body ?? '')?.[1];
  if (!code) throw new Error('no code in the email');
  return code;
}

interface Hooks {
  /** Once an enrolment photo's upload was answered. */
  afterEnrolPut?(): Promise<void>;
  /** Stop after the upload: the enrolment is abandoned. */
  abandonAfterPut?: boolean;
}

/**
 * Enrolment through the custom flow: the ENROL intent, MAILBOX_PROOF with the secret from
 * ConfirmSignUp (`enrolSecret`) or with an emailed code, then the photo. Tokens, or undefined when
 * abandoned after the upload.
 */
async function enrol(kit: Kit, email: string, seed: string, enrolSecret: string | undefined, hooks: Hooks = {}): Promise<AuthenticationResultType | undefined> {
  let response = await kit.cognito.send(new InitiateAuthCommand({ ClientId: kit.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }));
  for (let step = 0; step < 6 && !response.AuthenticationResult; step++) {
    const parameters = response.ChallengeParameters ?? {};
    let answer: string;
    let metadata: Record<string, string> | undefined;
    if (parameters.challenge === 'FACE_MATCH' && step === 0) {
      answer = 'ENROL';
      metadata = enrolSecret ? { intent: 'ENROL', enrolSecret } : { intent: 'ENROL' };
    } else if (parameters.challenge === 'MAILBOX_PROOF') {
      if (enrolSecret) {
        answer = enrolSecret;
        metadata = { enrolSecret };
      } else {
        // The code was emailed by Create, before this challenge came back.
        answer = await emailedCode(kit, email, 8);
      }
    } else if (parameters.challenge === 'ENROL_FACE' && (!parameters.previousRejection || parameters.previousRejection === 'NOT_CHECKED_IN_TIME')) {
      await uploadPhoto(parameters, await generateFixture('face', seed, 0));
      await hooks.afterEnrolPut?.();
      if (hooks.abandonAfterPut) return undefined;
      answer = 'uploaded';
    } else {
      throw new Error(`enrolment stopped at ${parameters.challenge} ${parameters.previousRejection ?? ''}`);
    }
    response = await kit.cognito.send(new RespondToAuthChallengeCommand({
      ClientId: kit.clientId, ChallengeName: 'CUSTOM_CHALLENGE', Session: response.Session,
      ChallengeResponses: { USERNAME: parameters.USERNAME ?? email, ANSWER: answer },
      ClientMetadata: metadata,
    }));
  }
  if (!response.AuthenticationResult) throw new Error('enrolment did not finish');
  return response.AuthenticationResult;
}

/** A face sign-in: tokens, or undefined when refused; `abandon` stops after the upload. */
async function signIn(kit: Kit, email: string, photo: Buffer, abandon = false): Promise<AuthenticationResultType | undefined> {
  const started = await kit.cognito.send(new InitiateAuthCommand({ ClientId: kit.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }));
  const parameters = started.ChallengeParameters ?? {};
  if (parameters.challenge !== 'FACE_MATCH') throw new Error(`expected FACE_MATCH, got ${parameters.challenge}`);
  const key = uploadKeyOf(parameters);
  unansweredSignInKeys.add(key);
  await uploadPhoto(parameters, photo);
  if (abandon) return undefined;
  const answered = await kit.cognito.send(new RespondToAuthChallengeCommand({
    ClientId: kit.clientId, ChallengeName: 'CUSTOM_CHALLENGE', Session: started.Session,
    ChallengeResponses: { USERNAME: parameters.USERNAME ?? email, ANSWER: 'uploaded' },
  }));
  unansweredSignInKeys.delete(key);
  answeredSignInKeys.add(key);
  return answered.AuthenticationResult?.IdToken ? answered.AuthenticationResult : undefined;
}

/** Whether the refresh token still gives tokens. */
async function refreshWorks(kit: Kit, refreshToken: string): Promise<boolean> {
  try {
    const answer = await kit.cognito.send(new InitiateAuthCommand({ ClientId: kit.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } }));
    return Boolean(answer.AuthenticationResult?.AccessToken);
  } catch (error) {
    if ((error as Error).name === 'NotAuthorizedException') return false;
    throw error;
  }
}

async function userExists(kit: Kit, email: string): Promise<boolean> {
  try {
    await kit.cognito.send(new AdminGetUserCommand({ UserPoolId: kit.userPoolId, Username: email }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'UserNotFoundException') return false;
    throw error;
  }
}

let seedCounter = 0;
const newSeed = () => `fc-${seedCounter++}-${randomBytes(3).toString('hex')}`;

// ---------------------------------------------------------------------------------------------
// The workload. Each operation marks what it may change before its first call; an operation cut
// short (any error) leaves exactly that uncertain.

type Op = 'signUp' | 'signIn' | 'refresh' | 'reEnrol' | 'globalSignOut' | 'deleteUser' | 'abandonSignIn' | 'abandonEnrol' | 'sweep';
const WEIGHTS: Array<[Op, number]> = [
  ['signUp', 24], ['signIn', 30], ['refresh', 10], ['reEnrol', 8], ['globalSignOut', 6],
  ['deleteUser', 5], ['abandonSignIn', 7], ['abandonEnrol', 7], ['sweep', 3],
];
const WEIGHT_TOTAL = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);

function chooseOp(): Op {
  let roll = Math.random() * WEIGHT_TOTAL;
  for (const [op, weight] of WEIGHTS) if ((roll -= weight) < 0) return op;
  return 'signIn';
}

function idleEnrolled(): User | undefined {
  return pick(users.filter((user) => !user.busy && user.deleted === 'no' && user.seed && user.maybeSeeds.length === 0));
}

interface RoundState {
  killed: boolean;
  /** Set by the enrolment-upload kill mode: the hook kills as soon as the faces log grows. */
  killOnIndex?: () => Promise<void>;
}

/** All tokens of the user may have been revoked (a sign-out or a bind cut short). */
function tokensUncertain(user: User): void {
  user.validTokens = [];
}

async function runOp(kit: Kit, op: Op, state: RoundState): Promise<void> {
  opCounts[op] = (opCounts[op] ?? 0) + 1;
  if (op === 'signUp' || op === 'abandonEnrol') {
    const seed = newSeed();
    const user: User = { email: `${seed}@example.com`, confirmed: false, maybeSeeds: [], deleted: 'no', validTokens: [], revokedTokens: [], busy: true };
    users.push(user);
    try {
      await kit.cognito.send(new SignUpCommand({
        ClientId: kit.clientId, Username: user.email, Password: `${randomBytes(18).toString('base64url')}aA1!`,
        UserAttributes: [{ Name: 'email', Value: user.email }],
      }));
      const enrolSecret = randomBytes(32).toString('base64url');
      await kit.cognito.send(new ConfirmSignUpCommand({
        ClientId: kit.clientId, Username: user.email, ConfirmationCode: await emailedCode(kit, user.email, 6),
        ClientMetadata: { enrolSecret },
      }));
      user.confirmed = true;
      counts.acks += 1;
      user.maybeSeeds.push(seed);
      const tokens = await enrol(kit, user.email, seed, enrolSecret, {
        abandonAfterPut: op === 'abandonEnrol',
        afterEnrolPut: state.killOnIndex,
      });
      if (tokens) {
        user.seed = seed;
        user.maybeSeeds = [];
        user.validTokens.push(tokens.RefreshToken!);
        counts.acks += 1;
      }
      // Abandoned: the seed stays a maybe (a pending face), never bound.
      if (!tokens) user.maybeSeeds = [];
    } finally {
      user.busy = false;
    }
    return;
  }
  if (op === 'sweep') {
    if (kit.sweepFunction) await kit.lambda.send(new InvokeCommand({ FunctionName: kit.sweepFunction, InvocationType: 'Event', Payload: Buffer.from('{}') }));
    return;
  }
  const user = idleEnrolled();
  if (!user) return;
  user.busy = true;
  let cut = true;
  try {
    if (op === 'signIn' || op === 'abandonSignIn') {
      const [photo] = await signInPhotos(user.seed!, 1 + Math.floor(Math.random() * 3));
      const tokens = await signIn(kit, user.email, photo!, op === 'abandonSignIn');
      if (tokens) {
        user.validTokens.push(tokens.RefreshToken!);
        counts.acks += 1;
      } else if (op === 'signIn' && !state.killed) {
        counts.errorsBeforeKill += 1;
        console.log(`  note: a right-face sign-in of ${user.email} was refused before the kill`);
      }
    } else if (op === 'refresh') {
      const token = pick(user.validTokens);
      if (token) {
        const ok = await refreshWorks(kit, token);
        if (!ok && !state.killed) fail(`a valid refresh token of ${user.email} was refused while the kit ran`);
      }
    } else if (op === 'reEnrol') {
      const seed = newSeed();
      user.maybeSeeds.push(seed);
      const held = [...user.validTokens];
      tokensUncertain(user); // a bind signs the user out everywhere
      const tokens = await enrol(kit, user.email, seed, undefined, { afterEnrolPut: state.killOnIndex });
      // Acknowledged: the new face, and every earlier token revoked.
      user.revokedTokens.push(...held);
      user.seed = seed;
      user.maybeSeeds = [];
      user.validTokens = tokens?.RefreshToken ? [tokens.RefreshToken] : [];
      counts.acks += 1;
    } else if (op === 'globalSignOut' || op === 'deleteUser') {
      const [photo] = await signInPhotos(user.seed!, 1);
      const tokens = await signIn(kit, user.email, photo!);
      if (!tokens) throw new Error('sign-in refused');
      user.validTokens.push(tokens.RefreshToken!);
      const all = [...user.validTokens];
      if (op === 'globalSignOut') {
        tokensUncertain(user);
        await kit.cognito.send(new GlobalSignOutCommand({ AccessToken: tokens.AccessToken! }));
        user.revokedTokens.push(...all);
      } else {
        tokensUncertain(user);
        user.deleted = 'maybe';
        await kit.cognito.send(new DeleteUserCommand({ AccessToken: tokens.AccessToken! }));
        user.deleted = 'yes';
        user.revokedTokens.push(...all);
      }
      counts.acks += 1;
    }
    cut = false;
  } finally {
    if (cut) {
      counts.cut += 1;
      if (!state.killed) counts.errorsBeforeKill += 1;
    }
    user.busy = false;
  }
}

async function client(kit: Kit, state: RoundState): Promise<void> {
  while (!state.killed) {
    const op = chooseOp();
    try {
      await runOp(kit, op, state);
    } catch (error) {
      if (!state.killed) console.log(`  note: ${op} failed before the kill: ${(error as Error).name}: ${(error as Error).message.slice(0, 120)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The checks after a restart.

async function keysUnder(kit: Kit, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await kit.s3.send(new ListObjectsV2Command({ Bucket: kit.bucket, Prefix: prefix, ContinuationToken }));
    for (const object of page.Contents ?? []) keys.push(object.Key!);
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return keys;
}

async function signsInWith(kit: Kit, user: User, seed: string): Promise<boolean> {
  // Two tries: on the busy machine a Verify may outrun Cognito's 5 s once.
  for (let attempt = 0; attempt < 2; attempt++) {
    const [photo] = await signInPhotos(seed, 1 + attempt);
    const tokens = await signIn(kit, user.email, photo!).catch(() => undefined);
    if (tokens) {
      user.validTokens.push(tokens.RefreshToken!);
      return true;
    }
  }
  return false;
}

async function settleAndCheck(kit: Kit, label: string): Promise<void> {
  // Redelivered events: every enrolment photo goes (indexed or refused) once they ran.
  let enrolLeft: string[] = [];
  for (let wait = 0; wait < 300; wait++) {
    enrolLeft = await keysUnder(kit, 'enrol/');
    if (enrolLeft.length === 0) break;
    await sleep(100);
  }
  check(enrolLeft.length === 0, `${label}: ${enrolLeft.length} photo(s) left under enrol/ after the settle`);
  await sleep(300); // the sign-in photos' own events (a sweep of a photo posted again) settle too
  const signInLeft = await keysUnder(kit, 'signin/');
  const answeredLeft = signInLeft.filter((key) => answeredSignInKeys.has(key));
  const unknown = signInLeft.filter((key) => !answeredSignInKeys.has(key) && !unansweredSignInKeys.has(key));
  check(answeredLeft.length === 0, `${label}: ${answeredLeft.length} answered sign-in photo(s) left`);
  check(unknown.length === 0, `${label}: ${unknown.length} object(s) under signin/ the workload never uploaded`);
  const other = (await keysUnder(kit, '')).filter((key) => !key.startsWith('signin/') && !key.startsWith('enrol/'));
  check(other.length === 0, `${label}: ${other.length} object(s) outside the photo prefixes`);

  // Users: resolve what a cut operation left open, then hold the acknowledged to account.
  for (const user of users) {
    if (!user.confirmed) continue;
    const exists = await userExists(kit, user.email);
    if (user.deleted === 'maybe') {
      user.deleted = exists ? 'no' : 'yes';
      continue;
    }
    check(exists === (user.deleted === 'no'), `${label}: ${user.email} ${user.deleted === 'yes' ? 'was deleted (acknowledged) but exists' : 'was confirmed (acknowledged) but is gone'}`);
  }
  for (const user of users.filter((candidate) => candidate.deleted === 'no' && candidate.maybeSeeds.length > 0)) {
    // An enrolment cut short: the face is the last acknowledged one or one of the cut ones.
    const candidates = [...user.maybeSeeds].reverse();
    let resolved: string | undefined;
    for (const seed of candidates) {
      if (await signsInWith(kit, user, seed)) {
        resolved = seed;
        break;
      }
    }
    if (!resolved && user.seed && (await signsInWith(kit, user, user.seed))) resolved = user.seed;
    counts.checks += 1;
    if (!resolved && user.seed) fail(`${label}: ${user.email} signs in with none of its faces after a cut re-enrolment`);
    if (resolved) user.seed = resolved;
    user.maybeSeeds = [];
  }
  const enrolled = users.filter((user) => user.deleted === 'no' && user.seed);
  const sample = [...enrolled].sort(() => Math.random() - 0.5).slice(0, 6);
  for (const user of sample) check(await signsInWith(kit, user, user.seed!), `${label}: ${user.email} (enrolment acknowledged) does not sign in with its face`);
  for (const user of users.filter((candidate) => candidate.deleted === 'yes').slice(-4)) {
    const [photo] = await signInPhotos(user.seed ?? 'nobody', 1);
    check(!(await signIn(kit, user.email, photo!).catch(() => undefined)), `${label}: deleted ${user.email} signed in`);
  }
  const revoked = users.flatMap((user) => user.revokedTokens.map((token) => ({ user, token })));
  for (const { user, token } of [...revoked].sort(() => Math.random() - 0.5).slice(0, 10)) {
    check(!(await refreshWorks(kit, token)), `${label}: a revoked refresh token of ${user.email} works`);
  }
  const valid = users.filter((user) => user.deleted === 'no').flatMap((user) => user.validTokens.map((token) => ({ user, token })));
  for (const { user, token } of [...valid].sort(() => Math.random() - 0.5).slice(0, 6)) {
    check(await refreshWorks(kit, token), `${label}: an unrevoked refresh token of ${user.email} is refused`);
  }

  // Faces: after a sweep, every face is a live record's bound or pending face.
  if (kit.sweepFunction) {
    const swept = await kit.lambda.send(new InvokeCommand({ FunctionName: kit.sweepFunction, Payload: Buffer.from('{}') }));
    check(!swept.FunctionError, `${label}: the deleted-user sweep failed`);
  }
  const dynamodb = new DynamoDBClient({ region: kit.region, endpoint: kit.endpoint, credentials: TEST_CREDENTIALS });
  const rekognition = new RekognitionClient({ region: kit.region, endpoint: kit.endpoint, credentials: TEST_CREDENTIALS });
  try {
    const items: Array<Record<string, AttributeValue>> = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await dynamodb.send(new ScanCommand({ TableName: kit.table, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    const faces = new Map<string, string>();
    let NextToken: string | undefined;
    do {
      const page = await rekognition.send(new ListFacesCommand({ CollectionId: kit.collection, MaxResults: 4096, NextToken }));
      for (const face of page.Faces ?? []) faces.set(face.FaceId!, ownerOfFace(face.ExternalImageId!));
      NextToken = page.NextToken;
    } while (NextToken);
    const held = new Set<string>();
    for (const item of items) {
      if (!item.pk?.S?.startsWith('USER#')) continue;
      const sub = item.pk.S.slice('USER#'.length);
      for (const attribute of ['faceId', 'pendingFaceId']) {
        const faceId = item[attribute]?.S;
        if (!faceId) continue;
        held.add(faceId);
        check(faces.get(faceId) === sub, `${label}: ${sub}'s ${attribute} is ${faces.has(faceId) ? `indexed for ${faces.get(faceId)}` : 'not in the collection'}`);
      }
    }
    const orphans = [...faces].filter(([faceId]) => !held.has(faceId));
    counts.orphanFaces = orphans.length;
    check(orphans.length === 0, `${label}: ${orphans.length} face(s) in the collection bound to nobody (of ${new Set(orphans.map(([, sub]) => sub)).size} sub(s))`);
  } finally {
    dynamodb.destroy();
    rekognition.destroy();
  }

  // The flows work after the restart: a new user enrols and signs in.
  const seed = newSeed();
  const email = `${seed}@example.com`;
  const user: User = { email, confirmed: false, maybeSeeds: [], deleted: 'no', validTokens: [], revokedTokens: [], busy: true };
  users.push(user);
  try {
    await kit.cognito.send(new SignUpCommand({ ClientId: kit.clientId, Username: email, Password: `${randomBytes(18).toString('base64url')}aA1!`, UserAttributes: [{ Name: 'email', Value: email }] }));
    const enrolSecret = randomBytes(32).toString('base64url');
    await kit.cognito.send(new ConfirmSignUpCommand({ ClientId: kit.clientId, Username: email, ConfirmationCode: await emailedCode(kit, email, 6), ClientMetadata: { enrolSecret } }));
    user.confirmed = true;
    const tokens = await enrol(kit, email, seed, enrolSecret);
    user.seed = seed;
    user.validTokens.push(tokens!.RefreshToken!);
    check(await signsInWith(kit, user, seed), `${label}: a user enrolled after the restart does not sign in`);
  } catch (error) {
    fail(`${label}: a new user's sign-up and enrolment after the restart failed: ${(error as Error).name}`);
  } finally {
    user.busy = false;
  }
}

// ---------------------------------------------------------------------------------------------

type Mode = 'random' | 'at-index';

async function main(): Promise<void> {
  const startedAt = Date.now();
  let kit = await startKit();
  // A few users first, so that the other operations have someone.
  {
    const state: RoundState = { killed: false };
    for (let n = 0; n < 4; n++) await runOp(kit, 'signUp', state).catch((error: Error) => console.log(`  warm-up: ${error.message}`));
  }
  for (let round = 1; round <= rounds; round++) {
    counts.rounds = round;
    const mode: Mode = round % 3 === 0 ? 'at-index' : 'random';
    const state: RoundState = { killed: false };
    let why = '';
    const killKit = async (reason: string) => {
      if (state.killed) return;
      state.killed = true;
      why = reason;
      await kit.process.kill();
      counts.kills += 1;
    };
    if (mode === 'at-index') {
      // Kill as soon as the collection's log grows after an enrolment upload: IndexFaces answered,
      // and the indexer has not held the face yet (or just has).
      state.killOnIndex = async () => {
        if (state.killed) return;
        const size = facesLogSize();
        const deadline = Date.now() + 3000;
        while (Date.now() < deadline && !state.killed) {
          if (facesLogSize() > size) {
            counts.indexerKills += 1;
            await killKit('as the collection log grew after an enrolment PUT');
            return;
          }
          await new Promise((tick) => setImmediate(tick));
        }
      };
    }
    const delay = Math.random() < 0.3 ? 50 + Math.floor(Math.random() * 250) : 300 + Math.floor(Math.random() * 3200);
    const clients = Array.from({ length: clientCount }, () => client(kit, state));
    const timer = sleep(mode === 'at-index' ? 8000 : delay).then(() => killKit(`${mode === 'at-index' ? 'no index seen; ' : ''}${delay} ms into the round`));
    await Promise.race([timer, ...clients.map((running) => running.then(() => undefined))]);
    await timer;
    await Promise.all(clients);
    const busyCut = users.filter((user) => user.maybeSeeds.length > 0 || user.deleted === 'maybe').length;
    console.log(`round ${round}/${rounds} (${mode}): SIGKILL #${counts.kills} ${why}; ${users.length} users, ${busyCut} left uncertain`);
    kit.destroy();
    try {
      kit = await startKit();
    } catch (error) {
      console.log(`  the kit did not start: ${(error as Error).message}`);
      break;
    }
    // One round in five goes on at once: the next kill may come while redelivered events run.
    if (round % 5 === 4) continue;
    try {
      await settleAndCheck(kit, `round ${round}`);
    } catch (error) {
      fail(`round ${round}: a check threw ${(error as Error).name}: ${(error as Error).message.slice(0, 200)}`);
    }
  }
  await kit.process.stop().catch(() => kit.process.kill());
  kit.destroy();
  console.log(JSON.stringify({ ...counts, users: users.length, deleted: users.filter((user) => user.deleted === 'yes').length, ops: opCounts, minutes: ((Date.now() - startedAt) / 60_000).toFixed(1) }, null, 1));
  if (failures.length) console.log(`failures:\n${failures.join('\n')}`);
  process.exitCode = failures.length ? 1 : 0;
}

await main();
