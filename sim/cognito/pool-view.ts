// What the describe and list operations show of a pool and its clients, in Cognito's shapes
// (UserPoolType, UserPoolDescriptionType, UserPoolClientType, UserPoolClientDescription). Only
// what the template says, and AWS's defaults where it is silent; nothing else is invented.
import { InvalidParameterError } from './errors.js';
import { STANDARD_ATTRIBUTES, STANDARD_SCHEMA } from './attribute-schema.js';
import { assertInRange, memberMissing, optionalInteger, optionalString, validationFailed, type PoolRuntime } from './cognito-context.js';
import { passwordPolicyOf } from './password-policy.js';
import type { ResolvedClient, SchemaAttribute, UserPoolConfig } from './user-pool-config.js';

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

/** SchemaAttributes: the standard attributes as the template adjusts them, then its custom ones. */
function schemaAttributes(config: UserPoolConfig): SchemaAttribute[] {
  const declared = new Map((config.settings?.Schema ?? []).map((entry) => [entry.Name, entry]));
  const standard = STANDARD_SCHEMA.map((attribute) => {
    const { Name, AttributeDataType, Mutable = true, Required = false, ...constraints } = { ...attribute, ...declared.get(attribute.Name) };
    return { Name, AttributeDataType, DeveloperOnlyAttribute: false, Mutable, Required, ...constraints };
  });
  // Described as `custom:<name>`; a developer-only one as `dev:custom:<name>` (the CLI's example).
  const custom = [...declared.values()]
    .filter((entry) => !STANDARD_ATTRIBUTES.has(entry.Name))
    .map((entry) => ({ ...entry, Name: `${entry.DeveloperOnlyAttribute === true ? 'dev:' : ''}custom:${entry.Name}` }));
  // A hand-written configuration names its custom attributes without describing them.
  const undescribed = (config.customAttributes ?? [])
    .filter((name) => !custom.some((entry) => entry.Name === name))
    .map((Name) => ({ Name }));
  return [...standard, ...custom, ...undescribed];
}

export function userPoolType(pool: PoolRuntime) {
  const { config } = pool;
  const { Schema: _schema, Policies, UserPoolTier, MfaConfiguration, DeletionProtection, ...reported } = config.settings ?? {};
  return {
    ...userPoolDescription(pool),
    Arn: `arn:aws:cognito-idp:${config.region}:${LOCAL_ACCOUNT_ID}:userpool/${config.userPoolId}`,
    Policies: { ...Policies, PasswordPolicy: passwordPolicyOf(config.settings) },
    SchemaAttributes: schemaAttributes(config),
    ...(config.usernameAttributes ? { UsernameAttributes: config.usernameAttributes } : {}),
    ...(config.autoVerifiedAttributes ? { AutoVerifiedAttributes: config.autoVerifiedAttributes } : {}),
    ...reported,
    EstimatedNumberOfUsers: pool.store.listUsers().length,
    // CloudFormation's defaults for a pool whose template leaves these out.
    MfaConfiguration: MfaConfiguration ?? 'OFF',
    DeletionProtection: DeletionProtection ?? 'INACTIVE',
    UserPoolTier: UserPoolTier ?? 'ESSENTIALS',
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
    // AWS's defaults for a client created without these.
    EnableTokenRevocation: true,
    AllowedOAuthFlowsUserPoolClient: false,
    ...client.settings,
  };
}

export interface PageRequest {
  maxResults: number;
  nextToken?: string;
}

/**
 * A list call's `MaxResults` (1 to 60) and `NextToken`, read and validated before anything is
 * looked up, as Coral validates a request whole.
 */
export function pageRequestOf(input: Record<string, unknown>, options: { maxResultsRequired: boolean }): PageRequest {
  const requested = optionalInteger(input, 'MaxResults');
  if (requested === undefined && options.maxResultsRequired) {
    throw memberMissing('maxResults');
  }
  // A NextToken of another JSON type was taken as absent, and an empty one as the first page's.
  const nextToken = optionalString(input, 'NextToken');
  const maxResults = requested ?? 60;
  assertInRange(maxResults, 'maxResults', 1, 60);
  if (nextToken === '') {
    throw validationFailed([{ value: '', path: 'nextToken', constraint: 'Member must have length greater than or equal to 1' }]);
  }
  return { maxResults, ...(nextToken !== undefined ? { nextToken } : {}) };
}

/** One page of a list: the token is the index of the next item, opaque to the caller. */
export function pageOf<T>(items: T[], { maxResults, nextToken }: PageRequest): { page: T[]; nextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    start = Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start > items.length) throw new InvalidParameterError('Invalid pagination token.');
  }
  const page = items.slice(start, start + maxResults);
  const next = start + page.length;
  return { page, ...(next < items.length ? { nextToken: Buffer.from(String(next)).toString('base64url') } : {}) };
}
