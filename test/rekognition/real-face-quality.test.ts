// The quality gate of the neural path on real photographs (sim/faces/real-face-evaluation.ts):
// 5 people from different photographs, 10 shots each (crops, scales, brightness, JPEG quality,
// rotations, mirror, soft focus; the basketball player has two real frames), every pair compared
// through the same decode and face finder as the API. The rates held here are the ones
// docs/rekognition.md reports.
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateRealFaces, realErrorRatesAt, type RealFaceEvaluation } from '../../sim/faces/real-face-evaluation.js';
import { sharedNeuralFaceModel } from '../../sim/rekognition/matcher/neural-model.js';

describe('neural path quality on real photographs', () => {
  let evaluation: RealFaceEvaluation;

  beforeAll(async () => {
    evaluation = await evaluateRealFaces(sharedNeuralFaceModel());
  }, 600_000);

  it('finds the face in at least 57 of the 60 shots', () => {
    expect(evaluation.shots).toHaveLength(60);
    expect(evaluation.shots.filter((shot) => !shot.descriptor).length).toBeLessThanOrEqual(3);
  });

  it('at the default threshold 95 accepts every genuine pair and no impostor pair', () => {
    const rates = realErrorRatesAt(evaluation, 95);
    expect(evaluation.genuine.length).toBeGreaterThan(300);
    expect(evaluation.impostor.length).toBeGreaterThan(1200);
    expect(rates.falseMatches).toBe(0);
    expect(rates.falseNonMatches).toBe(0);
  });

  it('keeps the looser thresholds honest: under 1 % false matches at 90, under 5 % at 80', () => {
    expect(realErrorRatesAt(evaluation, 90).falseMatchRate).toBeLessThan(0.01);
    expect(realErrorRatesAt(evaluation, 80).falseMatchRate).toBeLessThan(0.05);
  });

  it('at 99 still accepts most genuine pairs (under 10 % refused)', () => {
    expect(realErrorRatesAt(evaluation, 99).falseNonMatchRate).toBeLessThan(0.1);
  });

  it('finds no face in a cat, a cup of coffee, a rocket launch or a house', () => {
    const detections = Object.entries(evaluation.noFaceDetections);
    expect(detections.map(([photo]) => photo)).toEqual(
      expect.arrayContaining(['no-face-cat.jpg', 'no-face-coffee.jpg', 'no-face-rocket-launch.jpg', 'no-face-house.jpg']),
    );
    expect(detections.filter(([, faces]) => faces > 0)).toEqual([]);
  });
});
