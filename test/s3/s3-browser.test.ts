// A real browser uploading to a presigned URL: the CORS preflight, the PUT, reading the exposed
// ETag. Runs when a Chromium is installed (apt-get install chromium), skipped otherwise, except
// under FACEKIT_REQUIRE_CHROMIUM=1 (CI), where a missing Chromium fails it.
import { PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, skipBrowserTests } from '../web/headless-chromium.js';
import { startS3 } from './s3-test-server.js';
import type { RunningS3 } from './s3-test-server.js';

const skipped = skipBrowserTests('the browser upload to a presigned URL');

let s3: RunningS3;
let pages: Server;
let pagePort: number;
const pageScripts = new Map<string, string>();

beforeAll(async () => {
  if (skipped) return;
  s3 = await startS3();
  pages = createServer((request, response) => {
    const script = pageScripts.get(request.url ?? '') ?? '';
    response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><pre id="out">pending</pre><script>${script}</script>`);
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pagePort = (pages.address() as { port: number }).port;
  s3.s3.createBucket({
    name: 'photos',
    cors: [
      {
        AllowedOrigins: [`http://127.0.0.1:${pagePort}`],
        AllowedMethods: ['PUT'],
        AllowedHeaders: ['content-type', 'x-amz-*'],
        ExposedHeaders: ['etag'],
        MaxAge: 300,
      },
    ],
  });
});
afterAll(async () => {
  if (skipped) return;
  await s3.close();
  await new Promise((resolve) => pages.close(resolve));
});

/** Loads the page in headless Chromium and returns what its script wrote into #out. */
async function runPage(origin: string, name: string, script: string): Promise<string> {
  pageScripts.set(`/${name}`, script);
  const { stdout } = await promisify(execFile)(
    CHROMIUM_PATH,
    ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=10000', '--dump-dom', `${origin}/${name}`],
    { timeout: 60_000 },
  );
  return /<pre id="out">([\s\S]*?)<\/pre>/.exec(stdout)?.[1] ?? stdout;
}

const uploadScript = (url: string) => `
  fetch(${JSON.stringify(url)}, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array([255, 216, 255, 224]) })
    .then((response) => { document.getElementById('out').textContent = response.status + ' ' + response.headers.get('etag'); })
    .catch((error) => { document.getElementById('out').textContent = 'failed: ' + error.name; });`;

describe.skipIf(skipped)('a browser uploading to a presigned URL', () => {
  it('passes the preflight, uploads, and reads the exposed ETag from an allowed origin', async () => {
    const url = await getSignedUrl(s3.client, new PutObjectCommand({ Bucket: 'photos', Key: 'enrol/u1/face 1.jpg', ContentType: 'image/jpeg' }), { expiresIn: 60 });
    const result = await runPage(`http://127.0.0.1:${pagePort}`, 'allowed', uploadScript(url));
    expect(result).toMatch(/^200 "[0-9a-f]{32}"$/);
    const stored = await s3.client.send(new GetObjectCommand({ Bucket: 'photos', Key: 'enrol/u1/face 1.jpg' }));
    expect(stored.ContentType).toBe('image/jpeg');
    expect(Array.from(await stored.Body!.transformToByteArray())).toEqual([255, 216, 255, 224]);
  }, 90_000);

  it('is stopped by the browser when the page’s origin is not in the rules', async () => {
    const url = await getSignedUrl(s3.client, new PutObjectCommand({ Bucket: 'photos', Key: 'enrol/u1/other.jpg' }), { expiresIn: 60 });
    const result = await runPage(`http://localhost:${pagePort}`, 'refused', uploadScript(url));
    expect(result).toBe('failed: TypeError');
  }, 90_000);
});
