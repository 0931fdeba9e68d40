// The face sign-in page served by the embedded cloud: its protocol module driven from Node, and
// the page itself in headless Chromium, choosing generated photos through its file input.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixture } from '../../sim/faces/generate-face.js';
import { CognitoError, createFaceAuthFlow, loadStackOutputs, type FlowOutcome } from '../../web/face-auth-flow.js';
import { latestCode, startHarness, type Harness } from '../e2e/embedded-cloud-harness.js';
import { chromiumUnavailableReason, HeadlessChromium, type BrowserPage } from './headless-chromium.js';

let harness: Harness;
let photoDir: string;

/** Writes a generated photo to a file the browser can be handed. */
async function photoFile(name: string, kind: 'face' | 'no-face', seed: string, variant = 0): Promise<string> {
  const path = join(photoDir, `${name}.jpg`);
  writeFileSync(path, await generateFixture(kind, seed, variant));
  return path;
}

beforeAll(async () => {
  harness = await startHarness();
  photoDir = mkdtempSync(join(tmpdir(), 'facekit-web-photos-'));
}, 180_000);

afterAll(async () => {
  await harness?.close();
  if (photoDir) rmSync(photoDir, { recursive: true, force: true });
});

describe('serving the page', () => {
  it('serves the index and its modules from web/ with content types by extension', async () => {
    const index = await fetch(`${harness.endpoint}/_sim/web/`);
    const script = await fetch(`${harness.endpoint}/_sim/web/face-sign-in.js`);
    const styles = await fetch(`${harness.endpoint}/_sim/web/style.css`);

    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await index.text()).toContain('<video id="camera"');
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("from './face-auth-flow.js'");
    expect(styles.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('redirects the folder without its slash, so the page’s relative imports resolve', async () => {
    const response = await fetch(`${harness.endpoint}/_sim/web`, { redirect: 'manual' });

    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/_sim/web/');
  });

  it('refuses files outside web/, unknown files and other extensions', async () => {
    const paths = ['..%2Fpackage.json', '%2E%2E%2Fsim%2Fmain.ts', '..%5Cpackage.json', 'missing.js', 'face-auth-flow.d.ts', '.eslintrc.js', 'sub/index.html'];

    const statuses = await Promise.all(paths.map(async (path) => (await fetch(`${harness.endpoint}/_sim/web/${path}`)).status));

    expect(statuses).toEqual(paths.map(() => 404));
  });
});

describe('the page’s protocol module, from Node', () => {
  it('signs up, confirms, enrols and signs in with the stack outputs the page reads', async () => {
    const { userPoolClientId, region } = await loadStackOutputs(fetch, harness.endpoint);
    const flow = createFaceAuthFlow({ fetch, endpoint: harness.endpoint, userPoolClientId });
    const email = 'module@example.com';
    const steps: string[] = [];

    await flow.signUp(email);
    const enrolSecret = await flow.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);
    const enrolled = await flow.authenticate(email, { photo: await generateFixture('face', 'module'), enrolSecret, onStep: (kind) => steps.push(kind) });
    const signedIn = await flow.authenticate(email, { photo: await generateFixture('face', 'module', 2) });

    expect(region).toBe(harness.outputs.Region);
    expect(steps).toEqual(['FACE_MATCH', 'MAILBOX_PROOF', 'ENROL_FACE']);
    expect(enrolled.kind).toBe('signed-in');
    expect(signedIn).toMatchObject({ kind: 'signed-in', challenges: ['FACE_MATCH'], claims: { email } });
  });

  it('reports Cognito errors by their AWS exception name', async () => {
    const { userPoolClientId } = await loadStackOutputs(fetch, harness.endpoint);
    const flow = createFaceAuthFlow({ fetch, endpoint: harness.endpoint, userPoolClientId });
    await flow.signUp('twice@example.com');

    const error = await flow.signUp('twice@example.com').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CognitoError);
    expect((error as Error).name).toBe('UsernameExistsException');
  });

  it('puts the reason for a refused enrolment photo in plain words and enrols the retaken photo in the same session', async () => {
    const { userPoolClientId } = await loadStackOutputs(fetch, harness.endpoint);
    const flow = createFaceAuthFlow({ fetch, endpoint: harness.endpoint, userPoolClientId });
    const email = 'noface@example.com';
    await flow.signUp(email);
    const enrolSecret = await flow.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);
    const refusals: FlowOutcome[] = [];
    const retaken = await generateFixture('face', 'noface');

    const outcome = await flow.authenticate(email, {
      photo: await generateFixture('no-face', 'noface'),
      enrolSecret,
      retakePhoto: async (refusal) => (refusals.push(refusal), retaken),
    });

    expect(refusals).toEqual([
      { kind: 'enrolment-rejected', reason: 'NO_FACE', message: expect.stringMatching(/^No face was found/), challenges: ['FACE_MATCH', 'MAILBOX_PROOF', 'ENROL_FACE'] },
    ]);
    expect(outcome).toMatchObject({ kind: 'signed-in', challenges: ['FACE_MATCH', 'MAILBOX_PROOF', 'ENROL_FACE', 'ENROL_FACE'], claims: { email } });
  });

  it('takes over an unconfirmed sign-up of the same email by confirming a new code', async () => {
    const { userPoolClientId } = await loadStackOutputs(fetch, harness.endpoint);
    const flow = createFaceAuthFlow({ fetch, endpoint: harness.endpoint, userPoolClientId });
    const email = 'signed-up-by-someone@example.com';
    await flow.signUp(email);

    expect(await flow.signUpOrResend(email)).toEqual({ resent: true });
    await flow.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);
    await expect(flow.signUpOrResend(email)).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('answers a user without a face like anyone whose face does not match, until they ask to enrol', async () => {
    const { userPoolClientId } = await loadStackOutputs(fetch, harness.endpoint);
    const flow = createFaceAuthFlow({ fetch, endpoint: harness.endpoint, userPoolClientId });
    const email = 'reloaded@example.com';
    await flow.signUp(email);
    await flow.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);

    const outcome = await flow.authenticate(email, { photo: await generateFixture('face', 'reloaded') });

    expect(outcome).toEqual({ kind: 'face-not-recognised', challenges: ['FACE_MATCH'] });
  });

  it('after a cancelled enrolment asks for a code by email, then enrols', async () => {
    const { userPoolClientId } = await loadStackOutputs(fetch, harness.endpoint);
    const flow = createFaceAuthFlow({ fetch, endpoint: harness.endpoint, userPoolClientId });
    const email = 'later@example.com';
    await flow.signUp(email);
    const enrolSecret = await flow.confirmSignUp(email, (await latestCode(harness.endpoint, email)).code);
    const cancelled = await flow.authenticate(email, { photo: await generateFixture('no-face', 'later'), enrolSecret });
    const steps: string[] = [];

    const outcome = await flow.authenticate(email, {
      photo: await generateFixture('face', 'later'),
      enrol: true,
      emailCode: async () => (await latestCode(harness.endpoint, email)).code,
      onStep: (kind, { method }) => steps.push(`${kind}${method ? ` ${method}` : ''}`),
    });

    expect(cancelled.kind).toBe('enrolment-rejected');
    expect(steps).toEqual(['FACE_MATCH', 'MAILBOX_PROOF EMAIL_CODE', 'ENROL_FACE']);
    expect(outcome).toMatchObject({ kind: 'signed-in', claims: { email } });
  });

  it('ends with the refusal when no new photo is given', async () => {
    const { userPoolClientId } = await loadStackOutputs(fetch, harness.endpoint);
    const flow = createFaceAuthFlow({ fetch, endpoint: harness.endpoint, userPoolClientId });

    const outcome = await flow.authenticate('module@example.com', {
      photo: await generateFixture('face', 'someone-else'),
      retakePhoto: async () => undefined,
    });

    expect(outcome).toEqual({ kind: 'face-not-recognised', challenges: ['FACE_MATCH'] });
  });
});

const unavailable = chromiumUnavailableReason();
if (unavailable) console.log(`skipping the browser tests of the face sign-in page: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('the page in headless Chromium', () => {
  let browser: HeadlessChromium;
  let page: BrowserPage;

  const text = (id: string) => page.evaluate<string>(`document.getElementById(${JSON.stringify(id)}).textContent`);
  const choosePhoto = async (path: string) => {
    await page.evaluate(`delete document.body.dataset.photo`);
    await page.setInputFiles('#photo-file', [path]);
    await page.waitFor(`document.body.dataset.photo === 'ready'`);
  };
  /** Clicks a button on the account form and waits until the page has finished with it. */
  const press = async (buttonId: string, email: string) => {
    await page.evaluate(`document.getElementById('email').value = ${JSON.stringify(email)}; document.getElementById(${JSON.stringify(buttonId)}).click()`);
  };
  const settled = () => page.waitFor<string>(`document.body.dataset.busy === 'false' && document.body.dataset.outcome`, 20_000);

  beforeAll(async () => {
    browser = HeadlessChromium.launch();
    page = await browser.open(`${harness.endpoint}/_sim/web/`);
    await page.waitFor(`document.body.dataset.ready === 'true'`, 20_000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('signs up with the emailed code, enrols the chosen photo and shows the ID token’s claims', async () => {
    const email = 'webby@example.com';
    await choosePhoto(await photoFile('webby-0', 'face', 'webby'));

    await press('sign-up', email);
    await page.waitFor(`!document.getElementById('code-form').hidden`);
    const { code } = await latestCode(harness.endpoint, email);
    await page.evaluate(`document.getElementById('code').value = ${JSON.stringify(code)}; document.getElementById('confirm').click()`);
    const outcome = await settled();

    expect(outcome).toBe('success');
    expect(await text('outcome')).toBe(`Enrolled and signed in as ${email}.`);
    expect(JSON.parse(await text('claims'))).toMatchObject({ email, email_verified: true });
    expect(await text('steps')).toContain('Face enrolled');
  }, 45_000);

  it('refuses a photo without a face in plain words and enrols the retaken photo', async () => {
    const email = 'retake@example.com';
    await choosePhoto(await photoFile('retake-none', 'no-face', 'retake'));
    await press('sign-up', email);
    await page.waitFor(`!document.getElementById('code-form').hidden`);
    const { code } = await latestCode(harness.endpoint, email);
    await page.evaluate(`document.getElementById('code').value = ${JSON.stringify(code)}; document.getElementById('confirm').click()`);

    await page.waitFor(`document.body.dataset.outcome === 'retake'`, 20_000);
    const refusal = await text('outcome');
    await choosePhoto(await photoFile('retake-face', 'face', 'retake'));
    await page.evaluate(`document.getElementById('retry').click()`);
    const outcome = await settled();

    expect(refusal).toMatch(/^No face was found in the photo\./);
    expect(outcome).toBe('success');
    expect(JSON.parse(await text('claims'))).toMatchObject({ email });
  }, 45_000);

  it('signs in with another photo of the same face, and says a stranger’s face is not recognised', async () => {
    const email = 'webby@example.com';

    await choosePhoto(await photoFile('webby-4', 'face', 'webby', 4));
    await press('sign-in', email);
    const own = await settled();
    const ownClaims = JSON.parse(await text('claims')) as Record<string, unknown>;
    await choosePhoto(await photoFile('stranger', 'face', 'stranger'));
    await press('sign-in', email);
    await page.waitFor(`document.body.dataset.outcome === 'retake'`, 20_000);
    const strangerOutcome = await text('outcome');
    await page.evaluate(`document.getElementById('give-up').click()`);
    const cancelled = await settled();

    expect(own).toBe('success');
    expect(ownClaims).toMatchObject({ email });
    expect(strangerOutcome).toMatch(/^Face not recognised/);
    expect(cancelled).toBe('failure');
    expect(await text('outcome')).toMatch(/^Face not recognised/);
    expect(await page.evaluate<boolean>(`document.getElementById('claims').hidden`)).toBe(true);
  }, 45_000);
});
