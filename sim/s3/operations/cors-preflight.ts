// OPTIONS /bucket[/key]: a browser's CORS preflight, answered from the bucket's CORS rules. No
// authentication: browsers never sign a preflight.
import { corsResponseHeaders, findCorsRule, parseRequestedHeaders } from '../cors.js';
import { S3Error } from '../s3-errors.js';
import type { S3Call } from '../s3-context.js';

const forbidden = (message: string, method: string, resourceType: string) =>
  new S3Error('AccessForbidden', message, 403, { Method: method, ResourceType: resourceType });

export function corsPreflight(call: S3Call) {
  const origin = call.request.headers.origin;
  const method = call.request.headers['access-control-request-method'];
  const resourceType = call.key ? 'OBJECT' : 'BUCKET';
  if (!origin) throw new S3Error('BadRequest', 'Insufficient information. Origin request header needed.', 400);
  if (!method) {
    throw new S3Error('BadRequest', 'Invalid Access-Control-Request-Method: null', 400);
  }
  const bucket = call.services.store.getBucket(call.bucket);
  if (!bucket) throw forbidden('CORSResponse: Bucket not found', method, resourceType);
  if (!bucket.cors?.length) throw forbidden('CORSResponse: CORS is not enabled for this bucket.', method, resourceType);
  const requestHeaders = parseRequestedHeaders(call.request.headers['access-control-request-headers']);
  const rule = findCorsRule(bucket.cors, { origin, method, requestHeaders });
  if (!rule) {
    throw forbidden(
      // S3's own wording, typo included.
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      method,
      resourceType,
    );
  }
  return call.reply.code(200).headers(corsResponseHeaders(rule, { origin, requestHeaders })).send();
}
