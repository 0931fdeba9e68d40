// Which Host headers the kit answers: a guard against DNS rebinding. A web page on
// attacker.example can re-point its own name at 127.0.0.1 and then, being same-origin with it,
// read the kit's answers (every emailed code at /_sim/emails, anything the well-known test
// credentials can read) without any CORS check. Such a request still names attacker.example in
// its Host header, so the kit refuses hosts that an outsider could point at it: any public DNS
// name. What remains allowed cannot be rebound from outside: IP addresses, `localhost` and
// `*.localhost`, names without a dot (Docker service names such as `sim-rekognition`, this
// machine's name), `*.local` and `*.internal` (mDNS, `host.docker.internal`), LocalStack's
// `localhost.localstack.cloud` (which its users point SDKs at), and what FACEKIT_ALLOWED_HOSTS adds.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorXml, S3Error } from './s3/s3-errors.js';

const HOST_SYNTAX = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i;
const ALWAYS_ALLOWED_SUFFIXES = ['.localhost', '.local', '.internal', '.localhost.localstack.cloud'];
const ALWAYS_ALLOWED_NAMES = ['localhost', 'localhost.localstack.cloud'];

/** The host name of a Host header, without its port or IPv6 brackets, lower case. */
export function hostNameOf(hostHeader: string): string {
  const trimmed = hostHeader.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(1, trimmed.indexOf(']') >>> 0);
  const colon = trimmed.lastIndexOf(':');
  return colon === -1 ? trimmed : trimmed.slice(0, colon);
}

/**
 * `extra`: names from FACEKIT_ALLOWED_HOSTS, each a host name or `.suffix` (matching the suffix's
 * subdomains and the name itself); `*` allows every host.
 */
export function isAllowedHost(hostHeader: string | undefined, extra: readonly string[] = []): boolean {
  // HTTP/1.0 clients may send none; browsers always do.
  if (hostHeader === undefined || hostHeader === '') return true;
  // A host name (letters, digits, dots, hyphens) or a bracketed IPv6 address, and a port: nothing
  // else is a Host a client sends, and anything else could be read two ways.
  if (!HOST_SYNTAX.test(hostHeader.trim())) return false;
  const name = hostNameOf(hostHeader).replace(/\.$/, '');
  if (isIP(name) !== 0) return true;
  if (!name.includes('.')) return true;
  if (ALWAYS_ALLOWED_NAMES.includes(name) || ALWAYS_ALLOWED_SUFFIXES.some((suffix) => name.endsWith(suffix))) return true;
  return extra.some((allowed) => allowed === '*' || allowed === name || (allowed.startsWith('.') && (name.endsWith(allowed) || name === allowed.slice(1))));
}

/** FACEKIT_ALLOWED_HOSTS as a list: comma-separated, blanks ignored, lower case. */
export function allowedHostsFromEnv(value: string | undefined): string[] {
  return (value ?? '').split(',').map((entry) => entry.trim().toLowerCase()).filter(Boolean);
}

/**
 * Refuses, before anything else runs, every request whose Host an outsider could point here.
 * `servedByS3` tells the requests S3 would serve: they get S3's XML `AccessDenied`, which an S3
 * client reads (the JSON answer left the S3 SDK with a deserialization error and no message).
 */
export function refuseRebindableHosts(app: FastifyInstance, extra: readonly string[], servedByS3: (request: FastifyRequest) => boolean = () => false): void {
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host;
    if (isAllowedHost(host, extra)) return;
    const message = `Host ${JSON.stringify(hostNameOf(host ?? ''))} is not allowed: the kit answers IP addresses, localhost and *.localhost, names without a dot, *.local, *.internal, localhost.localstack.cloud and names in FACEKIT_ALLOWED_HOSTS (comma-separated), which guards it against DNS rebinding`;
    if (servedByS3(request)) {
      const requestId = randomBytes(8).toString('hex').toUpperCase();
      return reply.code(403).header('content-type', 'application/xml').header('x-amz-request-id', requestId)
        .send(errorXml(new S3Error('AccessDenied', message, 403), requestId, randomBytes(24).toString('base64')));
    }
    return reply.code(403).header('x-amzn-errortype', 'AccessDeniedException').send({ __type: 'AccessDeniedException', message });
  });
}
