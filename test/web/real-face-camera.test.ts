// The face sign-in page in headless Chromium with a fake webcam showing a real person
// (test/fixtures/real-faces): enrolment from one shot, sign-in from another shot of the same
// person, a different person refused, and then the right person in the same session. One browser
// per camera picture, since Chromium reads its fake-camera file once at launch.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realPhoto, shotOf } from '../../sim/faces/real-face-shots.js';
import { buildWebPageIfChanged } from '../../sim/web-page/build-cache.js';
import { projectDir, startHarness, type Harness } from '../e2e/embedded-cloud-harness.js';
import { writeFakeCameraVideo } from './fake-camera.js';
import { HeadlessChromium, skipBrowserTests } from './headless-chromium.js';
import { FaceSignInPage } from './page-driver.js';

let harness: Harness;
let workDir: string;
const browsers: HeadlessChromium[] = [];

/** The page in a new browser whose camera shows `photo`. */
async function pageWithCamera(name: string, photo: Buffer): Promise<FaceSignInPage> {
  const camera = join(workDir, `${name}.y4m`);
  await writeFakeCameraVideo(camera, photo);
  const browser = HeadlessChromium.launch({ args: [`--use-file-for-fake-video-capture=${camera}`] });
  browsers.push(browser);
  const page = new FaceSignInPage(await browser.open(`${harness.endpoint}/_sim/web/`), harness.endpoint);
  await page.ready();
  return page;
}

describe.skipIf(skipBrowserTests('the real-face camera test'))('the page with a webcam showing a real person', () => {
  beforeAll(async () => {
    const [started] = await Promise.all([startHarness(), buildWebPageIfChanged({ projectDir })]);
    harness = started;
    workDir = mkdtempSync(join(tmpdir(), 'facekit-real-camera-'));
  }, 180_000);

  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await harness?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('enrols Eileen Collins from one shot, signs her in from another, and refuses Grace Hopper', async () => {
    const email = 'collins-camera@example.com';
    const collins = realPhoto('eileen-collins.jpg');

    const enrolPage = await pageWithCamera('enrol', collins);
    await enrolPage.captureFromCamera();
    const enrolled = await enrolPage.signUp(email);
    const enrolledClaims = await enrolPage.claims();

    const signInPage = await pageWithCamera('sign-in', await shotOf(collins, 'rotate-6'));
    await signInPage.captureFromCamera();
    const signedIn = await signInPage.signIn(email);
    const signedInClaims = await signInPage.claims();

    const strangerPage = await pageWithCamera('stranger', realPhoto('grace-hopper.jpg'));
    await strangerPage.captureFromCamera();
    await strangerPage.press('sign-in', email);
    const strangerRefusal = await strangerPage.refusal();

    expect(enrolled).toBe('success');
    expect(signedIn).toBe('success');
    expect(signedInClaims).toMatchObject({ email, sub: enrolledClaims.sub });
    expect(strangerRefusal).toMatch(/^Face not recognised/);
  }, 300_000);

  it('refuses a wrong person at the camera, then signs in the right one in the same session', async () => {
    const email = 'hopper-camera@example.com';
    const hopper = realPhoto('grace-hopper.jpg');
    const enrolPage = await pageWithCamera('hopper-enrol', hopper);
    await enrolPage.captureFromCamera();
    expect(await enrolPage.signUp(email)).toBe('success');

    const page = await pageWithCamera('hopper-stranger', realPhoto('eileen-collins.jpg'));
    await page.captureFromCamera();
    await page.press('sign-in', email);
    const refusal = await page.refusal();
    const rightFace = join(workDir, 'hopper-brighter.jpg');
    writeFileSync(rightFace, await shotOf(hopper, 'brighter'));
    await page.choosePhoto(rightFace);
    await page.click('retry');
    const outcome = await page.settled();

    expect(refusal).toMatch(/^Face not recognised/);
    expect(outcome).toBe('success');
    expect(await page.text('outcome')).toBe(`Signed in as ${email}.`);
    expect(await page.text('steps')).toContain('Face not recognised');
  }, 300_000);

  it('tells a person whose camera shows no face that the photo is the problem', async () => {
    const email = 'cat-camera@example.com';
    const page = await pageWithCamera('cat', realPhoto('no-face-cat.jpg'));
    await page.captureFromCamera();
    await page.press('sign-up', email);
    await page.enterEmailedCode(email);

    expect(await page.refusal()).toMatch(/^No face was found in the photo\. .*closer to the camera, in good light\./);
  }, 180_000);
});
