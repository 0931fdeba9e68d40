// A full disk (run with the data folder on a small tmpfs) while S3 events are accepted: what a PUT
// answers, and whether an acknowledged PUT's event is lost once space is back and the kit restarted.
// Usage (as root): mount -t tmpfs -o size=20m tmpfs /tmp/x && mkdir /tmp/x/data &&
//   npx tsx bench/async-queue-full-disk.ts /tmp/x/data [port]   (the filler file goes beside data/)
import { closeSync, openSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { stackTarget, TEST_CREDENTIALS } from './face-users.js';
import { startSimProcess } from './sim-process.js';

const dataDir = process.argv[2]!;
const port = Number(process.argv[3] ?? 4904);
const filler = join(dataDir, '..', 'filler');
const logFile = join(dataDir, 'lambda', 'async-invocations.jsonl');
const kitLines: string[] = [];
const onOutput = (line: string) => {
  if (/ENOSPC|no space|s3:|InternalError|dropped|damaged/i.test(line)) kitLines.push(line.slice(0, 200));
};
let kit = await startSimProcess({ dataDir, port, onOutput });
const target = await stackTarget(kit.endpoint);
const outputs = (await (await fetch(`${kit.endpoint}/_sim/outputs`)).json()) as Record<string, Record<string, string>>;
const bucket = Object.values(outputs)[0]!.BucketName!;
const s3 = new S3Client({ region: target.region, endpoint: target.endpoint, credentials: TEST_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
const lambda = new LambdaClient({ region: target.region, endpoint: target.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });

/** Fills the disk to the last byte. */
function fill(): void {
  const fd = openSync(filler, 'a');
  const chunk = Buffer.alloc(64 * 1024);
  for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
    try {
      for (;;) writeSync(fd, chunk, 0, size);
    } catch {
      // full at this size: try smaller
    }
  }
  closeSync(fd);
}

const acknowledged: string[] = [];
const answers = new Map<string, number>();
async function put(key: string, bytes: number): Promise<void> {
  const before = statSync(logFile).size;
  let answer: string;
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(bytes, 1) }));
    acknowledged.push(key);
    answer = '200';
  } catch (error) {
    answer = `${(error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode} ${(error as Error).name}`;
  }
  // The log only grows while this runs (far from a compaction): a line was written or not.
  const kept = statSync(logFile).size > before;
  const outcome = answer === '200' ? `200, event ${kept ? 'kept' : 'NOT KEPT'}` : answer;
  answers.set(outcome, (answers.get(outcome) ?? 0) + 1);
}

fill();
// Full: PUTs of several sizes, each after freeing one page more than the one before took.
for (let n = 0; n < 40; n++) {
  truncateSync(filler, Math.max(0, statSync(filler).size - 4096 * (1 + (n % 3))));
  await put(`signin/full-${n}`, 1000 + (n % 4) * 900);
  fill();
}
let invokeAnswer: string;
try {
  const sweep = (await lambda.send(new ListFunctionsCommand({}))).Functions!.find((f) => f.FunctionName!.includes('DeletedUserSweep'))!.FunctionName!;
  const result = await lambda.send(new InvokeCommand({ FunctionName: sweep, InvocationType: 'Event', Payload: '{}' }));
  invokeAnswer = String(result.StatusCode);
} catch (error) {
  invokeAnswer = `${(error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode} ${(error as Error).name}: ${(error as Error).message}`;
}
console.log('PUT answers on a full disk:', Object.fromEntries(answers));
console.log('Invoke Event on a full disk:', invokeAnswer);
console.log('kit said:', [...new Set(kitLines)].slice(0, 6));
rmSync(filler);
s3.destroy();
lambda.destroy();
await kit.kill();
kit = await startSimProcess({ dataDir, port, onOutput: (line) => { if (/delivering|damaged/.test(line)) console.log(`restart: ${line}`); } });
const again = new S3Client({ region: target.region, endpoint: kit.endpoint, credentials: TEST_CREDENTIALS, forcePathStyle: true });
let left: string[] = [];
for (let wait = 0; wait < 100; wait++) {
  left = ((await again.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'signin/full-' }))).Contents ?? []).map((object) => object.Key!);
  if (left.every((key) => !acknowledged.includes(key))) break;
  await new Promise((pause) => setTimeout(pause, 100));
}
again.destroy();
await kit.stop();
console.log(`acknowledged PUTs: ${acknowledged.length}; of them still in the bucket after restart and settle (event lost): ${left.filter((key) => acknowledged.includes(key)).length}`);
