// How long the kit waits for a network client. Node and Fastify, as the kit created its server,
// waited for ever for a request body that stopped coming (Fastify's requestTimeout and
// connectionTimeout are 0), 60-90 s for a request head and 72 s on an idle keep-alive socket: a
// client that sends half a presigned PUT and stops, or opens sockets and sends nothing, held each
// one (and its file descriptor) for that long, and an upload that stalled never got an answer.
// Now a socket silent in both directions for `idleMs` is closed, as S3 closes one after about 20 s
// (400 RequestTimeout, "Your socket connection to the server was not read from or written to
// within the timeout period"), and a request must arrive whole within `requestMs`. A request whose
// body stalls is answered first, by its route, in its service's shape (see RequestTimeoutError).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionTimeouts {
  /**
   * A socket that sends and takes no byte for this long is closed: before or inside its request
   * head, in the middle of a body (answered first), between requests (keep-alive), or while its
   * client does not read an answer. A request already received whole is never cut while its
   * answer is being worked on (a Cognito trigger, a face search).
   */
  idleMs: number;
  /**
   * The whole request, body included, must arrive within this, however steadily it trickles;
   * the head alone within the lesser of this and `idleMs`.
   */
  requestMs: number;
}

/**
 * 20 s of silence, as S3; 5 minutes for a whole request: a 5 MB photo at 150 kbit/s (a poor
 * mobile uplink) takes under 5 minutes, and bodies up to 32 MiB (the largest the kit takes)
 * need a faster link.
 */
export const DEFAULT_CONNECTION_TIMEOUTS: ConnectionTimeouts = { idleMs: 20_000, requestMs: 300_000 };

/** How often Node looks for requests past their time; Node's default is 30 s, which let a head stall 90 s. */
const MAX_CHECK_INTERVAL_MS = 5_000;

/** FACEKIT_IDLE_TIMEOUT_MS and FACEKIT_REQUEST_TIMEOUT_MS over the defaults; a bad value stops the start. */
export function connectionTimeoutsFromEnv(env: NodeJS.ProcessEnv): ConnectionTimeouts {
  const read = (name: string, fallback: number) => {
    const text = env[name];
    if (text === undefined || text.trim() === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number of milliseconds above 0, not ${JSON.stringify(text)}`);
    return value;
  };
  return {
    idleMs: read('FACEKIT_IDLE_TIMEOUT_MS', DEFAULT_CONNECTION_TIMEOUTS.idleMs),
    requestMs: read('FACEKIT_REQUEST_TIMEOUT_MS', DEFAULT_CONNECTION_TIMEOUTS.requestMs),
  };
}

/**
 * What a route's body parser receives when its body stops coming: each service's error handler
 * turns it into its own answer (S3: 400 RequestTimeout; the JSON services: 408
 * RequestTimeoutException; Lambda and SES: their generic 4xx).
 */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  readonly code = 'FACEKIT_REQUEST_TIMEOUT';
  readonly statusCode = 408;
  constructor() {
    super('The request body did not arrive within the time allowed');
  }
}

interface InFlight {
  request: IncomingMessage;
  response: ServerResponse;
}

/**
 * Applies the timeouts to the kit's HTTP server; call before it listens (Node reads the checking
 * interval then). Set here on the server rather than as Fastify options because Fastify has none
 * for the head timeout and the checking interval, and the stalled-body answer needs both timers.
 */
export function applyConnectionTimeouts(server: Server, timeouts: ConnectionTimeouts): void {
  server.requestTimeout = timeouts.requestMs;
  server.headersTimeout = Math.min(timeouts.idleMs, timeouts.requestMs);
  server.keepAliveTimeout = timeouts.idleMs;
  server.setTimeout(timeouts.idleMs);
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.max(50, Math.min(MAX_CHECK_INTERVAL_MS, Math.floor(server.headersTimeout / 4)));

  const inFlight = new WeakMap<Socket, InFlight>();
  /** Sockets whose stalled request was answered once: the next stall closes them. */
  const answered = new WeakSet<Socket>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    inFlight.set(socket, { request, response });
    response.once('close', () => {
      if (inFlight.get(socket)?.request === request) inFlight.delete(socket);
    });
  });

  /** Hands a stalled body's parser the timeout, so its route answers; false when nobody can. */
  function answerStalledRequest(socket: Socket): boolean {
    const current = inFlight.get(socket);
    if (!current || answered.has(socket) || current.request.complete || current.response.headersSent) return false;
    // Fastify reads a body with listeners on the request stream; without one nobody would answer.
    if (current.request.listenerCount('error') === 0) return false;
    answered.add(socket);
    current.response.setHeader('connection', 'close');
    current.request.emit('error', new RequestTimeoutError());
    return true;
  }

  // With a listener here Node no longer closes a socket that timed out by itself: this decides.
  server.on('timeout', (socket: Socket) => {
    const current = inFlight.get(socket);
    const beingAnswered = current !== undefined && current.request.complete && !current.response.headersSent;
    if (beingAnswered || answerStalledRequest(socket)) return;
    socket.destroy();
  });

  // Past `requestMs` (or the head timeout) Node reports a client error; Fastify's handler answers
  // it with a bare 408 and closes. A request with its head in gets its service's answer instead.
  const frameworkHandlers = server.listeners('clientError') as Array<(error: Error & { code?: string }, socket: Socket) => void>;
  server.removeAllListeners('clientError');
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && answerStalledRequest(socket)) return;
    for (const handler of frameworkHandlers) handler.call(server, error, socket);
  });
}
