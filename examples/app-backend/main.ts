// The example app backend on its own port: `npm run example:backend [-- --port 4750]`.
// It finds its Cognito pool the way the facekit CLI does (cli/target.ts: the running kit, or the
// deployed stack with --aws) and serves `GET /me`, which answers only for an access token that
// CognitoJwtVerifier accepted. The same code runs against AWS: there the keys come from AWS.
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { resolveTarget } from '../../cli/target.js';
import { withoutPositionalAdvice } from '../../sim/parse-args-errors.js';
import { appBackendRoutes } from './routes.js';
import { createTokenVerifier } from './token-verifier.js';

const USAGE = `Usage: npm run example:backend [-- options]

Serves GET /me on 127.0.0.1, answering only for an access token of the stack's user pool and
client (Authorization: Bearer <token>), verified with aws-jwt-verify's CognitoJwtVerifier.

Options:
  --port <n>        port to listen on (default: 4750)
  --endpoint <url>  the kit to verify tokens of (default: $FACEKIT_ENDPOINT, the kit that wrote
                    cdk-outputs.json here, or the running \`npm start\`)
  --outputs <file>  stack outputs file (default: cdk-outputs.json here)
  --aws             the stack deployed to AWS (outputs from \`npm run deploy\`)
  -h, --help        this help`;

try {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4750' },
      endpoint: { type: 'string' },
      outputs: { type: 'string' },
      aws: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const target = await resolveTarget({ endpoint: values.endpoint, outputsFile: values.outputs, aws: values.aws });
  const verifier = createTokenVerifier({
    userPoolId: target.outputs.UserPoolId,
    clientId: target.outputs.UserPoolClientId,
    kitEndpoint: target.endpoint,
  });
  const app = Fastify();
  // A browser app on another origin calls this API with a bearer token (no cookies), so any
  // origin may read its answers.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('access-control-allow-origin', '*');
    if (request.method === 'OPTIONS') {
      return reply.code(204).header('access-control-allow-headers', 'authorization').header('access-control-allow-methods', 'GET').send();
    }
  });
  await app.register(appBackendRoutes(verifier));
  const address = await app.listen({ port: Number(values.port), host: '127.0.0.1' });
  console.log(`example app backend on ${address}/me, verifying tokens of ${target.outputs.UserPoolId} (${target.description})`);
} catch (error) {
  console.error(`example backend: ${withoutPositionalAdvice((error as Error).message)} (npm run example:backend -- --help)`);
  process.exit(1);
}
