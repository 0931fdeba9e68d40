// Reads the synthesized CloudFormation template and works out what the embedded cloud must create:
// the same stack `cdk deploy` would deploy, so there is no second configuration to keep in step.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import type { PolicyStatement } from '../iam/policy-evaluation.js';
import type { FunctionDefinition } from '../lambda/lambda-runtime.js';
import { resolve, type IntrinsicContext, type ResolvedResource } from './intrinsics.js';

export const LOCAL_ACCOUNT_ID = '000000000000';

type Properties = Record<string, unknown>;

interface TemplateResource {
  Type: string;
  Properties?: Properties;
  Metadata?: Record<string, unknown>;
}

interface Template {
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

/** A function of the template, in the shape the Lambda runtime runs (`codeDir` inside the cloud assembly). */
export interface PlannedFunction extends FunctionDefinition {
  logicalId: string;
  /** The execution role of the template (`Role`), with the statements of every policy attached to it. */
  role?: PlannedRole;
}

export interface PlannedRole {
  logicalId: string;
  name: string;
  arn: string;
  /** The role's inline policies and the AWS::IAM::Policy resources naming it, resolved. */
  statements: PolicyStatement[];
  /** AWS managed policies, by ARN: their statements are not in the template. */
  managedPolicyArns: string[];
}

export interface PlannedBucket {
  logicalId: string;
  name: string;
  corsRules: Properties[];
  /** `LifecycleConfiguration.Rules` as in the template. */
  lifecycleRules: Properties[];
  /**
   * What the template sets of the bucket's other configuration, which S3's Get* calls read back:
   * `BucketEncryption`, `OwnershipControls`, `PublicAccessBlockConfiguration`,
   * `VersioningConfiguration`, and the policy of an `AWS::S3::BucketPolicy` naming the bucket.
   */
  settings: { encryption?: Properties; ownershipControls?: Properties; publicAccessBlock?: Properties; versioning?: Properties; policy?: Properties };
  notifications: Array<{ events: string[]; prefix?: string; suffix?: string; functionName: string }>;
}

export interface PlannedTable {
  logicalId: string;
  /** CloudFormation properties with TableName filled in. */
  properties: Properties;
}

export interface PlannedUserPool {
  logicalId: string;
  userPoolId: string;
  name: string;
  properties: Properties;
  clients: Array<{ logicalId: string; clientId: string; properties: Properties }>;
}

/** An EventBridge rule of the template that runs functions on a schedule (`rate(...)`). */
export interface PlannedSchedule {
  logicalId: string;
  ruleArn: string;
  /** The template's ScheduleExpression, e.g. `rate(1 day)`. */
  expression: string;
  intervalMs: number;
  functionNames: string[];
}

export interface StackPlan {
  stackName: string;
  region: string;
  accountId: string;
  functions: PlannedFunction[];
  buckets: PlannedBucket[];
  tables: PlannedTable[];
  collections: Array<{ logicalId: string; collectionId: string }>;
  userPools: PlannedUserPool[];
  schedules: PlannedSchedule[];
  outputs: Record<string, string>;
  /** Resources the embedded cloud does not run (e.g. CDK's own custom-resource functions). */
  skipped: Array<{ logicalId: string; type: string; reason: string }>;
}

/** Finds a stack's template in a cloud assembly (`cdk.out`). */
export function readStackTemplate(cloudAssemblyDir: string, stackName: string): Template {
  const manifestFile = join(cloudAssemblyDir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new Error(`no cloud assembly at ${cloudAssemblyDir}: run \`npx cdk synth\` first`);
  }
  const manifest = readAssemblyFile(cloudAssemblyDir, manifestFile) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string }; displayName?: string }>;
  };
  const artifact = Object.entries(manifest.artifacts ?? {}).find(
    ([id, candidate]) => candidate.type === 'aws:cloudformation:stack' && (id === stackName || candidate.displayName === stackName),
  );
  if (!artifact?.[1].properties?.templateFile) throw new Error(`stack ${stackName} is not in ${manifestFile}`);
  return readAssemblyFile(cloudAssemblyDir, join(cloudAssemblyDir, artifact[1].properties.templateFile)) as Template;
}

/**
 * A JSON file of the cloud assembly, or an error naming it. The assembly is built from the stack
 * (nothing the kit acknowledged lives there), so the way out is to build it again.
 */
function readAssemblyFile(cloudAssemblyDir: string, file: string): unknown {
  let problem: string;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problem = code === 'ENOENT' ? 'is missing' : code ? `cannot be read (${code})` : 'is damaged (not JSON)';
  }
  throw new Error(`the cloud assembly file ${file} ${problem}: remove ${cloudAssemblyDir} and start again to synthesize the stack afresh (\`npx cdk synth\` for another assembly)`);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Stable physical names, derived from stack and logical id the way CloudFormation shapes them. */
const physicalName = {
  generic: (stackName: string, logicalId: string, max = 64) => `${stackName}-${logicalId}`.slice(0, max),
  bucket: (stackName: string, logicalId: string) =>
    `${stackName}-${logicalId}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 63).replace(/[-.]+$/, ''),
  userPoolId: (region: string, stackName: string, logicalId: string) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const bytes = digest(`${stackName}/${logicalId}`);
    return `${region}_${Array.from(bytes.subarray(0, 9), (byte) => alphabet[byte % alphabet.length]).join('')}`;
  },
  clientId: (stackName: string, logicalId: string) => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    return Array.from(digest(`${stackName}/${logicalId}/client`).subarray(0, 26), (byte) => alphabet[byte % alphabet.length]).join('');
  },
};

/**
 * A function's `LoggingConfig` as GetFunctionConfiguration reports it: the template's log group
 * (a `Ref` to its own `AWS::Logs::LogGroup`, as the stack's functions have) and format. Without
 * it the kit named `/aws/lambda/<function>`, where nothing the stack made logs (stock-tools audit).
 */
function logging(config: unknown): { logGroup?: string; logFormat?: string } {
  if (!config || typeof config !== 'object') return {};
  const { LogGroup, LogFormat } = config as Properties;
  return { ...(text(LogGroup) !== undefined ? { logGroup: text(LogGroup) } : {}), ...(text(LogFormat) !== undefined ? { logFormat: text(LogFormat) } : {}) };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function planStack(options: { cloudAssemblyDir: string; stackName: string; region: string; accountId?: string }): StackPlan {
  const { cloudAssemblyDir, stackName, region } = options;
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const template = readStackTemplate(cloudAssemblyDir, stackName);
  const context: IntrinsicContext = { region, accountId, stackName, resources: new Map() };
  const arnPrefix = (service: string) => `arn:aws:${service}:${region}:${accountId}`;

  // Pass 1: every resource gets its physical name and attributes, so pass 2 can resolve references.
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    const explicitName = (property: string) => text(resolve(properties[property], context));
    let resolved: ResolvedResource;
    switch (resource.Type) {
      case 'AWS::Lambda::Function': {
        const name = explicitName('FunctionName') ?? physicalName.generic(stackName, logicalId);
        resolved = { ref: name, attributes: { Arn: `${arnPrefix('lambda')}:function:${name}` } };
        break;
      }
      case 'AWS::S3::Bucket': {
        const name = explicitName('BucketName') ?? physicalName.bucket(stackName, logicalId);
        resolved = {
          ref: name,
          attributes: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com`, RegionalDomainName: `${name}.s3.${region}.amazonaws.com` },
        };
        break;
      }
      case 'AWS::DynamoDB::Table': {
        const name = explicitName('TableName') ?? physicalName.generic(stackName, logicalId, 255);
        resolved = { ref: name, attributes: { Arn: `${arnPrefix('dynamodb')}:table/${name}` } };
        break;
      }
      case 'AWS::Rekognition::Collection': {
        const id = explicitName('CollectionId') ?? physicalName.generic(stackName, logicalId, 255);
        resolved = { ref: id, attributes: { Arn: `${arnPrefix('rekognition')}:collection/${id}` } };
        break;
      }
      case 'AWS::Cognito::UserPool': {
        const id = physicalName.userPoolId(region, stackName, logicalId);
        resolved = {
          ref: id,
          attributes: {
            Arn: `${arnPrefix('cognito-idp')}:userpool/${id}`,
            ProviderName: `cognito-idp.${region}.amazonaws.com/${id}`,
            ProviderURL: `https://cognito-idp.${region}.amazonaws.com/${id}`,
            UserPoolId: id,
          },
        };
        break;
      }
      case 'AWS::Cognito::UserPoolClient': {
        const id = physicalName.clientId(stackName, logicalId);
        resolved = { ref: id, attributes: { ClientId: id, Name: text(properties.ClientName) ?? logicalId } };
        break;
      }
      case 'AWS::Events::Rule': {
        const name = explicitName('Name') ?? physicalName.generic(stackName, logicalId);
        resolved = { ref: name, attributes: { Arn: `${arnPrefix('events')}:rule/${name}` } };
        break;
      }
      case 'AWS::IAM::Role': {
        const name = explicitName('RoleName') ?? physicalName.generic(stackName, logicalId);
        resolved = { ref: name, attributes: { Arn: `arn:aws:iam::${accountId}:role/${name}`, RoleId: name } };
        break;
      }
      default:
        resolved = { ref: physicalName.generic(stackName, logicalId), attributes: { Arn: `${arnPrefix('resource')}:${logicalId}` } };
    }
    context.resources.set(logicalId, resolved);
  }

  const plan: StackPlan = {
    stackName,
    region,
    accountId,
    functions: [],
    buckets: [],
    tables: [],
    collections: [],
    userPools: [],
    schedules: [],
    outputs: {},
    skipped: [],
  };
  const functionNameByArn = new Map<string, string>();
  const roleArnByFunction = new Map<string, string>();
  // Functions CloudFormation only calls while deploying (custom-resource providers such as CDK's
  // bucket-notification handler); the sim does their work itself when it reads the template.
  const deployTimeProviders = new Set(
    Object.values(template.Resources)
      .filter((resource) => resource.Type.startsWith('Custom::'))
      .map((resource) => (resource.Properties?.ServiceToken as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0])
      .filter((logicalId): logicalId is string => logicalId !== undefined),
  );
  const nameOf = (logicalId: string) => context.resources.get(logicalId)!.ref;

  // Pass 2: resolve the properties the emulators need.
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::Lambda::Function': {
        const runtime = text(properties.Runtime) ?? '';
        const assetPath = text(resource.Metadata?.['aws:asset:path']);
        if (deployTimeProviders.has(logicalId)) {
          plan.skipped.push({ logicalId, type: resource.Type, reason: 'deploy-time custom-resource provider; the sim applies its resource itself' });
          break;
        }
        if (!runtime.startsWith('nodejs') || !assetPath) {
          plan.skipped.push({ logicalId, type: resource.Type, reason: !assetPath ? 'no local code asset' : `runtime ${runtime}` });
          break;
        }
        const name = nameOf(logicalId);
        const arn = context.resources.get(logicalId)!.attributes.Arn!;
        functionNameByArn.set(arn, name);
        const roleArn = text(resolve(properties.Role, context));
        if (roleArn) roleArnByFunction.set(name, roleArn);
        const variables = (properties.Environment as { Variables?: Properties } | undefined)?.Variables ?? {};
        plan.functions.push({
          logicalId,
          name,
          arn,
          codeDir: resolvePath(cloudAssemblyDir, assetPath),
          handler: text(properties.Handler) ?? 'index.handler',
          runtime,
          timeoutSeconds: Number(properties.Timeout ?? 3),
          memoryMb: Number(properties.MemorySize ?? 128),
          ...(roleArn ? { roleArn } : {}),
          ...(Array.isArray(properties.Architectures) ? { architectures: properties.Architectures.map(String) } : {}),
          ...(text(properties.Description) !== undefined ? { description: text(properties.Description) } : {}),
          ...logging(resolve(properties.LoggingConfig, context)),
          environment: Object.fromEntries(
            Object.entries(resolve(variables, context) as Properties).map(([key, value]) => [key, String(value)]),
          ),
        });
        break;
      }
      case 'AWS::S3::Bucket':
        plan.buckets.push({
          logicalId,
          name: nameOf(logicalId),
          corsRules: ((resolve(properties.CorsConfiguration, context) as { CorsRules?: Properties[] } | undefined)?.CorsRules) ?? [],
          lifecycleRules: ((resolve(properties.LifecycleConfiguration, context) as { Rules?: Properties[] } | undefined)?.Rules) ?? [],
          settings: {
            encryption: resolve(properties.BucketEncryption, context) as Properties | undefined,
            ownershipControls: resolve(properties.OwnershipControls, context) as Properties | undefined,
            publicAccessBlock: resolve(properties.PublicAccessBlockConfiguration, context) as Properties | undefined,
            versioning: resolve(properties.VersioningConfiguration, context) as Properties | undefined,
          },
          notifications: [],
        });
        break;
      case 'AWS::DynamoDB::Table':
        plan.tables.push({ logicalId, properties: { ...(resolve(properties, context) as Properties), TableName: nameOf(logicalId) } });
        break;
      case 'AWS::Rekognition::Collection':
        plan.collections.push({ logicalId, collectionId: nameOf(logicalId) });
        break;
      case 'AWS::Cognito::UserPool':
        plan.userPools.push({
          logicalId,
          userPoolId: nameOf(logicalId),
          name: text(resolve(properties.UserPoolName, context)) ?? logicalId,
          properties: resolve(properties, context) as Properties,
          clients: [],
        });
        break;
    }
  }

  // Pass 3: resources that configure others (clients of pools, CDK's bucket-notification resource).
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::Cognito::UserPoolClient') {
      const resolved = resolve(properties, context) as Properties;
      const pool = plan.userPools.find((candidate) => candidate.userPoolId === resolved.UserPoolId);
      if (!pool) throw new Error(`user pool client ${logicalId} refers to an unknown pool`);
      pool.clients.push({ logicalId, clientId: nameOf(logicalId), properties: resolved });
    }
    if (resource.Type === 'AWS::S3::BucketPolicy') {
      const resolved = resolve(properties, context) as { Bucket?: string; PolicyDocument?: Properties };
      const bucket = plan.buckets.find((candidate) => candidate.name === resolved.Bucket);
      if (bucket && resolved.PolicyDocument) bucket.settings.policy = resolved.PolicyDocument;
    }
    if (resource.Type === 'Custom::S3BucketNotifications') {
      const resolved = resolve(properties, context) as {
        BucketName: string;
        NotificationConfiguration?: { LambdaFunctionConfigurations?: Array<{ Events: string[]; LambdaFunctionArn: string; Filter?: { Key?: { FilterRules?: Array<{ Name: string; Value: string }> } } }> };
      };
      const bucket = plan.buckets.find((candidate) => candidate.name === resolved.BucketName);
      if (!bucket) throw new Error(`bucket notifications ${logicalId} refer to an unknown bucket`);
      for (const configuration of resolved.NotificationConfiguration?.LambdaFunctionConfigurations ?? []) {
        const rules = configuration.Filter?.Key?.FilterRules ?? [];
        const functionName = functionNameByArn.get(configuration.LambdaFunctionArn);
        if (!functionName) throw new Error(`bucket ${bucket.name} notifies ${configuration.LambdaFunctionArn}, which is not a function of this stack`);
        bucket.notifications.push({
          events: configuration.Events,
          prefix: rules.find((rule) => rule.Name.toLowerCase() === 'prefix')?.Value,
          suffix: rules.find((rule) => rule.Name.toLowerCase() === 'suffix')?.Value,
          functionName,
        });
      }
    }
  }

  // Pass 3b: each function's role, with the statements its policies give it.
  const roles = new Map<string, PlannedRole>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const resolved = resolve(resource.Properties ?? {}, context) as { Policies?: Array<{ PolicyDocument?: PolicyDocument }>; ManagedPolicyArns?: string[] };
    const { ref: name, attributes } = context.resources.get(logicalId)!;
    roles.set(attributes.Arn!, {
      logicalId,
      name,
      arn: attributes.Arn!,
      statements: (resolved.Policies ?? []).flatMap((policy) => statementsOf(policy.PolicyDocument)),
      managedPolicyArns: (resolved.ManagedPolicyArns ?? []).map(String),
    });
  }
  const roleByName = new Map([...roles.values()].map((role) => [role.name, role]));
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const resolved = resolve(resource.Properties ?? {}, context) as { PolicyDocument?: PolicyDocument; Roles?: string[] };
    for (const roleName of resolved.Roles ?? []) roleByName.get(String(roleName))?.statements.push(...statementsOf(resolved.PolicyDocument));
  }
  for (const fn of plan.functions) {
    // A role that is not a resource of this template (an imported ARN) stays unknown.
    const role = roles.get(roleArnByFunction.get(fn.name) ?? '');
    if (role) fn.role = role;
  }

  // Pass 4: schedules, and which functions only they run (those are not kept warm).
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const resolved = resolve(resource.Properties ?? {}, context) as { ScheduleExpression?: string; State?: string; Targets?: Array<{ Arn?: string }> };
    const expression = resolved.ScheduleExpression;
    if (!expression) {
      plan.skipped.push({ logicalId, type: resource.Type, reason: 'an event pattern rule; the embedded cloud runs schedules only' });
      continue;
    }
    const intervalMs = rateIntervalMs(expression);
    if (intervalMs === undefined) {
      plan.skipped.push({ logicalId, type: resource.Type, reason: `schedule ${expression}: the embedded cloud runs rate() schedules only` });
      continue;
    }
    if (resolved.State === 'DISABLED') {
      plan.skipped.push({ logicalId, type: resource.Type, reason: 'disabled' });
      continue;
    }
    const functionNames = (resolved.Targets ?? []).map((target) => functionNameByArn.get(target.Arn ?? '')).filter((name): name is string => name !== undefined);
    plan.schedules.push({ logicalId, ruleArn: context.resources.get(logicalId)!.attributes.Arn!, expression, intervalMs, functionNames });
  }
  const invokedOtherwise = new Set([
    ...plan.buckets.flatMap((bucket) => bucket.notifications.map((notification) => notification.functionName)),
    ...plan.userPools.flatMap((pool) => Object.values((pool.properties.LambdaConfig ?? {}) as Record<string, unknown>).map((arn) => functionNameByArn.get(String(arn)))),
  ]);
  for (const fn of plan.functions) {
    if (plan.schedules.some((schedule) => schedule.functionNames.includes(fn.name)) && !invokedOtherwise.has(fn.name)) fn.keepWarm = false;
  }

  for (const [outputId, output] of Object.entries(template.Outputs ?? {})) {
    plan.outputs[outputId] = String(resolve(output.Value, context));
  }
  return plan;
}

interface PolicyDocument {
  Statement?: PolicyStatement | PolicyStatement[];
}

function statementsOf(document: PolicyDocument | undefined): PolicyStatement[] {
  const statements = document?.Statement;
  return statements === undefined ? [] : Array.isArray(statements) ? statements : [statements];
}

const RATE_UNITS_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `rate(<n> <unit>)` in milliseconds (EventBridge's units: minute(s), hour(s), day(s)); undefined for anything else. */
export function rateIntervalMs(expression: string): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!match) return undefined;
  const count = Number(match[1]);
  // EventBridge: a value of 1 takes the singular unit, anything greater the plural.
  if (count < 1 || (count === 1) !== !match[2].endsWith('s')) return undefined;
  return count * RATE_UNITS_MS[match[2].replace(/s$/, '')]!;
}
