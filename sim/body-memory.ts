// How much memory request bodies on their way in may hold, all together. Every body the kit takes
// (a PutObject, a form upload, a JSON call) is held in memory while it arrives and its operation
// runs, while AWS streams an upload to storage. A client that trickles a body in (within the request timeout,
// 5 minutes) holds what it has sent so far; twenty such form uploads took the kit from 179 to
// 297 MiB, and nothing bounded their number. Now every body is counted against one budget (a
// small one by its Content-Length before it is read, a large or chunked one as its bytes come)
// and given back when its answer is sent; a body that does not fit is refused as AWS refuses a
// request it cannot take now (S3: 503 SlowDown; the others: their service-unavailable or
// throttling error), which the SDKs retry with back-off.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Transform, type Readable } from 'node:stream';
import { RequestTimeoutError } from './connection-timeouts.js';

/** 256 MiB: fifty 5 MB photos in flight at once, or four 64 MiB objects (the largest PutObject the kit takes). */
export const DEFAULT_BODY_MEMORY_BYTES = 256 * 1024 * 1024;

/** Bodies up to this are counted by their Content-Length, larger ones by the bytes that came. */
const SMALL_BODY_BYTES = 16 * 1024;

/**
 * The share of the budget large bodies leave to small ones: every JSON call (Cognito's sign-in
 * calls, the triggers' DynamoDB calls) stays served while uploads hold the rest. Without it, eight
 * unsigned 39 MiB SES bodies trickled in held the whole budget, and InitiateAuth was refused
 * with everything else (attacker audit).
 */
const SMALL_BODY_SHARE = 1 / 8;

export interface BodyMemoryOptions {
  /**
   * How long a large body may take before it can be ended as too slow, and the window its pace is
   * judged over (10 s). Only when a body finds no room: then every large body older than this that
   * came slower than `minBytesPerSecond` over the last `patienceMs` is ended with the request
   * timeout's answer (S3's RequestTimeout), and its bytes are given to the one that found none.
   * Fifty-four upload forms trickling a byte every 12 s (inside the idle timeout) held the budget
   * for good (attacker audit).
   */
  patienceMs?: number;
  /** 64 KiB/s: a photo over the slowest mobile link; on the loopback the kit answers, milliseconds. */
  minBytesPerSecond?: number;
  /** The clock, for tests. */
  now?: () => number;
}

interface LargeBodyInFlight {
  startedAt: number;
  /**
   * Bytes taken by a time (`taken` by `at`, its last chunk), one sample for the chunks of each
   * second from `firstAt`; those of the last `patienceMs`, and one before them.
   */
  samples: Array<{ firstAt: number; at: number; taken: number }>;
  readonly taken: () => number;
  endAsTooSlow: () => void;
}

/** FACEKIT_BODY_MEMORY_MB over the default; a bad value stops the start. */
export function bodyMemoryBytesFromEnv(env: NodeJS.ProcessEnv): number {
  const text = env.FACEKIT_BODY_MEMORY_MB;
  if (text === undefined || text.trim() === '') return DEFAULT_BODY_MEMORY_BYTES;
  const megabytes = Number(text);
  if (!Number.isInteger(megabytes) || megabytes <= 0) {
    throw new Error(`FACEKIT_BODY_MEMORY_MB must be a whole number of mebibytes above 0, not ${JSON.stringify(text)}`);
  }
  return megabytes * 1024 * 1024;
}

/**
 * What a route's error handler receives for a body the budget has no room for; each service
 * answers it in its own shape (S3's SlowDown, a JSON service's ServiceUnavailable...).
 */
export class BodyMemoryExhaustedError extends Error {
  override readonly name = 'BodyMemoryExhaustedError';
  readonly code = 'FACEKIT_BODY_MEMORY_EXHAUSTED';
  readonly statusCode = 503;
  constructor() {
    super('Too many request bodies are on their way in; retry shortly');
  }
}

export interface BodyMemoryBudget {
  /** A Fastify preParsing hook: counts the request's body against the budget, or refuses it. */
  hold: (request: FastifyRequest, reply: FastifyReply, payload: Readable) => Promise<Readable>;
  /** Bytes counted now, for tests and the bench. */
  readonly heldBytes: number;
}

export function bodyMemoryBudget(limitBytes: number, options: BodyMemoryOptions = {}): BodyMemoryBudget {
  if (!(limitBytes > 0)) throw new Error(`the body memory budget must be a number of bytes above 0, not ${limitBytes}`);
  const { patienceMs = 10_000, minBytesPerSecond = 64 * 1024, now = Date.now } = options;
  const largeBodyLimit = limitBytes - Math.floor(limitBytes * SMALL_BODY_SHARE);
  const largeBodies = new Set<LargeBodyInFlight>();
  let held = 0;
  const fits = (bytes: number, small: boolean) => held + bytes <= (small ? limitBytes : largeBodyLimit);
  /**
   * Whether a body came slower than `minBytesPerSecond` over the last `patienceMs`. Over that
   * window, not since it began: eight SES bodies sent 32 MiB fast, then a byte every 12 s, and
   * their average since they began stayed above the floor for minutes.
   */
  const cameTooSlowly = (body: LargeBodyInFlight, at: number): boolean => {
    if (at - body.startedAt < patienceMs) return false;
    const windowStart = at - patienceMs;
    // What it had when the window began: exact at a sample's last chunk, none when none came before.
    const before = body.samples.filter((sample) => sample.at <= windowStart).at(-1) ?? { taken: 0 };
    return body.taken() - before.taken < minBytesPerSecond * (patienceMs / 1000);
  };
  /** Ends the large bodies that have had their patience and came too slowly; whether any was. */
  const endTooSlowBodies = (asking: LargeBodyInFlight | undefined): boolean => {
    const at = now();
    const tooSlow = [...largeBodies].filter((body) => body !== asking && cameTooSlowly(body, at));
    for (const body of tooSlow) body.endAsTooSlow();
    return tooSlow.length > 0;
  };
  /** Notes what a body has taken after a chunk, a sample a second, keeping the window and one before it. */
  const sample = (body: LargeBodyInFlight) => {
    const at = now();
    const last = body.samples.at(-1);
    if (last && at - last.firstAt < 1000) {
      last.at = at;
      last.taken = body.taken();
      return;
    }
    body.samples.push({ firstAt: at, at, taken: body.taken() });
    while (body.samples.length > 2 && body.samples[1]!.at <= at - patienceMs) body.samples.shift();
  };
  /** Counts `bytes` if they fit, ending too slow bodies (never the one asking) to make room. */
  const take = (bytes: number, small: boolean, asking?: LargeBodyInFlight): boolean => {
    if (!fits(bytes, small) && !(endTooSlowBodies(asking) && fits(bytes, small))) return false;
    held += bytes;
    return true;
  };

  return {
    get heldBytes() {
      return held;
    },
    async hold(request, reply, payload) {
      const declared = request.headers['content-length'];
      if (declared === undefined && request.headers['transfer-encoding'] === undefined) return payload;
      let taken = 0;
      let released = false;
      const declaredBytes = Number(declared);
      // A small body (every JSON call a trigger makes) is counted whole before it is read, without
      // a stream in its way. Sixteen thousand sockets that each declare 16 KiB and trickle would
      // hold the budget this way; a body counted as it comes costs every call a stream.
      const small = declared !== undefined && declaredBytes <= SMALL_BODY_BYTES;
      // A large or chunked body is counted as its bytes come, not by what it declares: counted
      // from its Content-Length, four sockets declaring 64 MiB and sending nothing held the whole
      // budget, and every upload of everyone else was refused for the five minutes a request may take.
      const counted = small ? undefined : new Transform({
        transform(chunk: Buffer, _encoding, next) {
          if (released) return next(null, chunk);
          if (!take(chunk.length, false, inFlight)) return next(new BodyMemoryExhaustedError());
          taken += chunk.length;
          sample(inFlight!);
          next(null, chunk);
        },
      });
      const inFlight: LargeBodyInFlight | undefined = counted && {
        startedAt: now(),
        samples: [],
        taken: () => taken,
        endAsTooSlow: () => {
          counted.destroy(new RequestTimeoutError());
          release();
        },
      };
      if (inFlight) largeBodies.add(inFlight);
      const socket = request.raw.socket;
      // Given back once, when the answer has gone or the connection closed, whichever comes
      // first. The answer's 'close' alone was not enough: a request pipelined behind a slow one
      // whose client then reset the connection never gets it (its answer was still queued), and
      // its bytes stayed counted for good (a review). What a handler still holds after its client
      // went is not counted: it is let go when the handler ends.
      const release = () => {
        if (released) return;
        released = true;
        if (inFlight) largeBodies.delete(inFlight);
        held -= taken;
        taken = 0;
        reply.raw.off('close', release);
        socket?.off('close', release);
        // A request answered before its body was read (a 413 from its Content-Length, an S3
        // refusal before the upload is read) leaves the rest of the body coming: Node discards it
        // so that the connection can carry the next request, but not from a stream piped
        // elsewhere, which the unread Transform paused for good. The next request on that
        // keep-alive connection then waited for ever (an audit: the served-APIs fuzz test).
        if (counted && !payload.readableEnded) {
          payload.unpipe(counted);
          payload.resume();
        }
      };
      reply.raw.once('close', release);
      socket?.once('close', release);
      if (!counted) {
        if (declaredBytes === 0 || !Number.isInteger(declaredBytes)) return payload;
        if (!take(declaredBytes, true)) throw new BodyMemoryExhaustedError();
        taken = declaredBytes;
        return payload;
      }
      // Fastify's parser listens for the stream's errors when it reads the body; a request whose
      // body nobody reads (a GET with a body, one refused first) has no other listener, and a
      // connection reset then threw out of the process (a review).
      counted.on('error', () => undefined);
      payload.on('error', (error) => counted.destroy(error));
      return payload.pipe(counted);
    },
  };
}
