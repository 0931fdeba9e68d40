// SDK clients that sign as an attacker would: not at all, with a key the sim does not know, with
// the right key but a wrong secret, correctly but with the body changed afterwards, or over no
// body at all; and clients that sign correctly what a hand-rolled client sends (another content
// type, bytes that are not UTF-8). Each one is the real SDK client with a middleware placed
// before or after its signer.
import type { FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types';

interface HasMiddlewareStack {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  middlewareStack: MiddlewareStack<any, any>;
}

type HttpRequestLike = { headers: Record<string, string>; body?: unknown };

function aroundSigning<T extends HasMiddlewareStack>(client: T, relation: 'before' | 'after', name: string, change: (request: HttpRequestLike) => void): T {
  const middleware: FinalizeRequestMiddleware<object, object> = (next) => async (args) => {
    change(args.request as HttpRequestLike);
    return next(args);
  };
  client.middlewareStack.addRelativeTo(middleware, { relation, toMiddleware: 'httpSigningMiddleware', name });
  return client;
}

function afterSigning<T extends HasMiddlewareStack>(client: T, name: string, change: (request: HttpRequestLike) => void): T {
  return aroundSigning(client, 'after', name, change);
}

function bodyText(request: HttpRequestLike): string {
  const text = typeof request.body === 'string' ? request.body : request.body instanceof Uint8Array ? Buffer.from(request.body).toString('utf8') : undefined;
  if (text === undefined) throw new Error('the request has no JSON body');
  return text;
}

function setBody(request: HttpRequestLike, body: string | Buffer): void {
  request.body = body;
  request.headers['content-length'] = String(Buffer.byteLength(body));
}

/** Signs (correctly) and sends the call with another `Content-Type`, as a hand-rolled client might. */
export function withContentType<T extends HasMiddlewareStack>(client: T, contentType: string): T {
  return aroundSigning(client, 'before', 'setContentType', (request) => {
    request.headers['content-type'] = contentType;
  });
}

/** Signs the call as if it had no body, then sends it with its body: a signature that covers nothing. */
export function signedOverNoBody<T extends HasMiddlewareStack>(client: T): T {
  // The signer hands on a copy of the request, so the body waits here (one call at a time).
  let body = '';
  aroundSigning(client, 'before', 'emptyBodyForSigning', (request) => {
    body = bodyText(request);
    setBody(request, '');
  });
  return afterSigning(client, 'restoreBody', (request) => setBody(request, body));
}

/** Signs and sends the JSON body with each `marker` replaced by the byte `byte` (not UTF-8 on its own). */
export function withRawByte<T extends HasMiddlewareStack>(client: T, marker: string, byte: number): T {
  return aroundSigning(client, 'before', 'insertRawByte', (request) => {
    const parts = bodyText(request).split(marker).map((part) => Buffer.from(part, 'utf8'));
    const glued = parts.flatMap((part, index) => (index === 0 ? [part] : [Buffer.from([byte]), part]));
    setBody(request, Buffer.concat(glued));
  });
}

/** Sends the request with no `Authorization` header at all. */
export function unsigned<T extends HasMiddlewareStack>(client: T): T {
  return afterSigning(client, 'dropSignature', (request) => {
    for (const name of Object.keys(request.headers)) {
      if (['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'].includes(name.toLowerCase())) delete request.headers[name];
    }
  });
}

/** Changes the JSON body after it was signed, as a tampering proxy would. */
export function tamperedBody<T extends HasMiddlewareStack>(client: T, change: (body: Record<string, unknown>) => void): T {
  return afterSigning(client, 'tamperBody', (request) => {
    const body = JSON.parse(bodyText(request)) as Record<string, unknown>;
    change(body);
    setBody(request, JSON.stringify(body));
  });
}

export const UNKNOWN_KEY = { accessKeyId: 'AKIAATTACKER00000000', secretAccessKey: 'attacker-secret' };
export const WRONG_SECRET = { accessKeyId: 'test', secretAccessKey: 'not-the-secret' };
