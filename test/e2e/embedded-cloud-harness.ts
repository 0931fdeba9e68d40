// Starts the embedded cloud from the synthesized stack, on a free port with a temporary data
// folder, and hands tests the clients a user of the kit would hold: nothing reaches inside.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '../../sim/clock.js';
import { synthesizeIfChanged } from '../../sim/cloud-assembly/synth-cache.js';
import { LOCAL_CREDENTIALS, startEmbeddedCloud, type EmbeddedCloud, type EmbeddedCloudOptions } from '../../sim/embedded-cloud.js';
import { FaceAuthClient } from '../../cli/face-auth-client.js';
import type { StackOutputs } from '../../cli/target.js';
import { sharedNeuralFaceModel } from '../../sim/rekognition/matcher/neural-model.js';

export const projectDir = resolve(import.meta.dirname, '../..');
export const STACK_NAME = 'FaceAuthStack';

/** Real time plus an offset tests can move forward, so URLs and sessions expire without sleeping. */
export class OffsetClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(milliseconds: number): void {
    this.offset += milliseconds;
  }
}

export interface Harness {
  cloud: EmbeddedCloud;
  endpoint: string;
  outputs: StackOutputs;
  clock: OffsetClock;
  dataDir: string;
  client: FaceAuthClient;
  cognito: CognitoIdentityProviderClient;
  s3: S3Client;
  dynamo: DynamoDBDocumentClient;
  /** The kit's log lines (progress and the functions' output), when asked for with `keepLog`. */
  log: string[];
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function cloudAssembly(): Promise<string> {
  const { cloudAssemblyDir } = await synthesizeIfChanged({ projectDir });
  return cloudAssemblyDir;
}

/**
 * An embedded cloud of the synthesized stack, in memory, its log dropped, with `options` over
 * that; with its port, its bucket and an S3 client of one attempt (a retried refusal would hide
 * what the kit answered). For tests that talk to the kit's endpoint raw.
 */
export async function startQuietCloud(options: Partial<EmbeddedCloudOptions> = {}): Promise<{ cloud: EmbeddedCloud; port: number; bucket: string; s3: S3Client }> {
  const cloud = await startEmbeddedCloud({ cloudAssemblyDir: await cloudAssembly(), stackName: STACK_NAME, log: () => undefined, ...options });
  const s3 = new S3Client({ region: cloud.outputs.Region, endpoint: cloud.endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  return { cloud, port: Number(new URL(cloud.endpoint).port), bucket: cloud.outputs.BucketName!, s3 };
}

export async function startHarness(options: { keepLog?: boolean } = {}): Promise<Harness> {
  const cloudAssemblyDir = await cloudAssembly();
  const dataDir = mkdtempSync(join(tmpdir(), 'facekit-e2e-'));
  const clock = new OffsetClock();
  const log: string[] = [];
  const start = (port = 0) =>
    startEmbeddedCloud({ cloudAssemblyDir, stackName: STACK_NAME, port, dataDir, clock, log: options.keepLog ? (line) => log.push(line) : () => undefined });
  // As `npm start` does after its banner with FACEKIT_NEURAL_FACES=preload, the face model is loaded
  // before anyone enrols, and kept: loading it inside an enrolment (the first, or the first after an
  // idle release) would spend Cognito's trigger budget on it.
  let [cloud] = await Promise.all([start(), sharedNeuralFaceModel().keepLoaded()]);
  const endpoint = cloud.endpoint;
  const outputs = cloud.outputs as unknown as StackOutputs;
  const region = outputs.Region;
  const sdk = { region, endpoint, credentials: LOCAL_CREDENTIALS };
  const harness: Harness = {
    cloud,
    endpoint,
    outputs,
    clock,
    dataDir,
    client: new FaceAuthClient({ region, userPoolClientId: outputs.UserPoolClientId, endpoint }),
    cognito: new CognitoIdentityProviderClient(sdk),
    s3: new S3Client({ ...sdk, forcePathStyle: true }),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(sdk)),
    log,
    async restart() {
      await cloud.close();
      cloud = await start(Number(new URL(endpoint).port));
      harness.cloud = cloud;
    },
    async close() {
      await cloud.close();
      // A harness's users, faces and photos are of no use after its tests; left behind, every
      // run added 10-30 MB to the machine's temporary folder.
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The newest code (Cognito's 6 digits, or the kit's 8-digit enrolment code) emailed to `to`, read from the outbox over HTTP as a developer would. */
export async function latestCode(endpoint: string, to: string): Promise<{ code: string; subject: string; body: string }> {
  const emails = (await (await fetch(`${endpoint}/_sim/emails?to=${encodeURIComponent(to)}`)).json()) as Array<{ subject: string; body: string }>;
  const email = emails.at(-1);
  const code = email && /\b(\d{8}|\d{6})\b/.exec(email.body)?.[1];
  if (!email || !code) throw new Error(`no code emailed to ${to}`);
  return { code, subject: email.subject, body: email.body };
}
