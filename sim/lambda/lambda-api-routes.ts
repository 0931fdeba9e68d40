// Lambda's REST API (restJson1) for the functions of the embedded runtime: Invoke, GetFunction,
// ListFunctions. Function errors are not HTTP errors: Lambda answers 200 with
// `X-Amz-Function-Error: Unhandled` and the error as the payload.
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify';
import { setAmznRequestId } from '../request-id.js';
import { signatureRefusalOf, signedRequestOf, type RequestSignatureVerifier } from '../request-signature.js';
import { FunctionError, type FunctionInvoker } from './function-invoker.js';
import type { FunctionDefinition } from './lambda-runtime.js';

export interface LambdaApiBackend extends FunctionInvoker {
  resolve(nameOrArn: string): FunctionDefinition | undefined;
  functionArn(nameOrArn: string): string;
  listFunctions(): FunctionDefinition[];
  region: string;
}

const API = '/2015-03-31/functions';

/** Invoke's documented synchronous payload limit. */
const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** With `signatures`, every call must be SigV4-signed for `lambda` by the local credentials, as on AWS. */
export function lambdaApiRoutes(backend: LambdaApiBackend, signatures?: RequestSignatureVerifier): FastifyPluginAsync {
  return async (app) => {
    // The Invoke payload is opaque bytes whatever its content type; this plugin's context only.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_INVOKE_PAYLOAD_BYTES + 1024 }, (_request, body, done) => done(null, body));
    app.setErrorHandler((error: FastifyError, _request, reply) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return sendError(reply, 413, 'RequestTooLargeException', `Request must be smaller than ${MAX_INVOKE_PAYLOAD_BYTES} bytes for the InvokeFunction operation`);
      }
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return sendError(reply, error.statusCode, 'InvalidRequestContentException', error.message);
      }
      return sendError(reply, 500, 'ServiceException', 'Internal service error');
    });
    if (signatures) {
      app.addHook('preHandler', async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : undefined;
        const refusal = await signatureRefusalOf(signatures, signedRequestOf(request, body), 'lambda');
        if (refusal) return sendError(reply, 403, refusal.code, refusal.message);
      });
    }
    app.addHook('onRequest', setAmznRequestId);

    app.post<{ Params: { name: string } }>(`${API}/:name/invocations`, async (request, reply) => {
      const { name } = request.params;
      const requestId = randomUUID();
      reply.header('x-amzn-requestid', requestId);
      if (!backend.resolve(name)) return sendResourceNotFound(reply, backend.functionArn(name));

      const raw = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
      let event: unknown;
      try {
        event = raw.trim() === '' ? {} : JSON.parse(raw);
      } catch (error) {
        return sendError(reply, 400, 'InvalidRequestContentException',
          `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`);
      }

      const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      if (invocationType === 'DryRun') return reply.code(204).send();
      if (invocationType === 'Event') {
        await backend.invokeAsync(name, event);
        return reply.code(202).send();
      }
      if (invocationType !== 'RequestResponse') {
        return sendError(reply, 400, 'InvalidParameterValueException', `Unsupported invocation type: ${invocationType}`);
      }

      reply.header('x-amz-executed-version', '$LATEST').header('content-type', 'application/json');
      try {
        const result = await backend.invoke(name, event);
        return reply.code(200).send(JSON.stringify(result ?? null));
      } catch (error) {
        if (!(error instanceof FunctionError)) throw error;
        if (error.errorType === 'ResourceNotFoundException') return sendResourceNotFound(reply, backend.functionArn(name));
        const payload = error.payload ?? { errorType: error.errorType, errorMessage: error.message };
        return reply.code(200).header('x-amz-function-error', 'Unhandled').send(JSON.stringify(payload));
      }
    });

    app.get<{ Params: { name: string } }>(`${API}/:name`, async (request, reply) => {
      const definition = backend.resolve(request.params.name);
      if (!definition) return sendResourceNotFound(reply, backend.functionArn(request.params.name));
      return reply.header('content-type', 'application/json').send(JSON.stringify({
        Configuration: configurationOf(definition),
        Code: { RepositoryType: 'S3', Location: `file://${definition.codeDir}` },
      }));
    });

    const listFunctions = async (_request: unknown, reply: FastifyReply) =>
      reply.header('content-type', 'application/json').send(JSON.stringify({ Functions: backend.listFunctions().map(configurationOf) }));
    app.get(`${API}/`, listFunctions);
    app.get(API, listFunctions);
  };
}

function configurationOf(definition: FunctionDefinition): Record<string, unknown> {
  return {
    FunctionName: definition.name,
    FunctionArn: definition.arn,
    Runtime: definition.runtime,
    Handler: definition.handler,
    Timeout: definition.timeoutSeconds,
    MemorySize: definition.memoryMb ?? 128,
    Environment: { Variables: definition.environment },
    Version: '$LATEST',
    PackageType: 'Zip',
    State: 'Active',
    LastUpdateStatus: 'Successful',
  };
}

function sendResourceNotFound(reply: FastifyReply, arn: string) {
  return sendError(reply, 404, 'ResourceNotFoundException', `Function not found: ${arn}`);
}

/** Lambda's error shape: `{"Type":"User","Message":...}` with the code in `x-amzn-errortype`. */
function sendError(reply: FastifyReply, statusCode: number, code: string, message: string) {
  return reply
    .code(statusCode)
    .header('content-type', 'application/json')
    .header('x-amzn-errortype', code)
    .send(JSON.stringify({ Type: 'User', Message: message }));
}
