// The two matcher paths side by side: neural (real photos) and synthetic (the drawn species).
//   npx tsx bench/real-faces.ts          (about two minutes)
// Reported: model load time and the RSS it adds once warm; DetectFaces on a 640x480 frame (the
// operation in-process: decode, detection, description); SearchFacesByImage against 100,000
// stored faces, the search alone (excluding the model) and the whole operation; a recall check
// of the search against an exhaustive scan in plain JavaScript.
//
// 100,000 different real people are not available offline, so the neural collection holds the
// 5 real people of test/fixtures/real-faces (indexed through IndexFaces) among 99,995 synthetic
// descriptors made like real ones: each mixes the descriptors of two different real people with
// random weights and per-value noise, keeping the model's non-negative output, which spreads
// their correlations with the real faces over the same range as real strangers (checked below).
import { cpus, loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { SeededRandom } from '../sim/faces/seeded-random.js';
import { generateFace } from '../sim/faces/generate-face.js';
import { REAL_PEOPLE, realPhoto, shotOf, SHOT_KINDS } from '../sim/faces/real-face-shots.js';
import { CollectionStore } from '../sim/rekognition/collection-store.js';
import { decodeImage } from '../sim/rekognition/matcher/decode-image.js';
import { correlationOf, neuralDescriptorOf, similarityOfCorrelation } from '../sim/rekognition/matcher/neural-descriptor.js';
import { sharedNeuralFaceModel } from '../sim/rekognition/matcher/neural-model.js';
import { createRekognitionService } from '../sim/rekognition/service.js';

const COLLECTION_SIZE = 100_000;
const THRESHOLD = 95;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function format(samples: number[]): string {
  return `p50 ${percentile(samples, 50).toFixed(1)} ms  p90 ${percentile(samples, 90).toFixed(1)} ms`;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Wall time and CPU time (this process, all threads) of each run, in ms. */
async function timeEach(count: number, work: () => Promise<unknown>): Promise<{ wall: number[]; cpu: number[] }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run < count; run++) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await work();
    const used = process.cpuUsage(cpuBefore);
    wall.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall, cpu };
}

function formatTimes({ wall, cpu }: { wall: number[]; cpu: number[] }): string {
  return `${format(wall)} (CPU p50 ${percentile(cpu, 50).toFixed(1)}, min ${Math.min(...cpu).toFixed(1)} ms)`;
}

console.log(`${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)} (other processes share them: wall times are upper bounds)\n`);

const model = sharedNeuralFaceModel();
const store = new CollectionStore();
const service = createRekognitionService({ store, neuralModel: model });
const request = { log: { error: () => undefined } };
const call = (operation: string, input: Record<string, unknown>) => service.operations[operation](input, { request, region: 'us-east-1' } as never) as Promise<Record<string, unknown>>;
const image = (bytes: Buffer) => ({ Bytes: bytes.toString('base64') });

// A 640x480 webcam-like frame for each path.
const realFrame = await sharp(realPhoto('eileen-collins.jpg')).resize(480, 480).extend({ left: 80, right: 80, background: '#6b6b6b' }).jpeg({ quality: 90 }).toBuffer();
const syntheticFrame = await sharp(await generateFace({ seed: 'bench-frame' })).extend({ left: 80, right: 80, background: '#6b6b6b' }).jpeg({ quality: 90 }).toBuffer();
// The synthetic path first (it also warms sharp and the JIT), then the memory the model adds.
await timeEach(5, () => call('DetectFaces', { Image: image(syntheticFrame) }));
const detectSynthetic = await timeEach(20, () => call('DetectFaces', { Image: image(syntheticFrame) }));
global.gc?.();
const rssBefore = process.memoryUsage().rss;
const loadStarted = performance.now();
await model.load();
const loadMilliseconds = performance.now() - loadStarted;
await timeEach(3, () => call('DetectFaces', { Image: image(realFrame) }));
const detectReal = await timeEach(20, () => call('DetectFaces', { Image: image(realFrame) }));
global.gc?.();
await new Promise((resolve) => setTimeout(resolve, 500));
const rssWarm = process.memoryUsage().rss;

console.log('                                    neural (real photos)                         synthetic (drawn species)');
console.log(`model load                          ${(loadMilliseconds / 1000).toFixed(2)} s                                       none`);
console.log(`added RSS, idle after 23 detections ${megabytes(rssWarm - rssBefore).padEnd(45)}0`);
console.log(`DetectFaces, 640x480 frame          ${formatTimes(detectReal).padEnd(45)}${formatTimes(detectSynthetic)}`);
// With Attributes ALL the description network (age, gender) and the emotion model run too.
const detectRealAll = await timeEach(10, () => call('DetectFaces', { Image: image(realFrame), Attributes: ['ALL'] }));
console.log(`DetectFaces, same, Attributes ALL   ${formatTimes(detectRealAll)}`);

// Raw descriptors of real shots, to make look-alike strangers from.
const rawByPerson: Float32Array[][] = [];
for (const { photos } of REAL_PEOPLE) {
  const raws: Float32Array[] = [];
  for (const kind of SHOT_KINDS.slice(0, 4)) {
    const [face] = await model.detect(await decodeImage(await shotOf(realPhoto(photos[0]), kind)));
    if (face) raws.push(face.descriptor);
  }
  rawByPerson.push(raws);
}

// The neural collection: 5 real people through IndexFaces, then the strangers straight into the store.
// A stranger is a real descriptor with its 1024 values shuffled (the model's value distribution,
// another "face"), blended 80/20 with another real person's: that gives strangers the small
// resemblance real impostors have (correlation with the real faces printed below).
await call('CreateCollection', { CollectionId: 'real' });
for (const { photos } of REAL_PEOPLE) await call('IndexFaces', { CollectionId: 'real', Image: image(realPhoto(photos[0])), ExternalImageId: photos[0].replace('.jpg', ''), QualityFilter: 'NONE' });
const realCollection = store.get('real')!;
const random = new SeededRandom('bench-strangers', COLLECTION_SIZE);
const box = { Width: 0.3, Height: 0.3, Left: 0.3, Top: 0.2 };
const fillStarted = performance.now();
let batch = [];
const shuffled = new Float32Array(1024);
for (let index = REAL_PEOPLE.length; index < COLLECTION_SIZE; index++) {
  const first = random.integerBelow(rawByPerson.length);
  const second = random.integerBelow(rawByPerson.length);
  const a = rawByPerson[first][random.integerBelow(rawByPerson[first].length)];
  const b = rawByPerson[second][random.integerBelow(rawByPerson[second].length)];
  shuffled.set(a);
  for (let value = shuffled.length - 1; value > 0; value--) {
    const other = random.integerBelow(value + 1);
    [shuffled[value], shuffled[other]] = [shuffled[other], shuffled[value]];
  }
  const mixed = new Float32Array(a.length);
  for (let value = 0; value < a.length; value++) mixed[value] = 0.8 * shuffled[value] + 0.2 * b[value];
  batch.push({ FaceId: randomUUID(), ImageId: randomUUID(), BoundingBox: box, Confidence: 99.9, descriptor: { path: 'neural' as const, ...neuralDescriptorOf(mixed) } });
  if (batch.length === 10_000) {
    realCollection.addFaces(batch);
    batch = [];
  }
}
realCollection.addFaces(batch);
const fillSeconds = (performance.now() - fillStarted) / 1000;
global.gc?.();
const rssFull = () => process.memoryUsage().rss;

// How alike the strangers are to the real people: real strangers correlate 0.08 at the median.
const stored = realCollection.listFaces();
const realFaces = stored.slice(0, REAL_PEOPLE.length);
const strangerCorrelations: number[] = [];
for (let index = REAL_PEOPLE.length; index < stored.length; index += 50) {
  for (const real of realFaces) {
    const [left, right] = [real.descriptor, stored[index].descriptor];
    if (left.path === 'neural' && right.path === 'neural') strangerCorrelations.push(correlationOf(left, right));
  }
}

// Queries: other shots of the 5 real people. Search alone (descriptor ready), the whole operation,
// and an exhaustive scan in plain JavaScript to check the SIMD search gives the same answer.
const queries: Buffer[] = [];
for (const { photos } of REAL_PEOPLE) for (const kind of ['crop', 'rotate+8', 'darker', 'jpeg-35'] as const) queries.push(await shotOf(realPhoto(photos[0]), kind));
const searchOnly: number[] = [];
const searchOnlyCpu: number[] = [];
const wholeOperation: number[] = [];
const wholeOperationCpu: number[] = [];
let exhaustiveMismatches = 0;
let correctTop = 0;
let answered = 0;
for (const [index, query] of queries.entries()) {
  const [face] = await model.detect(await decodeImage(query));
  if (!face) continue;
  answered++;
  const descriptor = { path: 'neural' as const, ...neuralDescriptorOf(face.descriptor) };
  realCollection.search(descriptor, THRESHOLD, 80);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const matches = realCollection.search(descriptor, THRESHOLD, 80);
  const cpuUsed = process.cpuUsage(cpuBefore);
  searchOnly.push(performance.now() - started);
  searchOnlyCpu.push((cpuUsed.user + cpuUsed.system) / 1000);
  const exhaustive = stored
    .map((candidate) => (candidate.descriptor.path === 'neural' ? similarityOfCorrelation(correlationOf(descriptor, candidate.descriptor)) : 0))
    .filter((similarity) => similarity >= THRESHOLD)
    .sort((left, right) => right - left)
    .slice(0, 80);
  if (JSON.stringify(exhaustive) !== JSON.stringify(matches.map((match) => match.similarity))) exhaustiveMismatches++;
  if (matches[0]?.face.FaceId === realFaces[Math.floor(index / 4)].FaceId) correctTop++;
  const timed = await timeEach(1, () => call('SearchFacesByImage', { CollectionId: 'real', Image: image(query), FaceMatchThreshold: THRESHOLD }));
  wholeOperation.push(...timed.wall);
  wholeOperationCpu.push(...timed.cpu);
}

// The synthetic path at the same size: 5 drawn people among random 128-bit hashes.
await call('CreateCollection', { CollectionId: 'synthetic' });
for (let person = 0; person < 5; person++) await call('IndexFaces', { CollectionId: 'synthetic', Image: image(await generateFace({ seed: `bench-${person}` })) });
const syntheticCollection = store.get('synthetic')!;
const hashes = new SeededRandom('bench-synthetic', COLLECTION_SIZE);
batch = [];
for (let index = 5; index < COLLECTION_SIZE; index++) {
  batch.push({ FaceId: randomUUID(), ImageId: randomUUID(), BoundingBox: box, Confidence: 99.9, descriptor: { path: 'synthetic' as const, hash: Uint32Array.of(hashes.nextUint32(), hashes.nextUint32(), hashes.nextUint32(), hashes.nextUint32()) } });
  if (batch.length === 10_000) {
    syntheticCollection.addFaces(batch);
    batch = [];
  }
}
syntheticCollection.addFaces(batch);
const syntheticSearch: number[] = [];
const syntheticOperation = { wall: [] as number[], cpu: [] as number[] };
for (let person = 0; person < 5; person++) {
  for (const variant of [1, 2, 3, 4]) {
    const query = await generateFace({ seed: `bench-${person}`, variant });
    const timed = await timeEach(1, () => call('SearchFacesByImage', { CollectionId: 'synthetic', Image: image(query), FaceMatchThreshold: THRESHOLD }));
    syntheticOperation.wall.push(...timed.wall);
    syntheticOperation.cpu.push(...timed.cpu);
  }
}
for (const stored of syntheticCollection.listFaces().slice(0, 20)) {
  const started = performance.now();
  syntheticCollection.search(stored.descriptor, THRESHOLD, 80);
  syntheticSearch.push(performance.now() - started);
}

console.log(`SearchFacesByImage at ${COLLECTION_SIZE.toLocaleString('en-US')} faces, threshold ${THRESHOLD}:`);
console.log(`  search alone (no model)           ${formatTimes({ wall: searchOnly, cpu: searchOnlyCpu }).padEnd(45)}${format(syntheticSearch)}`);
console.log(`  whole operation (with model)      ${formatTimes({ wall: wholeOperation, cpu: wholeOperationCpu }).padEnd(45)}${formatTimes(syntheticOperation)}`);
console.log(`  right person first                ${correctTop}/${answered}; search vs JavaScript scan: ${exhaustiveMismatches === 0 ? 'identical' : `${exhaustiveMismatches} differ`}`);
const sortedStrangers = [...strangerCorrelations].sort((left, right) => left - right);
console.log(`  stranger correlation with real faces: p50 ${percentile(sortedStrangers, 50).toFixed(3)}, p99 ${percentile(sortedStrangers, 99).toFixed(3)} (real impostors: 0.08, 0.28)`);
console.log(`  filling ${(COLLECTION_SIZE - REAL_PEOPLE.length).toLocaleString('en-US')} neural descriptors: ${fillSeconds.toFixed(1)} s; RSS with both collections full: ${megabytes(rssFull())} (${megabytes(rssWarm)} before filling)`);
