// The AWS Query protocol (STS, IAM, SNS, SES v1): form-encoded `Action=...&Version=...` requests,
// answered in XML. The kit serves one Query call, STS's GetCallerIdentity (sim/sts/); every other
// Query request gets a refusal in the protocol's own XML shape, which the AWS CLI and the SDKs
// parse into an error code and message.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AMZN_REQUEST_ID } from './request-id.js';
import type { SignatureRefusal } from './request-signature.js';
import { escapeXml } from './s3/xml.js';
import { signingServiceOf, UNSIGNED } from './signing-service-constraint.js';

/** An error in the Query protocol's shape: `<ErrorResponse><Error><Type/><Code/><Message/></Error>`. */
export class QueryError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = statusCode < 500 ? 'Sender' : 'Receiver',
  ) {
    super(message);
  }
}

/** The Query protocol's error document, namespaced when the service is known. */
export function queryErrorXml(error: QueryError, requestId: string, xmlns?: string): string {
  return (
    `<ErrorResponse${xmlns ? ` xmlns="${xmlns}"` : ''}><Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}

const missingAuthenticationToken = () => new QueryError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');

/**
 * The codes STS (like every Query service) gives the signature refusals the JSON services name
 * `...Exception` (AWS's "Common Errors": IncompleteSignature, InvalidClientTokenId,
 * MissingAuthenticationToken; SignatureDoesNotMatch for a signature that does not hold).
 */
export function queryRefusal(refusal: SignatureRefusal): QueryError {
  switch (refusal.code) {
    case 'MissingAuthenticationTokenException':
      return missingAuthenticationToken();
    case 'IncompleteSignatureException':
      return new QueryError(400, 'IncompleteSignature', refusal.message);
    case 'UnrecognizedClientException':
      return new QueryError(403, 'InvalidClientTokenId', refusal.message);
    case 'InvalidSignatureException':
      return new QueryError(403, 'SignatureDoesNotMatch', refusal.message);
  }
}

/** A form-encoded POST: the AWS Query protocol (STS, IAM, SNS, SES v1), whose clients read XML only. */
export function isQueryProtocolRequest(request: FastifyRequest): boolean {
  return /^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '');
}

/** Query APIs stock tools reach for that the kit does not serve, and where to look instead. */
const NOT_SERVED_HINTS: Record<string, string> = {
  // `aws cloudformation describe-stacks` is how scripts read a deployed stack's outputs.
  cloudformation: 'The outputs of the stack are in cdk-outputs.json, as cdk deploy --outputs-file writes it, and at GET /_sim/outputs',
};

/**
 * A Query call that no route took (STS's is taken before it gets here): refused in the Query
 * protocol's XML, which the CLI and SDKs parse into the error's code and message, rather than in
 * JSON, which they report as an unparseable response.
 */
export function refuseUnservedQueryRequest(request: FastifyRequest, reply: FastifyReply) {
  const service = signingServiceOf(request);
  const hint = Object.hasOwn(NOT_SERVED_HINTS, service) ? `. ${NOT_SERVED_HINTS[service]}` : '';
  const error =
    service === UNSIGNED
      ? missingAuthenticationToken()
      : new QueryError(400, 'InvalidAction', `The local kit does not emulate the ${service} Query API (of the Query APIs it serves only STS GetCallerIdentity)${hint}`);
  return reply
    .code(error.statusCode)
    .header('content-type', 'text/xml')
    .send(queryErrorXml(error, String(reply.getHeader(AMZN_REQUEST_ID) ?? '')));
}
