// STS on the shared endpoint, for the one call stock tools make to learn who they are:
// GetCallerIdentity (`aws sts get-caller-identity`, boto3's `sts.get_caller_identity()`, SDKs and
// scripts checking their credentials before anything else). STS speaks the AWS Query protocol: a
// form-encoded `POST /` (`Action=GetCallerIdentity&Version=2011-06-15`), answered in XML. The
// JSON services answer `POST /` too; a request signed for `sts` comes here (router constraint).
// Every other STS action is refused in STS's own error shape.
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { BodyMemoryExhaustedError } from '../body-memory.js';
import { LOCAL_ACCOUNT_ID } from '../cloud-assembly/stack-plan.js';
import { AMZN_REQUEST_ID, setAmznRequestId } from '../request-id.js';
import { QueryError, queryErrorXml, queryRefusal } from '../aws-query-protocol.js';
import { signedRequestOf, verifiedSignerOf, type RequestSignatureVerifier } from '../request-signature.js';
import { escapeXml } from '../s3/xml.js';
import { addSigningServiceConstraint, SIGNED_FOR } from '../signing-service-constraint.js';

const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const STS_VERSION = '2011-06-15';
/** STS calls are small; a body past this is no STS call. */
const MAX_REQUEST_BYTES = 64 * 1024;

export interface StsServiceOptions {
  /** When given, only SigV4-signed calls of the local credentials are served, as on AWS. */
  signatures?: RequestSignatureVerifier;
  accountId?: string;
  /** Who a function's key is (its role's session: ARN and user id); undefined for other keys, which are the root user. */
  callerOf?: (accessKeyId: string) => { arn: string; userId: string } | undefined;
}

export function createStsService(options: StsServiceOptions = {}): { routes: FastifyPluginAsync } {
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const routes: FastifyPluginAsync = async (app) => {
    addSigningServiceConstraint(app);
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_REQUEST_BYTES }, (_request, body, done) => done(null, body));
    const send = (reply: FastifyReply, statusCode: number, xml: string) =>
      reply.code(statusCode).header('content-type', 'text/xml').send(xml);
    const requestIdOf = (reply: FastifyReply) => String(reply.getHeader(AMZN_REQUEST_ID) ?? '');
    app.setErrorHandler((error: FastifyError, _request, reply) => {
      const queryError =
        error instanceof QueryError
          ? error
          : error instanceof BodyMemoryExhaustedError
            ? new QueryError(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.')
          : error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? new QueryError(413, 'RequestEntityTooLarge', 'Request Entity Too Large')
            : error.statusCode !== undefined && error.statusCode < 500
              ? new QueryError(400, 'MalformedInput', error.message)
              : new QueryError(500, 'InternalFailure', 'The request processing has failed because of an unknown error.');
      return send(reply, queryError.statusCode, queryErrorXml(queryError, requestIdOf(reply), STS_XMLNS));
    });

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const body = typeof request.body === 'string' ? request.body : '';
      let accessKeyId: string | undefined;
      if (options.signatures) {
        const verified = await verifiedSignerOf(options.signatures, signedRequestOf(request, body), 'sts');
        if ('refusal' in verified) throw queryRefusal(verified.refusal);
        accessKeyId = verified.accessKeyId;
      }
      // Query parameters may come in the URL or the form body (the SDKs use the body).
      const queryAt = request.url.indexOf('?');
      const parameters = new URLSearchParams(queryAt < 0 ? '' : request.url.slice(queryAt + 1));
      for (const [name, value] of new URLSearchParams(body)) parameters.append(name, value);
      const action = parameters.get('Action');
      if (!action) throw new QueryError(400, 'MissingAction', 'Missing Action');
      const version = parameters.get('Version');
      if (version !== STS_VERSION) {
        throw new QueryError(400, 'InvalidAction', `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`);
      }
      if (action !== 'GetCallerIdentity') {
        throw new QueryError(400, 'InvalidAction', `${action} is not an STS action the local kit emulates (it serves GetCallerIdentity)`);
      }
      // The local credentials stand for the account's root user, whose UserId is the account id; a
      // function's key for its role's session, named as Lambda names it (role, then function name).
      const { arn, userId } = (accessKeyId === undefined ? undefined : options.callerOf?.(accessKeyId))
        ?? { arn: `arn:aws:iam::${accountId}:root`, userId: accountId };
      return send(reply, 200,
        `<GetCallerIdentityResponse xmlns="${STS_XMLNS}"><GetCallerIdentityResult>` +
          `<Arn>${escapeXml(arn)}</Arn><UserId>${escapeXml(userId)}</UserId><Account>${accountId}</Account>` +
          `</GetCallerIdentityResult><ResponseMetadata><RequestId>${escapeXml(requestIdOf(reply))}</RequestId></ResponseMetadata>` +
          '</GetCallerIdentityResponse>');
    };
    // GET works too on AWS (`GET /?Action=GetCallerIdentity&Version=...`), presigned included.
    app.route({ method: ['POST', 'GET'], url: '/', handler, onRequest: setAmznRequestId, constraints: { [SIGNED_FOR]: 'sts' } });
  };
  return { routes };
}
