// Lambda's REST API (restJson1) for the functions of the embedded runtime: Invoke, GetFunction,
// GetFunctionConfiguration, ListFunctions. Function errors are not HTTP errors: Lambda answers 200
// with `X-Amz-Function-Error: Unhandled` and the error as the payload. Every other operation of
// the API answers that it is not emulated, in Lambda's error shape.
import { isUtf8 } from 'node:buffer';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { BodyMemoryExhaustedError } from '../body-memory.js';
import { reportInternalError } from '../internal-errors.js';
import { setAmznRequestId } from '../request-id.js';
import { signedRequestOf, verifiedSignerOf, type RequestSignatureVerifier } from '../request-signature.js';
import { addSigningServiceConstraint, SIGNED_FOR, UNSIGNED } from '../signing-service-constraint.js';
import { FunctionError, type FunctionInvoker } from './function-invoker.js';
import { logGroupOf, type FunctionDefinition, type InvokeOptions } from './lambda-runtime.js';

export interface LambdaApiBackend extends FunctionInvoker {
  invoke(functionName: string, event: unknown, options?: InvokeOptions): Promise<unknown>;
  resolve(nameOrArn: string): FunctionDefinition | undefined;
  functionArn(nameOrArn: string): string;
  listFunctions(): FunctionDefinition[];
  region: string;
  /** The account the functions belong to; a function ARN of another account is not theirs. */
  accountId: string;
}

const API = '/2015-03-31/functions';

/**
 * The dated path prefixes of Lambda's operations (botocore's lambda/2015-03-31 model). Under them
 * every request for Lambda is Lambda's, so an operation that is not emulated gets a Lambda error
 * rather than S3's `NoSuchBucket` for a bucket named after the date.
 */
const API_VERSIONS = [
  '2014-11-13', '2015-03-31', '2016-08-19', '2017-03-31', '2017-10-31', '2018-10-31', '2019-09-25', '2019-09-30',
  '2020-04-22', '2020-06-30', '2021-07-20', '2021-10-31', '2021-11-15', '2024-08-31', '2025-11-30', '2025-12-01',
];

/** Invoke's documented payload limits: 6 MB synchronous (RequestResponse, DryRun), 1 MB Event. */
const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;
const MAX_EVENT_PAYLOAD_BYTES = 1024 * 1024;

/**
 * The code Lambda answers an over-limit payload with. botocore's model names the shape
 * RequestTooLargeException, but the service sends `RequestEntityTooLargeException` (413), with
 * these messages, as boto3 and SDK callers report them (e.g. ASFHyP3/hyp3#2241 for Event).
 */
const PAYLOAD_TOO_LARGE = 'RequestEntityTooLargeException';
const syncPayloadTooLarge = `Request must be smaller than ${MAX_INVOKE_PAYLOAD_BYTES} bytes for the InvokeFunction operation`;
const eventPayloadTooLarge = (bytes: number) => `${bytes} byte payload is too large for the Event invocation type (limit ${MAX_EVENT_PAYLOAD_BYTES} bytes)`;

/**
 * How deep a payload's arrays and objects may nest. The runtime serializes the event again to hand
 * it to the function's worker, and V8's JSON.stringify and structured clone recurse once per level:
 * a payload nested 20,000 levels (40 KB) overflowed the stack and came back as a 500. AWS's
 * answers to unparseable payloads are in Jackson's words (`Could not parse request body into
 * json: Unexpected character ...`), and Jackson refuses documents nested past 1000 by default;
 * that AWS applies the same bound is an assumption, not a capture.
 */
const MAX_PAYLOAD_NESTING = 1000;

/** `LogType: Tail` returns the last 4 KB of the invocation's log. */
const LOG_TAIL_BYTES = 4 * 1024;

/** ListFunctions returns at most 50 functions a page, whatever MaxItems asks (AWS's API reference). */
const LIST_PAGE_LIMIT = 50;
const MAX_ITEMS_RANGE = { min: 1, max: 10_000 };

/** An error of Lambda's API, sent in its wire shape by the plugin's error handler. */
class LambdaApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Lambda's routes share the S3 emulator's paths (`/<bucket>/<key>`), so a request signed for
 * another service (header or presigned URL) is not Lambda's: an S3 client's request for a bucket
 * named `2015-03-31` still reaches S3. An unsigned one is, so that it gets Lambda's refusal as on
 * AWS (S3 refuses anonymous requests anyway). With `signatures`, every call must be SigV4-signed
 * for `lambda` by the local credentials, as on AWS.
 */
export function lambdaApiRoutes(
  backend: LambdaApiBackend,
  signatures?: RequestSignatureVerifier,
  /** Where an unexpected error is reported (reportInternalError's); stderr by default. */
  write?: (text: string) => void,
  /** Checks a signed call against the caller's permissions (`lambda:<Action>` on a resource): the refusal's message, or undefined. */
  authorize?: (accessKeyId: string, action: string, resource: string) => string | undefined,
): FastifyPluginAsync {
  return async (app) => {
    // The Invoke payload is opaque bytes whatever its content type; this plugin's context only.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_INVOKE_PAYLOAD_BYTES + 1024 }, (_request, body, done) => done(null, body));
    app.setErrorHandler((error: FastifyError | LambdaApiError, request, reply) => {
      if (error instanceof LambdaApiError) return sendError(reply, error.statusCode, error.code, error.message);
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return sendError(reply, 413, PAYLOAD_TOO_LARGE, syncPayloadTooLarge);
      }
      // Too many bodies on their way in (sim/body-memory.ts): Lambda's throttling answer, which the SDK retries.
      if (error instanceof BodyMemoryExhaustedError) return sendError(reply, 429, 'TooManyRequestsException', 'Rate Exceeded.');
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return sendError(reply, error.statusCode, 'InvalidRequestContentException', error.message);
      }
      reportInternalError('lambda', `${request.method} ${request.url.split('?')[0]}`, String(reply.getHeader('x-amzn-requestid') ?? request.id), error, write);
      return sendError(reply, 500, 'ServiceException', 'Internal service error');
    });
    const signers = new WeakMap<FastifyRequest, string>();
    if (signatures) {
      // A call its head already refuses (unsigned, an unknown key) is answered before its 6 MB body is read.
      app.addHook('onRequest', async (request, reply) => {
        const refusal = signatures.refusalBeforeBody(signedRequestOf(request, undefined), 'lambda');
        if (refusal) return sendError(reply, 403, refusal.code, refusal.message);
      });
      app.addHook('preHandler', async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : undefined;
        const verified = await verifiedSignerOf(signatures, signedRequestOf(request, body), 'lambda');
        if ('refusal' in verified) return sendError(reply, 403, verified.refusal.code, verified.refusal.message);
        signers.set(request, verified.accessKeyId);
      });
    }
    /** Lambda authorises before it looks the function up: a caller without the permission learns nothing. */
    const permit = (request: FastifyRequest, action: string) => (resource: string) => {
      const signer = signers.get(request);
      const refusal = signer === undefined ? undefined : authorize?.(signer, `lambda:${action}`, resource);
      if (refusal) throw new LambdaApiError(403, 'AccessDeniedException', refusal);
    };
    app.addHook('onRequest', setAmznRequestId);
    const route = lambdaRouter(app);

    route('POST', `${API}/:name/invocations`, async (request, reply) => {
      const { name } = request.params as { name: string };
      const requestId = randomUUID();
      reply.header('x-amzn-requestid', requestId);
      const target = targetOf(backend, name, request.query, 'InvokeFunction', permit(request, 'InvokeFunction'));

      // The parser's bodyLimit leaves room for a little over the limit, so that the limit is applied
      // here, to the payload's bytes, and per invocation type: an Event's queue takes at most 1 MB.
      const payloadBytes = Buffer.isBuffer(request.body) ? request.body.length : 0;
      if (payloadBytes > MAX_INVOKE_PAYLOAD_BYTES) return sendError(reply, 413, PAYLOAD_TOO_LARGE, syncPayloadTooLarge);
      if (payloadBytes > MAX_EVENT_PAYLOAD_BYTES && request.headers['x-amz-invocation-type'] === 'Event') {
        return sendError(reply, 413, PAYLOAD_TOO_LARGE, eventPayloadTooLarge(payloadBytes));
      }
      // Decoded as it is, a payload that is not UTF-8 would reach the function with U+FFFD in
      // place of its bytes; Lambda's JSON parser refuses it.
      if (Buffer.isBuffer(request.body) && !isUtf8(request.body)) {
        return sendError(reply, 400, 'InvalidRequestContentException',
          'Could not parse request body into json: Could not parse payload into json: Invalid UTF-8 in the payload');
      }
      const raw = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
      let event: unknown;
      try {
        event = raw.trim() === '' ? {} : JSON.parse(raw);
      } catch (error) {
        return sendError(reply, 400, 'InvalidRequestContentException',
          `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`);
      }
      if (nestsDeeperThan(raw, MAX_PAYLOAD_NESTING)) {
        return sendError(reply, 400, 'InvalidRequestContentException',
          `Could not parse request body into json: Could not parse payload into json: Document nesting depth exceeds the maximum allowed (${MAX_PAYLOAD_NESTING})`);
      }

      const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      if (invocationType === 'DryRun') return reply.code(204).send();
      if (invocationType === 'Event') {
        await backend.invokeAsync(target.name, event);
        return reply.code(202).send();
      }
      if (invocationType !== 'RequestResponse') {
        return sendError(reply, 400, 'InvalidParameterValueException', `Unsupported invocation type: ${invocationType}`);
      }
      const logType = String(request.headers['x-amz-log-type'] ?? 'None');
      if (logType !== 'None' && logType !== 'Tail') {
        return sendError(reply, 400, 'InvalidParameterValueException', `Unsupported log type: ${logType}`);
      }

      const log: string[] = [];
      const options: InvokeOptions = logType === 'Tail' ? { onLog: (line) => log.push(line) } : {};
      reply.header('x-amz-executed-version', '$LATEST').header('content-type', 'application/json');
      let result: unknown;
      try {
        result = await backend.invoke(target.name, event, options);
      } catch (error) {
        if (!(error instanceof FunctionError)) throw error;
        if (error.errorType === 'ResourceNotFoundException') return sendResourceNotFound(reply, target.arn);
        reply.header('x-amz-function-error', 'Unhandled');
        result = error.payload ?? { errorType: error.errorType, errorMessage: error.message };
      }
      if (logType === 'Tail') reply.header('x-amz-log-result', logTail(log));
      return reply.code(200).send(JSON.stringify(result ?? null));
    });

    route('GET', `${API}/:name`, async (request, reply) => {
      const { definition } = targetOf(backend, (request.params as { name: string }).name, request.query, 'GetFunction', permit(request, 'GetFunction'));
      return sendJson(reply, {
        Configuration: configurationOf(definition),
        Code: { RepositoryType: 'S3', Location: `file://${definition.codeDir}` },
      });
    });

    route('GET', `${API}/:name/configuration`, async (request, reply) => {
      const { definition } = targetOf(backend, (request.params as { name: string }).name, request.query, 'GetFunctionConfiguration', permit(request, 'GetFunctionConfiguration'));
      return sendJson(reply, configurationOf(definition));
    });

    const listFunctions: RouteHandlerMethod = async (request, reply) => {
      permit(request, 'ListFunctions')('*');
      const marker = queryValue(request.query, 'Marker');
      const maxItems = queryValue(request.query, 'MaxItems');
      const functions = backend.listFunctions();
      const start = marker === undefined ? 0 : positionAfter(functions, marker);
      const end = start + Math.min(pageSizeOf(maxItems), LIST_PAGE_LIMIT);
      const page = functions.slice(start, end);
      return sendJson(reply, {
        Functions: page.map(configurationOf),
        ...(end < functions.length ? { NextMarker: markerAfter(page[page.length - 1]!) } : {}),
      });
    };
    route('GET', `${API}/`, listFunctions);
    route('GET', API, listFunctions);

    // Everything else of the API (GetPolicy, ListAliases, DeleteFunction, GetAccountSettings, …).
    const notEmulated: RouteHandlerMethod = async (request, reply) => {
      const path = request.url.split('?')[0];
      return sendError(reply, 404, 'UnknownOperationException',
        `${request.method} ${path} is not an operation the local Lambda emulates (it serves Invoke, GetFunction, GetFunctionConfiguration and ListFunctions)`);
    };
    for (const version of API_VERSIONS) route(ALL_METHODS, `/${version}/*`, notEmulated);
  };
}

/** Not OPTIONS: a browser's preflight carries no signature, and S3 answers those for its buckets. */
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'];

/**
 * Registers each route for requests signed for `lambda` and for unsigned ones, after adding the
 * router constraint that tells them apart. Requests signed for another service fall through to
 * other routes (S3's wildcards).
 */
function lambdaRouter(app: FastifyInstance) {
  addSigningServiceConstraint(app);
  return (method: string | string[], url: string, handler: RouteHandlerMethod) => {
    for (const service of ['lambda', UNSIGNED]) {
      app.route({ method, url, handler, constraints: { [SIGNED_FOR]: service }, exposeHeadRoute: false });
    }
  };
}

interface FunctionTarget {
  /** What the runtime resolves: the name or ARN without its qualifier. */
  name: string;
  /** The ARN as asked, with its qualifier if any: what "Function not found" names. */
  arn: string;
  definition: FunctionDefinition;
}

/**
 * The function a name, ARN or partial ARN designates, with the qualifier it carries (`name:1`,
 * `…:function:name:prod`) or `Qualifier` gives. Only `$LATEST` exists here: no function has
 * published versions or aliases, so any other qualifier is not found, as on AWS.
 */
function targetOf(backend: LambdaApiBackend, nameOrArn: string, query: unknown, action: string, permit: (resource: string) => void): FunctionTarget {
  refuseElsewhere(backend, nameOrArn, action);
  const match = /^((?:arn:[^:]+:lambda:[^:]*:)?(?:\d{12}:)?(?:function:)?[^:]+)(?::([^:]+))?$/.exec(nameOrArn);
  const name = match?.[1] ?? nameOrArn;
  const derived = match?.[2];
  const given = queryValue(query, 'Qualifier');
  if (derived !== undefined && given !== undefined && given !== derived) {
    throw new LambdaApiError(400, 'InvalidParameterValueException', 'The derived qualifier from the function name does not match the specified qualifier.');
  }
  const qualifier = derived ?? given;
  const arn = backend.functionArn(name) + (qualifier ? `:${qualifier}` : '');
  permit(arn);
  const definition = backend.resolve(name);
  if (!definition || (qualifier && qualifier !== '$LATEST')) throw new LambdaApiError(404, 'ResourceNotFoundException', `Function not found: ${arn}`);
  return { name, arn, definition };
}

/**
 * A full or partial ARN naming another region or account designates a function this emulator does
 * not hold, even when a function of the same name is here: Lambda never invokes another region's
 * function from this one. Another region is a 404 `ResourceNotFoundException`, `Functions from
 * '<region>' are not reachable in this region ('<region>')`, as AWS answers it (recorded against
 * AWS in LocalStack's tests/aws/services/lambda_/test_lambda_api.snapshot.json,
 * test_get_function_wrong_region[invoke]). Another account is IAM's 403 `AccessDeniedException`:
 * no resource-based policy of that account's function lets this account's caller in.
 */
function refuseElsewhere(backend: LambdaApiBackend, nameOrArn: string, action: string): void {
  const locators = /^(?:arn:[^:]+:lambda:([^:]*):)?(?:(\d{12}):)?function:/.exec(nameOrArn)
    ?? /^arn:[^:]+:lambda:([^:]*):(\d{12}):/.exec(nameOrArn);
  if (!locators) return;
  const [, region, account] = locators;
  if (account !== undefined && account !== backend.accountId) {
    throw new LambdaApiError(403, 'AccessDeniedException',
      `User: arn:aws:iam::${backend.accountId}:root is not authorized to perform: lambda:${action} on resource: ${nameOrArn} because no resource-based policy allows the lambda:${action} action`);
  }
  if (region !== undefined && region !== backend.region) {
    throw new LambdaApiError(404, 'ResourceNotFoundException', `Functions from '${region}' are not reachable in this region ('${backend.region}')`);
  }
}

/**
 * A query parameter's value; of one given more than once (`?Qualifier=a&Qualifier=b`, which Fastify
 * parses to an array), the first. Joined, the values made a qualifier nobody sent (`a,b`), named
 * in the 404. Taking the first is how LocalStack's parser reads a scalar query member
 * (`request.args.get`, localstack/aws/protocol/parser.py) and how S3 was measured to read one
 * (brekkylab/backlot#176); Lambda's own answer was not captured.
 */
function queryValue(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** MaxItems as AWS validates it (1 to 10000); absent, one full page. */
function pageSizeOf(maxItems: string | undefined): number {
  if (maxItems === undefined) return LIST_PAGE_LIMIT;
  const value = Number(maxItems);
  if (!/^-?\d+$/.test(maxItems) || !Number.isSafeInteger(value)) {
    throw new LambdaApiError(400, 'ValidationException', `1 validation error detected: Value '${maxItems}' at 'maxItems' failed to satisfy constraint: Member must be an integer`);
  }
  if (value < MAX_ITEMS_RANGE.min || value > MAX_ITEMS_RANGE.max) {
    const bound = value < MAX_ITEMS_RANGE.min ? `greater than or equal to ${MAX_ITEMS_RANGE.min}` : `less than or equal to ${MAX_ITEMS_RANGE.max}`;
    throw new LambdaApiError(400, 'ValidationException', `1 validation error detected: Value '${value}' at 'maxItems' failed to satisfy constraint: Member must have value ${bound}`);
  }
  return value;
}

/** NextMarker is opaque to clients: the last listed function's name, so a page resumes after it. */
function markerAfter(definition: FunctionDefinition): string {
  return Buffer.from(JSON.stringify({ after: definition.name })).toString('base64url');
}

function positionAfter(functions: FunctionDefinition[], marker: string): number {
  let after: unknown;
  try {
    after = (JSON.parse(Buffer.from(marker, 'base64url').toString('utf8')) as { after?: unknown }).after;
  } catch {
    after = undefined;
  }
  const index = functions.findIndex((definition) => definition.name === after);
  if (index < 0) throw new LambdaApiError(400, 'InvalidParameterValueException', `Invalid marker: ${marker}`);
  return index + 1;
}

/**
 * Whether JSON text nests arrays and objects deeper than `limit`, read as text in one pass: the
 * parsed value cannot be walked recursively for the very reason it is being measured.
 */
function nestsDeeperThan(json: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < json.length; index += 1) {
    const character = json[index];
    if (inString) {
      if (character === '\\') index += 1;
      else if (character === '"') inString = false;
    } else if (character === '"') {
      inString = true;
    } else if (character === '{' || character === '[') {
      depth += 1;
      if (depth > limit) return true;
    } else if (character === '}' || character === ']') {
      depth -= 1;
    }
  }
  return false;
}

/** Base64 of the log's last 4 KB, cut at a line's start so that no character is split. */
function logTail(lines: string[]): string {
  const log = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
  if (log.length <= LOG_TAIL_BYTES) return log.toString('base64');
  const tail = log.subarray(log.length - LOG_TAIL_BYTES);
  const lineStart = tail.indexOf(0x0a);
  return (lineStart >= 0 && lineStart < tail.length - 1 ? tail.subarray(lineStart + 1) : tail).toString('base64');
}

/** A function's code as Lambda describes it: its size, SHA-256 and last change, read once from its folder. */
interface CodeFacts {
  sha256: string;
  size: number;
  lastModified: string;
}
const codeFactsByFolder = new Map<string, CodeFacts>();

/**
 * Lambda hashes the deployment package (a zip); the kit runs an unzipped folder, so its hash is of
 * the folder's files, by path: it changes exactly when the code does, which is what scripts
 * comparing CodeSha256 want to know. LastModified is the newest file's time, in Lambda's format.
 */
function codeFactsOf(codeDir: string): CodeFacts {
  const known = codeFactsByFolder.get(codeDir);
  if (known) return known;
  const hash = createHash('sha256');
  let size = 0;
  let newest = 0;
  const files = existsSync(codeDir) ? (readdirSync(codeDir, { recursive: true }) as string[]).sort() : [];
  for (const file of files) {
    const path = join(codeDir, file);
    const stats = statSync(path);
    if (!stats.isFile()) continue;
    hash.update(file).update('\0').update(readFileSync(path));
    size += stats.size;
    newest = Math.max(newest, stats.mtimeMs);
  }
  const facts = { sha256: hash.digest('base64'), size, lastModified: new Date(newest).toISOString().replace('Z', '+0000') };
  codeFactsByFolder.set(codeDir, facts);
  return facts;
}

/** FunctionConfiguration as Lambda answers it for a Zip function on $LATEST. */
function configurationOf(definition: FunctionDefinition): Record<string, unknown> {
  const code = codeFactsOf(definition.codeDir);
  return {
    FunctionName: definition.name,
    FunctionArn: definition.arn,
    Runtime: definition.runtime,
    ...(definition.roleArn ? { Role: definition.roleArn } : {}),
    Handler: definition.handler,
    CodeSize: code.size,
    Description: definition.description ?? '',
    Timeout: definition.timeoutSeconds,
    MemorySize: definition.memoryMb ?? 128,
    LastModified: code.lastModified,
    CodeSha256: code.sha256,
    Version: '$LATEST',
    Environment: { Variables: definition.environment },
    TracingConfig: { Mode: 'PassThrough' },
    // Made of the code's hash: it changes when the code does, as Lambda's does with each update.
    RevisionId: revisionIdOf(code.sha256),
    PackageType: 'Zip',
    Architectures: definition.architectures ?? ['x86_64'],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: definition.logFormat ?? 'Text', LogGroup: logGroupOf(definition) },
    State: 'Active',
    LastUpdateStatus: 'Successful',
  };
}

/** A UUID made of the code's hash. */
function revisionIdOf(sha256: string): string {
  const hex = Buffer.from(sha256, 'base64').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function sendJson(reply: FastifyReply, body: unknown) {
  return reply.header('content-type', 'application/json').send(JSON.stringify(body));
}

function sendResourceNotFound(reply: FastifyReply, arn: string) {
  return sendError(reply, 404, 'ResourceNotFoundException', `Function not found: ${arn}`);
}

/**
 * Lambda's error shape: `{"Type":"User","Message":...}` with the code in `x-amzn-errortype`. The
 * message member is `Message` in some of Lambda's exceptions (ResourceNotFoundException,
 * ServiceException) and `message` in the others, as its model declares them.
 */
function sendError(reply: FastifyReply, statusCode: number, code: string, message: string) {
  const messageMember = CAPITALISED_MESSAGE.has(code) ? 'Message' : 'message';
  return reply
    .code(statusCode)
    .header('content-type', 'application/json')
    .header('x-amzn-errortype', code)
    .send(JSON.stringify({ Type: statusCode >= 500 ? 'Service' : 'User', [messageMember]: message }));
}

const CAPITALISED_MESSAGE = new Set(['ResourceNotFoundException', 'ServiceException', 'AccessDeniedException']);
