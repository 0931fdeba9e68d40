// A router constraint on the service a request is SigV4-signed for. Several AWS APIs share paths
// on the one endpoint: Lambda's REST paths are also S3 paths (a bucket named `2015-03-31`), and
// STS's Query calls are `POST /` like the JSON services'. The credential scope says which service
// a client meant (`AKID/20260101/us-east-1/lambda/aws4_request`), in the Authorization header or
// a presigned URL's X-Amz-Credential, so routes can be told apart before anything is parsed.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { authorizationFields, parseCredentialScope, SIGV4_ALGORITHM } from './sigv4.js';

/** The constraint's name, for `constraints: { [SIGNED_FOR]: 'lambda' }`. */
export const SIGNED_FOR = 'sigv4Service';
/** What a request without a SigV4 credential derives. */
export const UNSIGNED = 'unsigned';

/** Adds the constraint to the server's router, once. Routes without it still match any request. */
export function addSigningServiceConstraint(app: FastifyInstance): void {
  if (app.hasConstraintStrategy(SIGNED_FOR)) return;
  app.addConstraintStrategy({
    name: SIGNED_FOR,
    storage() {
      // Holds find-my-way's handlers, typed by the router.
      const handlers = new Map();
      return {
        get: (value: unknown) => handlers.get(value) ?? null,
        set: (value: unknown, handler: unknown) => {
          handlers.set(value, handler);
        },
      };
    },
    deriveConstraint: signingServiceOf,
    mustMatchWhenDerived: false,
  });
}

/** The service of the SigV4 credential scope, header or query; `unsigned` without one. */
export function signingServiceOf(request: Pick<IncomingMessage, 'headers' | 'url'>): string {
  const authorization = request.headers.authorization;
  let credential: string | undefined;
  if (typeof authorization === 'string') {
    credential = authorization.startsWith(`${SIGV4_ALGORITHM} `) ? authorizationFields(authorization).credential : undefined;
  } else {
    const queryCredential = /[?&]X-Amz-Credential=([^&]*)/i.exec(request.url ?? '')?.[1];
    try {
      credential = queryCredential === undefined ? undefined : decodeURIComponent(queryCredential);
    } catch {
      credential = undefined;
    }
  }
  return (credential === undefined ? undefined : parseCredentialScope(credential)?.service) ?? UNSIGNED;
}
