// The AWS JSON 1.1 protocol (Cognito, Rekognition, ...): every call is `POST /` with
// `X-Amz-Target: <TargetPrefix>.<Operation>`. Several services share one endpoint, so one route
// dispatches on the target prefix; services only supply their operations and error shape.
import { isUtf8 } from 'node:buffer';
import { Transform, type Readable } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BodyMemoryExhaustedError } from './body-memory.js';
import { RequestTimeoutError } from './connection-timeouts.js';
import { isJsonApiPreflight, JSON_API_RESPONSE_CORS_HEADERS, jsonApiPreflight } from './browser-cors.js';
import { SIGNATURE_MISMATCH, signedRequestOf, verifiedSignerOf, type RequestSignatureVerifier } from './request-signature.js';
import { isQueryProtocolRequest, refuseUnservedQueryRequest } from './aws-query-protocol.js';
import { reportInternalError } from './internal-errors.js';
import { AMZN_REQUEST_ID, setAmznRequestId } from './request-id.js';

/** An error in the shape AWS returns it: `code` is the exception name the SDK surfaces. */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export interface OperationContext {
  request: FastifyRequest;
  /** Region from the SigV4 credential scope, or the default region. */
  region: string;
}

export type JsonOperation = (input: Record<string, unknown>, context: OperationContext) => Promise<unknown>;

export interface JsonService {
  /** e.g. `RekognitionService`, `AWSCognitoIdentityProviderService` */
  targetPrefix: string;
  operations: Record<string, JsonOperation>;
  /** The body AWS sends for an error of this service. */
  errorBody(error: AwsServiceError): Record<string, unknown>;
  /** The SigV4 service name; with it, every operation not listed in `publicOperations` must be signed. */
  signingName?: string;
  /** Operations AWS serves without IAM credentials (Cognito's client-side API). */
  publicOperations?: ReadonlySet<string>;
  /** Larger request bodies are refused with 413 before they are parsed. */
  maxRequestBytes?: number;
}

/** What a raw passthrough service answers; sent back to the client verbatim. */
export interface PassthroughResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A service implemented elsewhere (e.g. dynalite for DynamoDB) that receives the request body
 * exactly as the client sent it, unparsed, and whose answer is returned unchanged.
 */
export interface PassthroughService {
  /** e.g. `DynamoDB_20120810` */
  targetPrefix: string;
  forward(target: string, headers: FastifyRequest['headers'], body: string): Promise<PassthroughResponse>;
  /** The SigV4 service name; with it every call must be signed. */
  signingName?: string;
  maxRequestBytes?: number;
}

export interface JsonServicesOptions {
  passthrough?: PassthroughService[];
  /** Checks the signature of IAM-authenticated calls; without it nothing is checked. */
  signatures?: RequestSignatureVerifier;
  /**
   * The origins whose pages may send signed calls (sim/browser-cors.ts); without it, any origin
   * may, as on AWS. The kit's key is public, so the embedded cloud gives its web origins.
   */
  signedCallOrigins?: readonly string[];
  /**
   * Checks a signed call's permissions (sim/iam/access-control.ts): the refusal to answer, or
   * undefined. `input` is the parsed body, or undefined when it does not parse (the call fails anyway).
   */
  authorize?: (accessKeyId: string, signingName: string, operation: string, input: () => Record<string, unknown> | undefined) => AwsServiceError | undefined;
}

/** Bodies no JSON service accepts, refused by Fastify itself. */
const MAX_JSON_BODY_BYTES = 32 * 1024 * 1024;
/** Each JSON body's bytes as sent, which its signature covers. */
const rawBodies = new WeakMap<FastifyRequest, Buffer | string>();
const UNPARSEABLE_BODY = Symbol('unparseable JSON body');
const TEXT_THAT_IS_NO_JSON = '{';
const BOM_SKIPPING_TYPES = new Set(['application/json', 'text/plain']);
/** Fastify instances whose own JSON and text parsers gave way to the byte-reading one. */
const appsReadingJsonBytes = new WeakSet<FastifyInstance>();

/**
 * Every content type a JSON API body may come as, each read as bytes. `application/json` and
 * `text/plain` replace Fastify's own parsers, which handed the route a parsed object with no
 * bytes, so the signature was checked over an empty body: a call signed over no body was served
 * with any body (fuzz audit).
 */
const JSON_CONTENT_TYPES = ['application/x-amz-json-1.1', 'application/x-amz-json-1.0', 'application/json', 'text/plain'];

function targetPrefixOf(request: FastifyRequest): string {
  const target = String(request.headers['x-amz-target'] ?? '');
  return target.slice(0, target.lastIndexOf('.'));
}

/** Reads the region out of `Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/svc/aws4_request`. */
export function regionOfRequest(request: FastifyRequest, fallback: string): string {
  const authorization = request.headers.authorization ?? '';
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(authorization);
  return match?.[1] ?? fallback;
}

/**
 * Registers the JSON content types (once per Fastify context) and a `POST /` route serving the
 * given services. Call once with every JSON service the server hosts.
 */
export function registerJsonServices(
  app: FastifyInstance,
  services: JsonService[],
  defaultRegion = 'us-east-1',
  options: JsonServicesOptions = {},
): void {
  const passthroughByPrefix = new Map((options.passthrough ?? []).map((service) => [service.targetPrefix, service]));
  const byPrefix = new Map(services.map((service) => [service.targetPrefix, service]));
  if (!appsReadingJsonBytes.has(app)) {
    appsReadingJsonBytes.add(app);
    app.removeContentTypeParser(['application/json', 'text/plain']);
  }
  for (const type of JSON_CONTENT_TYPES) {
    if (!app.hasContentTypeParser(type)) {
      // Read as bytes: decoded as a string, bytes that are no UTF-8 became U+FFFD unnoticed, and a
      // SignUp with such bytes in its Username created a user named with replacement characters.
      // Bodies over their service's own limit were refused before they were read (limitBody).
      app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: MAX_JSON_BODY_BYTES }, (request, bytes, done) => {
        const prefix = targetPrefixOf(request);
        rawBodies.set(request, bytes as Buffer);
        // JSON text is UTF-8 (RFC 8259): other bytes make it no JSON, refused as any unparseable
        // body. Passthrough services too: decoded, two keys differing in such bytes became one
        // (U+FFFD) and DynamoDB's PutItem replaced one item with the other (fuzz audit).
        if (!isUtf8(bytes as Buffer)) return done(null, UNPARSEABLE_BODY);
        let body = (bytes as Buffer).toString('utf8');
        // A passthrough service gets the body as sent, even when it is not valid JSON.
        if (passthroughByPrefix.has(prefix)) return done(null, body);
        // Fastify's own parsers, which these two types went through before, skip a byte-order mark.
        if (BOM_SKIPPING_TYPES.has(type) && body.startsWith('\uFEFF')) body = body.slice(1);
        try {
          done(null, body === '' ? {} : JSON.parse(body));
        } catch {
          // Refused in the handler, after the signature: AWS authenticates before it deserializes.
          done(null, UNPARSEABLE_BODY);
        }
      });
    }
  }
  // Parse errors and Fastify's own refusals (too large, bad content type) in AWS's shape too.
  const errorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const service = byPrefix.get(targetPrefixOf(request)) ?? ({ errorBody: genericErrorBody } as JsonService);
    if (error instanceof AwsServiceError) return sendError(reply, service, error);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, service, requestTooLarge());
    // A body that stopped coming (sim/connection-timeouts.ts): AWS's common error for it.
    if (error instanceof RequestTimeoutError) {
      return sendError(reply, service, new AwsServiceError('RequestTimeoutException', 'Reading the request timed out', 408));
    }
    // Too many bodies on their way in (sim/body-memory.ts): AWS's common error for a request it cannot take now.
    if (error instanceof BodyMemoryExhaustedError) return sendError(reply, service, new AwsServiceError('ServiceUnavailable', error.message, 503));
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' && isQueryProtocolRequest(request)) return refuseUnservedQueryRequest(request, reply);
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, service, new AwsServiceError('SerializationException', error.message));
    }
    reportInternalError('json', `POST / ${String(request.headers['x-amz-target'] ?? '')}`, requestIdOf(reply), error);
    return sendError(reply, service, new AwsServiceError('InternalFailure', 'Internal server error', 500));
  };

  // Browsers on any origin may call the JSON APIs, as AWS's endpoints allow (sim/browser-cors.ts).
  // A preflight naming X-Amz-Target is answered here even on a path S3 would otherwise take.
  // A preflight asking to send a signed call gets the signed-call origins only (options.signedCallOrigins).
  const answerPreflight = jsonApiPreflight(options.signedCallOrigins);
  app.options('/', answerPreflight);
  app.addHook('onRequest', async (request, reply) => {
    if (isJsonApiPreflight(request)) return answerPreflight(request, reply);
  });
  const signedCallOrigins = options.signedCallOrigins && new Set(options.signedCallOrigins);
  const allowAnyOrigin = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    // A browser sends no signed call without the preflight above; should one come all the same, a
    // page outside the signed-call origins does not get to read the answer.
    const origin = request.headers.origin;
    const signedFromElsewhere = signedCallOrigins && request.headers.authorization && origin !== undefined && !signedCallOrigins.has(origin);
    if (!signedFromElsewhere) reply.headers(JSON_API_RESPONSE_CORS_HEADERS);
    return payload;
  };

  /**
   * A body over its service's limit (Cognito's 1 MiB) is refused from its Content-Length before
   * it is read, or as soon as its chunks pass the limit: read whole first, a stranger's unsigned
   * InitiateAuth calls could each make the kit hold 32 MiB before hearing 413.
   */
  const limitBody = async (request: FastifyRequest, _reply: FastifyReply, payload: Readable) => {
    const prefix = targetPrefixOf(request);
    const limit = (byPrefix.get(prefix) ?? passthroughByPrefix.get(prefix))?.maxRequestBytes;
    if (limit === undefined) return payload;
    const declared = request.headers['content-length'];
    if (declared !== undefined) {
      if (Number(declared) > limit) throw requestTooLarge();
      return payload;
    }
    return payload.pipe(bodyCappedAt(limit, payload));
  };

  // The request id is set before the body is parsed, so a body that fails to parse still has one.
  app.post('/', { onRequest: setAmznRequestId, preParsing: limitBody, onSend: allowAnyOrigin, errorHandler }, async (request: FastifyRequest, reply: FastifyReply) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const dot = target.lastIndexOf('.');
    const operationName = target.slice(dot + 1);
    const passthrough = passthroughByPrefix.get(target.slice(0, dot));
    if (passthrough) {
      if (passthrough.signingName && options.signatures) {
        const verified = await verifySignature(request, options.signatures, passthrough.signingName);
        const refused = 'refused' in verified ? verified.refused
          : options.authorize?.(verified.accessKeyId, passthrough.signingName, operationName, () => parsedPassthroughBody(request.body));
        if (refused) return sendError(reply, { errorBody: genericErrorBody } as JsonService, refused);
      }
      return forwardVerbatim(request, reply, passthrough, target);
    }
    const service = byPrefix.get(target.slice(0, dot));
    if (!service) {
      return sendError(reply, { errorBody: genericErrorBody } as JsonService,
        new AwsServiceError('UnknownOperationException', unknownTargetMessage(target, [...byPrefix.keys(), ...passthroughByPrefix.keys()])));
    }
    // Own properties only: a target like `constructor` or `__proto__` must not reach Object's members.
    const operation = Object.hasOwn(service.operations, operationName) ? service.operations[operationName] : undefined;
    if (typeof operation !== 'function') {
      // What is served, so that an operation AWS has and the kit does not (ListGroups,
      // AdminCreateUser) reads as such, not as a kit that answers nothing.
      return sendError(reply, service, new AwsServiceError('UnknownOperationException',
        `Unknown operation ${target}: not emulated by the local kit, which serves ${Object.keys(service.operations).sort().join(', ')}`));
    }
    if (service.signingName && options.signatures && !service.publicOperations?.has(operationName)) {
      const verified = await verifySignature(request, options.signatures, service.signingName);
      const refused = 'refused' in verified ? verified.refused
        : options.authorize?.(verified.accessKeyId, service.signingName, operationName, () => parsedBody(request.body));
      if (refused) return sendError(reply, service, refused);
    }
    try {
      if (request.body === UNPARSEABLE_BODY) throw new AwsServiceError('SerializationException', 'Could not parse request body into json');
      const input = (request.body ?? {}) as Record<string, unknown>;
      if (typeof input !== 'object' || Array.isArray(input)) {
        throw new AwsServiceError('SerializationException', 'Request body must be a JSON object');
      }
      const output = await operation(input, { request, region: regionOfRequest(request, defaultRegion) });
      return reply.header('content-type', 'application/x-amz-json-1.1').send(JSON.stringify(output ?? {}));
    } catch (error) {
      if (error instanceof AwsServiceError) return sendError(reply, service, error);
      reportInternalError('json', target, requestIdOf(reply), error);
      return sendError(reply, service, new AwsServiceError('InternalErrorException', 'Internal server error', 500));
    }
  });
}

async function forwardVerbatim(request: FastifyRequest, reply: FastifyReply, service: PassthroughService, target: string) {
  // A body refused as no JSON (bytes that are not UTF-8) goes on as JSON text that does not parse,
  // so that the service answers it in its own words (dynalite: DynamoDB's SerializationException).
  const body = request.body === UNPARSEABLE_BODY ? TEXT_THAT_IS_NO_JSON
    : typeof request.body === 'string' ? request.body : request.body === undefined ? '' : JSON.stringify(request.body);
  try {
    const response = await service.forward(target, request.headers, body);
    // As a Buffer: Fastify would append `; charset=utf-8` to the content type of a string.
    return reply.code(response.statusCode).headers(response.headers).send(Buffer.from(response.body, 'utf8'));
  } catch (error) {
    reportInternalError('json', target, requestIdOf(reply), error);
    return sendError(reply, { errorBody: genericErrorBody } as JsonService,
      new AwsServiceError('InternalServerError', 'Internal server error', 500));
  }
}

/** JSON APIs stock tools reach for that the kit does not serve, and where to look instead. */
const NOT_SERVED_HINTS: Record<string, string> = {
  Logs_20140328:
    "CloudWatch Logs is not emulated: the functions' log lines (START, END, REPORT and what they print) are printed by the running kit, each prefixed with its function's name",
};

/** Names the target, the APIs this endpoint does serve, and a hint where one helps (`aws logs tail`). */
function unknownTargetMessage(target: string, servedPrefixes: string[]): string {
  const prefix = target.slice(0, Math.max(0, target.lastIndexOf('.')));
  const served = servedPrefixes.length > 0 ? `; the JSON APIs served here are ${servedPrefixes.join(', ')}` : '';
  const hint = Object.hasOwn(NOT_SERVED_HINTS, prefix) ? `. ${NOT_SERVED_HINTS[prefix]}` : '';
  return `Unknown target: ${target || '(none)'}${served}${hint}`;
}

/** `payload`'s chunks up to `limit` bytes; past it, an error that Fastify's body reader reports. */
function bodyCappedAt(limit: number, payload: Readable): Transform {
  let received = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      received += chunk.length;
      next(received > limit ? requestTooLarge() : null, chunk);
    },
  });
  payload.on('error', (error) => capped.destroy(error));
  return capped;
}

function requestTooLarge(): AwsServiceError {
  return new AwsServiceError('RequestEntityTooLargeException', 'Request Entity Too Large', 413);
}

/** The AWS error for a request whose signature does not hold, or the key that signed it. */
async function verifySignature(request: FastifyRequest, verifier: RequestSignatureVerifier, signingName: string)
  : Promise<{ refused: AwsServiceError } | { accessKeyId: string }> {
  // Every body this route parses is kept as bytes; a parsed body without them would be checked as
  // no body at all, so it is refused rather than served.
  const body = rawBodies.get(request) ?? (request.body === undefined ? '' : undefined);
  if (body === undefined) return { refused: new AwsServiceError('InvalidSignatureException', SIGNATURE_MISMATCH) };
  const verified = await verifiedSignerOf(verifier, signedRequestOf(request, body), signingName);
  if (!('refusal' in verified)) return verified;
  const { refusal } = verified;
  // DynamoDB words the missing token its own way.
  const missing = refusal.code === 'MissingAuthenticationTokenException' && signingName === 'dynamodb';
  return { refused: new AwsServiceError(refusal.code, missing ? 'Request is missing Authentication Token' : refusal.message) };
}

function parsedBody(body: unknown): Record<string, unknown> | undefined {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/** A passthrough service's body arrives as text; parsed only for a call whose permissions are checked. */
function parsedPassthroughBody(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'string') return parsedBody(body);
  try {
    return parsedBody(JSON.parse(body));
  } catch {
    return undefined;
  }
}

function genericErrorBody(error: AwsServiceError): Record<string, unknown> {
  return { __type: error.code, message: error.message };
}

function sendError(reply: FastifyReply, service: JsonService, error: AwsServiceError) {
  return reply
    .code(error.statusCode)
    .header('content-type', 'application/x-amz-json-1.1')
    .header('x-amzn-errortype', error.code)
    .send(JSON.stringify(service.errorBody(error)));
}

function requestIdOf(reply: FastifyReply): string | undefined {
  const id = reply.getHeader(AMZN_REQUEST_ID);
  return id === undefined ? undefined : String(id);
}
