// The page as an app developer runs it: the Vite dev server (`npm run web`) on its own origin,
// http://localhost:5173, calling the kit cross-origin with Amplify (preflights, the JSON API,
// the photo's upload form posted to S3, /_sim/outputs, the example backend with a bearer token) in Chromium with a
// fake camera. The dev server listens on
// a free port; Chromium maps localhost:5173 to it, so the page's origin is the one people use
// (and one of the stack's default web origins) without taking a port someone else may hold.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixture } from '../../sim/faces/generate-face.js';
import { freePort } from '../../sim/free-port.js';
import { projectDir, startHarness, type Harness } from '../e2e/embedded-cloud-harness.js';
import { writeFakeCameraVideo } from './fake-camera.js';
import { HeadlessChromium, skipBrowserTests } from './headless-chromium.js';
import { FaceSignInPage } from './page-driver.js';

const PAGE_ORIGIN = 'http://localhost:5173';
describe.skipIf(skipBrowserTests('the browser tests of the page on the Vite dev server'))('the page on the Vite dev server’s own origin, against the kit', () => {
  let harness: Harness;
  let vite: ViteDevServer;
  let browser: HeadlessChromium;
  let page: FaceSignInPage;
  let workDir: string;

  beforeAll(async () => {
    harness = await startHarness();
    workDir = mkdtempSync(join(tmpdir(), 'facekit-vite-'));
    // What `npm run web` reads to find the kit (vite.config.ts), set before the config loads.
    const previousEndpoint = process.env.FACEKIT_ENDPOINT;
    process.env.FACEKIT_ENDPOINT = harness.endpoint;
    const port = await freePort('127.0.0.1');
    try {
      vite = await createServer({
        configFile: join(projectDir, 'web', 'vite.config.ts'),
        server: { host: '127.0.0.1', port, strictPort: true, hmr: false },
        logLevel: 'warn',
      });
      await vite.listen();
    } finally {
      if (previousEndpoint === undefined) delete process.env.FACEKIT_ENDPOINT;
      else process.env.FACEKIT_ENDPOINT = previousEndpoint;
    }
    const camera = join(workDir, 'devcam.y4m');
    await writeFakeCameraVideo(camera, await generateFixture('face', 'devcam'));
    browser = HeadlessChromium.launch({
      args: [`--use-file-for-fake-video-capture=${camera}`, `--host-resolver-rules=MAP localhost:5173 127.0.0.1:${port}`],
    });
    page = new FaceSignInPage(await browser.open(`${PAGE_ORIGIN}/`), harness.endpoint);
    await page.ready();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await vite?.close();
    await harness?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('runs on its own origin and targets the kit', async () => {
    expect(await page.page.evaluate<string>('location.origin')).toBe(PAGE_ORIGIN);
    expect(await page.text('target')).toContain(`the kit at ${harness.endpoint}`);
  });

  it('signs up, enrols the camera’s face, signs out, signs in again and refuses a stranger’s face', async () => {
    const email = 'devcam@example.com';
    const stranger = join(workDir, 'stranger.jpg');
    writeFileSync(stranger, await generateFixture('face', 'devcam-stranger'));

    await page.captureFromCamera();
    const enrolled = await page.signUp(email);
    const claims = await page.claims();
    await page.click('ask-backend');
    await page.waitFor(`!document.getElementById('backend-answer').hidden`);
    const backendAnswer = await page.text('backend-answer');
    await page.signOut();
    await page.captureFromCamera();
    const signedIn = await page.signIn(email);
    await page.signOut();
    await page.choosePhoto(stranger);
    await page.press('sign-in', email);
    const strangerRefusal = await page.refusal();
    await page.click('give-up');
    const cancelled = await page.settled();

    expect(enrolled).toBe('success');
    expect(claims).toMatchObject({ email, email_verified: true });
    // The kit's example backend verified the access token with CognitoJwtVerifier, called cross-origin.
    expect(backendAnswer).toMatch(/^HTTP 200\n/);
    expect(JSON.parse(backendAnswer.slice(backendAnswer.indexOf('\n') + 1))).toMatchObject({ sub: claims.sub });
    expect(signedIn).toBe('success');
    expect(strangerRefusal).toMatch(/^Face not recognised/);
    expect(cancelled).toBe('failure');
  }, 120_000);
});
