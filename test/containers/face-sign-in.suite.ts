// The end-to-end flow against the sim's container image, from outside, as a user of the image
// would run it: sign-up, confirmation, enrolment, sign-in and refusals through every trigger, then a
// restart of the container on its volume and a sign-in again. Registered by containers.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixture } from '../../sim/faces/generate-face.js';
import { freePort } from '../../sim/free-port.js';
import { decodeJwtClaims, FaceAuthClient } from '../../cli/face-auth-client.js';
import { latestCode } from '../e2e/embedded-cloud-harness.js';
import {
  IMAGE_BUILD_TIMEOUT_MS,
  removeDockerVolume,
  startSimContainer,
  type DockerEngineStatus,
  type SimContainer,
} from './sim-container.js';


export function describeFaceSignInInContainer(engine: DockerEngineStatus, engineRequired: boolean): void {
  describe.skipIf(!engine.available && !engineRequired)('face sign-in against the sim container', () => {
    const dataVolume = `facekit-e2e-data-${process.pid}-${Date.now()}`;
    let sim: SimContainer | undefined;
    let client: FaceAuthClient;

    beforeAll(async () => {
      if (!engine.available) throw new Error(engine.reason);
      sim = await startSimContainer({ dataVolume, samePort: await freePort() });
      const outputs = await sim.stackOutputs();
      client = new FaceAuthClient({ region: outputs.Region, userPoolClientId: outputs.UserPoolClientId, endpoint: sim.endpoint });
    }, IMAGE_BUILD_TIMEOUT_MS);

    afterAll(async () => {
      await sim?.stop();
      if (engine.available) await removeDockerVolume(dataVolume).catch(() => undefined);
    }, 60_000);

    it('signs up, enrols, refuses a wrong face and a photo with no face, signs in, and still does after a restart', async () => {
      const email = 'container@example.com';
      const { userSub } = await client.signUp(email);
      const enrolSecret = await client.confirmSignUp(email, (await latestCode(sim!.endpoint, email)).code);

      const noFace = await client.authenticate(email, { photo: await generateFixture('no-face', 'c'), enrolSecret });
      expect(noFace).toMatchObject({ kind: 'enrolment-rejected', reason: 'NO_FACE' });
      const enrolled = await client.authenticate(email, { photo: await generateFixture('face', 'container'), enrol: true, emailCode: async () => (await latestCode(sim!.endpoint, email)).code });
      expect(enrolled.kind).toBe('signed-in');

      const wrong = await client.authenticate(email, { photo: await generateFixture('face', 'intruder') });
      expect(wrong.kind).toBe('face-not-recognised');
      const signedIn = await client.authenticate(email, { photo: await generateFixture('face', 'container', 2) });
      if (signedIn.kind !== 'signed-in') throw new Error(`sign-in refused: ${signedIn.kind}`);
      expect(decodeJwtClaims(signedIn.tokens.IdToken!)).toMatchObject({ sub: userSub, face_factor: 'face' });

      await sim!.container.restart();
      const afterRestart = await client.authenticate(email, { photo: await generateFixture('face', 'container', 4) });
      expect(afterRestart.kind).toBe('signed-in');
    }, 180_000);
  });
}
