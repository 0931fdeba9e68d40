// Issue 10, finding 2: can the time of an answer tell an enrolled email from a confirmed one
// without a face, or from an unknown one? Runs each step of the face flow 30 times per kind of
// email, interleaved (so machine load hits all kinds alike), and prints the medians.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  SignUpCommand,
  RespondToAuthChallengeCommand,
  type CognitoIdentityProviderClient,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { generateFixture } from '../sim/faces/generate-face.js';
import { synthesizeIfChanged } from '../sim/cloud-assembly/synth-cache.js';
import { startEmbeddedCloud } from '../sim/embedded-cloud.js';
import { cognitoClient, enrolUser, percentile, stackTarget, type StackTarget } from './face-users.js';
import { uploadPhoto } from '../cli/face-auth-client.js';

const TRIES = 30;
const projectDir = new URL('..', import.meta.url).pathname;
const KINDS = ['enrolled', 'fresh', 'unknown'] as const;
type Kind = (typeof KINDS)[number];
type StepName = 'InitiateAuth' | 'wrong face (photo)' | 'ask to enrol';

async function main(): Promise<void> {
  const { cloudAssemblyDir } = await synthesizeIfChanged({ projectDir });
  const cloud = await startEmbeddedCloud({ cloudAssemblyDir, stackName: 'FaceAuthStack', port: 0, log: () => undefined });
  try {
    const target = await stackTarget(cloud.endpoint);
    const cognito = cognitoClient(target);
    await enrolUser(target, cognito, 'timing-enrolled@example.com', 'timing-enrolled');
    await confirmedUser(target, cognito, 'timing-fresh@example.com');
    const emails: Record<Kind, string> = {
      enrolled: 'timing-enrolled@example.com',
      fresh: 'timing-fresh@example.com',
      unknown: 'timing-nobody@example.com',
    };
    const photo = await generateFixture('face', 'timing-stranger');
    const samples = new Map<string, number[]>();
    const record = (kind: Kind, step: StepName, ms: number) => samples.set(`${step}|${kind}`, [...(samples.get(`${step}|${kind}`) ?? []), ms]);
    for (let round = 0; round < TRIES; round++) {
      // Each kind takes each place in the round equally often: what ran just before a probe
      // (a 400 ms MAILBOX_PROOF, a warm or cold worker) must not favour one kind.
      for (const kind of KINDS.map((_, place) => KINDS[(round + place) % KINDS.length]!)) {
        await timeOneProbe(target, cognito, emails[kind], photo, (step, ms) => record(kind, step, ms));
      }
    }
    console.log(`median (p25-p75) in ms over ${TRIES} tries, interleaved, the order rotating each round`);
    console.log('step'.padEnd(22) + KINDS.map((kind) => kind.padStart(20)).join(''));
    for (const step of ['InitiateAuth', 'wrong face (photo)', 'ask to enrol'] as const) {
      const cells = KINDS.map((kind) => {
        const sorted = [...(samples.get(`${step}|${kind}`) ?? [])].sort((a, b) => a - b);
        return `${percentile(sorted, 50).toFixed(1)} (${percentile(sorted, 25).toFixed(1)}-${percentile(sorted, 75).toFixed(1)})`.padStart(20);
      });
      console.log(step.padEnd(22) + cells.join(''));
    }
  } finally {
    await cloud.close();
  }
}

async function timeOneProbe(
  target: StackTarget,
  cognito: CognitoIdentityProviderClient,
  email: string,
  photo: Buffer,
  record: (step: StepName, ms: number) => void,
): Promise<void> {
  const timed = async <T>(step: StepName, call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await call();
    record(step, performance.now() - started);
    return result;
  };
  const respond = (previous: InitiateAuthCommandOutput, answer: string, metadata?: Record<string, string>) =>
    cognito.send(
      new RespondToAuthChallengeCommand({
        ClientId: target.clientId,
        ChallengeName: 'CUSTOM_CHALLENGE',
        Session: previous.Session,
        ChallengeResponses: { USERNAME: previous.ChallengeParameters!.USERNAME!, ANSWER: answer },
        ClientMetadata: metadata,
      }),
    );
  const first = await timed('InitiateAuth', () =>
    cognito.send(new InitiateAuthCommand({ ClientId: target.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } })),
  );
  await uploadPhoto(first.ChallengeParameters!, photo);
  const second = await timed('wrong face (photo)', () => respond(first, 'uploaded'));
  // Without a secret: an enrolment code is emailed to a real account (until its budget is spent).
  await timed('ask to enrol', () => respond(second, 'ENROL', { intent: 'ENROL' }));
}

async function confirmedUser(target: StackTarget, cognito: CognitoIdentityProviderClient, email: string): Promise<void> {
  await cognito.send(
    new SignUpCommand({ ClientId: target.clientId, Username: email, Password: `${randomBytes(18).toString('base64url')}aA1!`, UserAttributes: [{ Name: 'email', Value: email }] }),
  );
  const emails = (await (await fetch(`${target.endpoint}/_sim/emails?to=${encodeURIComponent(email)}`)).json()) as Array<{ body: string }>;
  const code = /\b(\d{6})\b/.exec(emails.at(-1)?.body ?? '')?.[1];
  if (!code) throw new Error(`no code emailed to ${email}`);
  await cognito.send(new ConfirmSignUpCommand({ ClientId: target.clientId, Username: email, ConfirmationCode: code }));
}

await main();
