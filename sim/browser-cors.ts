// CORS for browsers on other origins (an app's dev server on http://localhost:5173), as AWS does it:
// - the JSON APIs (Cognito, Rekognition, DynamoDB: `POST /` with X-Amz-Target) answer any origin.
//   AWS's regional endpoints answer a preflight with `*`, POST, the requested headers echoed back,
//   the headers an SDK reads exposed, and a two-day max-age (observed on cognito-idp.us-east-1).
//   One exception, where the kit cannot be AWS: a signed call (SigV4 `Authorization`), which AWS
//   guards with a secret key, is guarded here by a key everyone knows (`test`/`test`), so a page
//   on any site the developer visits could sign DynamoDB, Rekognition or Cognito admin calls with it
//   and read or rewrite the kit's users (put its own face id on someone's record). A preflight
//   asking to send such a call is answered for the web origins only.
// - the kit's own routes (`/_sim/*`, the JWKS) answer the stack's web origins only, as S3 answers
//   them for the upload bucket (its CORS rules come from the same `webOrigins`).
import type { FastifyReply, FastifyRequest } from 'fastify';

export const JSON_API_EXPOSED_HEADERS = 'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date';
export const JSON_API_PREFLIGHT_MAX_AGE = 172800;
/** What the JSON APIs allow when a preflight names no headers: the ones SDKs and Amplify send. */
const JSON_API_DEFAULT_HEADERS =
  'content-type,x-amz-target,x-amz-user-agent,cache-control,authorization,x-amz-date,x-amz-security-token,amz-sdk-invocation-id,amz-sdk-request';

function requestedHeaders(request: FastifyRequest): string[] {
  return String(request.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((header) => header.trim().toLowerCase())
    .filter(Boolean);
}

function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query < 0 ? request.url : request.url.slice(0, query);
}

/**
 * A preflight meant for a JSON API: to the root (JSON APIs live at `POST /`; S3 has no bucket
 * there), or naming X-Amz-Target, which only the JSON protocols send. Bucket paths stay S3's.
 */
export function isJsonApiPreflight(request: FastifyRequest): boolean {
  if (request.method !== 'OPTIONS' || !request.headers['access-control-request-method']) return false;
  return pathOf(request) === '/' || requestedHeaders(request).includes('x-amz-target');
}

/** Request headers only a signed call sends: the signature, and temporary credentials' token. */
const SIGNED_CALL_HEADERS = new Set(['authorization', 'x-amz-security-token']);

/** Whether a preflight asks to send a signed (IAM-authenticated) call. */
function asksForSignedCall(request: FastifyRequest): boolean {
  return requestedHeaders(request).some((header) => SIGNED_CALL_HEADERS.has(header));
}

/**
 * The JSON APIs' preflight answer. `signedCallOrigins`: the origins whose pages may send signed
 * calls (the web origins); without it, every origin may, as on AWS.
 */
export function jsonApiPreflight(signedCallOrigins?: readonly string[]) {
  const allowed = signedCallOrigins && new Set(signedCallOrigins);
  return (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (allowed && asksForSignedCall(request) && !(origin !== undefined && allowed.has(origin))) {
      return reply
        .code(403)
        .header('vary', 'Origin')
        .type('text/plain; charset=utf-8')
        .send(`CORS: origin not allowed to send signed calls with the kit's well-known key: ${origin ?? '(none)'}`);
    }
    return answerJsonApiPreflight(request, reply);
  };
}

function answerJsonApiPreflight(request: FastifyRequest, reply: FastifyReply) {
  const asked = String(request.headers['access-control-request-headers'] ?? '').trim();
  return reply
    .code(200)
    .headers({
      vary: 'Origin',
      'access-control-allow-origin': '*',
      'access-control-allow-headers': asked || JSON_API_DEFAULT_HEADERS,
      'access-control-allow-methods': 'POST',
      'access-control-expose-headers': JSON_API_EXPOSED_HEADERS,
      'access-control-max-age': String(JSON_API_PREFLIGHT_MAX_AGE),
    })
    .send();
}

/** Headers on every JSON API response, errors included, so a browser can read the body and error type. */
export const JSON_API_RESPONSE_CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': JSON_API_EXPOSED_HEADERS,
};

/** The kit's own routes whose answers a page on a web origin may read. */
export function isKitRoute(path: string): boolean {
  return path.startsWith('/_sim/') || path === '/_sim' || isPoolDiscoveryDocument(path);
}

/**
 * A pool's JWKS and OpenID configuration: public documents, which Cognito serves to pages on any
 * origin (a browser OIDC client such as oidc-client-ts, the one AWS's own quick-start code for a
 * React app uses, fetches the configuration from the app's origin), so the kit does too.
 */
function isPoolDiscoveryDocument(path: string): boolean {
  return /^\/[^/]+\/\.well-known\/(jwks\.json|openid-configuration)$/.test(path);
}

/** The most refused origins `reportRefusedOrigin` names: a flood of made-up origins grows nothing. */
const MAX_ORIGINS_TOLD = 20;

/**
 * CORS for the kit's own routes, for the listed origins: a hook for `onSend`, and the answer to
 * their preflights. Credentials are not allowed: these routes take no cookies. `log` hears of an
 * origin the list refused (`reportRefusedOrigin`, for `onResponse`: once every hook has set its headers).
 */
export function kitRouteCors(webOrigins: readonly string[], log: (line: string) => void = () => undefined, extraWebOrigins: readonly string[] = []) {
  const allowed = new Set(webOrigins);
  const told = new Set<string>();
  const allows = (request: FastifyRequest) => {
    if (isPoolDiscoveryDocument(pathOf(request))) return '*';
    const origin = request.headers.origin;
    return origin !== undefined && allowed.has(origin) ? origin : undefined;
  };
  return {
    webOrigins: [...allowed],
    addResponseHeaders(request: FastifyRequest, reply: FastifyReply): void {
      if (request.method === 'OPTIONS' || !isKitRoute(pathOf(request))) return;
      reply.header('vary', 'Origin');
      const origin = allows(request);
      if (origin) reply.header('access-control-allow-origin', origin);
    },
    /**
     * A browser reports a refused origin only as "No 'Access-Control-Allow-Origin' header", in the
     * page's console, and the kit said nothing at all: an app on a port outside the stack's web
     * origins (Vite on 5199, say) found its `/_sim/outputs` fetch and photo uploads failing with no
     * word of where the list is. This says it on the kit's output, once per origin, for any route:
     * a response to a request naming an `Origin` that is not among the web origins (the kit's own
     * included) and that carries no `Access-Control-Allow-Origin` (the JSON APIs answer any
     * origin, so they never do).
     */
    reportRefusedOrigin(request: FastifyRequest, reply: FastifyReply): void {
      const origin = request.headers.origin;
      if (origin === undefined || allowed.has(origin) || told.has(origin) || reply.hasHeader('access-control-allow-origin')) return;
      if (told.size >= MAX_ORIGINS_TOLD) return;
      told.add(origin);
      const what = request.method === 'OPTIONS' ? `${String(request.headers['access-control-request-method'] ?? '')} preflight` : request.method;
      // The variable's value replaces the last one: the command names the origins it let in already.
      const variable = [...extraWebOrigins, origin].join(',');
      log(
        `CORS: refused a page on ${origin} (${what.trim()} ${pathOf(request)}): it is not one of the web origins ` +
          `(${[...allowed].join(', ')}). Add it to "webOrigins" in the context of cdk.json (the list replaces the default) ` +
          `and restart, or, for this local kit only, start it with FACEKIT_WEB_ORIGINS=${variable}; docs/web.md, "CORS". Said once per origin.`,
      );
    },
    answerPreflight(request: FastifyRequest, reply: FastifyReply) {
      const origin = allows(request);
      reply.header('vary', 'Origin');
      if (!origin) return reply.code(403).type('text/plain; charset=utf-8').send(`CORS: origin not allowed: ${request.headers.origin ?? '(none)'}`);
      const asked = String(request.headers['access-control-request-headers'] ?? '').trim();
      return reply
        .code(204)
        .headers({
          'access-control-allow-origin': origin,
          'access-control-allow-methods': 'GET, HEAD',
          ...(asked ? { 'access-control-allow-headers': asked } : {}),
          'access-control-max-age': '600',
        })
        .send();
    },
  };
}
