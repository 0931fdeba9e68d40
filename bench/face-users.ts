// Users of the kit as the load test, the bench and the crash test drive them: raw SDK clients
// (Cognito's public API, photos posted with the challenges' upload forms), synthetic faces or real photographs. Enrolment follows
// the real path: SignUp, the emailed code, ConfirmSignUp with an enrolment secret, then the
// custom auth flow with the first photo. A sign-in is InitiateAuth -> upload photo ->
// RespondToAuthChallenge, and counts only when tokens come back.
import { randomBytes } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { generateFixture } from '../sim/faces/generate-face.js';
import { realPhoto, shotOf, type ShotKind } from '../sim/faces/real-face-shots.js';
import { uploadPhoto } from '../cli/face-auth-client.js';

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface FaceUser {
  email: string;
  /** Photos for sign-in (other variants than the enrolment photo). */
  photos: Buffer[];
}

export interface StackTarget {
  endpoint: string;
  region: string;
  clientId: string;
}

export async function stackTarget(endpoint: string): Promise<StackTarget> {
  const response = await fetch(`${endpoint}/_sim/outputs`).catch((error: unknown) => {
    throw new Error(`no kit answers at ${endpoint} (${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}); start one with npm start`);
  });
  if (!response.ok) throw new Error(`${endpoint} is no kit: GET /_sim/outputs answered ${response.status}`);
  const outputs = (await response.json()) as Record<string, Record<string, string>>;
  const stack = Object.values(outputs)[0]!;
  return { endpoint, region: stack.Region!, clientId: stack.UserPoolClientId! };
}

/**
 * `concurrentCalls` sizes the client's socket pool: the SDK's default of 50 would queue the calls
 * of a load with more clients inside the load generator and count that wait as the kit's latency.
 */
export function cognitoClient(target: StackTarget, concurrentCalls = 50): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: target.region,
    endpoint: target.endpoint,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { httpAgent: { maxSockets: Math.max(50, concurrentCalls) } },
  });
}

async function latestCode(endpoint: string, to: string): Promise<string> {
  const emails = (await (await fetch(`${endpoint}/_sim/emails?to=${encodeURIComponent(to)}`)).json()) as Array<{ body: string }>;
  const code = /\b(\d{6})\b/.exec(emails.at(-1)?.body ?? '')?.[1];
  if (!code) throw new Error(`no code emailed to ${to}`);
  return code;
}

/**
 * Signs a new user up and enrols their face (a synthetic face drawn from `face` when it is a seed,
 * else the photo `face`); resolves once tokens came back.
 */
export interface EnrolmentHooks {
  /** Runs once the enrolment photo's upload has been answered (the crash test kills the kit there). */
  afterPhotoSent?(): Promise<void>;
}

export async function enrolUser(
  target: StackTarget,
  cognito: CognitoIdentityProviderClient,
  email: string,
  face: string | Buffer,
  hooks: EnrolmentHooks = {},
): Promise<void> {
  await cognito.send(new SignUpCommand({
    ClientId: target.clientId,
    Username: email,
    Password: `${randomBytes(18).toString('base64url')}aA1!`,
    UserAttributes: [{ Name: 'email', Value: email }],
  }));
  const enrolSecret = randomBytes(32).toString('base64url');
  await cognito.send(new ConfirmSignUpCommand({
    ClientId: target.clientId,
    Username: email,
    ConfirmationCode: await latestCode(target.endpoint, email),
    ClientMetadata: { enrolSecret },
  }));
  let response = await cognito.send(new InitiateAuthCommand({ ClientId: target.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }));
  for (let round = 0; round < 6 && !response.AuthenticationResult; round++) {
    const parameters = response.ChallengeParameters ?? {};
    let answer: string;
    // Every session starts with FACE_MATCH; answering it with the ENROL intent asks to enrol.
    if (parameters.challenge === 'FACE_MATCH' && round === 0) answer = 'ENROL';
    else if (parameters.challenge === 'MAILBOX_PROOF') answer = enrolSecret;
    // NOT_CHECKED_IN_TIME: the photo arrived, but the indexer had not finished with it when Verify
    // stopped waiting (a busy machine); the same photo goes again, as the kit's page sends it.
    else if (parameters.challenge === 'ENROL_FACE' && (!parameters.previousRejection || parameters.previousRejection === 'NOT_CHECKED_IN_TIME')) {
      await uploadPhoto(parameters, typeof face === 'string' ? await generateFixture('face', face, 0) : face);
      await hooks.afterPhotoSent?.();
      answer = 'uploaded';
    } else throw new Error(`enrolment of ${email} stopped at ${parameters.challenge} ${parameters.previousRejection ?? ''}`);
    response = await cognito.send(new RespondToAuthChallengeCommand({
      ClientId: target.clientId,
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: response.Session,
      ChallengeResponses: { USERNAME: parameters.USERNAME ?? email, ANSWER: answer },
      ClientMetadata: round === 0 ? { intent: 'ENROL', enrolSecret } : parameters.challenge === 'MAILBOX_PROOF' ? { enrolSecret } : undefined,
    }));
  }
  if (!response.AuthenticationResult) throw new Error(`enrolment of ${email} did not finish`);
}

/** One full face sign-in; throws unless tokens come back. */
export async function signIn(target: StackTarget, cognito: CognitoIdentityProviderClient, email: string, photo: Buffer): Promise<void> {
  const started = await cognito.send(new InitiateAuthCommand({ ClientId: target.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }));
  const parameters = started.ChallengeParameters ?? {};
  if (parameters.challenge !== 'FACE_MATCH') throw new Error(`expected FACE_MATCH, got ${parameters.challenge}`);
  await uploadPhoto(parameters, photo);
  const answered = await cognito.send(new RespondToAuthChallengeCommand({
    ClientId: target.clientId,
    ChallengeName: 'CUSTOM_CHALLENGE',
    Session: started.Session,
    ChallengeResponses: { USERNAME: parameters.USERNAME ?? email, ANSWER: 'uploaded' },
  }));
  if (!answered.AuthenticationResult?.IdToken) throw new Error(`sign-in of ${email} refused (${answered.ChallengeParameters?.challenge ?? 'no tokens'})`);
}

/** Runs `work` over `items` with at most `concurrency` at once. */
export async function inParallel<T>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  }));
}

export async function signInPhotos(seed: string, count: number): Promise<Buffer[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => generateFixture('face', seed, index + 1)));
}

/**
 * Two photographs of test/fixtures/real-faces that pass enrolment's quality bar (QualityFilter
 * HIGH). Of the others, the half profile and the basketball player's small, soft face do not;
 * the footballer's does since HIGH lost its stricter brightness bar, and is left out so that runs
 * compare with the earlier ones (docs/lambda-dynamodb.md, "Eighth pass").
 */
const ENROLLABLE_REAL_PHOTOS = ['eileen-collins.jpg', 'grace-hopper.jpg'];
const REAL_SIGN_IN_SHOTS: ShotKind[] = ['crop', 'mirror'];

type RealFace = { enrolPhoto: Buffer; signInPhotos: Buffer[] };
/** Made once per photograph: users share the few there are. */
const realFaces = new Map<string, Promise<RealFace>>();

/** User `index`'s real face: a photograph to enrol with, and other shots of it to sign in with. */
export function realFaceOf(index: number): Promise<RealFace> {
  const name = ENROLLABLE_REAL_PHOTOS[index % ENROLLABLE_REAL_PHOTOS.length]!;
  let face = realFaces.get(name);
  if (!face) {
    const enrolPhoto = realPhoto(name);
    face = Promise.all(REAL_SIGN_IN_SHOTS.map((kind) => shotOf(enrolPhoto, kind))).then((signInPhotos) => ({ enrolPhoto, signInPhotos }));
    realFaces.set(name, face);
  }
  return face;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
