// SES v2 (REST JSON) on the shared server: POST /v2/email/outbound-emails lands in the Outbox, so
// emails a handler sends can be read at /_sim/emails; SES v2's other operations answer that they
// are not emulated. With a verifier, calls must be SigV4-signed.
import { isUtf8 } from 'node:buffer';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { BodyMemoryExhaustedError } from '../body-memory.js';
import { signedRequestOf, verifiedSignerOf, type RequestSignatureVerifier } from '../request-signature.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Outbox } from '../outbox.js';
import { setAmznRequestId } from '../request-id.js';
import { BadRequestError, sendEmail } from './send-email.js';

export interface SesServiceOptions {
  outbox: Outbox;
  clock?: Clock;
  /** When given, only SigV4-signed calls of the local credentials are served, as on AWS. */
  signatures?: RequestSignatureVerifier;
  /** Checks a signed SendEmail against the caller's permissions: the refusal's message, or undefined. */
  authorizeSendEmail?: (accessKeyId: string, fromEmailAddress: string | undefined) => string | undefined;
}

const UNPARSEABLE_BODY = Symbol('unparseable JSON body');

/** SendEmail's documented limit is a 40 MB message; the JSON around it adds a little. */
const MAX_REQUEST_BYTES = 40 * 1024 * 1024;

export function createSesService(options: SesServiceOptions): { routes: FastifyPluginAsync } {
  const services = { outbox: options.outbox, clock: options.clock ?? systemClock };
  const routes: FastifyPluginAsync = async (app) => {
    // The SDK sends application/json; parse it here whatever the parent context registered.
    app.removeAllContentTypeParsers();
    const rawBodies = new WeakMap<FastifyRequest, Buffer>();
    // Read as bytes: JSON text is UTF-8 (RFC 8259), and other bytes decoded as a string became
    // U+FFFD unnoticed (an email sent with replacement characters in its address or subject).
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_REQUEST_BYTES }, (request, bytes, done) => {
      rawBodies.set(request, bytes as Buffer);
      if (!isUtf8(bytes as Buffer)) return done(null, UNPARSEABLE_BODY);
      const body = (bytes as Buffer).toString('utf8');
      try {
        done(null, body === '' ? {} : JSON.parse(body));
      } catch {
        // Refused in the handler, after the signature: AWS authenticates before it deserializes.
        done(null, UNPARSEABLE_BODY);
      }
    });
    app.addHook('onRequest', setAmznRequestId);
    const sendError = (reply: FastifyReply, statusCode: number, code: string, message: string) =>
      reply.code(statusCode).header('content-type', 'application/json').header('x-amzn-errortype', code).send(JSON.stringify({ message }));
    app.setErrorHandler((error: FastifyError, _request, reply) => {
      if (error instanceof BadRequestError) return sendError(reply, 400, 'BadRequestException', error.message);
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 413, 'RequestEntityTooLargeException', 'Request Entity Too Large');
      // Too many bodies on their way in (sim/body-memory.ts): SES's throttling answer, which the SDK retries.
      if (error instanceof BodyMemoryExhaustedError) return sendError(reply, 429, 'TooManyRequestsException', 'Too many requests.');
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return sendError(reply, error.statusCode, 'BadRequestException', error.message);
      return sendError(reply, 500, 'InternalFailure', 'Internal failure');
    });
    const signatures = options.signatures;
    const signers = new WeakMap<FastifyRequest, string>();
    if (signatures) {
      // A call its head already refuses (unsigned, an unknown key) is answered before its body is read.
      app.addHook('onRequest', async (request, reply) => {
        const refusal = signatures.refusalBeforeBody(signedRequestOf(request, undefined), 'ses');
        if (refusal) return sendError(reply, 403, refusal.code, refusal.message);
      });
      app.addHook('preHandler', async (request, reply) => {
        const verified = await verifiedSignerOf(signatures, signedRequestOf(request, rawBodies.get(request)), 'ses');
        if ('refusal' in verified) return sendError(reply, 403, verified.refusal.code, verified.refusal.message);
        signers.set(request, verified.accessKeyId);
      });
    }
    app.post('/v2/email/outbound-emails', async (request, reply) => {
      const input = request.body;
      if (input === UNPARSEABLE_BODY) throw new BadRequestError('Request body is not valid JSON');
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new BadRequestError('Request body must be a JSON object');
      const signer = signers.get(request);
      const from = (input as { FromEmailAddress?: unknown }).FromEmailAddress;
      const refusal = signer === undefined ? undefined : options.authorizeSendEmail?.(signer, typeof from === 'string' ? from : undefined);
      if (refusal) return sendError(reply, 403, 'AccessDeniedException', refusal);
      return reply.header('content-type', 'application/json').send(JSON.stringify(sendEmail(input, services)));
    });
    // SES v2's other operations live under /v2/email/ too (ListEmailIdentities is GET
    // /v2/email/identities). They are refused as not emulated, in SES's shape, rather than falling
    // through to S3, which would name a bucket `v2` (too short to be one) as missing.
    app.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: '/v2/email/*',
      exposeHeadRoute: false,
      handler: async (request, reply) =>
        sendError(reply, 404, 'UnknownOperationException',
          `${request.method} ${request.url.split('?')[0]} is not an operation the local SES emulates (it serves SendEmail)`),
    });
  };
  return { routes };
}
