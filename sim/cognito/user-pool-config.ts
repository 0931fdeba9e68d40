// What the Cognito sim needs to know about a user pool. Whoever reads the CloudFormation template
// (or a hand-written config) produces these; the sim never parses templates itself.

/** The triggers of a pool: each value is a Lambda function name or ARN, as the FunctionInvoker knows it. */
export interface UserPoolLambdaConfig {
  PreSignUp?: string;
  CustomMessage?: string;
  PostConfirmation?: string;
  PreAuthentication?: string;
  DefineAuthChallenge?: string;
  CreateAuthChallenge?: string;
  VerifyAuthChallengeResponse?: string;
  PostAuthentication?: string;
  PreTokenGeneration?: string;
}

export type TriggerName = keyof UserPoolLambdaConfig;

export interface UserPoolClientConfig {
  /** 26 lowercase alphanumerics on AWS; any unique string is accepted here. */
  clientId: string;
  clientName: string;
  /**
   * `ALLOW_CUSTOM_AUTH`, `ALLOW_REFRESH_TOKEN_AUTH`, `ALLOW_USER_SRP_AUTH`, ... (legacy
   * `CUSTOM_AUTH_FLOW_ONLY` is read as `ALLOW_CUSTOM_AUTH`). Empty or absent: AWS's default of
   * SRP, custom and refresh.
   */
  explicitAuthFlows?: string[];
  /** `ENABLED` hides whether a user exists (unknown users run the custom flow with `userNotFound`). Default `ENABLED`, as for new clients on AWS. */
  preventUserExistenceErrors?: 'ENABLED' | 'LEGACY';
  /** Lifetime of a custom auth `Session`: 3 to 15 minutes, default 3. */
  authSessionValidityMinutes?: number;
  /** Default 60. */
  accessTokenValidityMinutes?: number;
  /** Default 60. */
  idTokenValidityMinutes?: number;
  /** Default 30. */
  refreshTokenValidityDays?: number;
  /** What DescribeUserPoolClient reports beyond the above, as the template gives it. */
  settings?: UserPoolClientSettings;
}

/**
 * Client settings the sim reports but does not act on (no hosted UI, OAuth endpoints or
 * analytics), in Cognito's shapes (`UserPoolClientType` members).
 */
export interface UserPoolClientSettings {
  SupportedIdentityProviders?: string[];
  CallbackURLs?: string[];
  LogoutURLs?: string[];
  DefaultRedirectURI?: string;
  AllowedOAuthFlows?: string[];
  AllowedOAuthScopes?: string[];
  AllowedOAuthFlowsUserPoolClient?: boolean;
  ReadAttributes?: string[];
  WriteAttributes?: string[];
  EnableTokenRevocation?: boolean;
  EnablePropagateAdditionalUserContextData?: boolean;
}

/** A `Schema` entry of the template (Cognito's `SchemaAttributeType`, custom names without their prefix). */
export interface SchemaAttribute {
  Name: string;
  AttributeDataType?: 'String' | 'Number' | 'DateTime' | 'Boolean';
  DeveloperOnlyAttribute?: boolean;
  Mutable?: boolean;
  Required?: boolean;
  NumberAttributeConstraints?: { MinValue?: string; MaxValue?: string };
  StringAttributeConstraints?: { MinLength?: string; MaxLength?: string };
}

/**
 * Pool settings DescribeUserPool reports, as the template gives them, in Cognito's shapes
 * (`UserPoolType` members). Apart from the Schema's custom attributes (see `customAttributes`) and
 * the password policy, which SignUp checks (`password-policy.ts`), the sim does not act on them: there is no MFA.
 */
export interface UserPoolSettings {
  UserPoolTier?: 'LITE' | 'ESSENTIALS' | 'PLUS';
  DeletionProtection?: 'ACTIVE' | 'INACTIVE';
  MfaConfiguration?: 'OFF' | 'ON' | 'OPTIONAL';
  Policies?: {
    PasswordPolicy?: {
      MinimumLength?: number;
      RequireUppercase?: boolean;
      RequireLowercase?: boolean;
      RequireNumbers?: boolean;
      RequireSymbols?: boolean;
      PasswordHistorySize?: number;
      TemporaryPasswordValidityDays?: number;
    };
    SignInPolicy?: { AllowedFirstAuthFactors?: string[] };
  };
  Schema?: SchemaAttribute[];
  AliasAttributes?: string[];
  UsernameConfiguration?: { CaseSensitive?: boolean };
  AccountRecoverySetting?: { RecoveryMechanisms?: Array<{ Name: string; Priority: number }> };
  AdminCreateUserConfig?: {
    AllowAdminCreateUserOnly?: boolean;
    UnusedAccountValidityDays?: number;
    InviteMessageTemplate?: { SMSMessage?: string; EmailMessage?: string; EmailSubject?: string };
  };
  EmailConfiguration?: { SourceArn?: string; ReplyToEmailAddress?: string; EmailSendingAccount?: string; From?: string; ConfigurationSet?: string };
  SmsConfiguration?: { SnsCallerArn?: string; ExternalId?: string; SnsRegion?: string };
  EmailVerificationMessage?: string;
  EmailVerificationSubject?: string;
  SmsVerificationMessage?: string;
  SmsAuthenticationMessage?: string;
  VerificationMessageTemplate?: {
    SmsMessage?: string;
    EmailMessage?: string;
    EmailSubject?: string;
    EmailMessageByLink?: string;
    EmailSubjectByLink?: string;
    DefaultEmailOption?: 'CONFIRM_WITH_LINK' | 'CONFIRM_WITH_CODE';
  };
  UserAttributeUpdateSettings?: { AttributesRequireVerificationBeforeUpdate?: string[] };
  DeviceConfiguration?: { ChallengeRequiredOnNewDevice?: boolean; DeviceOnlyRememberedOnUserPrompt?: boolean };
  UserPoolAddOns?: { AdvancedSecurityMode?: string };
  UserPoolTags?: Record<string, string>;
}

export interface UserPoolConfig {
  /** `<region>_<9 alphanumerics>`, e.g. `eu-west-1_AbCdEfGh1`. */
  userPoolId: string;
  region: string;
  name: string;
  /** Only `['email']` (email as the sign-in name, generated UUID usernames) is emulated. */
  usernameAttributes?: Array<'email'>;
  /** `['email']`: sign-up sends a confirmation code by email. */
  autoVerifiedAttributes?: Array<'email'>;
  /** Custom attributes the schema declares, with their prefix (`custom:tier`); the standard ones every pool has. */
  customAttributes?: string[];
  lambdaConfig?: UserPoolLambdaConfig;
  /** What DescribeUserPool reports beyond the above; absent members get AWS's defaults there. */
  settings?: UserPoolSettings;
  clients: UserPoolClientConfig[];
}

/** A client with every default filled in. */
export type ResolvedClient = Required<UserPoolClientConfig>;

const DEFAULT_AUTH_FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];
const USER_POOL_ID = /^[a-z]{2}(-[a-z]+)+-\d_[0-9a-zA-Z]{9}$/;

export function resolveClient(client: UserPoolClientConfig): ResolvedClient {
  const sessionMinutes = client.authSessionValidityMinutes ?? 3;
  if (sessionMinutes < 3 || sessionMinutes > 15) {
    throw new Error(`client ${client.clientId}: authSessionValidityMinutes must be 3 to 15, got ${sessionMinutes}`);
  }
  const flows = client.explicitAuthFlows?.length ? client.explicitAuthFlows : DEFAULT_AUTH_FLOWS;
  return {
    clientId: client.clientId,
    clientName: client.clientName,
    explicitAuthFlows: flows.map((flow) => (flow === 'CUSTOM_AUTH_FLOW_ONLY' ? 'ALLOW_CUSTOM_AUTH' : flow)),
    preventUserExistenceErrors: client.preventUserExistenceErrors ?? 'ENABLED',
    authSessionValidityMinutes: sessionMinutes,
    accessTokenValidityMinutes: client.accessTokenValidityMinutes ?? 60,
    idTokenValidityMinutes: client.idTokenValidityMinutes ?? 60,
    refreshTokenValidityDays: client.refreshTokenValidityDays ?? 30,
    settings: client.settings ?? {},
  };
}

/** Rejects configurations the sim would otherwise misbehave on (duplicate ids, malformed pool ids). */
export function validatePoolConfigs(pools: UserPoolConfig[]): void {
  const clientIds = new Set<string>();
  const poolIds = new Set<string>();
  for (const pool of pools) {
    if (!USER_POOL_ID.test(pool.userPoolId)) {
      throw new Error(`user pool id ${pool.userPoolId} is not <region>_<9 alphanumerics>`);
    }
    if (!pool.userPoolId.startsWith(`${pool.region}_`)) {
      throw new Error(`user pool id ${pool.userPoolId} does not start with its region ${pool.region}`);
    }
    if (poolIds.has(pool.userPoolId)) throw new Error(`duplicate user pool id ${pool.userPoolId}`);
    poolIds.add(pool.userPoolId);
    for (const client of pool.clients) {
      if (clientIds.has(client.clientId)) throw new Error(`duplicate client id ${client.clientId}`);
      clientIds.add(client.clientId);
      resolveClient(client);
    }
  }
}
