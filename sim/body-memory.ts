// How much memory request bodies on their way in may hold, all together. Every body the kit takes
// (a PutObject, a form upload, a JSON call) is read into memory before its operation runs, while
// AWS streams an upload to storage. A client that trickles a body in (within the request timeout,
// 5 minutes) holds what it has sent so far; twenty such form uploads took the kit from 179 to
// 297 MiB, and nothing bounded their number. Now every body is counted against one budget (a
// small one by its Content-Length before it is read, a large or chunked one as its bytes come)
// and given back when its answer is sent; a body that does not fit is refused as AWS refuses a
// request it cannot take now (S3: 503 SlowDown; the others: their service-unavailable or
// throttling error), which the SDKs retry with back-off.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Transform, type Readable } from 'node:stream';

/** 256 MiB: fifty 5 MB photos in flight at once, or four 64 MiB objects (the largest PutObject the kit takes). */
export const DEFAULT_BODY_MEMORY_BYTES = 256 * 1024 * 1024;

/** Bodies up to this are counted by their Content-Length, larger ones by the bytes that came. */
const SMALL_BODY_BYTES = 16 * 1024;

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

export function bodyMemoryBudget(limitBytes: number): BodyMemoryBudget {
  let held = 0;
  const take = (bytes: number): boolean => {
    if (held + bytes > limitBytes) return false;
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
      let answered = false;
      // 'close' comes once the answer is sent or the client hung up: the body is no longer held
      // (an operation reads it whole before it answers).
      reply.raw.once('close', () => {
        answered = true;
        held -= taken;
        taken = 0;
      });
      const declaredBytes = Number(declared);
      if (declared !== undefined && declaredBytes <= SMALL_BODY_BYTES) {
        // A small body (every JSON call a trigger makes) is counted whole before it is read,
        // without a stream in its way.
        if (declaredBytes === 0 || !Number.isInteger(declaredBytes)) return payload;
        if (!take(declaredBytes)) throw new BodyMemoryExhaustedError();
        taken = declaredBytes;
        return payload;
      }
      // A large or chunked body is counted as its bytes come, not by what it declares: counted
      // from its Content-Length, four sockets declaring 64 MiB and sending nothing held the whole
      // budget, and every upload of everyone else was refused for the five minutes a request may take.
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, next) {
          if (answered) return next(null, chunk);
          if (!take(chunk.length)) return next(new BodyMemoryExhaustedError());
          taken += chunk.length;
          next(null, chunk);
        },
      });
      payload.on('error', (error) => counted.destroy(error));
      // A request answered before its body was read (a 413 from its Content-Length, an S3 refusal
      // before the upload is read) leaves the rest of the body coming: Node discards it so that
      // the connection can carry the next request, but not from a stream piped elsewhere, which
      // the unread Transform paused for good. The next request on that keep-alive connection then
      // waited for ever (an audit: the served-APIs fuzz test). So the rest is discarded here.
      reply.raw.once('close', () => {
        if (payload.readableEnded) return;
        payload.unpipe(counted);
        payload.resume();
      });
      return payload.pipe(counted);
    },
  };
}
