// The neural path's calibration on real photographs: genuine and impostor similarity
// distributions, and FMR / FNMR at the usual thresholds (the table in docs/rekognition.md).
//   npx tsx bench/real-face-calibration.ts            (about a minute)
//   npx tsx bench/real-face-calibration.ts --raw      (also prints raw correlations, to re-fit SIMILARITY_ANCHORS)
import { evaluateRealFaces, realErrorRatesAt } from '../sim/faces/real-face-evaluation.js';
import { correlationOf } from '../sim/rekognition/matcher/neural-descriptor.js';
import { sharedNeuralFaceModel } from '../sim/rekognition/matcher/neural-model.js';

function quantile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(share * sorted.length)))];
}

function summary(values: number[]): string {
  const sorted = [...values].sort((left, right) => left - right);
  return `n ${sorted.length}  min ${sorted[0].toFixed(3)}  p1 ${quantile(sorted, 0.01).toFixed(3)}  p5 ${quantile(sorted, 0.05).toFixed(3)}  p50 ${quantile(sorted, 0.5).toFixed(3)}  p99 ${quantile(sorted, 0.99).toFixed(3)}  max ${sorted[sorted.length - 1].toFixed(3)}`;
}

const model = sharedNeuralFaceModel();
await model.load();
const evaluation = await evaluateRealFaces(model);
const missed = evaluation.shots.filter((shot) => !shot.descriptor);
console.log(`shots: ${evaluation.shots.length} of ${new Set(evaluation.shots.map((shot) => shot.person)).size} people; no face found in ${missed.length}: ${missed.map((shot) => `${shot.photo} ${shot.kind}`).join(', ') || 'none'}`);
console.log(`faces found in no-face photos: ${JSON.stringify(evaluation.noFaceDetections)}`);
console.log(`genuine similarity   ${summary(evaluation.genuine)}`);
console.log(`impostor similarity  ${summary(evaluation.impostor)}`);
if (process.argv.includes('--raw')) {
  const found = evaluation.shots.filter((shot) => shot.descriptor?.path === 'neural');
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let first = 0; first < found.length; first++) {
    for (let second = first + 1; second < found.length; second++) {
      const [left, right] = [found[first].descriptor!, found[second].descriptor!];
      if (left.path !== 'neural' || right.path !== 'neural') continue;
      (found[first].person === found[second].person ? genuine : impostor).push(correlationOf(left, right));
    }
  }
  console.log(`genuine correlation  ${summary(genuine)}`);
  console.log(`impostor correlation ${summary(impostor)}`);
}
console.log('\nthreshold  FMR (false matches / impostor pairs)  FNMR (false non-matches / genuine pairs)');
for (const threshold of [80, 90, 95, 99]) {
  const rates = realErrorRatesAt(evaluation, threshold);
  console.log(
    `${String(threshold).padStart(9)}  ${(rates.falseMatchRate * 100).toFixed(2).padStart(6)} % (${rates.falseMatches}/${evaluation.impostor.length})`.padEnd(48) +
      `${(rates.falseNonMatchRate * 100).toFixed(2).padStart(6)} % (${rates.falseNonMatches}/${evaluation.genuine.length})`,
  );
}
