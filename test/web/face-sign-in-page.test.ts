// The face sign-in page as `npm start` serves it (web/ built by Vite, at /_sim/web/ on the kit's
// own origin): serving, then the page in headless Chromium with a fake camera showing a generated
// face, and generated photos chosen through its file input. The same page on the Vite dev server's
// own origin is in vite-dev-server.test.ts.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Fastify from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { generateFixture } from '../../sim/faces/generate-face.js';
import { buildWebPageIfChanged } from '../../sim/web-page/build-cache.js';
import { webPageRoutes } from '../../sim/web-page/routes.js';
import { latestCode, projectDir, startHarness, type Harness } from '../e2e/embedded-cloud-harness.js';
import { writeFakeCameraVideo } from './fake-camera.js';
import { HeadlessChromium, skipBrowserTests } from './headless-chromium.js';
import { FaceSignInPage } from './page-driver.js';

let harness: Harness;
let photoDir: string;

/** Writes a generated photo to a file the browser can be handed. */
async function photoFile(name: string, kind: 'face' | 'no-face', seed: string, variant = 0): Promise<string> {
  const path = join(photoDir, `${name}.jpg`);
  writeFileSync(path, await generateFixture(kind, seed, variant));
  return path;
}

beforeAll(async () => {
  // What `npm start` does before serving the page: build it when its sources changed.
  const [started] = await Promise.all([startHarness(), buildWebPageIfChanged({ projectDir })]);
  harness = started;
  photoDir = mkdtempSync(join(tmpdir(), 'facekit-web-photos-'));
}, 180_000);

afterAll(async () => {
  await harness?.close();
  if (photoDir) rmSync(photoDir, { recursive: true, force: true });
});

describe('serving the page', () => {
  it('serves the built index and its hashed assets with content types by extension', async () => {
    const index = await fetch(`${harness.endpoint}/_sim/web/`);
    const html = await index.text();
    const [script, styles] = ['js', 'css'].map((extension) => new RegExp(`\\./(assets/[\\w.-]+\\.${extension})`).exec(html)?.[1]);
    const scriptResponse = await fetch(`${harness.endpoint}/_sim/web/${script}`);
    const stylesResponse = await fetch(`${harness.endpoint}/_sim/web/${styles}`);

    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toContain('<div id="root">');
    expect(scriptResponse.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(scriptResponse.headers.get('cache-control')).toContain('immutable');
    expect(await scriptResponse.text()).toContain('CUSTOM_WITHOUT_SRP');
    expect(stylesResponse.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('redirects the folder without its slash, so the page’s relative URLs resolve', async () => {
    const response = await fetch(`${harness.endpoint}/_sim/web`, { redirect: 'manual' });

    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/_sim/web/');
  });

  it('refuses files outside the build, unknown files, hidden files and other extensions', async () => {
    const paths = ['..%2Fpackage.json', '%2E%2E%2Fsim%2Fmain.ts', '..%5Cpackage.json', '../vite.config.ts', 'assets/..%2F..%2Fvite.config.ts', 'missing.js', 'src/App.jsx', '.facekit-fingerprint', 'sub/index.html'];

    const statuses = await Promise.all(paths.map(async (path) => (await fetch(`${harness.endpoint}/_sim/web/${path}`)).status));

    expect(statuses).toEqual(paths.map(() => 404));
  });

  it('says the page is being built while the build runs, and serves it once done', async () => {
    let finishBuild!: (dir: string) => void;
    const app = Fastify();
    await app.register(webPageRoutes(new Promise<string>((done) => (finishBuild = done))));

    const during = await app.inject({ url: '/_sim/web/' });
    finishBuild(resolve(projectDir, 'web', 'dist'));
    await new Promise((next) => setImmediate(next));
    const after = await app.inject({ url: '/_sim/web/' });
    await app.close();

    expect(during.statusCode).toBe(503);
    expect(during.body).toContain('being built');
    expect(after.statusCode).toBe(200);
    expect(after.body).toContain('<div id="root">');
  });
});

describe.skipIf(skipBrowserTests('the browser tests of the face sign-in page'))('the served page in headless Chromium', () => {
  let browser: HeadlessChromium;
  let page: FaceSignInPage;

  beforeAll(async () => {
    const camera = join(photoDir, 'camera-cam.y4m');
    await writeFakeCameraVideo(camera, await generateFixture('face', 'cam'));
    browser = HeadlessChromium.launch({ args: [`--use-file-for-fake-video-capture=${camera}`] });
    page = new FaceSignInPage(await browser.open(`${harness.endpoint}/_sim/web/`), harness.endpoint);
    await page.ready();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('signs up, enrols the camera’s face, signs out, signs in again with the camera and refuses a stranger', async () => {
    const email = 'cam@example.com';

    await page.captureFromCamera();
    const enrolled = await page.signUp(email);
    const enrolledText = await page.text('outcome');
    const enrolledClaims = await page.claims();
    await page.signOut();
    await page.captureFromCamera();
    const signedIn = await page.signIn(email);
    const signedInClaims = await page.claims();
    await page.signOut();
    await page.choosePhoto(await photoFile('cam-stranger', 'face', 'cam-stranger'));
    await page.press('sign-in', email);
    const strangerRefusal = await page.refusal();
    await page.click('give-up');
    const cancelled = await page.settled();

    expect(enrolled).toBe('success');
    expect(enrolledText).toBe(`Enrolled and signed in as ${email}.`);
    expect(enrolledClaims).toMatchObject({ email, email_verified: true, token_use: 'id' });
    expect(signedIn).toBe('success');
    expect(signedInClaims).toMatchObject({ email, sub: enrolledClaims.sub });
    expect(strangerRefusal).toMatch(/^Face not recognised/);
    expect(cancelled).toBe('failure');
    expect(await page.text('outcome')).toMatch(/^Face not recognised/);
    expect(await page.page.evaluate<boolean>(`document.getElementById('claims') === null`)).toBe(true);
  }, 120_000);

  it('refuses a photo without a face in plain words and enrols the retaken photo in the same session', async () => {
    const email = 'retake@example.com';
    await page.choosePhoto(await photoFile('retake-none', 'no-face', 'retake'));
    await page.press('sign-up', email);
    await page.enterEmailedCode(email);

    const refusal = await page.refusal();
    await page.click('retry');
    const sameAgain = await page.text('photo-status');
    await page.choosePhoto(await photoFile('retake-face', 'face', 'retake'));
    await page.click('retry');
    const outcome = await page.settled();

    expect(refusal).toMatch(/^No face was found in the photo\./);
    expect(sameAgain).toMatch(/this one was just refused/);
    expect(outcome).toBe('success');
    expect(await page.claims()).toMatchObject({ email });
    await page.signOut();
  }, 120_000);

  it('after a cancelled enrolment, enrols with "Enrol my face" and a code sent by email', async () => {
    const email = 'later@example.com';
    await page.choosePhoto(await photoFile('later-none', 'no-face', 'later'));
    await page.press('sign-up', email);
    await page.enterEmailedCode(email);
    await page.refusal();
    await page.click('give-up');
    const cancelled = await page.settled();

    await page.choosePhoto(await photoFile('later-face', 'face', 'later'));
    await page.press('enrol', email);
    await page.waitFor(`!document.getElementById('code-form').hidden`);
    const codeLabel = await page.text('code-label');
    await page.enterEmailedCode(email);
    const enrolled = await page.settled();

    expect(cancelled).toBe('failure');
    expect(codeLabel).toMatch(/to enrol your face/);
    expect(enrolled).toBe('success');
    expect(await page.text('steps')).toContain('Proving the mailbox with a code sent by email');
    await page.signOut();
  }, 120_000);

  it('signs in with another photo of the same face, chosen as a file', async () => {
    const email = 'retake@example.com';
    await page.choosePhoto(await photoFile('retake-face-3', 'face', 'retake', 3));

    const outcome = await page.signIn(email);

    expect(outcome).toBe('success');
    expect(await page.text('outcome')).toBe(`Signed in as ${email}.`);
    await page.signOut();
  }, 60_000);

  it('signs in with a picture file over the 5 MB upload limit (a phone’s full-resolution photo), sent scaled down', async () => {
    const email = 'retake@example.com';
    // The same face drawn at 1,800 px as an uncompressed PNG: about 9.7 MB, as a phone photo can be.
    const path = join(photoDir, 'retake-face-huge.png');
    const face = await generateFixture('face', 'retake', 4);
    writeFileSync(path, await sharp(face).resize(1800, 1800, { fit: 'fill' }).png({ compressionLevel: 0 }).toBuffer());
    expect(statSync(path).size).toBeGreaterThan(5_242_880);
    await page.choosePhoto(path);

    const outcome = await page.signIn(email);

    expect(outcome).toBe('success');
    await page.signOut();
  }, 60_000);

  it('is the same build that, hosted elsewhere next to a deploy’s cdk-outputs.json, configures Amplify for AWS', async () => {
    // A static host for web/dist plus the outputs `cdk deploy --outputs-file` writes. Amplify
    // only configures here (no Cognito call before a sign-in), so no AWS account is needed.
    const distDir = resolve(projectDir, 'web', 'dist');
    const host = Fastify();
    host.get('/app/cdk-outputs.json', async () => ({ FaceAuthStack: { UserPoolId: 'eu-west-1_AbCdEf123', UserPoolClientId: 'example0client0id0aws0123', Region: 'eu-west-1' } }));
    host.get('/app/*', async (request, reply) => {
      const file = (request.params as { '*': string })['*'] || 'index.html';
      const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : file.endsWith('.svg') ? 'image/svg+xml' : 'text/html';
      return reply.type(type).send(readFileSync(join(distDir, file.replace(/\.\.+/g, ''))));
    });
    const hostUrl = await host.listen({ port: 0, host: '127.0.0.1' });
    try {
      const hosted = new FaceSignInPage(await browser.open(`${hostUrl}/app/`), harness.endpoint);
      await hosted.ready();

      expect(await hosted.text('target')).toBe('User pool client example0client0id0aws0123 in eu-west-1, on AWS eu-west-1.');
    } finally {
      await host.close();
    }
  }, 60_000);

  it('answers an email without an account as a face not recognised, telling nothing about accounts', async () => {
    await page.choosePhoto(await photoFile('nobody', 'face', 'nobody'));

    await page.press('sign-in', 'nobody-here@example.com');
    const refusal = await page.refusal();
    await page.click('give-up');

    // Unknown emails get the same challenge as a registered one (docs/handlers.md): the page cannot tell either.
    expect(refusal).toMatch(/^Face not recognised/);
    expect(await page.settled()).toBe('failure');
  }, 60_000);

  it('keeps a black camera frame (a covered lens) instead of sending it, and says the picture is dark', async () => {
    const camera = join(photoDir, 'camera-dark.y4m');
    const darkness = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#000' } }).jpeg().toBuffer();
    await writeFakeCameraVideo(camera, darkness);
    const darkBrowser = HeadlessChromium.launch({ args: [`--use-file-for-fake-video-capture=${camera}`] });
    try {
      const dark = new FaceSignInPage(await darkBrowser.open(`${harness.endpoint}/_sim/web/`), harness.endpoint);
      await dark.ready();
      await dark.click('start-camera');
      await dark.waitFor(`!document.getElementById('capture').disabled`);
      await dark.click('capture');

      expect(await dark.waitFor(`document.body.dataset.photo`)).toBe('dark');
      expect(await dark.text('photo-status')).toBe(
        'The camera shows only a dark picture: is the lens covered, or the room dark? Uncover it or turn on a light, then press Capture again.',
      );
    } finally {
      await darkBrowser.close();
    }
  }, 60_000);
});

describe.skipIf(skipBrowserTests('the page at a shared screen, on a phone and from the keyboard'))('the served page at a shared screen, on a phone and from the keyboard, in headless Chromium', () => {
  let browser: HeadlessChromium;

  async function openPage(): Promise<FaceSignInPage> {
    const page = new FaceSignInPage(await browser.open(`${harness.endpoint}/_sim/web/`), harness.endpoint);
    await page.ready();
    return page;
  }

  /** What is left of the photo on screen: the state on <body>, the camera, and the snapshot's pixels. */
  const photoLeft = (page: FaceSignInPage) =>
    page.page.evaluate<{ photo: string; camera: string; snapshot: string }>(`(() => {
      const canvas = document.getElementById('snapshot');
      const empty = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data.every((value) => value === 0);
      return {
        photo: document.body.dataset.photo ?? 'none',
        camera: document.getElementById('camera').srcObject ? 'live' : 'stopped',
        snapshot: empty ? 'empty' : 'shown',
      };
    })()`);

  const emailsTo = async (email: string) => ((await (await fetch(`${harness.endpoint}/_sim/emails?to=${encodeURIComponent(email)}`)).json()) as unknown[]).length;

  beforeAll(async () => {
    const camera = join(photoDir, 'camera-shared.y4m');
    await writeFakeCameraVideo(camera, await generateFixture('face', 'shared'));
    browser = HeadlessChromium.launch({ args: [`--use-file-for-fake-video-capture=${camera}`] });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('forgets the photo, clears the snapshot and stops the camera once signed in and after sign-out, so the next person cannot sign in with it', async () => {
    const email = 'shared-screen@example.com';
    const page = await openPage();
    await page.captureFromCamera();
    expect(await page.signUp(email)).toBe('success');
    const leftSignedIn = await photoLeft(page);
    const photoSectionHiddenSignedIn = await page.page.evaluate<boolean>(`document.getElementById('photo-heading').closest('section').hidden`);
    await page.signOut();
    const leftSignedOut = await photoLeft(page);

    await page.press('sign-in', email);
    const nextPerson = await page.settled();

    expect(leftSignedIn).toEqual({ photo: 'none', camera: 'stopped', snapshot: 'empty' });
    expect(photoSectionHiddenSignedIn).toBe(true);
    expect(leftSignedOut).toEqual({ photo: 'none', camera: 'stopped', snapshot: 'empty' });
    expect(await page.text('photo-status')).toBe('No photo yet.');
    expect(nextPerson).toBe('failure');
    expect(await page.text('outcome')).toBe('Take a photo (Capture) or choose a picture first. Then press "Sign in".');
    expect(await page.page.evaluate<string>(`document.body.dataset.signedIn`)).toBe('false');
  }, 120_000);

  it('forgets the sign-up secret with the enrolment attempt it was for: after that attempt failed, the next person\'s "Sign in" enrols nothing', async () => {
    const email = 'secret-left-behind@example.com';
    const page = await openPage();
    // The connection drops right after the confirmation: every InitiateAuth fails until healed.
    await page.interceptCalls(
      `if (window.connectionDown && target.endsWith('.InitiateAuth')) throw new TypeError('Failed to fetch');`,
      `if (target.endsWith('.ConfirmSignUp') && response.ok && !window.connectionHealed) window.connectionDown = true;`,
    );
    await page.captureFromCamera();
    const owner = await page.signUp(email);
    const ownerWords = await page.text('outcome');
    await page.page.evaluate(`window.connectionDown = false; window.connectionHealed = true`);

    await page.choosePhoto(await photoFile('next-person', 'face', 'next-person'));
    await page.press('sign-in', email);
    const nextPerson = await page.refusal();

    expect(owner).toBe('failure');
    expect(ownerWords).toMatch(/secret-left-behind@example\.com is confirmed, but no face is enrolled yet: "Enrol my face" enrols it, after a code sent by email\.$/);
    expect(nextPerson).toMatch(/^Face not recognised\./);
    expect(await page.text('steps')).not.toMatch(/Face enrolled|secret from sign-up/);
    expect(await page.page.evaluate<string>(`document.body.dataset.signedIn`)).toBe('false');
  }, 120_000);

  it('says the email is not confirmed yet, and how to finish, when the kit cannot be reached as the code is confirmed', async () => {
    const email = 'confirm-unreachable@example.com';
    const page = await openPage();
    await page.interceptCalls(`if (target.endsWith('.ConfirmSignUp')) throw new TypeError('Failed to fetch');`);
    await page.captureFromCamera();

    expect(await page.signUp(email)).toBe('failure');
    expect(await page.text('outcome')).toMatch(/ confirm-unreachable@example\.com is not confirmed yet: "Sign up" sends a new code by email to finish it\.$/);
  }, 120_000);

  it('uses a photo for one attempt: after a face not recognised it is forgotten, and the camera stays on for a retake', async () => {
    const page = await openPage();
    await page.captureFromCamera();
    await page.press('sign-in', 'not-this-face@example.com');
    await page.refusal();
    await page.click('give-up');
    await page.settled();

    expect(await photoLeft(page)).toEqual({ photo: 'none', camera: 'live', snapshot: 'empty' });
    expect(await page.text('photo-status')).toBe('No photo: each photo is used for one attempt only. Take or choose a new one for the next.');
    expect(await page.text('capture')).toBe('Capture');
  }, 60_000);

  it('asks for a photo before signing up, so that no code is sent and used up first', async () => {
    const email = 'no-photo-sign-up@example.com';
    const page = await openPage();

    await page.press('sign-up', email);
    const outcome = await page.settled();

    expect(outcome).toBe('failure');
    expect(await page.text('outcome')).toBe('Take a photo (Capture) or choose a picture first. Then press "Sign up".');
    expect(await emailsTo(email)).toBe(0);
  }, 60_000);

  it('refuses a file that is no picture and a GIF when chosen, and forgets the photo chosen before each', async () => {
    const notes = join(photoDir, 'notes.jpg');
    writeFileSync(notes, 'meeting notes, not a picture\n');
    const gif = join(photoDir, 'moving.gif');
    writeFileSync(gif, await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).gif().toBuffer());
    const face = await photoFile('refused-files', 'face', 'refused-files');
    const page = await openPage();
    const choose = async (path: string) => {
      await page.page.evaluate(`delete document.body.dataset.photo`);
      await page.page.setInputFiles('#photo-file', [path]);
      return page.waitFor<string>(`document.body.dataset.photo`);
    };

    await page.choosePhoto(face);
    const afterNotes = await choose(notes);
    const notesWords = await page.text('photo-status');
    await page.choosePhoto(face);
    const afterGif = await choose(gif);
    const gifWords = await page.text('photo-status');
    const snapshot = (await photoLeft(page)).snapshot;
    await page.press('sign-in', 'refused-files@example.com');

    expect(afterNotes).toBe('refused');
    expect(notesWords).toBe('The picture could not be read (notes.jpg). Choose another JPEG or PNG picture.');
    expect(afterGif).toBe('refused');
    expect(gifWords).toBe('Choose a JPEG or PNG picture (moving.gif is not one).');
    expect(snapshot).toBe('empty');
    expect(await page.settled()).toBe('failure');
    expect(await page.text('outcome')).toMatch(/^Take a photo \(Capture\) or choose a picture first\./);
  }, 60_000);

  it('after a refusal, a file refused in place of the photo leaves the attempt waiting for another, rather than ending it', async () => {
    const notes = join(photoDir, 'notes-retake.jpg');
    writeFileSync(notes, 'not a picture either\n');
    const page = await openPage();
    await page.choosePhoto(await photoFile('retake-refused-file', 'face', 'retake-refused-file'));
    await page.press('sign-in', 'retake-refused-file@example.com');
    await page.refusal();
    await page.page.setInputFiles('#photo-file', [notes]);
    await page.waitFor(`document.body.dataset.photo === 'refused'`);

    await page.click('retry');
    const told = await page.waitFor<string>(`/Try again/.test(document.getElementById('photo-status').textContent) && document.getElementById('photo-status').textContent`);

    expect(told).toBe('Take a photo (Capture) or choose a picture first. Then press "Try again with this photo".');
    expect(await page.page.evaluate<string>(`document.body.dataset.outcome`)).toBe('retake');
    await page.click('give-up');
    expect(await page.settled()).toBe('failure');
  }, 60_000);

  it('keeps the code form open after a wrong sign-up code, sends a new code, cancels, and finishes the unconfirmed sign-up from "Sign in"', async () => {
    const email = 'unconfirmed-page@example.com';
    const page = await openPage();
    await page.choosePhoto(await photoFile('unconfirmed-page', 'face', email));
    await page.press('sign-up', email);
    await page.waitFor(`!document.getElementById('code-form').hidden`);
    const focusedOnCode = await page.focusedId();

    // Cognito's answer to the code held until the test has looked at the form meanwhile.
    await page.interceptCalls(`if (target.endsWith('.ConfirmSignUp') && !window.answerReleased) await new Promise((release) => { window.releaseAnswer = release; });`);
    await page.enterCode('000000');
    const whileChecking = await page.waitFor<string>(`document.getElementById('cancel-code').disabled && typeof window.releaseAnswer === 'function'
      && [document.getElementById('code-label').textContent, ...['confirm', 'resend-code'].map((id) => document.getElementById(id).disabled)].join(' ')`);
    await page.page.evaluate(`window.answerReleased = true; window.releaseAnswer()`);
    const wrongCodeLabel = await page.waitFor<string>(`/not the one we sent/.test(document.getElementById('code-label').textContent) && document.getElementById('code-label').textContent`);
    // A double click sends one new code, not two (the first of which would be dead on arrival).
    await page.page.evaluate(`document.getElementById('resend-code').click(); document.getElementById('resend-code').click()`);
    const resentLabel = await page.waitFor<string>(`/new code was sent/.test(document.getElementById('code-label').textContent) && document.getElementById('code-label').textContent`);
    const codesSent = await emailsTo(email);
    await page.click('cancel-code');
    const cancelled = await page.settled();
    const cancelledWords = await page.text('outcome');
    const formHidden = await page.page.evaluate<boolean>(`document.getElementById('code-form').hidden`);

    await page.choosePhoto(await photoFile('unconfirmed-page', 'face', email));
    await page.press('sign-in', email);
    await page.waitFor(`!document.getElementById('code-form').hidden`);
    const notConfirmedLabel = await page.text('code-label');
    await page.enterEmailedCode(email);
    const outcome = await page.settled();

    expect(focusedOnCode).toBe('code');
    expect(whileChecking).toBe('Checking the code… true true');
    expect(wrongCodeLabel).toBe('That code is not the one we sent. Check the email and type it again (the newest code, if more than one came).');
    expect(resentLabel).toBe('A new code was sent by email: use the newest one.');
    expect(codesSent).toBe(2);
    expect(cancelled).toBe('failure');
    expect(cancelledWords).toBe(`Sign-up cancelled: ${email} is not confirmed yet. "Sign up" sends a new code by email when you want to finish it.`);
    expect(formHidden).toBe(true);
    expect(notConfirmedLabel).toBe('This email is not confirmed yet: the code sent by email at sign-up was never entered. A new code was sent by email: type it here.');
    expect(outcome).toBe('success');
    expect(await page.text('outcome')).toBe(`Enrolled and signed in as ${email}.`);
    await page.signOut();
  }, 120_000);

  it('after a mistyped enrolment code says a new code was sent, and enrols with the newest one', async () => {
    const email = 'enrol-typo-page@example.com';
    const page = await openPage();
    await page.choosePhoto(await photoFile('enrol-typo-page', 'face', email));
    expect(await page.signUp(email)).toBe('success');
    await page.signOut();
    await page.choosePhoto(await photoFile('enrol-typo-page-2', 'face', email, 2));

    await page.press('enrol', email);
    await page.waitFor(`!document.getElementById('code-form').hidden`);
    const firstLabel = await page.text('code-label');
    const { code } = await latestCode(harness.endpoint, email);
    await page.enterCode(code.replace(/.$/, (digit) => String((Number(digit) + 1) % 10)));
    const wrongCodeLabel = await page.waitFor<string>(`/was wrong/.test(document.getElementById('code-label').textContent) && document.getElementById('code-label').textContent`);
    await page.enterEmailedCode(email);
    const outcome = await page.settled();

    expect(firstLabel).toBe(`Code from the email, to enrol your face. Sent to ${email}; none came? Check the address.`);
    expect(wrongCodeLabel).toBe(`That code was wrong; a new code was sent by email: use the newest one. (To enrol your face. Sent to ${email}; none came? Check the address.)`);
    expect(outcome).toBe('success');
    expect(await page.text('steps')).toContain('Wrong code: a new one was sent by email');
    await page.signOut();
  }, 120_000);

  it('on a 375×667 phone keeps the camera and snapshot inside their card, and brings the focus and the outcome into view after Start camera, a sign-in and a sign-out', async () => {
    const email = 'phone@example.com';
    // A camera of its own: one face enrolled for two accounts would be an account's face matched by the other's.
    const camera = join(photoDir, 'camera-phone.y4m');
    await writeFakeCameraVideo(camera, await generateFixture('face', 'phone'));
    const phoneBrowser = HeadlessChromium.launch({ args: [`--use-file-for-fake-video-capture=${camera}`] });
    onTestFinished(() => phoneBrowser.close());
    const page = new FaceSignInPage(await phoneBrowser.open(`${harness.endpoint}/_sim/web/`), harness.endpoint);
    await page.ready();
    await page.page.send('Emulation.setDeviceMetricsOverride', { width: 375, height: 667, deviceScaleFactor: 2, mobile: true });
    await page.choosePhoto(await photoFile('phone', 'face', 'phone'));
    expect(await page.signUp(email)).toBe('success');
    await page.signOut();
    const outcomeInView = `(() => { const box = document.getElementById('outcome').getBoundingClientRect(); return box.top >= 0 && box.bottom <= innerHeight; })()`;
    await page.page.evaluate(`scrollTo(0, 0)`);

    await page.click('start-camera');
    await page.waitFor(`!document.getElementById('capture').disabled`);
    const focusedAfterStart = await page.focusedId();
    const overflow = await page.page.evaluate<string[]>(`['camera', 'snapshot'].filter((id) => {
      const element = document.getElementById(id);
      return element.getBoundingClientRect().right > element.closest('section').getBoundingClientRect().right;
    })`);
    await page.captureFromCamera();
    await page.page.evaluate(`scrollTo(0, 0)`);
    const signedIn = await page.signIn(email);
    const afterSignIn = { focused: await page.focusedId(), inView: await page.page.evaluate<boolean>(outcomeInView) };
    await page.signOut();
    const afterSignOut = { focused: await page.focusedId(), inView: await page.page.evaluate<boolean>(outcomeInView) };

    expect(focusedAfterStart).toBe('capture');
    expect(overflow).toEqual([]);
    expect(signedIn).toBe('success');
    expect(afterSignIn).toEqual({ focused: 'outcome', inView: true });
    expect(afterSignOut).toEqual({ focused: 'outcome', inView: true });
  }, 120_000);
});

describe.skipIf(skipBrowserTests('the page as a person meets it'))('the served page as a person meets it, in headless Chromium', () => {
  const browsers: HeadlessChromium[] = [];
  let browser: HeadlessChromium;

  /** A new tab on the page, in `inBrowser` (tabs of one browser share localStorage, as a person's do). */
  async function openPage(inBrowser = browser): Promise<FaceSignInPage> {
    const page = new FaceSignInPage(await inBrowser.open(`${harness.endpoint}/_sim/web/`), harness.endpoint);
    await page.ready();
    return page;
  }

  /** An account with an enrolled face, signed out. */
  async function enrolled(page: FaceSignInPage, email: string): Promise<void> {
    await page.choosePhoto(await photoFile(email, 'face', email));
    expect(await page.signUp(email)).toBe('success');
    await page.signOut();
  }

  const reload = async (page: FaceSignInPage) => {
    await page.page.evaluate(`delete document.body.dataset.ready; location.reload()`);
    await page.ready();
  };

  beforeAll(() => {
    browser = HeadlessChromium.launch();
    browsers.push(browser);
  });

  afterAll(async () => {
    for (const launched of browsers) await launched.close();
  });

  it.each([
    ['denied', /^The camera is blocked for this page\. Allow it .*then press "Start camera" again; or choose a picture instead\.$/],
    ['none', /^No camera was found\. Connect one and press "Start camera" again, or choose a picture instead\.$/],
  ] as const)('says what to do when the camera is %s, and leaves "Start camera" to press again', async (camera, words) => {
    const cameraBrowser = HeadlessChromium.launch({ camera });
    browsers.push(cameraBrowser);
    const page = await openPage(cameraBrowser);

    await page.click('start-camera');
    const status = await page.waitFor<string>(`/camera/i.test(document.getElementById('photo-status').textContent) && document.getElementById('photo-status').textContent`);

    expect(status).toMatch(words);
    expect(await page.page.evaluate<boolean>(`document.getElementById('start-camera').disabled`)).toBe(false);
  }, 60_000);

  it('follows a sign-in and a sign-out made in another tab of the same browser', async () => {
    const email = 'two-tabs@example.com';
    const first = await openPage();
    await enrolled(first, email);
    const second = await openPage();

    await first.choosePhoto(await photoFile('two-tabs-2', 'face', email, 2));
    expect(await first.signIn(email)).toBe('success');
    await second.waitFor(`document.body.dataset.signedIn === 'true'`);
    const followedIn = await second.text('outcome');
    await first.signOut();
    await second.waitFor(`document.body.dataset.signedIn === 'false'`);

    expect(followedIn).toBe(`Signed in as ${email} in another tab.`);
    expect(await second.text('outcome')).toBe('Signed out in another tab.');
    expect(await second.page.evaluate<boolean>(`!document.getElementById('sign-in').disabled`)).toBe(true);
  }, 120_000);

  it('shows, in both tabs, the account whose tokens the browser uses after two tabs sign in two accounts at once', async () => {
    const firstEmail = 'two-accounts-a@example.com';
    const secondEmail = 'two-accounts-b@example.com';
    const first = await openPage();
    await enrolled(first, firstEmail);
    const second = await openPage();
    await enrolled(second, secondEmail);
    await first.choosePhoto(await photoFile('two-accounts-a-2', 'face', firstEmail, 2));
    await second.choosePhoto(await photoFile('two-accounts-b-2', 'face', secondEmail, 2));

    const outcomes = await Promise.all([first.signIn(firstEmail), second.signIn(secondEmail)]);

    expect(outcomes).toEqual(['success', 'success']);
    // Amplify's current user, which every tab of the origin shares (the last sign-in to finish):
    // the email of its id token.
    const inUse = await first.page.evaluate<string>(`(() => {
      const [key, user] = Object.entries(localStorage).find(([name]) => name.endsWith('.LastAuthUser'));
      const idToken = localStorage.getItem(key.slice(0, -'LastAuthUser'.length) + user + '.idToken');
      return JSON.parse(atob(idToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).email;
    })()`);
    expect([firstEmail, secondEmail]).toContain(inUse);
    for (const page of [first, second]) {
      await page.waitFor(`document.getElementById('signed-in-email')?.textContent === ${JSON.stringify(inUse)}`);
    }
    await first.signOut();
  }, 180_000);

  it('shows the other tab’s session when it signs in before hearing of it, instead of Amplify’s refusal', async () => {
    const email = 'two-tabs-late@example.com';
    const first = await openPage();
    await enrolled(first, email);
    const second = await openPage();
    // As if the other tab's sign-in had not reached this one yet: the page gets no storage events.
    await second.page.send('Page.addScriptToEvaluateOnNewDocument', {
      source: `const listen = window.addEventListener; window.addEventListener = function (type, ...rest) { if (type !== 'storage') listen.call(this, type, ...rest); };`,
    });
    await reload(second);
    await first.choosePhoto(await photoFile('two-tabs-late-2', 'face', email, 2));
    expect(await first.signIn(email)).toBe('success');

    await second.choosePhoto(await photoFile('two-tabs-late-3', 'face', email, 3));
    const outcome = await second.signIn(email);

    expect(outcome).toBe('success');
    expect(await second.text('outcome')).toBe(`Already signed in as ${email}, in another tab. Sign out first to sign in as someone else.`);
    expect(await second.text('signed-in-email')).toBe(email);
    await second.signOut();
  }, 120_000);

  it('after a reload in the middle of an enrolment, says it was cut short and finishes it with "Enrol my face"', async () => {
    const email = 'reload-enrol@example.com';
    const page = await openPage();
    await page.choosePhoto(await photoFile('reload-enrol-none', 'no-face', email));
    await page.press('sign-up', email);
    await page.enterEmailedCode(email);
    await page.refusal();

    await reload(page);
    const told = await page.text('outcome');
    const emailKept = await page.page.evaluate<string>(`document.getElementById('email').value`);
    await page.choosePhoto(await photoFile('reload-enrol-face', 'face', email));
    await page.press('enrol', email);
    await page.enterEmailedCode(email);
    const outcome = await page.settled();

    expect(told).toBe(`The enrolment of ${email} was cut short (the page was reloaded or left): the face it was enrolling is not enrolled. Press "Enrol my face" to enrol it, with a code sent by email.`);
    expect(emailKept).toBe(email);
    expect(outcome).toBe('success');
    await page.signOut();
  }, 120_000);

  it('after a reload while the sign-up waits for its code, says so, and signs up again with a new code', async () => {
    const email = 'reload-sign-up@example.com';
    const page = await openPage();
    await page.choosePhoto(await photoFile('reload-sign-up', 'face', email));
    await page.press('sign-up', email);
    await page.waitFor(`!document.getElementById('code-form').hidden`);

    await reload(page);
    const told = await page.text('outcome');
    await page.choosePhoto(await photoFile('reload-sign-up', 'face', email));
    const outcome = await page.signUp(email);

    expect(told).toBe(`The sign-up of ${email} was cut short (the page was reloaded or left). Press "Sign up" again for a new code by email.`);
    expect(outcome).toBe('success');
    expect(await page.text('steps')).toContain('Already signed up but not confirmed: a new code was sent by email');
    await page.signOut();
  }, 120_000);

  it('after a reload in the middle of a sign-in, says so, and signs in again', async () => {
    const email = 'reload-sign-in@example.com';
    const page = await openPage();
    await enrolled(page, email);
    await page.choosePhoto(await photoFile('reload-sign-in-stranger', 'face', 'reload-stranger'));
    await page.press('sign-in', email);
    await page.refusal();

    await reload(page);
    const told = await page.text('outcome');
    await page.choosePhoto(await photoFile('reload-sign-in-2', 'face', email, 2));
    const outcome = await page.signIn(email);

    expect(told).toBe(`The sign-in of ${email} was cut short (the page was reloaded or left). Press "Sign in" to start again.`);
    expect(outcome).toBe('success');
    await page.signOut();
    // Finished work is not reported as cut short after the next reload.
    await reload(page);
    expect(await page.text('outcome')).toBe('');
  }, 120_000);

  it('after the back button and forward again in the middle of a sign-in, says it was cut short', async () => {
    const email = 'back-button@example.com';
    const page = await openPage();
    await enrolled(page, email);
    await page.choosePhoto(await photoFile('back-button-stranger', 'face', 'back-stranger'));
    await page.press('sign-in', email);
    await page.refusal();

    // The page was opened from about:blank: back leaves it, forward comes back to it.
    await page.page.evaluate(`setTimeout(() => history.back(), 0)`);
    await page.waitFor(`location.href === 'about:blank'`);
    await page.page.evaluate(`setTimeout(() => history.forward(), 0)`);
    await page.ready();

    expect(await page.page.evaluate<string>(`document.body.dataset.outcome`)).toBe('interrupted');
    expect(await page.text('outcome')).toBe(`The sign-in of ${email} was cut short (the page was reloaded or left). Press "Sign in" to start again.`);
  }, 120_000);

  it('when the kit stops while a sign-in waits, offers to send the photo again, and after the restart says to start again', async () => {
    const email = 'network-drop@example.com';
    const page = await openPage();
    await enrolled(page, email);
    await page.choosePhoto(await photoFile('network-drop-stranger', 'face', 'network-stranger'));
    await page.press('sign-in', email);
    await page.refusal();

    await harness.cloud.close();
    await page.choosePhoto(await photoFile('network-drop-2', 'face', email, 2));
    await page.click('retry');
    const unsent = await page.refusal();
    await harness.restart();
    await page.click('retry');
    const ended = await page.settled();
    const endedWords = await page.text('outcome');
    await page.choosePhoto(await photoFile('network-drop-3', 'face', email, 3));
    const outcome = await page.signIn(email);

    expect(unsent).toMatch(/^The photo could not be sent: the connection failed\. .*Press "Try again with this photo" to send it again/);
    expect(ended).toBe('failure');
    // The kit keeps sessions in memory (docs/cognito.md): the restarted one no longer knows it.
    expect(endedWords).toMatch(/^This sign-in has ended: .*Press "Sign in" to start again/);
    expect(outcome).toBe('success');
    await page.signOut();
  }, 120_000);

  it('says a sign-in that waited past Cognito’s 3 minutes has ended, not that the upload got HTTP 403', async () => {
    const email = 'slow-page@example.com';
    const page = await openPage();
    await enrolled(page, email);
    await page.choosePhoto(await photoFile('slow-page-stranger', 'face', 'slow-page-stranger'));
    await page.press('sign-in', email);
    await page.refusal();

    harness.clock.advance(3 * 60_000 + 1_000);
    await page.choosePhoto(await photoFile('slow-page-2', 'face', email, 2));
    await page.click('retry');
    const outcome = await page.settled();

    expect(outcome).toBe('failure');
    expect(await page.text('outcome')).toMatch(/^This sign-in has ended: it lasts 3 minutes/);
  }, 120_000);
});

