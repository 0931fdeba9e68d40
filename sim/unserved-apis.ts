// REST APIs the kit does not serve. Their paths (`/restapis`, `/v2/apis`, `/clusters`) are also S3
// paths, so a stock client pointed at the kit (`aws apigateway get-rest-apis --endpoint-url ...`)
// got S3's XML `NoSuchBucket` for a bucket named `restapis`, which the AWS CLI printed whole as the
// message of a `404` error. The credential scope says which service the client meant: a request
// signed for one the kit has no REST routes for is told so, in the REST-JSON shape those APIs use
// (the code in `x-amzn-errortype`, the text in `message`), as Lambda's unserved paths are.
import type { FastifyInstance } from 'fastify';
import { signingServiceOf, UNSIGNED } from './signing-service-constraint.js';

/** Signing names whose requests the kit routes by path: S3, Lambda's REST API, SES v2. */
const REST_SIGNING_NAMES = new Set(['s3', 'lambda', 'ses']);

/** The service a REST request is signed for, when the kit serves no REST API of it; else undefined. */
export function unservedRestApiOf(request: { url: string; headers: Record<string, string | string[] | undefined> }): string | undefined {
  const path = request.url.split('?')[0];
  // POST / is the JSON and Query protocols', whose routes name what they do not serve themselves.
  if (path === '/') return undefined;
  const service = signingServiceOf({ headers: request.headers, url: request.url });
  return service === UNSIGNED || REST_SIGNING_NAMES.has(service) ? undefined : service;
}

export function refuseUnservedRestApis(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const service = unservedRestApiOf(request);
    if (service === undefined) return;
    const message = `${request.method} ${request.url.split('?')[0]}, signed for ${JSON.stringify(service)}, is not an API the local kit emulates: ` +
      'it serves Cognito user pools, DynamoDB, Rekognition, SES v2 SendEmail and STS GetCallerIdentity (POST /), S3, and Lambda\'s ' +
      'Invoke, GetFunction, GetFunctionConfiguration and ListFunctions (README.md, "What is in the box")';
    return reply.code(404).header('x-amzn-errortype', 'UnknownOperationException').send({ __type: 'UnknownOperationException', message });
  });
}
