// SES v2 (REST JSON) on the shared server: POST /v2/email/outbound-emails lands in the Outbox, so
// emails a handler sends can be read at /_sim/emails. Requests are not signature-checked.
import type { FastifyPluginAsync } from 'fastify';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Outbox } from '../outbox.js';
import { setAmznRequestId } from '../request-id.js';
import { BadRequestError, sendEmail } from './send-email.js';

export interface SesServiceOptions {
  outbox: Outbox;
  clock?: Clock;
}

export function createSesService(options: SesServiceOptions): { routes: FastifyPluginAsync } {
  const services = { outbox: options.outbox, clock: options.clock ?? systemClock };
  const routes: FastifyPluginAsync = async (app) => {
    // The SDK sends application/json; parse it here whatever the parent context registered.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 40 * 1024 * 1024 }, (_request, body, done) => {
      try {
        done(null, body === '' ? {} : JSON.parse(body as string));
      } catch {
        done(new BadRequestError('Request body is not valid JSON'), undefined);
      }
    });
    app.addHook('onRequest', setAmznRequestId);
    app.setErrorHandler((error, _request, reply) => {
      const badRequest = error instanceof BadRequestError;
      const code = badRequest ? 'BadRequestException' : 'InternalFailure';
      return reply
        .code(badRequest ? 400 : 500)
        .header('content-type', 'application/json')
        .header('x-amzn-errortype', code)
        .send(JSON.stringify({ message: badRequest ? error.message : 'Internal failure' }));
    });
    app.post('/v2/email/outbound-emails', async (request, reply) => {
      const input = request.body;
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new BadRequestError('Request body must be a JSON object');
      return reply.header('content-type', 'application/json').send(JSON.stringify(sendEmail(input, services)));
    });
  };
  return { routes };
}
