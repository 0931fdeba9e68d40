// The synthetic matcher against changes made to a finished photo (sim/faces/photo-transforms.ts),
// and against pictures with no face (sim/faces/non-face-images.ts).
//   npx tsx bench/matcher-transforms.ts [identities=200] [size=320] [non-face pictures per family=40]
// Every picture goes through the real decode + detection + hash path (no HTTP). Prints, for each
// transform, faces found and true matches at 80 / 90 / 95 / 99 (a missed face counts as a
// non-match), then the false matches among different people and the faces found in no-face pictures.
import { generatedNonFaceImages, nonFacePhotos } from '../sim/faces/non-face-images.js';
import { evaluateTransforms, falseMatchesAt, highestSimilarity, trueMatchesAt } from '../sim/faces/transform-evaluation.js';
import { decodeImage } from '../sim/rekognition/matcher/decode-image.js';
import { detectFaces } from '../sim/rekognition/matcher/detect-faces.js';
import { similarityOfDistance } from '../sim/rekognition/matcher/face-hash.js';

const [identities = 200, size = 320, perFamily = 40] = process.argv.slice(2).map(Number);
const THRESHOLDS = [80, 90, 95, 99];

const started = performance.now();
const cpuStarted = process.cpuUsage();
const evaluation = await evaluateTransforms({ identities, size });
const cpu = process.cpuUsage(cpuStarted);
console.log(`${identities} people, ${size}x${size} studio portraits, ${evaluation.results.length} transforms: ${((performance.now() - started) / 1000).toFixed(0)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s CPU\n`);

const percent = (count: number, total: number) => `${((count / total) * 100).toFixed(1)} %`;
console.log(`| transform | faces found | true matches at ${THRESHOLDS.join(' / ')} | genuine similarity min / median |`);
console.log('|---|---|---|---|');
for (const result of evaluation.results) {
  const similarities = result.genuineDistances.map(similarityOfDistance).sort((left, right) => left - right);
  const spread = similarities.length ? `${similarities[0].toFixed(1)} / ${similarities[Math.floor(similarities.length / 2)].toFixed(1)}` : '-';
  const matches = THRESHOLDS.map((threshold) => percent(trueMatchesAt(result, threshold), result.probes)).join(' / ');
  console.log(`| ${result.name} | ${result.probes - result.missed.length} / ${result.probes} | ${matches} | ${spread} |`);
}

const impostorPairs = evaluation.impostor.reduce((sum, pairs) => sum + pairs, 0);
console.log(`\nimpostor pairs (different people, every enrolment and changed photo): ${impostorPairs}`);
console.log(`false matches at ${THRESHOLDS.map((threshold) => `${threshold}: ${falseMatchesAt(evaluation.impostor, threshold)}`).join(', ')}; highest impostor similarity ${highestSimilarity(evaluation.impostor).toFixed(1)}`);

const pictures = [...nonFacePhotos(), ...(await generatedNonFaceImages(perFamily))];
const withFaces: string[] = [];
for (const picture of pictures) {
  if (detectFaces(await decodeImage(picture.bytes)).length > 0) withFaces.push(picture.name);
}
console.log(`\nno-face pictures: ${pictures.length} (${nonFacePhotos().length} photographs, ${perFamily} of each generated family); with a face: ${withFaces.length}${withFaces.length ? ` (${withFaces.join(', ')})` : ''}`);
