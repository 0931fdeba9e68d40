// The template `cdklocal deploy --context target=localstack` deploys: what differs from the AWS
// template (no collection, Rekognition endpoint, path-style S3, fixed function names) and what
// must not (the user pool stays, every grant stays scoped).
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_ENDPOINT, InvalidContextError, stackPropsFromContext } from '../../stack/stack-context.js';
import { synthesize } from '../stack/synthesize.js';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
  Metadata?: Json;
  DependsOn?: string[];
}
interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const HANDLERS = [
  'PreSignUp',
  'CustomMessage',
  'PostConfirmation',
  'DefineAuthChallenge',
  'CreateAuthChallenge',
  'VerifyAuthChallengeResponse',
  'PostAuthentication',
  'PreTokenGeneration',
  'FaceIndexer',
] as const;
type HandlerId = (typeof HANDLERS)[number];

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const resourcesOf = (template: Template, type: string) => template.findResources(type) as Record<string, Resource>;

function handlerFunctions(template: Template): Map<HandlerId, [string, Resource]> {
  const byHandler = new Map<HandlerId, [string, Resource]>();
  for (const [logicalId, resource] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
    const handler = HANDLERS.find((id) => resource.Metadata?.['aws:cdk:path'] === `FaceAuthStack/${id}/Function/Resource`);
    if (handler) byHandler.set(handler, [logicalId, resource]);
  }
  return byHandler;
}

const environmentOf = (resource: Resource) => ((resource.Properties.Environment as Json | undefined)?.Variables ?? {}) as Record<string, unknown>;

/** Every statement of the role a function runs with. */
function statementsOf(template: Template, fn: Resource): PolicyStatement[] {
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

function rekognitionGrants(template: Template, fn: Resource): Array<{ actions: string[]; resources: string[] }> {
  return statementsOf(template, fn)
    .filter((statement) => asList(statement.Action).some((action) => action.startsWith('rekognition:')))
    .map((statement) => ({ actions: asList(statement.Action).sort(), resources: asList(statement.Resource).map((resource) => JSON.stringify(resource)) }));
}

describe('FaceAuthStack with target=localstack', () => {
  let template: Template;
  let functions: Map<HandlerId, [string, Resource]>;

  beforeAll(() => {
    template = synthesize({ target: 'localstack' }).template;
    functions = handlerFunctions(template);
    expect([...functions.keys()].sort()).toEqual([...HANDLERS].sort());
  });

  it('creates no Rekognition collection but still outputs its id for the sim to create', () => {
    expect(resourcesOf(template, 'AWS::Rekognition::Collection')).toEqual({});
    expect((template.toJSON().Outputs as Record<string, { Value: unknown }>).CollectionId.Value).toBe('faceauthstack-faces');
    // Nothing may depend on a resource that is not there. Each function waits at least for its
    // role's policy, so the check below runs over every function's dependencies, never over none.
    for (const [handler, [, fn]] of functions) expect(fn.DependsOn ?? [], handler).not.toEqual([]);
    const dependencies = Object.values(template.toJSON().Resources as Record<string, Resource>).flatMap((resource) => resource.DependsOn ?? []);
    for (const dependency of dependencies) expect(template.toJSON().Resources[dependency], dependency).toBeDefined();
  });

  it('keeps the user pool, its client, the bucket and the table', () => {
    for (const type of ['AWS::Cognito::UserPool', 'AWS::Cognito::UserPoolClient', 'AWS::S3::Bucket', 'AWS::DynamoDB::Table']) {
      expect(Object.keys(resourcesOf(template, type)), type).toHaveLength(1);
    }
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual(['BucketName', 'CollectionId', 'Region', 'UserPoolClientId', 'UserPoolId', 'UsersTableName']);
  });

  it('names every handler function <stackName>-<Handler>', () => {
    for (const [handler, [, fn]] of functions) {
      expect(fn.Properties.FunctionName, handler).toBe(`FaceAuthStack-${handler}`);
    }
  });

  it('points every handler at the sim for Rekognition and Cognito, and at path-style S3 URLs', () => {
    for (const [handler, [, fn]] of functions) {
      expect(environmentOf(fn), handler).toMatchObject({
        AWS_ENDPOINT_URL_REKOGNITION: DEFAULT_SIM_ENDPOINT,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: DEFAULT_SIM_ENDPOINT,
        S3_FORCE_PATH_STYLE: 'true',
      });
    }
    // The contract variables are unchanged: the collection id is the one the sim creates.
    expect(environmentOf(functions.get('VerifyAuthChallengeResponse')![1]).FACE_COLLECTION_ID).toBe('faceauthstack-faces');
    expect(environmentOf(functions.get('FaceIndexer')![1]).FACE_COLLECTION_ID).toBe('faceauthstack-faces');
  });

  it('wires the triggers to the named functions, so the sim planned from this template invokes them', () => {
    const [, pool] = Object.entries(resourcesOf(template, 'AWS::Cognito::UserPool'))[0];
    const lambdaConfig = pool.Properties.LambdaConfig as Record<string, unknown>;
    expect(Object.keys(lambdaConfig)).toHaveLength(8);
    const functionIdsByLogicalId = new Map([...functions.values()].map(([logicalId, fn]) => [logicalId, fn.Properties.FunctionName]));
    for (const [trigger, target] of Object.entries(lambdaConfig)) {
      const [logicalId] = (target as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      expect(functionIdsByLogicalId.get(logicalId), trigger).toBe(`FaceAuthStack-${trigger}`);
    }
  });

  it('still scopes the Rekognition grants to the one collection, by ARN', () => {
    const collectionArn = JSON.stringify({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rekognition:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':collection/faceauthstack-faces']],
    });
    expect(rekognitionGrants(template, functions.get('VerifyAuthChallengeResponse')![1])).toEqual([
      { actions: ['rekognition:DeleteFaces', 'rekognition:SearchFacesByImage'], resources: [collectionArn] },
    ]);
    expect(rekognitionGrants(template, functions.get('FaceIndexer')![1])).toEqual([
      { actions: ['rekognition:DeleteFaces', 'rekognition:IndexFaces', 'rekognition:ListFaces'], resources: [collectionArn] },
    ]);
    // PreTokenGeneration removes the old face of a take-back cut short (handlers/enrolment-follow-up.ts).
    expect(rekognitionGrants(template, functions.get('PreTokenGeneration')![1])).toEqual([
      { actions: ['rekognition:DeleteFaces'], resources: [collectionArn] },
    ]);
    for (const handler of HANDLERS.filter((id) => !['VerifyAuthChallengeResponse', 'FaceIndexer', 'PreTokenGeneration'].includes(id))) {
      expect(rekognitionGrants(template, functions.get(handler)![1]), handler).toEqual([]);
    }
  });

  it('has no policy statement on Resource "*" or with a wildcard action', () => {
    const policies = Object.entries(resourcesOf(template, 'AWS::IAM::Policy'));
    // One policy per handler's role at least (plus CDK's bucket-notifications one): never an empty check.
    expect(policies.length).toBeGreaterThanOrEqual(HANDLERS.length);
    for (const [policyId, policy] of policies) {
      for (const statement of (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement) {
        expect(asList(statement.Resource), policyId).not.toContain('*');
        for (const action of asList(statement.Action)) expect(action, policyId).not.toMatch(/\*/);
      }
    }
  });

  it('uses the simEndpoint context and the stack name in the names', () => {
    const { template: custom } = synthesize({ target: 'localstack', simEndpoint: 'http://127.0.0.1:4567', stackName: 'FaceAuth-Dev' });
    const customFunctions = handlerFunctions(custom);
    expect(customFunctions.get('DefineAuthChallenge')![1].Properties.FunctionName).toBe('FaceAuth-Dev-DefineAuthChallenge');
    expect(environmentOf(customFunctions.get('FaceIndexer')![1]).AWS_ENDPOINT_URL_REKOGNITION).toBe('http://127.0.0.1:4567');
  });
});

describe('target context', () => {
  const propsFor = (context: Record<string, unknown>) => stackPropsFromContext({ tryGetContext: (key) => context[key] });

  it('defaults to aws, without names or sim endpoint', () => {
    expect(propsFor({}).target).toEqual({ kind: 'aws' });
    const functions = handlerFunctions(synthesize().template);
    expect([...functions.keys()].sort()).toEqual([...HANDLERS].sort());
    for (const [handler, [, fn]] of functions) {
      expect(fn.Properties.FunctionName, handler).toBeUndefined();
      expect(environmentOf(fn).AWS_ENDPOINT_URL_REKOGNITION, handler).toBeUndefined();
      expect(environmentOf(fn).AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, handler).toBeUndefined();
    }
  });

  it('reads target=localstack with the default or a given sim endpoint', () => {
    expect(propsFor({ target: 'localstack' }).target).toEqual({ kind: 'localstack', simEndpoint: 'http://sim-rekognition:4566' });
    expect(propsFor({ target: ' localstack ', simEndpoint: 'http://10.0.0.5:4567' }).target).toEqual({ kind: 'localstack', simEndpoint: 'http://10.0.0.5:4567' });
  });

  it.each([
    [{ target: 'LocalStack' }, /Invalid context target="LocalStack": expected "aws" or "localstack"/],
    [{ target: 'localstack', simEndpoint: 'sim-rekognition:4566' }, /Invalid context simEndpoint=.*expected an endpoint like/],
    [{ target: 'localstack', simEndpoint: 'http://sim:4566/path' }, /Invalid context simEndpoint=.*expected an endpoint like/],
    [{ target: 'aws', simEndpoint: 'http://sim:4566' }, /expected no value unless target=localstack/],
    [{ target: 'localstack', stackName: `S${'x'.repeat(36)}` }, /at most 36 characters with target=localstack/],
  ])('rejects %j', (context, message) => {
    expect(() => propsFor(context)).toThrow(InvalidContextError);
    expect(() => propsFor(context)).toThrow(message);
  });

  it('accepts the longest stack name whose function names fit in 64 characters', () => {
    const stackName = `S${'x'.repeat(35)}`;
    expect(propsFor({ target: 'localstack', stackName }).stackName).toBe(stackName);
    expect(`${stackName}-VerifyAuthChallengeResponse`).toHaveLength(64);
  });
});
