// SDK clients that sign as an attacker would: not at all, with a key the sim does not know, with
// the right key but a wrong secret, or correctly but with the body changed afterwards. Each one is
// the real SDK client with a middleware placed after its signer.
import type { FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types';

interface HasMiddlewareStack {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  middlewareStack: MiddlewareStack<any, any>;
}

type HttpRequestLike = { headers: Record<string, string>; body?: unknown };

function afterSigning<T extends HasMiddlewareStack>(client: T, name: string, change: (request: HttpRequestLike) => void): T {
  const middleware: FinalizeRequestMiddleware<object, object> = (next) => async (args) => {
    change(args.request as HttpRequestLike);
    return next(args);
  };
  client.middlewareStack.addRelativeTo(middleware, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name });
  return client;
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
    const text = typeof request.body === 'string' ? request.body : request.body instanceof Uint8Array ? Buffer.from(request.body).toString('utf8') : undefined;
    if (text === undefined) throw new Error('tamperedBody: the request has no JSON body to change');
    const body = JSON.parse(text) as Record<string, unknown>;
    change(body);
    request.body = JSON.stringify(body);
    request.headers['content-length'] = String(Buffer.byteLength(request.body as string));
  });
}

export const UNKNOWN_KEY = { accessKeyId: 'AKIAATTACKER00000000', secretAccessKey: 'attacker-secret' };
export const WRONG_SECRET = { accessKeyId: 'test', secretAccessKey: 'not-the-secret' };
