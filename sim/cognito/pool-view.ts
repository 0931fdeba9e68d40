// What the describe and list operations show of a pool and its clients, in Cognito's shapes
// (UserPoolType, UserPoolDescriptionType, UserPoolClientType, UserPoolClientDescription). Only
// what the sim knows from the template; settings it does not emulate are left out, not invented.
import { InvalidParameterError } from './errors.js';
import type { PoolRuntime } from './cognito-context.js';
import type { ResolvedClient } from './user-pool-config.js';

// The account every local ARN names (as the stack plan's).
const LOCAL_ACCOUNT_ID = '000000000000';
const epochSeconds = (milliseconds: number) => Math.floor(milliseconds / 1000);

export function userPoolDescription(pool: PoolRuntime) {
  return {
    Id: pool.config.userPoolId,
    Name: pool.config.name,
    LambdaConfig: pool.config.lambdaConfig ?? {},
    CreationDate: epochSeconds(pool.createdAt),
    LastModifiedDate: epochSeconds(pool.createdAt),
  };
}

export function userPoolType(pool: PoolRuntime) {
  const { config } = pool;
  return {
    ...userPoolDescription(pool),
    Arn: `arn:aws:cognito-idp:${config.region}:${LOCAL_ACCOUNT_ID}:userpool/${config.userPoolId}`,
    // The policy assertPasswordConforms enforces (Cognito's default).
    Policies: {
      PasswordPolicy: { MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7 },
    },
    ...(config.usernameAttributes ? { UsernameAttributes: config.usernameAttributes } : {}),
    ...(config.autoVerifiedAttributes ? { AutoVerifiedAttributes: config.autoVerifiedAttributes } : {}),
    MfaConfiguration: 'OFF',
    EstimatedNumberOfUsers: pool.store.listUsers().length,
    DeletionProtection: 'INACTIVE',
    UserPoolTier: 'ESSENTIALS',
  };
}

export function userPoolClientDescription(pool: PoolRuntime, client: ResolvedClient) {
  return { ClientId: client.clientId, UserPoolId: pool.config.userPoolId, ClientName: client.clientName };
}

export function userPoolClientType(pool: PoolRuntime, client: ResolvedClient) {
  return {
    ...userPoolClientDescription(pool, client),
    CreationDate: epochSeconds(pool.createdAt),
    LastModifiedDate: epochSeconds(pool.createdAt),
    ExplicitAuthFlows: client.explicitAuthFlows,
    PreventUserExistenceErrors: client.preventUserExistenceErrors,
    AuthSessionValidity: client.authSessionValidityMinutes,
    AccessTokenValidity: client.accessTokenValidityMinutes,
    IdTokenValidity: client.idTokenValidityMinutes,
    RefreshTokenValidity: client.refreshTokenValidityDays,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
    EnableTokenRevocation: true,
    AllowedOAuthFlowsUserPoolClient: false,
  };
}

/**
 * `MaxResults` (1 to 60) and `NextToken` over a list: the token is the index of the next item,
 * opaque to the caller.
 */
export function pageOf<T>(items: T[], input: Record<string, unknown>, options: { maxResultsRequired: boolean }): { page: T[]; nextToken?: string } {
  if (input.MaxResults === undefined && options.maxResultsRequired) {
    throw new InvalidParameterError("1 validation error detected: Value null at 'maxResults' failed to satisfy constraint: Member must not be null");
  }
  const maxResults = input.MaxResults === undefined ? 60 : Number(input.MaxResults);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 60) {
    throw new InvalidParameterError(`1 validation error detected: Value '${String(input.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60`);
  }
  let start = 0;
  if (typeof input.NextToken === 'string') {
    start = Number(Buffer.from(input.NextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start > items.length) throw new InvalidParameterError('Invalid pagination token.');
  }
  const page = items.slice(start, start + maxResults);
  const next = start + page.length;
  return { page, ...(next < items.length ? { nextToken: Buffer.from(String(next)).toString('base64url') } : {}) };
}
