// SearchFacesByImage latency at 1k, 100k and 1M faces.
//   npx tsx bench/face-search.ts            (all three sizes, about 2-3 minutes)
//   npx tsx bench/face-search.ts 1000 100000
// The collection holds 20 real people (indexed from photos through IndexFaces) among synthetic
// random hashes inserted straight into the store. Queries are other photos of those 20 people
// and go through the real path: base64 -> limits -> sharp decode -> detection -> hash -> index.
// Reported: the index search alone, the whole operation in-process, and the whole call over
// HTTP with @aws-sdk/client-rekognition. Wall times depend on what else the machine runs; the CPU
// time of the operation (this process, all threads) is the load-independent figure.
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { RekognitionClient, SearchFacesByImageCommand } from '@aws-sdk/client-rekognition';
import Fastify from 'fastify';
import { registerJsonServices } from '../sim/aws-json-protocol.js';
import { generateFace } from '../sim/faces/generate-face.js';
import { SeededRandom } from '../sim/faces/seeded-random.js';
import { CollectionStore } from '../sim/rekognition/collection-store.js';
import { decodeImage } from '../sim/rekognition/matcher/decode-image.js';
import { detectFaces } from '../sim/rekognition/matcher/detect-faces.js';
import type { FaceHash } from '../sim/rekognition/matcher/face-hash.js';
import { createRekognitionService } from '../sim/rekognition/service.js';

const PEOPLE = 20;
const QUERIES_PER_PERSON = 5;
const sizes = process.argv.slice(2).map(Number).filter((size) => size > 0);

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function format(samples: number[]): string {
  return `p50 ${percentile(samples, 50).toFixed(2)} ms  p99 ${percentile(samples, 99).toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const enrolPhotos = await Promise.all(Array.from({ length: PEOPLE }, (_, person) => generateFace({ seed: `bench-${person}` })));
  const queries: { person: number; bytes: Buffer }[] = [];
  for (let person = 0; person < PEOPLE; person++) {
    for (let variant = 1; variant <= QUERIES_PER_PERSON; variant++) queries.push({ person, bytes: await generateFace({ seed: `bench-${person}`, variant }) });
  }
  const queryHashes: FaceHash[] = [];
  for (const query of queries) queryHashes.push(detectFaces(await decodeImage(query.bytes))[0].hash);
  console.log(`query photos: ${queries.length} (480x480 JPEG, ${Math.round(queries.reduce((sum, query) => sum + query.bytes.length, 0) / queries.length / 1024)} KiB average)`);
  console.log(`threshold 80 (the default), MaxFaces 80; ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)}\n`);

  for (const size of sizes.length > 0 ? sizes : [1_000, 100_000, 1_000_000]) {
    const store = new CollectionStore();
    const service = createRekognitionService({ store });
    const app = Fastify();
    registerJsonServices(app, [service]);
    const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
    const client = new RekognitionClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const request = { log: { error: () => undefined } };
    const call = (operation: string, input: Record<string, unknown>) => service.operations[operation](input, { request, region: 'us-east-1' } as never) as Promise<Record<string, unknown>>;
    await call('CreateCollection', { CollectionId: 'bench' });

    // Real people first, through IndexFaces (timed), then synthetic strangers straight into the store.
    const indexTimes: number[] = [];
    const faceIdOfPerson: string[] = [];
    for (const photo of enrolPhotos) {
      const started = performance.now();
      const indexed = (await call('IndexFaces', { CollectionId: 'bench', Image: { Bytes: photo.toString('base64') } })) as { FaceRecords: { Face: { FaceId: string } }[] };
      indexTimes.push(performance.now() - started);
      faceIdOfPerson.push(indexed.FaceRecords[0].Face.FaceId);
    }
    const collection = store.get('bench')!;
    const random = new SeededRandom('bench-strangers', size);
    const box = { Width: 0.4, Height: 0.55, Left: 0.3, Top: 0.22 };
    const insertStarted = performance.now();
    const batch = [];
    for (let index = PEOPLE; index < size; index++) {
      batch.push({ FaceId: randomUUID(), ImageId: randomUUID(), BoundingBox: box, Confidence: 99.9, descriptor: { path: 'synthetic' as const, hash: Uint32Array.of(random.nextUint32(), random.nextUint32(), random.nextUint32(), random.nextUint32()) } });
      if (batch.length === 10_000) collection.addFaces(batch.splice(0));
    }
    collection.addFaces(batch);
    const insertSeconds = (performance.now() - insertStarted) / 1000;

    const searchOnly: number[] = [];
    const operation: number[] = [];
    const operationCpu: number[] = [];
    const overHttp: number[] = [];
    let correct = 0;
    for (let round = 0; round < 2; round++) {
      // Round 0 warms up the JIT and is not reported.
      for (const [index, query] of queries.entries()) {
        let started = performance.now();
        collection.search({ path: 'synthetic', hash: queryHashes[index] }, 80);
        const searchTime = performance.now() - started;

        started = performance.now();
        const cpuBefore = process.cpuUsage();
        const result = (await call('SearchFacesByImage', { CollectionId: 'bench', Image: { Bytes: query.bytes.toString('base64') } })) as { FaceMatches: { Face: { FaceId: string } }[] };
        const operationTime = performance.now() - started;
        const cpu = process.cpuUsage(cpuBefore);

        started = performance.now();
        await client.send(new SearchFacesByImageCommand({ CollectionId: 'bench', Image: { Bytes: query.bytes } }));
        const httpTime = performance.now() - started;
        if (round === 1) {
          searchOnly.push(searchTime);
          operation.push(operationTime);
          operationCpu.push((cpu.user + cpu.system) / 1000);
          overHttp.push(httpTime);
          if (result.FaceMatches[0]?.Face.FaceId === faceIdOfPerson[query.person]) correct++;
        }
      }
    }
    // FaceMatchThreshold 0 accepts every face: the index falls back to a full popcount scan.
    const fullScan: number[] = [];
    for (const hash of queryHashes.slice(0, 20)) {
      const started = performance.now();
      collection.search({ path: 'synthetic', hash }, 0, 80);
      fullScan.push(performance.now() - started);
    }
    console.log(`${size.toLocaleString('en-US')} faces`);
    console.log(`  insert ${(size - PEOPLE).toLocaleString('en-US')} synthetic hashes: ${insertSeconds.toFixed(2)} s; IndexFaces of one photo: p50 ${percentile(indexTimes, 50).toFixed(1)} ms`);
    console.log(`  index search only          ${format(searchOnly)}`);
    console.log(`  index search, threshold 0  ${format(fullScan)} (full scan, top 80)`);
    console.log(`  SearchFacesByImage (op)    ${format(operation)}`);
    console.log(`  SearchFacesByImage (op)    CPU time per call: ${format(operationCpu)}`);
    console.log(`  SearchFacesByImage (HTTP)  ${format(overHttp)}`);
    console.log(`  right person ranked first: ${correct}/${queries.length}`);
    console.log(`  heap used: ${Math.round(process.memoryUsage().heapUsed / 1024 / 1024)} MiB\n`);
    client.destroy();
    await app.close();
  }
}

await main();
