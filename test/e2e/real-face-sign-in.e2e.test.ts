// End to end with real photographs (test/fixtures/real-faces): a person enrols with one shot and
// signs in with another, through the kit's client (what `facekit signup` / `signin` run) against
// the embedded cloud; another person is refused, and photos the enrolment must not take are
// refused with the reasons the CLI and the page explain (LOW_QUALITY, NO_FACE).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realPhoto, shotOf } from '../../sim/faces/real-face-shots.js';
import { latestCode, startHarness, type Harness } from './embedded-cloud-harness.js';

let harness: Harness;

async function signUpAndConfirm(email: string): Promise<string> {
  await harness.client.signUp(email);
  return harness.client.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);
}

beforeAll(async () => {
  harness = await startHarness();
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

describe('face sign-in with real photographs', () => {
  it('enrols Eileen Collins from one shot, signs her in from another, and refuses Grace Hopper', async () => {
    const email = 'eileen@example.com';
    const enrolSecret = await signUpAndConfirm(email);
    const enrolled = await harness.client.authenticate(email, { photo: realPhoto('eileen-collins.jpg'), enrolSecret });
    expect(enrolled.kind).toBe('signed-in');

    const again = await harness.client.authenticate(email, { photo: await shotOf(realPhoto('eileen-collins.jpg'), 'rotate-6') });
    const impostor = await harness.client.authenticate(email, { photo: realPhoto('grace-hopper.jpg') });

    expect(again).toMatchObject({ kind: 'signed-in', challenges: ['FACE_MATCH'] });
    expect(impostor.kind).toBe('face-not-recognised');
  }, 180_000);

  it('refuses a small, soft face at enrolment as LOW_QUALITY (the kit enrols under QualityFilter HIGH)', async () => {
    // The basketball player's face is 44 px wide in a grey 640x480 frame: Sharpness 65, under HIGH's 75.
    const email = 'player@example.com';
    const enrolSecret = await signUpAndConfirm(email);

    expect(await harness.client.authenticate(email, { photo: realPhoto('basketball-player-1.jpg'), enrolSecret })).toMatchObject({ kind: 'enrolment-rejected', reason: 'LOW_QUALITY' });
  }, 180_000);

  it('refuses a photo of a cat at enrolment as NO_FACE', async () => {
    const email = 'cat-owner@example.com';
    const enrolSecret = await signUpAndConfirm(email);

    expect(await harness.client.authenticate(email, { photo: realPhoto('no-face-cat.jpg'), enrolSecret })).toMatchObject({ kind: 'enrolment-rejected', reason: 'NO_FACE' });
  }, 180_000);
});
