// The quality gate of the face model: 200 people x 5 photographs each, through the real decode,
// detection and hashing path. Rates are measured here, not assumed.
import { describe, expect, it } from 'vitest';
import { errorRatesAt, evaluateMatcher, type Evaluation } from '../../sim/faces/matcher-evaluation.js';

describe('matcher quality on 200 identities x 5 camera variants', () => {
  let evaluation: Evaluation;

  it('finds the face in every portrait', async () => {
    evaluation = await evaluateMatcher({ identities: 200, variantsPerIdentity: 5, size: 256, noFacePictures: 40, groupPictures: 20 });
    expect(evaluation.missedFaces).toEqual([]);
  }, 300_000);

  it('at threshold 95 rejects at most 1 % of genuine pairs and accepts no impostor pair', () => {
    const rates = errorRatesAt(evaluation, 95);
    const genuinePairs = evaluation.genuine.reduce((sum, pairs) => sum + pairs, 0);
    const impostorPairs = evaluation.impostor.reduce((sum, pairs) => sum + pairs, 0);

    expect(genuinePairs).toBe(200 * 10);
    expect(impostorPairs).toBe((1000 * 999) / 2 - 200 * 10);
    expect(rates.falseNonMatchRate).toBeLessThanOrEqual(0.01);
    expect(rates.falseMatches).toBe(0);
  });

  it('accepts no impostor pair even at the loose default threshold of 80', () => {
    expect(errorRatesAt(evaluation, 80).falseMatches).toBe(0);
  });

  it('never finds a face in pictures without one', () => {
    expect(evaluation.noFaceDetections).toBe(0);
  });

  it('finds every person of every group picture, each recognisable as themselves', () => {
    expect(evaluation.groupFailures).toEqual([]);
    expect(evaluation.groupFacesChecked).toBe(10 * 2 + 10 * 3);
  });
});
