// The kit next to its peers, in the same run: cognito-local 5.3.0 (SignUp, AdminGetUser,
// InitiateAuth) and s3rver 3.7.1 (presigned PUT and GET of 100 KB). Each peer runs as its own
// process on a free loopback port, as the kit does; kit and peer take turns, the order
// alternating each round, and the figures are the medians over the rounds.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminConfirmSignUpCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { freePort } from '../sim/free-port.js';
import { cognitoClient, enrolUser, percentile, TEST_CREDENTIALS, type StackTarget } from './face-users.js';
import { projectDir } from './sim-process.js';

interface Figures {
  p50: number;
  p99: number;
}

export interface Comparison {
  what: string;
  kit: Figures;
  peer: Figures;
  /** The same client call against bench/floor-server.mjs, which answers at once: the client's own part. */
  floor: Figures;
  peerName: string;
}

interface PeerProcess {
  endpoint: string;
  stop(): Promise<void>;
}

async function startPeer(command: string[], env: Record<string, string>, cwd: string, port: number, ready: string): Promise<PeerProcess> {
  const child: ChildProcess = spawn(process.execPath, command, { cwd, env: { ...process.env, ...env }, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(`${endpoint}${ready}`);
      break;
    } catch {
      if (child.exitCode !== null || attempt > 600) throw new Error(`${command[0]} did not start`);
      await new Promise((wait) => setTimeout(wait, 25));
    }
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Times `operation` `count` times, one after the other; returns the latencies in ms. */
async function timeEach(count: number, operation: (index: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    await operation(index);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);

type Side = 'kit' | 'peer' | 'floor';
type Operation = (round: number) => (index: number) => Promise<unknown>;

/**
 * Rounds of kit, peer and floor, the order rotating each round (and reversed every other round);
 * the median over rounds of each round's p50 and p99.
 */
async function alternate(rounds: number, count: number, operations: Record<Side, Operation>): Promise<Record<Side, Figures>> {
  const sides: Side[] = ['kit', 'peer', 'floor'];
  const figures = Object.fromEntries(sides.map((side) => [side, { p50: [] as number[], p99: [] as number[] }])) as Record<Side, { p50: number[]; p99: number[] }>;
  for (let round = 0; round < rounds; round++) {
    const rotated = sides.map((_, position) => sides[(position + round) % sides.length]!);
    for (const side of round % 2 === 0 ? rotated : rotated.reverse()) {
      const latencies = (await timeEach(count, operations[side](round))).sort((a, b) => a - b);
      figures[side].p50.push(percentile(latencies, 50));
      figures[side].p99.push(percentile(latencies, 99));
    }
  }
  return Object.fromEntries(sides.map((side) => [side, { p50: median(figures[side].p50), p99: median(figures[side].p99) }])) as Record<Side, Figures>;
}

const FLOOR_GET_BYTES = 100 * 1024;

/** bench/floor-server.mjs on a free loopback port. */
async function startFloor(): Promise<PeerProcess> {
  const port = await freePort('127.0.0.1');
  return startPeer([join(projectDir, 'bench/floor-server.mjs'), String(port), String(FLOOR_GET_BYTES)], {}, projectDir, port, '/');
}

export async function compareWithCognitoLocal(kit: StackTarget & { userPoolId: string }, rounds: number, count: number): Promise<Comparison[]> {
  const port = await freePort('127.0.0.1');
  const cwd = mkdtempSync(join(tmpdir(), 'facekit-cognito-local-'));
  const peerProcess = await startPeer([join(projectDir, 'node_modules/cognito-local/lib/bin/start.js')], { PORT: String(port), HOST: '127.0.0.1' }, cwd, port, '/health');
  const peer = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: peerProcess.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  const kitClient = cognitoClient(kit);
  const floorProcess = await startFloor();
  const floor = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: floorProcess.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  try {
    const pool = (await peer.send(new CreateUserPoolCommand({ PoolName: 'bench' }))).UserPool!;
    const client = (await peer.send(new CreateUserPoolClientCommand({ UserPoolId: pool.Id!, ClientName: 'bench' }))).UserPoolClient!;
    const password = 'Bench-password-1!';
    const peerUser = 'bench-user@example.com';
    await peer.send(new SignUpCommand({ ClientId: client.ClientId!, Username: peerUser, Password: password, UserAttributes: [{ Name: 'email', Value: peerUser }] }));
    await peer.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.Id!, Username: peerUser }));
    const kitUser = `bench-${Date.now().toString(36)}@example.com`;
    await enrolUser(kit, kitClient, kitUser, 'bench-peer');

    const runId = randomBytes(4).toString('hex');
    const signUpOf = (client: CognitoIdentityProviderClient, clientId: string): Operation => (round) => (index) => client.send(new SignUpCommand({
      ClientId: clientId, Username: `s-${runId}-${round}-${index}@example.com`, Password: password,
      UserAttributes: [{ Name: 'email', Value: `s-${runId}-${round}-${index}@example.com` }],
    }));
    const signUp = await alternate(rounds, count, {
      kit: signUpOf(kitClient, kit.clientId),
      peer: signUpOf(peer, client.ClientId!),
      floor: signUpOf(floor, client.ClientId!),
    });
    const adminGetUser = await alternate(rounds, count, {
      kit: () => () => kitClient.send(new AdminGetUserCommand({ UserPoolId: kit.userPoolId, Username: kitUser })),
      peer: () => () => peer.send(new AdminGetUserCommand({ UserPoolId: pool.Id!, Username: peerUser })),
      floor: () => () => floor.send(new AdminGetUserCommand({ UserPoolId: pool.Id!, Username: peerUser })),
    });
    const initiateAuth = await alternate(rounds, count, {
      kit: () => () => kitClient.send(new InitiateAuthCommand({ ClientId: kit.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: kitUser } })),
      peer: () => () => peer.send(new InitiateAuthCommand({ ClientId: client.ClientId!, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: peerUser, PASSWORD: password } })),
      floor: () => () => floor.send(new InitiateAuthCommand({ ClientId: client.ClientId!, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: peerUser, PASSWORD: password } })),
    });
    return [
      { what: 'SignUp (kit: PreSignUp + CustomMessage triggers)', ...signUp, peerName: 'cognito-local 5.3.0' },
      { what: 'AdminGetUser (SigV4 test/test)', ...adminGetUser, peerName: 'cognito-local 5.3.0' },
      { what: 'InitiateAuth (kit: CUSTOM_AUTH, Define + Create triggers; peer: USER_PASSWORD_AUTH)', ...initiateAuth, peerName: 'cognito-local 5.3.0' },
    ];
  } finally {
    kitClient.destroy();
    peer.destroy();
    floor.destroy();
    await Promise.all([peerProcess.stop(), floorProcess.stop()]);
    rmSync(cwd, { recursive: true, force: true });
  }
}

export async function compareWithS3rver(kit: StackTarget & { bucket: string }, rounds: number, count: number): Promise<Comparison[]> {
  const port = await freePort('127.0.0.1');
  const directory = mkdtempSync(join(tmpdir(), 'facekit-s3rver-'));
  const bucket = 'bench-bucket';
  const peerProcess = await startPeer(
    [join(projectDir, 'node_modules/s3rver/bin/s3rver.js'), '-d', directory, '-a', '127.0.0.1', '-p', String(port), '--silent', '--configure-bucket', bucket],
    {}, directory, port, '/');
  const s3Of = (endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }) =>
    new S3Client({ region: kit.region, endpoint, forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const kitS3 = s3Of(kit.endpoint, TEST_CREDENTIALS);
  // s3rver's own default key pair, which it checks signatures against.
  const peerS3 = s3Of(peerProcess.endpoint, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  const floorProcess = await startFloor();
  const floorS3 = s3Of(floorProcess.endpoint, TEST_CREDENTIALS);
  const body = randomBytes(FLOOR_GET_BYTES);
  const put = async (s3: S3Client, bucketName: string, key: string) => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucketName, Key: key }), { expiresIn: 300 });
    const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`presigned PUT refused: ${response.status}`);
  };
  const get = async (s3: S3Client, bucketName: string, key: string) => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucketName, Key: key }), { expiresIn: 300 });
    const response = await fetch(url);
    const bytes = await response.arrayBuffer();
    if (!response.ok || bytes.byteLength !== body.length) throw new Error(`presigned GET failed: ${response.status}`);
  };
  try {
    // Outside enrol/: the kit's bucket notifies the face indexer on enrol/ only.
    const putFigures = await alternate(rounds, count, {
      kit: (round) => (index) => put(kitS3, kit.bucket, `bench/${round}/${index}`),
      peer: (round) => (index) => put(peerS3, bucket, `bench/${round}/${index}`),
      floor: (round) => (index) => put(floorS3, bucket, `bench/${round}/${index}`),
    });
    const getFigures = await alternate(rounds, count, {
      kit: (round) => (index) => get(kitS3, kit.bucket, `bench/${round}/${index}`),
      peer: (round) => (index) => get(peerS3, bucket, `bench/${round}/${index}`),
      floor: (round) => (index) => get(floorS3, bucket, `bench/${round}/${index}`),
    });
    return [
      { what: 'presigned PUT 100 KB', ...putFigures, peerName: 's3rver 3.7.1' },
      { what: 'presigned GET 100 KB', ...getFigures, peerName: 's3rver 3.7.1' },
    ];
  } finally {
    kitS3.destroy();
    peerS3.destroy();
    floorS3.destroy();
    await Promise.all([peerProcess.stop(), floorProcess.stop()]);
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Medians above the floor: what kit and peer spend beyond the client's own part, which is in
 * both and bounds the plain ratio from below. Only at p50: percentiles of different runs do not
 * subtract, and a tail above the floor's tail says nothing.
 */
export function ratioAboveFloor({ kit, peer, floor }: Comparison): string {
  const peerPart = peer.p50 - floor.p50;
  return peerPart > 0 ? `${(Math.max(0, kit.p50 - floor.p50) / peerPart).toFixed(2)}x` : 'n/a (peer at the floor)';
}

export function describeComparisons(comparisons: Comparison[]): string {
  const pair = (figures: Figures) => `${figures.p50.toFixed(1)} / ${figures.p99.toFixed(1)}`;
  const ratio = (kit: number, peer: number) => `${(kit / peer).toFixed(2)}x`;
  const lines = [
    'what'.padEnd(24) + 'kit p50/p99 ms'.padStart(16) + 'peer p50/p99 ms'.padStart(17) + 'floor p50/p99'.padStart(15) +
      '   ratio p50 / p99   p50 above the floor   peer',
  ];
  for (const comparison of comparisons) {
    const { what, kit, peer, floor, peerName } = comparison;
    lines.push(`${what.split(' (')[0]!.padEnd(24)}${pair(kit).padStart(16)}${pair(peer).padStart(17)}${pair(floor).padStart(15)}` +
      `   ${`${ratio(kit.p50, peer.p50)} / ${ratio(kit.p99, peer.p99)}`.padEnd(18)}${ratioAboveFloor(comparison).padStart(20)}   ${peerName}`);
  }
  lines.push(
    '',
    ...comparisons.filter(({ what }) => what.includes(' (')).map(({ what }) => `  ${what}`),
    '  floor: the same client call against bench/floor-server.mjs, which answers at once and checks nothing;',
    '  p50 above the floor: (kit - floor) / (peer - floor), the servers\' own parts',
  );
  return lines.join('\n');
}
