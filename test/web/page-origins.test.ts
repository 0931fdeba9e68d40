// The page `npm start -- --port <n>` serves, opened the three ways a developer opens it:
// http://localhost:<n>, http://127.0.0.1:<n> and http://[::1]:<n>, in headless Chromium, on a
// port the stack's web origins do not list. The photo goes to the upload form's URL, which names
// 127.0.0.1: from the other two names that POST is cross-origin, and it used to be refused by the
// upload bucket's CORS, so sign-up ended at "Failed to fetch" (sim/kit-origins.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixture } from '../../sim/faces/generate-face.js';
import { startEmbeddedCloud, type EmbeddedCloud } from '../../sim/embedded-cloud.js';
import { buildWebPageIfChanged } from '../../sim/web-page/build-cache.js';
import { cloudAssembly, projectDir, STACK_NAME } from '../e2e/embedded-cloud-harness.js';
import { HeadlessChromium, skipBrowserTests } from './headless-chromium.js';
import { FaceSignInPage } from './page-driver.js';

let cloud: EmbeddedCloud;
let browser: HeadlessChromium;
let workDir: string;

describe.skipIf(skipBrowserTests('the page opened by each loopback name'))('the kit’s page opened by each loopback name on a port of its own', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'facekit-page-origins-'));
    const [cloudAssemblyDir] = await Promise.all([cloudAssembly(), buildWebPageIfChanged({ projectDir })]);
    // Both address families (`::` takes IPv4 too), so each name reaches the same kit, as it
    // does on a machine where `npm start -- --host ::` runs. Port 0: a free one, never 4566.
    cloud = await startEmbeddedCloud({ cloudAssemblyDir, stackName: STACK_NAME, host: '::', port: 0, dataDir: join(workDir, 'data') });
    browser = HeadlessChromium.launch();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await cloud?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it.each(['localhost', '127.0.0.1', '[::1]'])('signs up and enrols a face from http://%s:<port>', async (host) => {
    const port = new URL(cloud.endpoint).port;
    const origin = `http://${host}:${port}`;
    const email = `origin-${host.replace(/\W/g, '')}@example.com`;
    const photo = join(workDir, `${email}.jpg`);
    writeFileSync(photo, await generateFixture('face', email));
    const page = new FaceSignInPage(await browser.open(`${origin}/_sim/web/`), cloud.endpoint);
    await page.ready();
    await page.choosePhoto(photo);

    const outcome = await page.signUp(email);

    expect(await page.text('target')).toContain(`on the kit at ${origin}.`);
    expect([outcome, await page.text('outcome')]).toEqual(['success', `Enrolled and signed in as ${email}.`]);
  }, 90_000);

  it('signs up and enrols on a kit bound by the name localhost (`npm start -- --host localhost`)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'facekit-localhost-kit-'));
    const namedKit = await startEmbeddedCloud({ cloudAssemblyDir: await cloudAssembly(), stackName: STACK_NAME, host: 'localhost', port: 0, dataDir });
    try {
      const email = 'bound-by-name@example.com';
      const photo = join(workDir, `${email}.jpg`);
      writeFileSync(photo, await generateFixture('face', email));
      // The functions' S3 client used to address `<bucket>.localhost`, which Node cannot resolve:
      // Verify failed with an internal error on every photo.
      const page = new FaceSignInPage(await browser.open(`${namedKit.endpoint}/_sim/web/`), namedKit.endpoint);
      await page.ready();
      await page.choosePhoto(photo);

      const outcome = await page.signUp(email);

      expect(namedKit.endpoint).toMatch(/^http:\/\/localhost:\d+$/);
      expect([outcome, await page.text('outcome')]).toEqual(['success', `Enrolled and signed in as ${email}.`]);
    } finally {
      await namedKit.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('a kit bound to the IPv6 loopback (`npm start -- --host ::1`)', () => {
  it('names its endpoint with the address in brackets, answers there, and lets its page upload by the other loopback names', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'facekit-ipv6-kit-'));
    // `http://::1:<port>` is no URL: the start used to fail on it with "Invalid URL".
    const ipv6Kit = await startEmbeddedCloud({ cloudAssemblyDir: await cloudAssembly(), stackName: STACK_NAME, host: '::1', port: 0, dataDir });
    try {
      const port = new URL(ipv6Kit.endpoint).port;
      const health = await fetch(`${ipv6Kit.endpoint}/_sim/health`);
      const upload = await fetch(`${ipv6Kit.endpoint}/${ipv6Kit.outputs.BucketName}/enrol/someone/photo`, {
        method: 'OPTIONS',
        headers: { origin: `http://localhost:${port}`, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });

      expect(ipv6Kit.endpoint).toBe(`http://[::1]:${port}`);
      expect(health.status).toBe(200);
      expect(upload.status).toBe(200);
    } finally {
      await ipv6Kit.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
