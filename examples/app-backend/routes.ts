// The example API: `GET /me` answers only a request whose `Authorization: Bearer <access token>`
// CognitoJwtVerifier accepted, and tells the caller who they are from the verified claims.
// Anything else is 401 with the verifier's reason (fine for an example; a production API would
// log the reason and answer a bare 401).
import type { FastifyPluginAsync } from 'fastify';
import type { createTokenVerifier } from './token-verifier.js';

type TokenVerifier = ReturnType<typeof createTokenVerifier>;

export function appBackendRoutes(verifier: TokenVerifier): FastifyPluginAsync {
  return async (app) => {
    app.get('/me', async (request, reply) => {
      const token = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      if (!token) {
        return reply.code(401).header('www-authenticate', 'Bearer').send({ message: 'missing Authorization: Bearer <access token>' });
      }
      try {
        const claims = await verifier.verify(token);
        return { sub: claims.sub, username: claims.username, clientId: claims.client_id, scope: claims.scope, expiresAt: new Date(claims.exp * 1000).toISOString() };
      } catch (error) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer error="invalid_token"')
          .send({ message: `token refused: ${(error as Error).message}` });
      }
    });
  };
}
