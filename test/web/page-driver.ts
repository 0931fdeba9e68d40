// Drives the face sign-in page (web/) in Chromium the way a user does: by its element ids, and
// waiting on the state it publishes on <body> (data-ready, data-busy, data-outcome, data-photo,
// data-signed-in). docs/web.md lists them; other browser tests can use this driver.
import { latestCode } from '../e2e/embedded-cloud-harness.js';
import type { BrowserPage } from './headless-chromium.js';

export class FaceSignInPage {
  constructor(
    readonly page: BrowserPage,
    /** The kit, for the emailed codes (`GET /_sim/emails`). */
    private readonly kitEndpoint: string,
  ) {}

  /**
   * Puts `beforeCall` (JavaScript with `target`, the call's X-Amz-Target, in scope) in front of every
   * fetch the page makes: it may throw (a connection lost) or await (a slow answer). `afterCall`
   * (with `target` and `response`) runs once the answer is in.
   */
  async interceptCalls(beforeCall: string, afterCall = ''): Promise<void> {
    await this.page.evaluate(`(() => {
      const realFetch = window.fetch.bind(window);
      window.fetch = async (input, init = {}) => {
        const target = new Headers(init.headers).get('x-amz-target') ?? '';
        ${beforeCall}
        const response = await realFetch(input, init);
        ${afterCall}
        return response;
      };
    })()`);
  }

  /** Waits until the page has configured Amplify from the stack outputs. */
  async ready(): Promise<void> {
    await this.waitFor(`document.body.dataset.ready === 'true'`);
  }

  /** Waits for `expression`; on a timeout the error tells what the page showed (steps, outcome, photo). */
  async waitFor<T>(expression: string, timeoutMs = 30_000): Promise<T> {
    try {
      return await this.page.waitFor<T>(expression, timeoutMs);
    } catch (error) {
      const shown = await this.page
        .evaluate<string>(`['target', 'photo-status', 'steps', 'outcome'].map((id) => id + ': ' + (document.getElementById(id)?.textContent ?? '-')).join(' | ')`)
        .catch(() => 'the page did not answer');
      throw new Error(`${(error as Error).message}; the page shows ${shown}`);
    }
  }

  text(id: string): Promise<string> {
    return this.page.evaluate<string>(`document.getElementById(${JSON.stringify(id)})?.textContent ?? ''`);
  }

  /** The id of the element that has the keyboard focus ('' for <body>). */
  focusedId(): Promise<string> {
    return this.page.evaluate<string>(`document.activeElement?.id ?? ''`);
  }

  async claims(): Promise<Record<string, unknown>> {
    return JSON.parse(await this.text('claims')) as Record<string, unknown>;
  }

  click(id: string): Promise<unknown> {
    return this.page.evaluate(`document.getElementById(${JSON.stringify(id)}).click()`);
  }

  /** Chooses a picture file through the file input, as a user would. */
  async choosePhoto(path: string): Promise<void> {
    await this.page.evaluate(`delete document.body.dataset.photo`);
    await this.page.setInputFiles('#photo-file', [path]);
    await this.waitFor(`document.body.dataset.photo === 'ready'`);
  }

  /** Starts the (fake) camera and captures a frame; again for a retake. */
  async captureFromCamera(): Promise<void> {
    if (!(await this.page.evaluate<boolean>(`document.getElementById('start-camera').disabled`))) await this.click('start-camera');
    await this.waitFor(`document.getElementById('camera').videoWidth > 0 && !document.getElementById('capture').disabled`);
    // A camera may still show a blank frame; the page then says so and a user presses Capture again.
    for (let attempt = 1; ; attempt++) {
      await this.page.evaluate(`delete document.body.dataset.photo`);
      await this.click('capture');
      const outcome = await this.waitFor<string>(`document.body.dataset.photo`);
      if (outcome === 'ready') return;
      if (attempt === 5) throw new Error('the camera showed only blank frames after 5 captures');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Types the email and presses "Sign in", "Sign up" or "Enrol my face". */
  async press(button: 'sign-in' | 'sign-up' | 'enrol', email: string): Promise<void> {
    // data-outcome is cleared first so settled() cannot read the previous attempt's.
    await this.page.evaluate(
      `delete document.body.dataset.outcome; document.getElementById('email').value = ${JSON.stringify(email)}; document.getElementById(${JSON.stringify(button)}).click()`,
    );
  }

  /** Waits for the code form, then enters the newest code emailed to `email`. */
  async enterEmailedCode(email: string): Promise<void> {
    await this.waitFor(`!document.getElementById('code-form').hidden`);
    const { code } = await latestCode(this.kitEndpoint, email);
    await this.enterCode(code);
  }

  /** Types `code` into the open code form and presses "Confirm". */
  async enterCode(code: string): Promise<void> {
    await this.page.evaluate(`document.getElementById('code').value = ${JSON.stringify(code)}; document.getElementById('confirm').click()`);
  }

  /** Waits until the page is done with the account form; returns data-outcome (success, failure, retake...). */
  settled(): Promise<string> {
    return this.waitFor<string>(`document.body.dataset.busy === 'false' && document.body.dataset.outcome !== 'working' && document.body.dataset.outcome`);
  }

  /** Waits until the page asks for another photo after a refusal. */
  async refusal(): Promise<string> {
    await this.waitFor(`document.body.dataset.outcome === 'retake'`);
    return this.text('outcome');
  }

  async signUp(email: string): Promise<string> {
    await this.press('sign-up', email);
    await this.enterEmailedCode(email);
    return this.settled();
  }

  async signIn(email: string): Promise<string> {
    await this.press('sign-in', email);
    return this.settled();
  }

  async signOut(): Promise<void> {
    await this.click('sign-out');
    await this.waitFor(`document.body.dataset.signedIn === 'false' && document.body.dataset.outcome === 'signed-out'`);
  }
}
