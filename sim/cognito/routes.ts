// The HTTP side of the sim that is not the JSON API: each pool's JWKS and OpenID discovery
// document (the paths Cognito serves under its issuer, served here under the kit's own URL), and
// the outbox of emails.
import type { FastifyPluginAsync } from 'fastify';
import type { Outbox } from '../outbox.js';
import type { CognitoContext } from './cognito-context.js';
import { jwksOf } from './signing-keys.js';

export function cognitoRoutes(context: CognitoContext, outbox: Outbox): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { poolId: string } }>('/:poolId/.well-known/jwks.json', async (request, reply) => {
      const pool = context.pools.get(request.params.poolId);
      if (!pool) return reply.code(404).send({ message: `User pool ${request.params.poolId} does not exist.` });
      return jwksOf(pool.signingKeys);
    });

    app.get<{ Params: { poolId: string } }>('/:poolId/.well-known/openid-configuration', async (request, reply) => {
      const pool = context.pools.get(request.params.poolId);
      if (!pool) return reply.code(404).send({ message: `User pool ${request.params.poolId} does not exist.` });
      const issuer = context.issuer(pool.config.userPoolId);
      // The keys are where this document was fetched from, whatever the tokens' `iss` says (AWS's
      // URL by default: docs/cognito.md), so a discovery-driven verifier finds the kit's keys.
      const servedAt = `${request.protocol}://${request.headers.host ?? request.host}`;
      // Only what the sim serves: no hosted UI, so no authorization or token endpoints.
      return {
        issuer,
        jwks_uri: `${servedAt}/${pool.config.userPoolId}/.well-known/jwks.json`,
        response_types_supported: ['code', 'token'],
        scopes_supported: ['openid', 'email', 'phone', 'profile'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      };
    });

    // The outbox is shared with other emulators (SES); whoever registers the route first serves it.
    if (!app.hasRoute({ method: 'GET', url: '/_sim/emails' })) {
      app.get<{ Querystring: { to?: unknown } }>('/_sim/emails', async (request, reply) => {
        const { to } = request.query;
        if (to !== undefined && typeof to !== 'string') {
          return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'to: one email address (/_sim/emails?to=alice@example.com), given once' });
        }
        return outbox.list({ to });
      });
    }
  };
}
