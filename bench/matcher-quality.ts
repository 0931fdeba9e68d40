// Genuine and impostor similarity distributions of the face matcher, and its error rates.
//   npx tsx bench/matcher-quality.ts [identities=300] [variants=5] [size=256]
// Every picture goes through the real decode + detection + hash path (no HTTP). Genuine pairs:
// two photos of the same person; impostor pairs: photos of two different people.
import { errorRatesAt, evaluateMatcher, similarityPercentiles } from '../sim/faces/matcher-evaluation.js';
import { similarityOfDistance } from '../sim/rekognition/matcher/face-hash.js';

const [identities = 300, variants = 5, size = 256] = process.argv.slice(2).map(Number);

function histogram(distances: number[]): string {
  const buckets = [
    { label: '100      ', low: 100, high: 101 },
    { label: '[99, 100)', low: 99, high: 100 },
    { label: '[95, 99) ', low: 95, high: 99 },
    { label: '[90, 95) ', low: 90, high: 95 },
    { label: '[80, 90) ', low: 80, high: 90 },
    { label: '[50, 80) ', low: 50, high: 80 },
    { label: '[20, 50) ', low: 20, high: 50 },
    { label: '[0, 20)  ', low: 0, high: 20 },
  ];
  const total = distances.reduce((sum, pairs) => sum + pairs, 0);
  return buckets
    .map(({ label, low, high }) => {
      const pairs = distances.reduce((sum, count, distance) => {
        const similarity = similarityOfDistance(distance);
        return sum + (similarity >= low && similarity < high ? count : 0);
      }, 0);
      const bar = '#'.repeat(Math.round((pairs / Math.max(1, total)) * 50));
      return `  ${label} ${String(pairs).padStart(8)}  ${((pairs / Math.max(1, total)) * 100).toFixed(3).padStart(7)} %  ${bar}`;
    })
    .join('\n');
}

const started = performance.now();
const evaluation = await evaluateMatcher({ identities, variantsPerIdentity: variants, size, noFacePictures: 100, groupPictures: 40 });
const seconds = (performance.now() - started) / 1000;
const genuinePairs = evaluation.genuine.reduce((sum, pairs) => sum + pairs, 0);
const impostorPairs = evaluation.impostor.reduce((sum, pairs) => sum + pairs, 0);

console.log(`${identities} identities x ${variants} photos, ${size}x${size} JPEG, ${seconds.toFixed(0)} s`);
console.log(`portraits without a detected face: ${evaluation.missedFaces.length}${evaluation.missedFaces.length ? ` (${evaluation.missedFaces.slice(0, 5).join(', ')})` : ''}`);
console.log(`faces found in 100 no-face/blank pictures: ${evaluation.noFaceDetections}`);
console.log(`group pictures (40, 2-3 people): ${evaluation.groupFacesChecked} faces checked, failures: ${evaluation.groupFailures.length}`);
console.log(`\ngenuine pairs: ${genuinePairs}`);
console.log(histogram(evaluation.genuine));
const genuinePercentiles = [50, 10, 1, 0.1, 0];
console.log(`  similarity percentiles: ${similarityPercentiles(evaluation.genuine, genuinePercentiles).map((value, index) => `p${genuinePercentiles[index]} ${value}`).join(', ')}`);
console.log(`\nimpostor pairs: ${impostorPairs}`);
console.log(histogram(evaluation.impostor));
const impostorPercentiles = [50, 90, 99, 99.9, 100];
console.log(`  similarity percentiles: ${similarityPercentiles(evaluation.impostor, impostorPercentiles).map((value, index) => `p${impostorPercentiles[index]} ${value}`).join(', ')}`);
console.log('\nthreshold   FNMR (genuine rejected)        FMR (impostor accepted)');
for (const threshold of [80, 90, 95, 99]) {
  const rates = errorRatesAt(evaluation, threshold);
  console.log(`  ${String(threshold).padEnd(9)} ${`${(rates.falseNonMatchRate * 100).toFixed(2)} % (${rates.falseNonMatches})`.padEnd(30)} ${(rates.falseMatchRate * 100).toFixed(5)} % (${rates.falseMatches})`);
}
