// The face sign-in page (web/, built by Vite into web/dist) at /_sim/web/, on the APIs' own
// origin. Only plain file names in the build (and its assets/ folder) match, so no path can climb
// out of it. While the build runs (npm start builds in the background) the page says so and
// reloads itself.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  json: 'application/json',
  woff2: 'font/woff2',
};
const SERVABLE_FILE = /^(assets\/)?[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*\.(html|js|css|svg|png|ico|json|woff2)$/;

type BuildState = { kind: 'building' } | { kind: 'ready'; distDir: string } | { kind: 'failed'; message: string };

const BUILDING_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="1">
<title>Face sign-in · building</title></head><body><p role="status">The page is being built (vite build); it reloads by itself.</p></body></html>`;

/** @param distDir the built page's folder, or a promise of it while it builds (rejected if the build failed). */
export function webPageRoutes(distDir: string | Promise<string>): FastifyPluginAsync {
  let state: BuildState = typeof distDir === 'string' ? { kind: 'ready', distDir } : { kind: 'building' };
  if (typeof distDir !== 'string') {
    distDir.then(
      (dir) => (state = { kind: 'ready', distDir: dir }),
      (error: Error) => (state = { kind: 'failed', message: error.message }),
    );
  }

  async function serve(file: string, reply: FastifyReply) {
    if (state.kind === 'building') {
      return reply.code(503).header('retry-after', '1').header('cache-control', 'no-store').type(CONTENT_TYPES.html).send(BUILDING_PAGE);
    }
    if (state.kind === 'failed') {
      return reply.code(500).type('text/plain; charset=utf-8').send(`The page could not be built; see the kit's output.\n\n${state.message}`);
    }
    const type = SERVABLE_FILE.test(file) ? CONTENT_TYPES[file.slice(file.lastIndexOf('.') + 1)] : undefined;
    const body = type ? await readFile(join(state.distDir, file)).catch(() => undefined) : undefined;
    if (!body) return reply.code(404).type('text/plain; charset=utf-8').send('Not Found');
    // Vite names assets by their content hash: they never change; the rest is checked each time.
    const caching = file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return reply.type(type!).header('cache-control', caching).header('x-content-type-options', 'nosniff').send(body);
  }

  return async (app) => {
    app.get('/_sim/web', async (_request, reply) => reply.redirect('/_sim/web/'));
    app.get('/_sim/web/', async (_request, reply) => serve('index.html', reply));
    app.get('/_sim/web/*', async (request, reply) => serve((request.params as { '*': string })['*'], reply));
    // Browsers ask every origin for /favicon.ico; the page's icon answers instead of S3.
    app.get('/favicon.ico', async (_request, reply) => reply.redirect('/_sim/web/favicon.svg'));
  };
}
