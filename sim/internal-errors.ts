// Unexpected errors: what the kit answers with a 500, reported on stderr. The server runs Fastify
// without its logger (sim/embedded-cloud.ts), so without this a 500 would leave no trace.
// Only the error's name and where it was thrown are written, never its message: a JSON error
// quotes the text it failed on, and requests carry tokens, codes and photos.
import { BodyMemoryExhaustedError } from './body-memory.js';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** One line naming the service, the call and the request id, then the error's name and stack frames. */
export function reportInternalError(
  service: string,
  call: string,
  requestId: string | undefined,
  error: unknown,
  write: (text: string) => void = (text) => void process.stderr.write(text),
): void {
  write(`[${service}] ${call} answered 500 (request ${requestId ?? 'unknown'}): ${withoutMessage(error)}\n`);
}

/** An error's name and its first stack frames, without its message; a system error's code, call and path. */
function withoutMessage(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return [`${error.name || 'Error'}${systemErrorOf(error)}`, ...frames.slice(0, 8)].join('\n');
}

/**
 * ` ENOSPC (write)`, ` EROFS (open /data/emails.jsonl)`: what the file system refused, which is
 * all a 500 from a full disk or a read-only file has to say (the bare `Error` and frames left the
 * user guessing). Node's own fields, never text a request carried.
 */
function systemErrorOf(error: Error): string {
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code)) return '';
  const call = typeof syscall === 'string' ? [syscall, ...(typeof path === 'string' ? [path] : [])].join(' ') : '';
  return ` ${code}${call ? ` (${call})` : ''}`;
}

/**
 * The error handler of the kit's own routes (/_sim/*, the pools' .well-known documents, the web
 * page): a client's error (4xx) answered as Fastify does; anything else reported here and answered
 * 500 without its message (Fastify's default handler sends the message and reports nothing).
 */
export function answerKitRouteError(write?: (text: string) => void) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { statusCode } = error;
    if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return reply.code(statusCode).send(error);
    // The budget's refusal is no fault of the kit's: a 503, not reported (it was a 500 and a stack on stderr).
    if (error instanceof BodyMemoryExhaustedError) return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: error.message });
    reportInternalError('sim', `${request.method} ${request.url.split('?')[0]}`, request.id, error, write);
    return reply.code(500).send({ statusCode: 500, error: 'Internal Server Error', message: `An unexpected error; the kit's terminal shows where (request ${request.id}).` });
  };
}
