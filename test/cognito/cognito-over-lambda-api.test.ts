// The Cognito sim calling its triggers through the Lambda Invoke API (as in LocalStack mode):
// LambdaApiInvoker → a fake Invoke endpoint hosting the in-test triggers.
import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerJsonServices } from '../../sim/aws-json-protocol.js';
import { createCognitoService } from '../../sim/cognito/index.js';
import type { TriggerName } from '../../sim/cognito/index.js';
import { LambdaApiInvoker } from '../../sim/lambda/lambda-api-invoker.js';
import { Outbox } from '../../sim/outbox.js';
import { CLIENT_ID, PASSWORD, POOL_ID, REGION, defaultTriggers, failureOf, poolConfig } from './cognito-sim-harness.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const portOf = (app: FastifyInstance) => {
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
};

describe('Cognito sim with triggers behind the Lambda Invoke API', () => {
  const triggers = defaultTriggers();
  let lambda: FastifyInstance;
  let cognitoServer: FastifyInstance;
  let invoker: LambdaApiInvoker;
  let client: CognitoIdentityProviderClient;

  beforeAll(async () => {
    lambda = Fastify();
    lambda.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    lambda.post<{ Params: { name: string } }>('/2015-03-31/functions/:name/invocations', async (request, reply) => {
      // The pool names its triggers by ARN: arn:aws:lambda:<region>:<account>:function:<TriggerName>
      const trigger = decodeURIComponent(request.params.name).split(':').pop() as TriggerName;
      try {
        return await triggers[trigger](JSON.parse(String(request.body)));
      } catch (error) {
        return reply.header('x-amz-function-error', 'Unhandled').send({ errorType: 'Error', errorMessage: (error as Error).message });
      }
    });
    await lambda.listen({ port: 0, host: '127.0.0.1' });
    invoker = new LambdaApiInvoker({ endpoint: `http://127.0.0.1:${portOf(lambda)}`, region: REGION, credentials });

    let baseUrl = '';
    const cognito = createCognitoService({ pools: [poolConfig()], invoker, outbox: new Outbox(), issuerBaseUrl: () => baseUrl });
    cognitoServer = Fastify();
    registerJsonServices(cognitoServer, [cognito.json], REGION);
    await cognitoServer.register(cognito.routes);
    await cognitoServer.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${portOf(cognitoServer)}`;
    client = new CognitoIdentityProviderClient({ endpoint: baseUrl, region: REGION, credentials });

    await client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'remote@example.com', Password: PASSWORD }));
    await client.send(new AdminConfirmSignUpCommand({ UserPoolId: POOL_ID, Username: 'remote@example.com' }));
  });
  afterAll(async () => {
    client.destroy();
    invoker.close();
    await cognitoServer.close();
    await lambda.close();
  });

  it('runs the custom challenge to tokens', async () => {
    let step = await client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'remote@example.com' } }));
    for (const answer of ['answer-1', 'answer-2']) {
      step = await client.send(new RespondToAuthChallengeCommand({
        ClientId: CLIENT_ID, ChallengeName: 'CUSTOM_CHALLENGE', Session: step.Session,
        ChallengeResponses: { USERNAME: 'remote@example.com', ANSWER: answer },
      }));
    }
    expect(step.AuthenticationResult?.IdToken).toBeTruthy();
  });

  it('passes a function error through as UserLambdaValidationException', async () => {
    const original = triggers.DefineAuthChallenge;
    triggers.DefineAuthChallenge = async () => {
      throw new Error('remote failure');
    };
    try {
      expect(await failureOf(client.send(new InitiateAuthCommand({
        ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'remote@example.com' },
      })))).toEqual({ name: 'UserLambdaValidationException', message: 'DefineAuthChallenge failed with error remote failure.' });
    } finally {
      triggers.DefineAuthChallenge = original;
    }
  });
});
