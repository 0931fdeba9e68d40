import { connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bodyMemoryBudget, bodyMemoryBytesFromEnv, DEFAULT_BODY_MEMORY_BYTES, type BodyMemoryBudget, type BodyMemoryOptions } from './body-memory.js';

describe('the body memory budget from the environment', () => {
  it('takes FACEKIT_BODY_MEMORY_MB over 256 MiB', () => {
    expect(bodyMemoryBytesFromEnv({})).toBe(256 * 1024 * 1024);
    expect(bodyMemoryBytesFromEnv({ FACEKIT_BODY_MEMORY_MB: ' ' })).toBe(DEFAULT_BODY_MEMORY_BYTES);
    expect(bodyMemoryBytesFromEnv({ FACEKIT_BODY_MEMORY_MB: '64' })).toBe(64 * 1024 * 1024);
  });

  it.each(['0', '-1', '1.5', '64MB', 'Infinity'])('refuses %s, naming the variable', (value) => {
    expect(() => bodyMemoryBytesFromEnv({ FACEKIT_BODY_MEMORY_MB: value })).toThrow(/^FACEKIT_BODY_MEMORY_MB must be a whole number of mebibytes above 0/);
  });
});

describe('the body memory budget on a server', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** A server with the budget, a route slow to answer and one that reads a body. */
  async function serverWithBudget(options: BodyMemoryOptions = {}): Promise<{ budget: BodyMemoryBudget; port: number }> {
    const budget = bodyMemoryBudget(1024 * 1024, options);
    app = Fastify();
    app.addHook('preParsing', budget.hold);
    app.get('/slow', async () => {
      await new Promise((later) => setTimeout(later, 300));
      return { ok: true };
    });
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.post('/echo', async (request) => ({ bytes: (request.body as Buffer).length }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { budget, port: (app.server.address() as { port: number }).port };
  }

  /** Sends `text` and resets the connection after `afterMs`, while the answers are still pending. */
  async function sendThenReset(port: number, text: string, afterMs = 50): Promise<void> {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((connected) => socket.once('connect', connected));
    socket.write(text);
    await new Promise((later) => setTimeout(later, afterMs));
    socket.resetAndDestroy();
    await new Promise((closed) => socket.once('close', closed));
  }

  it('survives a reset while the answer to a request whose body nobody reads is pending, and gives its bytes back', async () => {
    const { budget, port } = await serverWithBudget();

    await sendThenReset(port, `GET /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n${'a'.repeat(1000)}`);

    await vi.waitFor(() => expect(budget.heldBytes).toBe(0), { timeout: 5000, interval: 20 });
    // Still serving: the reset threw out of the process before.
    expect((await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'x'.repeat(30_000) })).status).toBe(200);
  });

  it('gives back the bytes of a request pipelined behind a slow one when the client resets', async () => {
    const { budget, port } = await serverWithBudget();

    await sendThenReset(port, 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n' + `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 30000\r\n\r\n${'b'.repeat(20_000)}`);

    await vi.waitFor(() => expect(budget.heldBytes).toBe(0), { timeout: 5000, interval: 20 });
  });

  it('ends a body that came fast and then trickled, by its pace over the last patienceMs, for one that finds no room', async () => {
    let clock = 0;
    const { budget, port } = await serverWithBudget({ patienceMs: 10_000, minBytesPerSecond: 32 * 1024, now: () => clock });
    const trickler = connect(port, '127.0.0.1');
    trickler.on('error', () => undefined);
    let answer = '';
    trickler.on('data', (data) => (answer += data.toString('latin1')));
    await new Promise((connected) => trickler.once('connect', connected));
    trickler.write(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 900000\r\n\r\n${'a'.repeat(800 * 1024)}`);
    await vi.waitFor(() => expect(budget.heldBytes).toBe(800 * 1024), { timeout: 5000, interval: 20 });
    // 15 s on, a byte: 53 KiB/s since it began (over the floor), one byte in the last 10 s (under it).
    clock = 15_000;
    trickler.write('a');
    await vi.waitFor(() => expect(budget.heldBytes).toBe(800 * 1024 + 1), { timeout: 5000, interval: 20 });

    const onTime = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'b'.repeat(200 * 1024), signal: AbortSignal.timeout(10_000) });

    expect([onTime.status, await onTime.json()]).toEqual([200, { bytes: 200 * 1024 }]);
    await vi.waitFor(() => expect(answer).toMatch(/^HTTP\/1\.1 408 /), { timeout: 5000, interval: 20 });
    trickler.destroy();
  });

  it('lets a large body that keeps its pace be, and refuses the one that finds no room', async () => {
    let clock = 0;
    const { port } = await serverWithBudget({ patienceMs: 10_000, minBytesPerSecond: 32 * 1024, now: () => clock });
    const steady = connect(port, '127.0.0.1');
    steady.on('error', () => undefined);
    await new Promise((connected) => steady.once('connect', connected));
    steady.write(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 900000\r\n\r\n${'a'.repeat(400 * 1024)}`);
    await new Promise((later) => setTimeout(later, 100));
    clock = 15_000;
    steady.write('a'.repeat(400 * 1024));
    await new Promise((later) => setTimeout(later, 100));

    const refused = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'b'.repeat(200 * 1024) });

    expect(refused.status).toBe(503);
    steady.destroy();
  });

  it('refuses a budget that is no number of bytes above 0', () => {
    expect(() => bodyMemoryBudget(Number.NaN)).toThrow(/above 0, not NaN/);
    expect(() => bodyMemoryBudget(0)).toThrow(/above 0, not 0/);
  });
});
