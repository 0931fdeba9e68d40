// Maps the template's AWS::Cognito::UserPool and UserPoolClient properties to the Cognito sim's
// configuration, with CloudFormation's defaults where the template is silent.
import type {
  UserPoolClientConfig,
  UserPoolClientSettings,
  UserPoolConfig,
  UserPoolLambdaConfig,
  UserPoolSettings,
} from '../cognito/user-pool-config.js';
import { customAttributesOf } from '../cognito/attribute-schema.js';
import type { PlannedUserPool } from './stack-plan.js';

type Unit = 'seconds' | 'minutes' | 'hours' | 'days';
const MINUTES_PER: Record<Unit, number> = { seconds: 1 / 60, minutes: 1, hours: 60, days: 1440 };

function toMinutes(value: unknown, unit: unknown, defaultUnit: Unit): number | undefined {
  if (value === undefined) return undefined;
  return Number(value) * MINUTES_PER[((unit as Unit | undefined) ?? defaultUnit)];
}

// Template properties whose CloudFormation shape is the one DescribeUserPool / DescribeUserPoolClient
// answer with, copied as they are. CloudFormation's defaults are applied where the sim reports them
// (pool-view.ts), so a hand-written configuration gets them too.
const REPORTED_POOL_PROPERTIES = [
  'UserPoolTier', 'DeletionProtection', 'MfaConfiguration', 'Policies', 'Schema', 'AliasAttributes',
  'UsernameConfiguration', 'AccountRecoverySetting', 'AdminCreateUserConfig', 'EmailConfiguration',
  'SmsConfiguration', 'EmailVerificationMessage', 'EmailVerificationSubject', 'SmsVerificationMessage',
  'SmsAuthenticationMessage', 'VerificationMessageTemplate', 'UserAttributeUpdateSettings',
  'DeviceConfiguration', 'UserPoolAddOns', 'UserPoolTags',
] as const satisfies ReadonlyArray<keyof UserPoolSettings>;
const REPORTED_CLIENT_PROPERTIES = [
  'SupportedIdentityProviders', 'CallbackURLs', 'LogoutURLs', 'DefaultRedirectURI', 'AllowedOAuthFlows',
  'AllowedOAuthScopes', 'AllowedOAuthFlowsUserPoolClient', 'ReadAttributes', 'WriteAttributes',
  'EnableTokenRevocation', 'EnablePropagateAdditionalUserContextData',
] as const satisfies ReadonlyArray<keyof UserPoolClientSettings>;

function pick<T>(properties: Record<string, unknown>, names: ReadonlyArray<keyof T & string>): T {
  return Object.fromEntries(names.filter((name) => properties[name] !== undefined).map((name) => [name, properties[name]])) as T;
}

export function userPoolConfigFromPlan(pool: PlannedUserPool, region: string): UserPoolConfig {
  const properties = pool.properties as {
    UsernameAttributes?: string[];
    AliasAttributes?: string[];
    AutoVerifiedAttributes?: string[];
    Schema?: unknown;
    LambdaConfig?: UserPoolLambdaConfig;
  };
  if (properties.UsernameAttributes && properties.UsernameAttributes.some((attribute) => attribute !== 'email')) {
    throw new Error(`user pool ${pool.logicalId}: only email as the username attribute is emulated, got ${properties.UsernameAttributes.join(', ')}`);
  }
  return {
    userPoolId: pool.userPoolId,
    region,
    name: pool.name,
    usernameAttributes: properties.UsernameAttributes?.includes('email') ? ['email'] : undefined,
    autoVerifiedAttributes: properties.AutoVerifiedAttributes?.includes('email') ? ['email'] : undefined,
    customAttributes: customAttributesOf(properties.Schema),
    lambdaConfig: properties.LambdaConfig,
    settings: pick<UserPoolSettings>(pool.properties, REPORTED_POOL_PROPERTIES),
    clients: pool.clients.map(({ logicalId, clientId, properties: client }): UserPoolClientConfig => {
      const units = (client.TokenValidityUnits ?? {}) as Record<string, Unit>;
      const refreshMinutes = toMinutes(client.RefreshTokenValidity, units.RefreshToken, 'days');
      return {
        clientId,
        clientName: typeof client.ClientName === 'string' ? client.ClientName : logicalId,
        explicitAuthFlows: client.ExplicitAuthFlows as string[] | undefined,
        // CloudFormation's default, when the property is absent, is LEGACY.
        preventUserExistenceErrors: client.PreventUserExistenceErrors === 'ENABLED' ? 'ENABLED' : 'LEGACY',
        authSessionValidityMinutes: client.AuthSessionValidity === undefined ? undefined : Number(client.AuthSessionValidity),
        accessTokenValidityMinutes: toMinutes(client.AccessTokenValidity, units.AccessToken, 'hours'),
        idTokenValidityMinutes: toMinutes(client.IdTokenValidity, units.IdToken, 'hours'),
        refreshTokenValidityDays: refreshMinutes === undefined ? undefined : refreshMinutes / 1440,
        settings: pick<UserPoolClientSettings>(client, REPORTED_CLIENT_PROPERTIES),
      };
    }),
  };
}
