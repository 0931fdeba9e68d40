// The AWS JSON 1.1 protocol (Cognito, Rekognition, ...): every call is `POST /` with
// `X-Amz-Target: <TargetPrefix>.<Operation>`. Several services share one endpoint, so one route
// dispatches on the target prefix; services only supply their operations and error shape.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answerJsonApiPreflight, isJsonApiPreflight, JSON_API_RESPONSE_CORS_HEADERS } from './browser-cors.js';

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
}

export interface JsonServicesOptions {
  passthrough?: PassthroughService[];
}

const JSON_CONTENT_TYPES = ['application/x-amz-json-1.1', 'application/x-amz-json-1.0'];

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
  for (const type of JSON_CONTENT_TYPES) {
    if (!app.hasContentTypeParser(type)) {
      app.addContentTypeParser(type, { parseAs: 'string', bodyLimit: 32 * 1024 * 1024 }, (request, body, done) => {
        // A passthrough service gets the body as sent, even when it is not valid JSON.
        if (passthroughByPrefix.has(targetPrefixOf(request))) return done(null, body);
        try {
          done(null, body === '' ? {} : JSON.parse(body as string));
        } catch {
          done(new AwsServiceError('SerializationException', 'Could not parse request body into json'), undefined);
        }
      });
    }
  }
  const byPrefix = new Map(services.map((service) => [service.targetPrefix, service]));

  // Browsers on any origin may call the JSON APIs, as AWS's endpoints allow (sim/browser-cors.ts).
  // A preflight naming X-Amz-Target is answered here even on a path S3 would otherwise take.
  app.options('/', answerJsonApiPreflight);
  app.addHook('onRequest', async (request, reply) => {
    if (isJsonApiPreflight(request)) return answerJsonApiPreflight(request, reply);
  });
  const allowAnyOrigin = async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    reply.headers(JSON_API_RESPONSE_CORS_HEADERS);
    return payload;
  };

  app.post('/', { onSend: allowAnyOrigin }, async (request: FastifyRequest, reply: FastifyReply) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const dot = target.lastIndexOf('.');
    const passthrough = passthroughByPrefix.get(target.slice(0, dot));
    if (passthrough) return forwardVerbatim(request, reply, passthrough, target);
    const service = byPrefix.get(target.slice(0, dot));
    if (!service) {
      return sendError(reply, { errorBody: genericErrorBody } as JsonService,
        new AwsServiceError('UnknownOperationException', `Unknown target: ${target || '(none)'}`));
    }
    const operation = service.operations[target.slice(dot + 1)];
    if (!operation) {
      return sendError(reply, service, new AwsServiceError('UnknownOperationException', `Unknown operation ${target}`));
    }
    try {
      const input = (request.body ?? {}) as Record<string, unknown>;
      if (typeof input !== 'object' || Array.isArray(input)) {
        throw new AwsServiceError('SerializationException', 'Request body must be a JSON object');
      }
      const output = await operation(input, { request, region: regionOfRequest(request, defaultRegion) });
      return reply.header('content-type', 'application/x-amz-json-1.1').send(JSON.stringify(output ?? {}));
    } catch (error) {
      if (error instanceof AwsServiceError) return sendError(reply, service, error);
      request.log.error({ err: error, target }, 'operation failed');
      return sendError(reply, service, new AwsServiceError('InternalErrorException', 'Internal server error', 500));
    }
  });
}

async function forwardVerbatim(request: FastifyRequest, reply: FastifyReply, service: PassthroughService, target: string) {
  const body = typeof request.body === 'string' ? request.body : request.body === undefined ? '' : JSON.stringify(request.body);
  try {
    const response = await service.forward(target, request.headers, body);
    // As a Buffer: Fastify would append `; charset=utf-8` to the content type of a string.
    return reply.code(response.statusCode).headers(response.headers).send(Buffer.from(response.body, 'utf8'));
  } catch (error) {
    request.log.error({ err: error, target }, 'passthrough failed');
    return sendError(reply, { errorBody: genericErrorBody } as JsonService,
      new AwsServiceError('InternalServerError', 'Internal server error', 500));
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
