import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchFolders } from '../../test/scratch-folders.js';
import { planStack, rateIntervalMs } from './stack-plan.js';

const newFolder = scratchFolders('facekit-plan-');

function writeAssembly(template: object): string {
  const dir = newFolder();
  mkdirSync(join(dir, 'asset.abc'));
  writeFileSync(join(dir, 'Demo.template.json'), JSON.stringify(template));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({ artifacts: { Demo: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Demo.template.json' } } } }),
  );
  return dir;
}

const template = {
  Resources: {
    Table1: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] } },
    Bucket1: { Type: 'AWS::S3::Bucket', Properties: { CorsConfiguration: { CorsRules: [{ AllowedMethods: ['PUT'], AllowedOrigins: ['http://a'] }] } } },
    Faces: { Type: 'AWS::Rekognition::Collection', Properties: { CollectionId: { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-faces']] } } },
    Indexer: {
      Type: 'AWS::Lambda::Function',
      Metadata: { 'aws:asset:path': 'asset.abc' },
      Properties: {
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Timeout: 30,
        Role: { 'Fn::GetAtt': ['IndexerRole', 'Arn'] },
        Architectures: ['arm64'],
        Description: 'indexes faces',
        LoggingConfig: { LogGroup: { Ref: 'IndexerLogs' }, LogFormat: 'JSON' },
        Environment: {
          Variables: {
            USERS_TABLE: { Ref: 'Table1' },
            UPLOAD_BUCKET: { Ref: 'Bucket1' },
            COLLECTION_ARN: { 'Fn::GetAtt': ['Faces', 'Arn'] },
            WHERE: { 'Fn::Sub': '${AWS::Region}/${Bucket1.Arn}' },
          },
        },
      },
    },
    IndexerRole: { Type: 'AWS::IAM::Role', Properties: {} },
    IndexerLogs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } },
    Notifier: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'python3.13', Code: { ZipFile: 'x' } } },
    Notifications: {
      Type: 'Custom::S3BucketNotifications',
      Properties: {
        BucketName: { Ref: 'Bucket1' },
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { Events: ['s3:ObjectCreated:*'], LambdaFunctionArn: { 'Fn::GetAtt': ['Indexer', 'Arn'] }, Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'enrol/' }] } } },
          ],
        },
      },
    },
    Pool: { Type: 'AWS::Cognito::UserPool', Properties: { LambdaConfig: { DefineAuthChallenge: { 'Fn::GetAtt': ['Indexer', 'Arn'] } } } },
    Client: { Type: 'AWS::Cognito::UserPoolClient', Properties: { UserPoolId: { Ref: 'Pool' }, ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH'] } },
  },
  Outputs: { UserPoolId: { Value: { Ref: 'Pool' } }, Region: { Value: { Ref: 'AWS::Region' } }, BucketName: { Value: { Ref: 'Bucket1' } } },
};

describe('planStack', () => {
  it('resolves references in environment variables, notifications, clients and outputs', () => {
    const plan = planStack({ cloudAssemblyDir: writeAssembly(template), stackName: 'Demo', region: 'eu-west-1' });

    const indexer = plan.functions.find((fn) => fn.logicalId === 'Indexer')!;
    expect(indexer.environment).toEqual({
      USERS_TABLE: 'Demo-Table1',
      UPLOAD_BUCKET: 'demo-bucket1',
      COLLECTION_ARN: 'arn:aws:rekognition:eu-west-1:000000000000:collection/Demo-faces',
      WHERE: 'eu-west-1/arn:aws:s3:::demo-bucket1',
    });
    expect(indexer.timeoutSeconds).toBe(30);
    // What GetFunctionConfiguration reports of it.
    expect(indexer.roleArn).toMatch(/^arn:aws:iam::000000000000:role\//);
    expect(indexer.architectures).toEqual(['arm64']);
    expect(indexer.description).toBe('indexes faces');
    // The template's own log group, not Lambda's default /aws/lambda/<name> (stock-tools audit).
    expect([indexer.logGroup, indexer.logFormat]).toEqual(['Demo-IndexerLogs', 'JSON']);
    expect(plan.buckets[0]!.notifications).toEqual([{ events: ['s3:ObjectCreated:*'], prefix: 'enrol/', suffix: undefined, functionName: indexer.name }]);
    expect(plan.collections).toEqual([{ logicalId: 'Faces', collectionId: 'Demo-faces' }]);
    expect(plan.userPools[0]!.userPoolId).toMatch(/^eu-west-1_[A-Za-z0-9]{9}$/);
    expect(plan.userPools[0]!.clients[0]!.clientId).toMatch(/^[a-z0-9]{26}$/);
    expect(plan.userPools[0]!.properties.LambdaConfig).toEqual({ DefineAuthChallenge: indexer.arn });
    expect(plan.outputs).toEqual({ UserPoolId: plan.userPools[0]!.userPoolId, Region: 'eu-west-1', BucketName: 'demo-bucket1' });
  });

  it('skips functions it cannot run and says why', () => {
    const plan = planStack({ cloudAssemblyDir: writeAssembly(template), stackName: 'Demo', region: 'eu-west-1' });

    expect(plan.skipped).toEqual([{ logicalId: 'Notifier', type: 'AWS::Lambda::Function', reason: 'no local code asset' }]);
  });

  it('names the deploy-time provider of a custom resource as such', () => {
    const withProvider = structuredClone(template) as typeof template & { Resources: { Notifications: { Properties: Record<string, unknown> } } };
    withProvider.Resources.Notifications.Properties.ServiceToken = { 'Fn::GetAtt': ['Notifier', 'Arn'] };

    const plan = planStack({ cloudAssemblyDir: writeAssembly(withProvider), stackName: 'Demo', region: 'eu-west-1' });

    expect(plan.skipped).toEqual([
      { logicalId: 'Notifier', type: 'AWS::Lambda::Function', reason: 'deploy-time custom-resource provider; the sim applies its resource itself' },
    ]);
  });

  it('gives the same physical ids on every run, so state survives a restart', () => {
    const dir = writeAssembly(template);
    const first = planStack({ cloudAssemblyDir: dir, stackName: 'Demo', region: 'eu-west-1' });
    const second = planStack({ cloudAssemblyDir: dir, stackName: 'Demo', region: 'eu-west-1' });

    expect(second.outputs).toEqual(first.outputs);
    expect(second.userPools[0]!.clients[0]!.clientId).toBe(first.userPools[0]!.clients[0]!.clientId);
  });

  it('refuses a notification to a function outside the stack', () => {
    const broken = structuredClone(template) as typeof template;
    (broken.Resources.Notifications.Properties.NotificationConfiguration.LambdaFunctionConfigurations[0] as { LambdaFunctionArn: unknown }).LambdaFunctionArn =
      'arn:aws:lambda:eu-west-1:1:function:elsewhere';

    expect(() => planStack({ cloudAssemblyDir: writeAssembly(broken), stackName: 'Demo', region: 'eu-west-1' })).toThrow(/not a function of this stack/);
  });
});

describe('scheduled rules', () => {
  const sweeper = { Type: 'AWS::Lambda::Function', Metadata: { 'aws:asset:path': 'asset.abc' }, Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler' } };
  const rule = (properties: Record<string, unknown>) => ({ Type: 'AWS::Events::Rule', Properties: { Targets: [{ Arn: { 'Fn::GetAtt': ['Sweeper', 'Arn'] }, Id: 'Target0' }], ...properties } });
  const planWith = (resources: Record<string, unknown>) =>
    planStack({ cloudAssemblyDir: writeAssembly({ ...template, Resources: { ...template.Resources, ...resources } }), stackName: 'Demo', region: 'eu-west-1' });

  it('runs a rate() rule\'s targets, and keeps warm only the functions something else calls', () => {
    const plan = planWith({ Sweeper: sweeper, Daily: rule({ ScheduleExpression: 'rate(1 day)', State: 'ENABLED' }) });
    const sweeperName = plan.functions.find((fn) => fn.logicalId === 'Sweeper')!.name;

    expect(plan.schedules).toEqual([
      { logicalId: 'Daily', ruleArn: 'arn:aws:events:eu-west-1:000000000000:rule/Demo-Daily', expression: 'rate(1 day)', intervalMs: 86_400_000, functionNames: [sweeperName] },
    ]);
    expect(plan.functions.map((fn) => [fn.logicalId, fn.keepWarm])).toEqual([['Indexer', undefined], ['Sweeper', false]]);
  });

  it('keeps warm a scheduled function that is also a trigger or a notification target', () => {
    const plan = planWith({ Hourly: { ...rule({ ScheduleExpression: 'rate(2 hours)' }), Properties: { ScheduleExpression: 'rate(2 hours)', Targets: [{ Arn: { 'Fn::GetAtt': ['Indexer', 'Arn'] } }] } } });

    expect(plan.schedules.map((schedule) => schedule.intervalMs)).toEqual([7_200_000]);
    expect(plan.functions.find((fn) => fn.logicalId === 'Indexer')!.keepWarm).toBeUndefined();
  });

  it('skips, saying why, a cron schedule, an event pattern and a disabled rule', () => {
    const plan = planWith({
      Sweeper: sweeper,
      Cron: rule({ ScheduleExpression: 'cron(0 3 * * ? *)' }),
      Pattern: rule({ EventPattern: { source: ['aws.s3'] } }),
      Off: rule({ ScheduleExpression: 'rate(1 day)', State: 'DISABLED' }),
    });

    expect(plan.schedules).toEqual([]);
    expect(plan.skipped.filter((skipped) => skipped.type === 'AWS::Events::Rule')).toEqual([
      { logicalId: 'Cron', type: 'AWS::Events::Rule', reason: 'schedule cron(0 3 * * ? *): the embedded cloud runs rate() schedules only' },
      { logicalId: 'Pattern', type: 'AWS::Events::Rule', reason: 'an event pattern rule; the embedded cloud runs schedules only' },
      { logicalId: 'Off', type: 'AWS::Events::Rule', reason: 'disabled' },
    ]);
    expect(plan.functions.find((fn) => fn.logicalId === 'Sweeper')!.keepWarm).toBeUndefined();
  });

  it('reads rate() as EventBridge writes it: a singular unit for 1, a plural one above', () => {
    expect(['rate(1 minute)', 'rate(5 minutes)', 'rate(1 hour)', 'rate(12 hours)', 'rate(1 day)', 'rate(30 days)'].map(rateIntervalMs)).toEqual([
      60_000, 300_000, 3_600_000, 43_200_000, 86_400_000, 2_592_000_000,
    ]);
    expect(['rate(1 minutes)', 'rate(2 day)', 'rate(0 days)', 'rate(1 week)', 'rate(1.5 hours)', 'rate(1day)', 'cron(0 * * * ? *)'].map(rateIntervalMs)).toEqual(Array(7).fill(undefined));
  });
});

describe('a damaged cloud assembly', () => {
  it('names the file cut short and says how to build it again', () => {
    const dir = writeAssembly(template);
    const file = join(dir, 'Demo.template.json');
    writeFileSync(file, '{"Resources": {');

    expect(() => planStack({ cloudAssemblyDir: dir, stackName: 'Demo', region: 'us-east-1' })).toThrow(
      `the cloud assembly file ${file} is damaged (not JSON): remove ${dir} and start again`,
    );
  });
});
