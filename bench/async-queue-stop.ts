// Graceful stop (SIGINT) with S3 events in flight: are they delivered at the next start, and does
// the stop make them fail (the kit's own server closes before the Lambda runtime)?
// Usage: npx tsx bench/async-queue-stop.ts [events] [port] [ms between the last PUT and the SIGINT]
import { rmSync } from 'node:fs';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { stackTarget, TEST_CREDENTIALS } from './face-users.js';
import { startSimProcess } from './sim-process.js';

const events = Number(process.argv[2] ?? 60);
const port = Number(process.argv[3] ?? 4903);
const stopAfterMs = Number(process.argv[4] ?? 0);
const dataDir = '/tmp/wt-async-data-stop';
rmSync(dataDir, { recursive: true, force: true });
const lines: string[] = [];
const onOutput = (line: string) => {
  if (/asynchronous invocation|Asynchronous invocation|shutdown|stopp/i.test(line)) lines.push(line.slice(0, 240));
};
let kit = await startSimProcess({ dataDir, port, onOutput });
const target = await stackTarget(kit.endpoint);
const outputs = (await (await fetch(`${kit.endpoint}/_sim/outputs`)).json()) as Record<string, Record<string, string>>;
const bucket = Object.values(outputs)[0]!.BucketName!;
let s3 = new S3Client({ region: target.region, endpoint: target.endpoint, credentials: TEST_CREDENTIALS, forcePathStyle: true });
// Keys outside the sign-in pattern: the face indexer deletes each one it is given.
await Promise.all(Array.from({ length: events }, (_, n) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `signin/stop-${n}`, Body: 'x' }))));
s3.destroy();
await new Promise((pause) => setTimeout(pause, stopAfterMs));
await kit.stop();
const atStop = lines.splice(0);
kit = await startSimProcess({ dataDir, port, onOutput });
s3 = new S3Client({ region: target.region, endpoint: kit.endpoint, credentials: TEST_CREDENTIALS, forcePathStyle: true });
let left = -1;
for (let wait = 0; wait < 300; wait++) {
  left = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'signin/stop-' }))).KeyCount ?? 0;
  if (left === 0) break;
  await new Promise((pause) => setTimeout(pause, 100));
}
s3.destroy();
await kit.stop();
console.log(`${events} events accepted, SIGINT ${stopAfterMs} ms later`);
console.log(`during the stop: ${atStop.filter((line) => /failed \(attempt/.test(line)).length} failed attempts, ${atStop.filter((line) => /event dropped/.test(line)).length} dropped`);
for (const line of atStop.slice(0, 8)) console.log(`  ${line}`);
console.log(`next start: ${lines.filter((line) => /delivering/.test(line)).join(' ') || 'nothing resumed'}; photos left after the settle: ${left}`);
