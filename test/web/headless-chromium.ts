// Drives headless Chromium over the DevTools protocol through a pipe (--remote-debugging-pipe):
// no WebSocket client and no browser-automation package needed, only the browser binary.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** Debian's Chromium (what CI installs) first, then the names other systems give it. */
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? CHROMIUM_CANDIDATES.find((path) => existsSync(path)) ?? CHROMIUM_CANDIDATES[0];

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumUnavailableReason(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`;
}

/**
 * Whether the browser tests of `suite` must be skipped here, printing why. With
 * FACEKIT_REQUIRE_CHROMIUM=1 (CI, once it has installed Chromium) a missing browser throws
 * instead: the test file fails to load and the run fails, rather than passing without them.
 */
export function skipBrowserTests(suite: string): boolean {
  const reason = chromiumUnavailableReason();
  if (!reason) return false;
  if (process.env.FACEKIT_REQUIRE_CHROMIUM === '1') {
    throw new Error(`FACEKIT_REQUIRE_CHROMIUM=1, but ${suite} cannot run: ${reason}`);
  }
  console.log(`skipping ${suite}: ${reason}`);
  return true;
}

interface ProtocolMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

export class HeadlessChromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (result: Record<string, unknown>) => void; reject: (error: Error) => void }>();
  private buffered = '';

  private constructor(
    private readonly process: ChildProcess,
    private readonly profileDir: string,
  ) {
    const output = process.stdio[4] as Readable;
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => this.receive(chunk));
    process.once('exit', () => {
      for (const { reject } of this.pending.values()) reject(new Error('Chromium exited'));
      this.pending.clear();
    });
  }

  /**
   * @param options.args more flags, e.g. `--use-file-for-fake-video-capture=<file.y4m>` (what the
   *   fake camera shows) or `--host-resolver-rules=MAP localhost:5173 127.0.0.1:<port>` (a page
   *   on a given origin served from another port).
   * @param options.camera `fake` (default): a camera whose use is allowed without asking;
   *   `denied`: that camera, but the page is refused its use, as when a person answers "Block";
   *   `none`: no camera at all.
   */
  static launch(options: { args?: string[]; camera?: 'fake' | 'denied' | 'none' } = {}): HeadlessChromium {
    const camera = options.camera ?? 'fake';
    // Without the fake UI, headless Chromium refuses every permission request, as a person blocking it.
    const cameraFlags = {
      fake: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
      denied: ['--use-fake-device-for-media-stream'],
      none: [],
    }[camera];
    const profileDir = mkdtempSync(join(tmpdir(), 'facekit-chromium-'));
    const child = spawn(
      CHROMIUM_PATH,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--remote-debugging-pipe',
        ...cameraFlags,
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-dev-shm-usage',
        `--user-data-dir=${profileDir}`,
        ...(options.args ?? []),
        'about:blank',
      ],
      // Chromium reads commands from fd 3 and writes replies and events to fd 4.
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
    );
    return new HeadlessChromium(child, profileDir);
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf('\0')) >= 0) {
      const message = JSON.parse(this.buffered.slice(0, end)) as ProtocolMessage;
      this.buffered = this.buffered.slice(end + 1);
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter) continue;
      this.pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result ?? {});
    }
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const promise = new Promise<Record<string, unknown>>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    (this.process.stdio[3] as Writable).write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    return promise;
  }

  /** Opens a tab on `url` and returns a handle to drive it. */
  async open(url: string): Promise<BrowserPage> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new BrowserPage(this, sessionId as string);
    await page.send('Page.enable');
    await page.send('Page.navigate', { url });
    return page;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.process.exitCode !== null || this.process.signalCode !== null) resolve();
      else this.process.once('exit', () => resolve());
    });
    await this.send('Browser.close').catch(() => undefined);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}

export class BrowserPage {
  constructor(
    private readonly browser: HeadlessChromium,
    private readonly sessionId: string,
  ) {}

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** Evaluates `expression` in the page (awaiting a promise) and returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = (await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })) as {
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value as T;
  }

  /** Polls `expression` until it is truthy; returns its value. */
  async waitFor<T>(expression: string, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.evaluate<T>(expression).catch(() => undefined);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Sets the files of the `<input type=file>` matched by `selector`, as a user choosing them would. */
  async setInputFiles(selector: string, files: string[]): Promise<void> {
    const { root } = (await this.send('DOM.getDocument')) as { root: { nodeId: number } };
    const { nodeId } = (await this.send('DOM.querySelector', { nodeId: root.nodeId, selector })) as { nodeId: number };
    if (!nodeId) throw new Error(`no element matches ${selector}`);
    await this.send('DOM.setFileInputFiles', { nodeId, files });
  }

  async screenshot(): Promise<Buffer> {
    const { data } = (await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true })) as { data: string };
    return Buffer.from(data, 'base64');
  }
}
