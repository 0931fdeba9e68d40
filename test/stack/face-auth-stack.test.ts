import { readFileSync } from 'node:fs';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DECOY_KEY_ITEM } from '../../stack/face-auth-stack.js';
import { InvalidContextError, stackPropsFromContext } from '../../stack/stack-context.js';
import { synthesize } from './synthesize.js';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
  Metadata?: Json;
  DeletionPolicy?: string;
  DependsOn?: string[];
}
interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

const TRIGGERS = [
  'PreSignUp',
  'CustomMessage',
  'PostConfirmation',
  'DefineAuthChallenge',
  'CreateAuthChallenge',
  'VerifyAuthChallengeResponse',
  'PostAuthentication',
  'PreTokenGeneration',
] as const;
const HANDLERS = [...TRIGGERS, 'FaceIndexer', 'DeletedUserSweep'] as const;
type HandlerId = (typeof HANDLERS)[number];

/** The variables of the ARCHITECTURE.md contract; no function may receive anything else. */
const CONTRACT_VARIABLES = [
  'USERS_TABLE',
  'UPLOAD_BUCKET',
  'FACE_COLLECTION_ID',
  'USER_POOL_ID',
  'FACE_MATCH_THRESHOLD',
  'UPLOAD_URL_TTL_SECONDS',
  'ENROL_WAIT_MS',
  'EMAIL_SENDER',
  'APP_NAME',
];

const resourcesOf = (template: Template, type: string) => template.findResources(type) as Record<string, Resource>;

function onlyResource(template: Template, type: string): [string, Resource] {
  const entries = Object.entries(resourcesOf(template, type));
  expect(entries, type).toHaveLength(1);
  return entries[0];
}

/** Logical id of a handler's function, found by its construct path rather than a hashed id. */
function functionId(template: Template, handler: HandlerId): string {
  const matches = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(
    ([, resource]) => resource.Metadata?.['aws:cdk:path'] === `FaceAuthStack/${handler}/Function/Resource`,
  );
  expect(matches, handler).toHaveLength(1);
  return matches[0][0];
}

function functionOf(template: Template, handler: HandlerId): Resource {
  return template.toJSON().Resources[functionId(template, handler)] as Resource;
}

function roleIdOf(template: Template, handler: HandlerId): string {
  const role = functionOf(template, handler).Properties.Role as { 'Fn::GetAtt': [string, string] };
  return role['Fn::GetAtt'][0];
}

function statementsOfRole(template: Template, roleId: string): PolicyStatement[] {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

/** CloudFormation intrinsics as readable text: `${Logical.Arn}`, `${AWS::Region}`, joined parts. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as Json;
  if ('Ref' in intrinsic) return `\${${String(intrinsic.Ref)}}`;
  if ('Fn::GetAtt' in intrinsic) return `\${${(intrinsic['Fn::GetAtt'] as string[]).join('.')}}`;
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/**
 * action -> sorted resources, over every Allow statement attached to the role; a resource
 * granted under a condition reads `<resource> when <condition as JSON>`.
 */
function permissionsOf(template: Template, handler: HandlerId): Record<string, string[]> {
  const permissions: Record<string, string[]> = {};
  for (const statement of statementsOfRole(template, roleIdOf(template, handler))) {
    expect(statement.Effect).toBe('Allow');
    const condition = statement.Condition === undefined ? '' : ` when ${JSON.stringify(statement.Condition)}`;
    for (const action of asList(statement.Action)) {
      const resources = asList(statement.Resource).map((resource) => render(resource) + condition);
      permissions[action] = [...(permissions[action] ?? []), ...resources].sort();
    }
  }
  return permissions;
}

function environmentOf(template: Template, handler: HandlerId): Record<string, unknown> {
  return ((functionOf(template, handler).Properties.Environment as Json | undefined)?.Variables ?? {}) as Record<string, unknown>;
}

describe('FaceAuthStack with default context', () => {
  let template: Template;
  let ids: { pool: string; client: string; bucket: string; table: string };

  beforeAll(() => {
    template = synthesize().template;
    ids = {
      pool: onlyResource(template, 'AWS::Cognito::UserPool')[0],
      client: onlyResource(template, 'AWS::Cognito::UserPoolClient')[0],
      bucket: onlyResource(template, 'AWS::S3::Bucket')[0],
      table: onlyResource(template, 'AWS::DynamoDB::Table')[0],
    };
  });

  describe('Cognito', () => {
    it('lets the app client use custom auth and refresh tokens only, without a secret', () => {
      const [, client] = onlyResource(template, 'AWS::Cognito::UserPoolClient');
      expect(client.Properties.ExplicitAuthFlows).toEqual(['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
      expect(client.Properties.GenerateSecret).toBe(false);
      expect(client.Properties.AllowedOAuthFlowsUserPoolClient).toBe(false);
      expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
    });

    it('hides whether a user exists and gives a custom-auth session three minutes', () => {
      template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        PreventUserExistenceErrors: 'ENABLED',
        AuthSessionValidity: 3,
      });
    });

    it('lets access and ID tokens live 5 minutes, Cognito\'s shortest, so that a JWT-only API stops accepting a revoked one soon', () => {
      template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        AccessTokenValidity: 5,
        IdTokenValidity: 5,
        TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes' },
      });
    });

    it('signs users up by themselves with the email as username, verified by a code', () => {
      const [, pool] = onlyResource(template, 'AWS::Cognito::UserPool');
      expect(pool.Properties.UsernameAttributes).toEqual(['email']);
      expect(pool.Properties.AutoVerifiedAttributes).toEqual(['email']);
      expect(pool.Properties.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: false });
      expect(pool.Properties.UsernameConfiguration).toEqual({ CaseSensitive: false });
      expect(pool.Properties.VerificationMessageTemplate).toMatchObject({ DefaultEmailOption: 'CONFIRM_WITH_CODE' });
      expect(pool.Properties.EmailConfiguration).toEqual({ EmailSendingAccount: 'COGNITO_DEFAULT' });
    });

    it('lets nobody change the email after sign-up, and lets the app client write the email only', () => {
      const [, pool] = onlyResource(template, 'AWS::Cognito::UserPool');
      const [, client] = onlyResource(template, 'AWS::Cognito::UserPoolClient');
      expect(pool.Properties.Schema).toEqual([{ Name: 'email', Required: true, Mutable: false }]);
      expect(pool.Properties.UserAttributeUpdateSettings).toBeUndefined();
      expect(client.Properties.WriteAttributes).toEqual(['email']);
    });

    it('wires each of the eight triggers to its own handler function', () => {
      const [, pool] = onlyResource(template, 'AWS::Cognito::UserPool');
      const lambdaConfig = pool.Properties.LambdaConfig as Json;
      expect(Object.keys(lambdaConfig).sort()).toEqual([...TRIGGERS].sort());
      for (const trigger of TRIGGERS) {
        expect(lambdaConfig[trigger], trigger).toEqual({ 'Fn::GetAtt': [functionId(template, trigger), 'Arn'] });
      }
      const targets = new Set(Object.values(lambdaConfig).map((target) => JSON.stringify(target)));
      expect(targets.size).toBe(8);
    });

    it('allows only this user pool to invoke each trigger', () => {
      for (const trigger of TRIGGERS) {
        template.hasResourceProperties('AWS::Lambda::Permission', {
          Action: 'lambda:InvokeFunction',
          FunctionName: { 'Fn::GetAtt': [functionId(template, trigger), 'Arn'] },
          Principal: 'cognito-idp.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': [ids.pool, 'Arn'] },
        });
      }
    });
  });

  describe('upload bucket', () => {
    it('blocks all public access and encrypts with S3-managed keys', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      });
    });

    it('denies every request that does not use TLS', () => {
      const [, policy] = onlyResource(template, 'AWS::S3::BucketPolicy');
      expect(policy.Properties.Bucket).toEqual({ Ref: ids.bucket });
      const statements = (policy.Properties.PolicyDocument as { Statement: (PolicyStatement & { Principal: unknown })[] }).Statement;
      const tlsOnly = statements.filter((statement) => statement.Effect === 'Deny');
      expect(tlsOnly).toHaveLength(1);
      expect(tlsOnly[0]).toMatchObject({ Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
      expect(asList(tlsOnly[0].Resource).map(render).sort()).toEqual([`\${${ids.bucket}.Arn}`, `\${${ids.bucket}.Arn}/*`]);
    });

    it('expires enrolment and sign-in photos and abandoned multipart uploads within a day', () => {
      const [, bucket] = onlyResource(template, 'AWS::S3::Bucket');
      const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Json[] }).Rules;
      for (const prefix of ['enrol/', 'signin/']) {
        const rule = rules.find((candidate) => candidate.Prefix === prefix);
        expect(rule, prefix).toBeDefined();
        expect(rule!.Status).toBe('Enabled');
        expect(rule!.ExpirationInDays).toBeLessThanOrEqual(1);
        expect((rule!.AbortIncompleteMultipartUpload as Json).DaysAfterInitiation).toBeLessThanOrEqual(1);
      }
    });

    it('accepts browser upload forms (POSTs) from the default web origins only', () => {
      const [, bucket] = onlyResource(template, 'AWS::S3::Bucket');
      const rules = (bucket.Properties.CorsConfiguration as { CorsRules: Json[] }).CorsRules;
      expect(rules).toHaveLength(1);
      expect(rules[0].AllowedMethods).toEqual(['POST']);
      expect(rules[0].AllowedOrigins).toEqual([
        'http://localhost:4566',
        'http://127.0.0.1:4566',
        'http://localhost:5173',
        'http://127.0.0.1:5173',
        'http://localhost:3000',
        'http://127.0.0.1:3000',
      ]);
      expect(rules[0].AllowedHeaders).toEqual(expect.arrayContaining(['content-type']));
    });

    it('notifies the face indexer of objects created under enrol/ (to index) and signin/ (to sweep re-PUTs)', () => {
      const [, notifications] = onlyResource(template, 'Custom::S3BucketNotifications');
      expect(notifications.Properties.BucketName).toEqual({ Ref: ids.bucket });
      expect(notifications.Properties.NotificationConfiguration).toEqual({
        LambdaFunctionConfigurations: ['enrol/', 'signin/'].map((prefix) => ({
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
          LambdaFunctionArn: { 'Fn::GetAtt': [functionId(template, 'FaceIndexer'), 'Arn'] },
        })),
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [functionId(template, 'FaceIndexer'), 'Arn'] },
        Principal: 's3.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ids.bucket, 'Arn'] },
      });
    });
  });

  describe('users table and face collection', () => {
    it('keys the table on pk, bills on demand, keeps point-in-time recovery and expires on expiresAt', () => {
      const [, table] = onlyResource(template, 'AWS::DynamoDB::Table');
      expect(table.Properties).toMatchObject({
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
    });

    it('creates a collection named after the stack and hands that id to the functions that use it', () => {
      const [, collection] = onlyResource(template, 'AWS::Rekognition::Collection');
      expect(collection.Properties.CollectionId).toBe('faceauthstack-faces');
      expect(environmentOf(template, 'VerifyAuthChallengeResponse').FACE_COLLECTION_ID).toBe('faceauthstack-faces');
      expect(environmentOf(template, 'FaceIndexer').FACE_COLLECTION_ID).toBe('faceauthstack-faces');
    });

    it('retains user data on stack deletion by default', () => {
      for (const type of ['AWS::Cognito::UserPool', 'AWS::DynamoDB::Table', 'AWS::Rekognition::Collection', 'AWS::S3::Bucket']) {
        expect(onlyResource(template, type)[1].DeletionPolicy, type).toBe('Retain');
      }
      expect(resourcesOf(template, 'Custom::S3AutoDeleteObjects')).toEqual({});
    });
  });

  describe('functions', () => {
    it('runs every handler on nodejs22.x with its ESM bundle entry point', () => {
      for (const handler of HANDLERS) {
        expect(functionOf(template, handler).Properties, handler).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'index.handler' });
      }
    });

    it('keeps every trigger inside Cognito 5 s budget and gives the indexer longer', () => {
      for (const trigger of TRIGGERS) {
        expect(functionOf(template, trigger).Properties.Timeout, trigger).toBeLessThanOrEqual(5);
      }
      expect(functionOf(template, 'VerifyAuthChallengeResponse').Properties.Timeout as number).toBeGreaterThan(3.5);
      expect(functionOf(template, 'FaceIndexer').Properties.Timeout).toBe(30);
    });

    it('runs the deleted-user sweep once a day, retried twice, and gives it 15 minutes', () => {
      const [, rule] = onlyResource(template, 'AWS::Events::Rule');
      expect(rule.Properties).toMatchObject({
        ScheduleExpression: 'rate(1 day)',
        State: 'ENABLED',
        Targets: [{ Arn: { 'Fn::GetAtt': [functionId(template, 'DeletedUserSweep'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } }],
      });
      expect(functionOf(template, 'DeletedUserSweep').Properties.Timeout).toBe(900);
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [functionId(template, 'DeletedUserSweep'), 'Arn'] },
        Principal: 'events.amazonaws.com',
      });
    });

    it('logs each function to its own log group kept for one week', () => {
      const logGroups = resourcesOf(template, 'AWS::Logs::LogGroup');
      const used = new Set<string>();
      for (const handler of HANDLERS) {
        const logGroupId = ((functionOf(template, handler).Properties.LoggingConfig as Json).LogGroup as { Ref: string }).Ref;
        expect(logGroups[logGroupId].Properties.RetentionInDays, handler).toBe(7);
        used.add(logGroupId);
      }
      expect(used.size).toBe(HANDLERS.length);
    });

    it('passes each function exactly the contract variables it reads', () => {
      const table = { Ref: ids.table };
      const bucket = { Ref: ids.bucket };
      const expected: Record<HandlerId, Record<string, unknown>> = {
        PreSignUp: { USERS_TABLE: table },
        CustomMessage: { USERS_TABLE: table, APP_NAME: 'Face sign-in' },
        PostConfirmation: { USERS_TABLE: table },
        DefineAuthChallenge: { USERS_TABLE: table },
        CreateAuthChallenge: { USERS_TABLE: table, UPLOAD_BUCKET: bucket, APP_NAME: 'Face sign-in', UPLOAD_URL_TTL_SECONDS: '170', EMAIL_SENDER: '' },
        VerifyAuthChallengeResponse: {
          USERS_TABLE: table,
          UPLOAD_BUCKET: bucket,
          FACE_COLLECTION_ID: 'faceauthstack-faces',
          APP_NAME: 'Face sign-in',
          FACE_MATCH_THRESHOLD: '95',
          ENROL_WAIT_MS: '3500',
          EMAIL_SENDER: '',
        },
        PostAuthentication: { USERS_TABLE: table },
        PreTokenGeneration: { USERS_TABLE: table, FACE_COLLECTION_ID: 'faceauthstack-faces', APP_NAME: 'Face sign-in', EMAIL_SENDER: '' },
        FaceIndexer: { USERS_TABLE: table, UPLOAD_BUCKET: bucket, FACE_COLLECTION_ID: 'faceauthstack-faces' },
        DeletedUserSweep: { USERS_TABLE: table, FACE_COLLECTION_ID: 'faceauthstack-faces', USER_POOL_ID: { Ref: ids.pool } },
      };
      for (const handler of HANDLERS) {
        const environment = environmentOf(template, handler);
        expect(environment, handler).toEqual(expected[handler]);
        expect(CONTRACT_VARIABLES).toEqual(expect.arrayContaining(Object.keys(environment)));
      }
    });
  });

  describe('IAM', () => {
    it('gives every function a role of its own with no managed or inline policies', () => {
      const roles = resourcesOf(template, 'AWS::IAM::Role');
      const roleIds = HANDLERS.map((handler) => roleIdOf(template, handler));
      expect(new Set(roleIds).size).toBe(HANDLERS.length);
      for (const roleId of roleIds) {
        expect(roles[roleId].Properties.ManagedPolicyArns, roleId).toBeUndefined();
        expect(roles[roleId].Properties.Policies, roleId).toBeUndefined();
        expect(roles[roleId].Properties.AssumeRolePolicyDocument).toMatchObject({
          Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
        });
      }
    });

    it('has no policy statement on Resource "*" or with a wildcard action, anywhere in the stack', () => {
      // This includes the policy CDK generates for its bucket-notifications custom resource,
      // which CDK scopes to the bucket ARN.
      const policies = resourcesOf(template, 'AWS::IAM::Policy');
      expect(Object.keys(policies).length).toBeGreaterThanOrEqual(HANDLERS.length);
      for (const [policyId, policy] of Object.entries(policies)) {
        for (const statement of (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement) {
          expect(asList(statement.Resource), policyId).not.toContain('*');
          for (const action of asList(statement.Action)) expect(action, policyId).not.toMatch(/\*/);
        }
      }
    });

    it('grants each function exactly the actions it calls on exactly its resources', () => {
      const tableArn = `\${${ids.table}.Arn}`;
      const bucketArn = `\${${ids.bucket}.Arn}`;
      const items = (...patterns: string[]) => `${tableArn} when {"ForAllValues:StringLike":{"dynamodb:LeadingKeys":${JSON.stringify(patterns)}}}`;
      const listing = (...prefixes: string[]) => `${bucketArn} when {"StringLike":{"s3:prefix":${JSON.stringify(prefixes.map((prefix) => `${prefix}*`))}}}`;
      const decoy = 'SECRET#decoy-sub-key';
      const objects = (prefix: string) => `\${${ids.bucket}.Arn}/${prefix}*`;
      const collectionArn = 'arn:${AWS::Partition}:rekognition:${AWS::Region}:${AWS::AccountId}:collection/faceauthstack-faces';
      const expected: Record<HandlerId, Record<string, string[]>> = {
        PreSignUp: {},
        CustomMessage: {},
        // The sign-up's password is replaced by one nobody knows.
        PostConfirmation: { 'dynamodb:PutItem': [items('USER#*')], 'cognito-idp:AdminSetUserPassword': [`\${${ids.pool}.Arn}`] },
        DefineAuthChallenge: { 'dynamodb:GetItem': [items('USER#*', decoy)], 'dynamodb:PutItem': [items(decoy)] },
        CreateAuthChallenge: {
          'dynamodb:GetItem': [items('USER#*', 'UPLOAD#*', decoy)],
          'dynamodb:PutItem': [items(decoy, 'MAILBOX#*')],
          'dynamodb:UpdateItem': [items('MAILBOX#*')],
          's3:PutObject': [objects('enrol/'), objects('signin/')],
        },
        VerifyAuthChallengeResponse: {
          'dynamodb:GetItem': [items('USER#*', 'UPLOAD#*', decoy)],
          'dynamodb:BatchGetItem': [items('USER#*', 'FAILURES#*')],
          'dynamodb:PutItem': [items('UPLOAD#*', decoy)],
          'dynamodb:UpdateItem': [items('USER#*', 'FAILURES#*')],
          'dynamodb:DeleteItem': [items('FAILURES#*')],
          // Rekognition reads sign-in photos with Verify's credentials; enrolment photos it only deletes.
          's3:GetObject': [objects('signin/')],
          's3:DeleteObject': [objects('enrol/'), objects('signin/')],
          's3:ListBucket': [listing('signin/', 'enrol/')],
          'rekognition:SearchFacesByImage': [collectionArn],
          'rekognition:DeleteFaces': [collectionArn],
          // A new face over an old one ends the user's sessions.
          'cognito-idp:AdminUserGlobalSignOut': [`\${${ids.pool}.Arn}`],
        },
        PostAuthentication: { 'dynamodb:UpdateItem': [items('USER#*')] },
        // It finishes what a face's bind left undone: the follow-up cleared, the old face removed,
        // the user's sessions ended.
        PreTokenGeneration: {
          'dynamodb:GetItem': [items('USER#*')],
          'dynamodb:UpdateItem': [items('USER#*')],
          'rekognition:DeleteFaces': [collectionArn],
          'cognito-idp:AdminUserGlobalSignOut': [`\${${ids.pool}.Arn}`],
        },
        FaceIndexer: {
          's3:GetObject': [objects('enrol/')],
          's3:DeleteObject': [objects('enrol/'), objects('signin/')],
          's3:ListBucket': [listing('enrol/')],
          'rekognition:IndexFaces': [collectionArn],
          // A retry of an indexing that died after IndexFaces lists the faces it left.
          'rekognition:ListFaces': [collectionArn],
          'rekognition:DeleteFaces': [collectionArn],
          // A hold refused for another run of the same photo reads which face that run holds.
          'dynamodb:GetItem': [items('UPLOAD#*', 'INDEXING#*'), items('USER#*')],
          'dynamodb:PutItem': [items('UPLOAD#*', 'INDEXING#*')],
          'dynamodb:UpdateItem': [items('USER#*')],
        },
        // Lists the pool and the collection, reads the table whole (a Scan has no key to narrow
        // it) and the indexing traces of unbound faces, and deletes only USER# records and faces.
        DeletedUserSweep: {
          'cognito-idp:ListUsers': [`\${${ids.pool}.Arn}`],
          'cognito-idp:AdminGetUser': [`\${${ids.pool}.Arn}`],
          'rekognition:ListFaces': [collectionArn],
          'rekognition:DeleteFaces': [collectionArn],
          'dynamodb:Scan': [tableArn],
          'dynamodb:GetItem': [items('INDEXING#*')],
          'dynamodb:DeleteItem': [items('USER#*')],
        },
      };
      for (const handler of HANDLERS) {
        const logGroupId = ((functionOf(template, handler).Properties.LoggingConfig as Json).LogGroup as { Ref: string }).Ref;
        const ownLogGroup = [`\${${logGroupId}.Arn}`];
        expect(permissionsOf(template, handler), handler).toEqual({
          'logs:CreateLogStream': ownLogGroup,
          'logs:PutLogEvents': ownLogGroup,
          ...Object.fromEntries(Object.entries(expected[handler]).map(([action, resources]) => [action, [...resources].sort()])),
        });
      }
    });
  });

  it('limits the Create trigger table writes to the item the decoy-identity code actually writes', () => {
    // The handler keeps its HMAC key under this partition key; if it moves, the grant must move too.
    const decoyIdentities = readFileSync(new URL('../../handlers/decoy-identities.ts', import.meta.url), 'utf8');
    expect(decoyIdentities).toContain(`'${DECOY_KEY_ITEM}'`);
  });

  it('exports the ids the emulator and clients read', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.UserPoolId.Value).toEqual({ Ref: ids.pool });
    expect(outputs.UserPoolClientId.Value).toEqual({ Ref: ids.client });
    expect(outputs.BucketName.Value).toEqual({ Ref: ids.bucket });
    expect(outputs.UsersTableName.Value).toEqual({ Ref: ids.table });
    expect(outputs.CollectionId.Value).toBe('faceauthstack-faces');
    expect(outputs.Region.Value).toEqual({ Ref: 'AWS::Region' });
  });

  it('is environment-agnostic and contains no CDK metadata resource', () => {
    expect(JSON.stringify(template.toJSON())).not.toMatch(/\b\d{12}\b|us-east-1|eu-west-1/);
    expect(resourcesOf(template, 'AWS::CDK::Metadata')).toEqual({});
  });
});

describe('FaceAuthStack with an SES email sender', () => {
  it('sends Cognito email through SES and lets only Create (codes), Verify and PreTokenGeneration (enrolment notices) send from that identity', () => {
    const { template } = synthesize({ emailSender: 'no-reply@example.com', appName: 'Acme Face' });

    template.hasResourceProperties('AWS::Cognito::UserPool', {
      EmailConfiguration: {
        EmailSendingAccount: 'DEVELOPER',
        From: 'Acme Face <no-reply@example.com>',
        SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':identity/no-reply@example.com']] },
      },
    });
    expect(environmentOf(template, 'CreateAuthChallenge')).toMatchObject({ EMAIL_SENDER: 'no-reply@example.com', APP_NAME: 'Acme Face' });
    expect(permissionsOf(template, 'CreateAuthChallenge')['ses:SendEmail']).toEqual([
      'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/no-reply@example.com',
    ]);
    for (const notifier of ['VerifyAuthChallengeResponse', 'PreTokenGeneration'] as const) {
      expect(environmentOf(template, notifier)).toMatchObject({ EMAIL_SENDER: 'no-reply@example.com', APP_NAME: 'Acme Face' });
      expect(permissionsOf(template, notifier)['ses:SendEmail']).toEqual([
        'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/no-reply@example.com',
      ]);
    }
    for (const handler of HANDLERS.filter((name) => !['CreateAuthChallenge', 'VerifyAuthChallengeResponse', 'PreTokenGeneration'].includes(name))) {
      expect(Object.keys(permissionsOf(template, handler)).filter((action) => action.startsWith('ses:')), handler).toEqual([]);
    }
  });

  it('names the domain identity when the sender is verified through its domain', () => {
    const { template } = synthesize({ emailSender: 'no-reply@example.com', emailSenderIdentity: 'example.com' });

    expect(permissionsOf(template, 'CreateAuthChallenge')['ses:SendEmail']).toEqual([
      'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/example.com',
    ]);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      EmailConfiguration: Match.objectLike({ SourceArn: { 'Fn::Join': ['', Match.arrayWith([':identity/example.com'])] } }),
    });
  });

  it('grants no SES permission when no sender is configured', () => {
    const { template } = synthesize({ emailSender: '' });
    expect(permissionsOf(template, 'CreateAuthChallenge')['ses:SendEmail']).toBeUndefined();
    expect(environmentOf(template, 'CreateAuthChallenge').EMAIL_SENDER).toBe('');
  });
});

describe('FaceAuthStack context switches', () => {
  it('passes a custom face match threshold to Verify', () => {
    const { template } = synthesize({ faceMatchThreshold: '90.5' });
    expect(environmentOf(template, 'VerifyAuthChallengeResponse').FACE_MATCH_THRESHOLD).toBe('90.5');
  });

  it('uses the given web origins for CORS', () => {
    const { template } = synthesize({ webOrigins: 'https://app.example.com, http://localhost:3000' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedOrigins: ['https://app.example.com', 'http://localhost:3000'] })] },
    });
  });

  it('derives the stack name and the collection id from the stackName context', () => {
    const { stack, template } = synthesize({ stackName: 'FaceAuth-Dev' });
    expect(stack.stackName).toBe('FaceAuth-Dev');
    template.hasResourceProperties('AWS::Rekognition::Collection', { CollectionId: 'faceauth-dev-faces' });
    expect((template.toJSON().Outputs as Record<string, { Value: unknown }>).CollectionId.Value).toBe('faceauth-dev-faces');
  });

  it('deletes user data and empties the bucket on destroy when removalPolicy=destroy', () => {
    const { template } = synthesize({ removalPolicy: 'destroy' });
    for (const type of ['AWS::Cognito::UserPool', 'AWS::DynamoDB::Table', 'AWS::Rekognition::Collection', 'AWS::S3::Bucket']) {
      expect(onlyResource(template, type)[1].DeletionPolicy, type).toBe('Delete');
    }
    onlyResource(template, 'Custom::S3AutoDeleteObjects');
  });

  it.each([['abc'], ['101'], ['-1'], [' '], [true]])('rejects faceMatchThreshold=%j with a clear error', (threshold) => {
    expect(() => stackPropsFromContext({ tryGetContext: (key) => (key === 'faceMatchThreshold' ? threshold : undefined) })).toThrow(
      /Invalid context faceMatchThreshold=.*: expected a number from 0 to 100/,
    );
  });

  it('accepts the threshold bounds 0 and 100', () => {
    for (const threshold of [0, '100']) {
      const props = stackPropsFromContext({ tryGetContext: (key) => (key === 'faceMatchThreshold' ? threshold : undefined) });
      expect(props.faceMatchThreshold).toBe(Number(threshold));
    }
  });

  it.each([
    ['webOrigins', 'https://app.example.com/login', /expected origins like/],
    ['webOrigins', 'app.example.com', /expected origins like/],
    ['webOrigins', ' , ', /expected at least one origin/],
    ['emailSender', 'Acme <no-reply@example.com>', /expected a plain email address/],
    ['stackName', '1-stack', /expected a letter followed by/],
    ['removalPolicy', 'snapshot', /expected "retain" or "destroy"/],
    ['target', 'gcp', /expected "aws" or "localstack"/],
    ['simEndpoint', 'http://sim:4566', /expected no value unless target=localstack/],
  ])('rejects %s=%j', (key, value, message) => {
    expect(() => synthesize({ [key]: value })).toThrow(InvalidContextError);
    expect(() => stackPropsFromContext({ tryGetContext: (name) => (name === key ? value : undefined) })).toThrow(message);
  });

  it('rejects an SES identity that is neither the sender nor its domain', () => {
    const context: Record<string, string> = { emailSender: 'no-reply@example.com', emailSenderIdentity: 'other.com' };
    expect(() => stackPropsFromContext({ tryGetContext: (key) => context[key] })).toThrow(/emailSenderIdentity="other.com"/);
  });
});
