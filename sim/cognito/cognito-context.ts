// Everything an operation may need, built once by createCognitoService and handed to each
// operation: pools and their clients, stores, keys, clock, randomness, triggers, outbox.
import type { Clock, RandomSource } from '../clock.js';
import type { FunctionInvoker } from '../lambda/function-invoker.js';
import type { Outbox } from '../outbox.js';
import type { AuthSessionStore } from './auth-sessions.js';
import { ResourceNotFoundError, InvalidParameterError } from './errors.js';
import type { SigningKeys } from './signing-keys.js';
import type { TriggerRunner } from './triggers.js';
import type { ResolvedClient, UserPoolConfig } from './user-pool-config.js';
import type { UserPoolStore } from './user-pool-store.js';

export interface PoolRuntime {
  config: UserPoolConfig;
  clients: Map<string, ResolvedClient>;
  store: UserPoolStore;
  /** One key per token type, as Cognito has. */
  signingKeys: SigningKeys;
  triggers: TriggerRunner;
  /** True when users sign in with their email and get a generated UUID username. */
  emailIsUsername: boolean;
}

export interface CognitoContext {
  pools: Map<string, PoolRuntime>;
  clock: Clock;
  random: RandomSource;
  invoker: FunctionInvoker;
  outbox: Outbox;
  sessions: AuthSessionStore;
  /** `<issuerBaseUrl>/<userPoolId>`, the `iss` of every token of that pool. */
  issuer(userPoolId: string): string;
}

export interface ClientInPool {
  pool: PoolRuntime;
  client: ResolvedClient;
}

export function requireString(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw new InvalidParameterError(`1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

export function optionalStringMap(input: Record<string, unknown>, name: string): Record<string, string> | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidParameterError(`${name} must be a map of strings`);
  return value as Record<string, string>;
}

/** Cognito answers an unknown client id with ResourceNotFoundException. */
export function clientById(context: CognitoContext, clientId: string): ClientInPool {
  for (const pool of context.pools.values()) {
    const client = pool.clients.get(clientId);
    if (client) return { pool, client };
  }
  throw new ResourceNotFoundError(`User pool client ${clientId} does not exist.`);
}

export function poolById(context: CognitoContext, userPoolId: string): PoolRuntime {
  const pool = context.pools.get(userPoolId);
  if (!pool) throw new ResourceNotFoundError(`User pool ${userPoolId} does not exist.`);
  return pool;
}

export function nowInSeconds(context: CognitoContext): number {
  return Math.floor(context.clock.now() / 1000);
}
