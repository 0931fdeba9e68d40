// The Cognito user pool emulator: AWSCognitoIdentityProviderService over AWS JSON 1.1, running
// the custom auth flow through the pool's real triggers. See docs/cognito.md.
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { AwsServiceError, type JsonOperation, type JsonService } from '../aws-json-protocol.js';
import { cryptoRandom, systemClock, type Clock, type RandomSource } from '../clock.js';
import type { FunctionInvoker } from '../lambda/function-invoker.js';
import type { Outbox } from '../outbox.js';
import { AttemptLimiter } from './attempt-limits.js';
import { AuthSessionStore } from './auth-sessions.js';
import type { CognitoContext, PoolRuntime } from './cognito-context.js';
import { adminConfirmSignUp } from './operations/admin-confirm-sign-up.js';
import { adminDeleteUser } from './operations/admin-delete-user.js';
import { adminDisableUser } from './operations/admin-disable-user.js';
import { adminEnableUser } from './operations/admin-enable-user.js';
import { adminGetUser } from './operations/admin-get-user.js';
import { adminInitiateAuth } from './operations/admin-initiate-auth.js';
import { adminRespondToAuthChallenge } from './operations/admin-respond-to-auth-challenge.js';
import { adminSetUserPassword } from './operations/admin-set-user-password.js';
import { adminUserGlobalSignOut } from './operations/admin-user-global-sign-out.js';
import { confirmSignUp } from './operations/confirm-sign-up.js';
import { deleteUser } from './operations/delete-user.js';
import { updateUserAttributes } from './operations/update-user-attributes.js';
import { getTokensFromRefreshToken } from './operations/get-tokens-from-refresh-token.js';
import { getUser } from './operations/get-user.js';
import { globalSignOut } from './operations/global-sign-out.js';
import { initiateAuth } from './operations/initiate-auth.js';
import { describeUserPool } from './operations/describe-user-pool.js';
import { describeUserPoolClient } from './operations/describe-user-pool-client.js';
import { adminListGroupsForUser, listGroups } from './operations/list-groups.js';
import { listUserPoolClients } from './operations/list-user-pool-clients.js';
import { listUserPools } from './operations/list-user-pools.js';
import { listUsers } from './operations/list-users.js';
import { resendConfirmationCode } from './operations/resend-confirmation-code.js';
import { respondToAuthChallenge } from './operations/respond-to-auth-challenge.js';
import { revokeToken } from './operations/revoke-token.js';
import { signUp } from './operations/sign-up.js';
import { cognitoRoutes } from './routes.js';
import { loadOrCreateSigningKeys } from './signing-keys.js';
import { TriggerRunner } from './triggers.js';
import { resolveClient, validatePoolConfigs, type UserPoolConfig } from './user-pool-config.js';
import { UserPoolStore } from './user-pool-store.js';

export interface CognitoServiceOptions {
  pools: UserPoolConfig[];
  invoker: FunctionInvoker;
  outbox: Outbox;
  /** State goes to `<dataDir>/cognito/<userPoolId>/`; without it everything stays in memory. */
  dataDir?: string;
  clock?: Clock;
  random?: RandomSource;
  /** e.g. `http://localhost:4566`; a function when the port is known only after listen. */
  issuerBaseUrl: string | (() => string);
  /** Told once when a pool's log could not take a change (default: a line on stderr). */
  onStoreFailure?(message: string): void;
}

export interface CognitoService {
  /** Register with `registerJsonServices(app, [json, ...])`. */
  json: JsonService;
  /** JWKS and discovery under `/<userPoolId>/.well-known/`, and `GET /_sim/emails`. */
  routes: FastifyPluginAsync;
  close(): Promise<void>;
}

type CognitoOperation = (context: CognitoContext, input: Record<string, unknown>) => Promise<unknown>;

const OPERATIONS: Record<string, CognitoOperation> = {
  SignUp: signUp,
  ConfirmSignUp: confirmSignUp,
  ResendConfirmationCode: resendConfirmationCode,
  InitiateAuth: initiateAuth,
  RespondToAuthChallenge: respondToAuthChallenge,
  GetTokensFromRefreshToken: getTokensFromRefreshToken,
  GetUser: getUser,
  GlobalSignOut: globalSignOut,
  RevokeToken: revokeToken,
  DeleteUser: deleteUser,
  UpdateUserAttributes: updateUserAttributes,
  AdminGetUser: adminGetUser,
  AdminDeleteUser: adminDeleteUser,
  AdminConfirmSignUp: adminConfirmSignUp,
  AdminUserGlobalSignOut: adminUserGlobalSignOut,
  AdminSetUserPassword: adminSetUserPassword,
  AdminDisableUser: adminDisableUser,
  AdminEnableUser: adminEnableUser,
  // The custom auth flow from a backend, with IAM credentials (not in PUBLIC_OPERATIONS).
  AdminInitiateAuth: adminInitiateAuth,
  AdminRespondToAuthChallenge: adminRespondToAuthChallenge,
  ListUsers: listUsers,
  // What stock tools call first (aws cognito-idp list-user-pools, describe-user-pool-client...).
  ListUserPools: listUserPools,
  DescribeUserPool: describeUserPool,
  ListUserPoolClients: listUserPoolClients,
  DescribeUserPoolClient: describeUserPoolClient,
  ListGroups: listGroups,
  AdminListGroupsForUser: adminListGroupsForUser,
};

/**
 * The operations Cognito serves without IAM credentials (its client-side API); every other one,
 * Admin* and ListUsers among them, must be SigV4-signed. Operations not emulated are listed too,
 * so one added later is public or IAM-only as on AWS without touching this list.
 */
export const PUBLIC_OPERATIONS: ReadonlySet<string> = new Set([
  'SignUp', 'ConfirmSignUp', 'ResendConfirmationCode', 'ForgotPassword', 'ConfirmForgotPassword', 'ChangePassword',
  'InitiateAuth', 'RespondToAuthChallenge', 'GetTokensFromRefreshToken', 'RevokeToken', 'GlobalSignOut',
  'GetUser', 'DeleteUser', 'UpdateUserAttributes', 'DeleteUserAttributes', 'VerifyUserAttribute',
  'GetUserAttributeVerificationCode', 'SetUserMFAPreference', 'SetUserSettings', 'AssociateSoftwareToken',
  'VerifySoftwareToken', 'ConfirmDevice', 'ForgetDevice', 'GetDevice', 'ListDevices', 'UpdateDeviceStatus',
  'GetUserAuthFactors', 'StartWebAuthnRegistration', 'CompleteWebAuthnRegistration', 'ListWebAuthnCredentials',
  'DeleteWebAuthnCredential', 'UpdateAuthEventFeedback',
]);

/**
 * Cognito publishes no request size limit; a SignUp with every attribute at its 2048-character
 * maximum stays far below this, and a 20 MB attribute is refused before it is parsed.
 */
const MAX_REQUEST_BYTES = 1024 * 1024;

/** Where a pool's state (users, signing keys) lives in the data folder. */
export function userPoolDirectory(dataDir: string, userPoolId: string): string {
  return join(dataDir, 'cognito', userPoolId);
}

export function createCognitoService(options: CognitoServiceOptions): CognitoService {
  validatePoolConfigs(options.pools);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const baseUrl = typeof options.issuerBaseUrl === 'function' ? options.issuerBaseUrl : () => options.issuerBaseUrl as string;

  const pools = new Map<string, PoolRuntime>();
  for (const config of options.pools) {
    const directory = options.dataDir ? userPoolDirectory(options.dataDir, config.userPoolId) : undefined;
    pools.set(config.userPoolId, {
      config,
      clients: new Map(config.clients.map((client) => [client.clientId, resolveClient(client)])),
      store: new UserPoolStore(directory, { clock, caseInsensitiveUsernames: config.settings?.UsernameConfiguration?.CaseSensitive === false }),
      signingKeys: loadOrCreateSigningKeys(directory),
      createdAt: clock.now(),
      triggers: new TriggerRunner(options.invoker, config),
      emailIsUsername: (config.usernameAttributes ?? []).includes('email'),
    });
  }
  const context: CognitoContext = {
    pools,
    clock,
    random,
    invoker: options.invoker,
    outbox: options.outbox,
    sessions: new AuthSessionStore(clock, random),
    limiter: new AttemptLimiter(clock),
    issuer: (userPoolId) => `${baseUrl().replace(/\/+$/, '')}/${userPoolId}`,
  };

  const reportStoreFailure = options.onStoreFailure ?? ((message: string) => void process.stderr.write(`[cognito] ${message}\n`));
  let storeFailureReported = false;
  const failedStore = () => [...pools.values()].find((pool) => pool.store.failedWrite);

  function reportStoreFailureOnce(): void {
    const pool = failedStore();
    if (!pool || storeFailureReported) return;
    storeFailureReported = true;
    const code = (pool.store.failedWrite as NodeJS.ErrnoException).code;
    reportStoreFailure(`the state of ${pool.config.userPoolId} could not be written${code ? ` (${code})` : ''}: every Cognito ` +
      'request is answered InternalErrorException until the kit restarts. Free some space, then restart: nothing acknowledged is lost.');
  }

  const operations: Record<string, JsonOperation> = {};
  for (const [name, operation] of Object.entries(OPERATIONS)) {
    operations[name] = async (input) => {
      // After a pool's log failed to take a change (a full disk), every request is answered 500,
      // as DynamoDB's store does (sim/dynamodb/load-dynalite.ts): that change is in memory and
      // not on disk, so answering from memory could acknowledge what the next start never sees.
      if (failedStore()) throw new AwsServiceError('InternalErrorException', 'Internal server error', 500);
      try {
        return await operation(context, input);
      } catch (error) {
        reportStoreFailureOnce();
        throw error;
      }
    };
  }

  return {
    json: {
      targetPrefix: 'AWSCognitoIdentityProviderService',
      operations,
      errorBody: (error) => ({ __type: error.code, message: error.message }),
      signingName: 'cognito-idp',
      publicOperations: PUBLIC_OPERATIONS,
      maxRequestBytes: MAX_REQUEST_BYTES,
    },
    routes: cognitoRoutes(context, options.outbox),
    // Every change is already in the log file; closing flushes it to the disk.
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.store.close()));
    },
  };
}
