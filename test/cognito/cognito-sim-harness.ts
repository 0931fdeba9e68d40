// Starts the Cognito sim on a real Fastify server (port 0) with small in-test triggers, for the
// contract tests to drive with real clients. Each trigger call is recorded for assertions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  ListUsersCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerJsonServices } from '../../sim/aws-json-protocol.js';
import { ManualClock } from '../../sim/clock.js';
import { createCognitoService } from '../../sim/cognito/index.js';
import type { TriggerName, UserPoolConfig } from '../../sim/cognito/index.js';
import { InProcessInvoker } from '../../sim/lambda/function-invoker.js';
import { Outbox } from '../../sim/outbox.js';
import { DEFAULT_LOCAL_CREDENTIALS, RequestSignatureVerifier } from '../../sim/request-signature.js';

export const REGION = 'eu-west-1';
export const POOL_ID = 'eu-west-1_Face12345';
export const CLIENT_ID = 'a1b2c3d4e5f6g7h8i9j0k1l2m3';
export const LEGACY_CLIENT_ID = 'legacy0existence0errors000';
export const PASSWORD_ONLY_CLIENT_ID = 'passwordonly00000000000000';
export const PASSWORD = 'Str0ng!Password';

// Any object: trigger events are checked field by field in the tests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TriggerEvent = any;
export type TriggerHandler = (event: TriggerEvent) => Promise<unknown>;

const functionArn = (name: string) => `arn:aws:lambda:${REGION}:000000000000:function:${name}`;

export const TRIGGERS: TriggerName[] = [
  'PreSignUp', 'CustomMessage', 'PostConfirmation', 'PreAuthentication', 'DefineAuthChallenge',
  'CreateAuthChallenge', 'VerifyAuthChallengeResponse', 'PostAuthentication', 'PreTokenGeneration',
];

/**
 * A two-round challenge: the user must answer `answer-1`, then `answer-2`; three wrong answers in
 * a session fail the flow. Enough to exercise the state machine the way real triggers do.
 */
export function defaultTriggers(): Record<TriggerName, TriggerHandler> {
  return {
    PreSignUp: async (event) => event,
    CustomMessage: async (event) => {
      event.response.emailSubject = 'Welcome to Face sign-in';
      event.response.emailMessage = `Your code is ${event.request.codeParameter}`;
      return event;
    },
    PostConfirmation: async (event) => event,
    PreAuthentication: async (event) => event,
    DefineAuthChallenge: async (event) => {
      const session = event.request.session as Array<{ challengeResult: boolean }>;
      const correct = session.filter((entry) => entry.challengeResult).length;
      const wrong = session.length - correct;
      if (wrong >= 3) {
        event.response.failAuthentication = true;
        event.response.issueTokens = false;
      } else if (correct >= 2) {
        event.response.issueTokens = true;
        event.response.failAuthentication = false;
      } else {
        event.response.challengeName = 'CUSTOM_CHALLENGE';
        event.response.issueTokens = false;
        event.response.failAuthentication = false;
      }
      return event;
    },
    CreateAuthChallenge: async (event) => {
      const session = event.request.session as Array<{ challengeResult: boolean }>;
      const round = session.filter((entry) => entry.challengeResult).length + 1;
      event.response.publicChallengeParameters = { round: String(round) };
      event.response.privateChallengeParameters = { answer: `answer-${round}` };
      event.response.challengeMetadata = `ROUND_${round}`;
      return event;
    },
    VerifyAuthChallengeResponse: async (event) => {
      event.response.answerCorrect = event.request.challengeAnswer === event.request.privateChallengeParameters.answer;
      return event;
    },
    PostAuthentication: async (event) => event,
    PreTokenGeneration: async (event) => {
      event.response.claimsOverrideDetails = {
        claimsToAddOrOverride: { 'custom:factor': 'face', sub: 'not-allowed' },
        claimsToSuppress: ['email_verified', 'iss'],
      };
      return event;
    },
  };
}

export function poolConfig(): UserPoolConfig {
  return {
    userPoolId: POOL_ID,
    region: REGION,
    name: 'face-users',
    usernameAttributes: ['email'],
    autoVerifiedAttributes: ['email'],
    customAttributes: ['custom:tier'],
    lambdaConfig: Object.fromEntries(TRIGGERS.map((trigger) => [trigger, functionArn(trigger)])),
    clients: [
      {
        clientId: CLIENT_ID,
        clientName: 'web',
        explicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        preventUserExistenceErrors: 'ENABLED',
        authSessionValidityMinutes: 3,
      },
      {
        clientId: LEGACY_CLIENT_ID,
        clientName: 'legacy',
        explicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        preventUserExistenceErrors: 'LEGACY',
      },
      {
        clientId: PASSWORD_ONLY_CLIENT_ID,
        clientName: 'password-only',
        explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      },
    ],
  };
}

export interface CognitoSimHarness {
  baseUrl: string;
  issuer: string;
  client: CognitoIdentityProviderClient;
  clock: ManualClock;
  outbox: Outbox;
  dataDir: string;
  /** Replace a trigger for one test; `reset()` restores the defaults. */
  triggers: Record<TriggerName, TriggerHandler>;
  /** Every trigger event received, in order (a copy taken before the handler ran). */
  events: Array<{ trigger: TriggerName; event: TriggerEvent }>;
  eventsOf(trigger: TriggerName): TriggerEvent[];
  /** The newest code emailed to `to`. */
  latestCode(to: string): Promise<string>;
  reset(): void;
  /** Stops the server; the data folder stays unless `removeData`. */
  close(options?: { removeData?: boolean }): Promise<void>;
}

export async function startCognitoSim(
  options: {
    dataDir?: string;
    clock?: ManualClock;
    issuerBaseUrl?: string;
    /** Changes the pool the sim serves, e.g. a client without a flow or a pool without a trigger. */
    configurePool?: (config: UserPoolConfig) => UserPoolConfig;
    /** More pools the sim serves beside the default one (a client of another pool). */
    otherPools?: UserPoolConfig[];
    /** Refuse IAM-only calls not signed with the local key, as the embedded cloud does. */
    checkSignatures?: boolean;
  } = {},
): Promise<CognitoSimHarness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cognito-sim-'));
  const clock = options.clock ?? new ManualClock(Date.now());
  const outbox = new Outbox({ clock });
  const triggers = defaultTriggers();
  const events: CognitoSimHarness['events'] = [];
  const functions: Record<string, (event: unknown) => Promise<unknown>> = {};
  for (const trigger of TRIGGERS) {
    functions[functionArn(trigger)] = async (event) => {
      events.push({ trigger, event: structuredClone(event) });
      return triggers[trigger](event);
    };
  }
  let baseUrl = '';
  const cognito = createCognitoService({
    pools: [options.configurePool ? options.configurePool(poolConfig()) : poolConfig(), ...(options.otherPools ?? [])],
    invoker: new InProcessInvoker(functions),
    outbox,
    dataDir,
    clock,
    issuerBaseUrl: options.issuerBaseUrl ?? (() => baseUrl),
  });
  const app: FastifyInstance = Fastify();
  const signatures = options.checkSignatures ? new RequestSignatureVerifier({ credentials: DEFAULT_LOCAL_CREDENTIALS, clock }) : undefined;
  registerJsonServices(app, [cognito.json], REGION, { signatures });
  await app.register(cognito.routes);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const client = new CognitoIdentityProviderClient({
    endpoint: baseUrl,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    baseUrl,
    issuer: `${options.issuerBaseUrl ?? baseUrl}/${POOL_ID}`,
    client,
    clock,
    outbox,
    dataDir,
    triggers,
    events,
    eventsOf: (trigger) => events.filter((entry) => entry.trigger === trigger).map((entry) => entry.event),
    latestCode: async (to) => {
      const response = await fetch(`${baseUrl}/_sim/emails?to=${encodeURIComponent(to)}`);
      const emails = (await response.json()) as Array<{ body: string }>;
      const code = /\b(\d{6})\b/.exec(emails.at(-1)?.body ?? '')?.[1];
      if (!code) throw new Error(`no code emailed to ${to}`);
      return code;
    },
    reset: () => {
      Object.assign(triggers, defaultTriggers());
      events.length = 0;
    },
    close: async ({ removeData = false } = {}) => {
      client.destroy();
      await app.close();
      await cognito.close();
      if (removeData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs up (once), confirms, and answers the default two-round challenge. */
export async function signUpAndSignIn(sim: CognitoSimHarness, email: string, clientId = CLIENT_ID): Promise<AuthenticationResultType & { sub: string }> {
  if (!(await sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, Filter: `email = "${email}"` }))).Users?.length) {
    await sim.client.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: PASSWORD }));
    await sim.client.send(new AdminConfirmSignUpCommand({ UserPoolId: POOL_ID, Username: email }));
  }
  let step = await sim.client.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }));
  for (const answer of ['answer-1', 'answer-2']) {
    step = await sim.client.send(new RespondToAuthChallengeCommand({
      ClientId: clientId, ChallengeName: 'CUSTOM_CHALLENGE', Session: step.Session, ChallengeResponses: { USERNAME: email, ANSWER: answer },
    }));
  }
  const result = step.AuthenticationResult!;
  return { ...result, sub: decodeJwt(result.IdToken!).sub! };
}

export { failureOf } from '../sdk-failure.js';
