import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cognitoFromSimMessage,
  localStackEndpoint,
  localStackNotRunningMessage,
  missingCognitoReasons,
  nextStepsMessage,
  outputsWithSimUserPool,
  parseLocalStackHealth,
  serviceIsUsable,
  type LocalStackHealth,
} from '../../stack/localstack-deployment.js';

const projectDir = resolve(import.meta.dirname, '../..');

/** Trimmed from a community-edition report: Cognito is not among its services. */
const COMMUNITY_HEALTH = {
  services: { cloudformation: 'running', dynamodb: 'available', iam: 'running', lambda: 'running', logs: 'available', s3: 'running', sts: 'running' },
  edition: 'community',
  version: '4.0.0',
};
const PRO_HEALTH = { ...COMMUNITY_HEALTH, services: { ...COMMUNITY_HEALTH.services, 'cognito-idp': 'running' }, edition: 'pro' };

const deployedOutputs = (pool: Record<string, string>) => ({
  FaceAuthStack: {
    BucketName: 'faceauthstack-uploadbucket-abc',
    UsersTableName: 'FaceAuthStack-UsersTable-XYZ',
    CollectionId: 'faceauthstack-faces',
    Region: 'us-east-1',
    ...pool,
  },
});
const POOL = { UserPoolId: 'us-east-1_a1B2c3D4e', UserPoolClientId: '4tq1mth8vg7ml3c6ae9rvlk2fj' };

describe('localStackEndpoint', () => {
  it('prefers AWS_ENDPOINT_URL, then LOCALSTACK_ENDPOINT, then localhost:4566', () => {
    expect(localStackEndpoint({ AWS_ENDPOINT_URL: 'http://ls:4566/', LOCALSTACK_ENDPOINT: 'http://other:4566' })).toBe('http://ls:4566');
    expect(localStackEndpoint({ AWS_ENDPOINT_URL: ' ', LOCALSTACK_ENDPOINT: 'http://other:4566' })).toBe('http://other:4566');
    expect(localStackEndpoint({})).toBe('http://localhost:4566');
  });
});

describe('parseLocalStackHealth', () => {
  it('reads services, edition and version', () => {
    const health = parseLocalStackHealth(PRO_HEALTH);
    expect(health.edition).toBe('pro');
    expect(health.version).toBe('4.0.0');
    expect(serviceIsUsable(health, 'cognito-idp')).toBe(true);
    expect(serviceIsUsable(health, 'dynamodb')).toBe(true);
    expect(serviceIsUsable(health, 'rekognition')).toBe(false);
  });

  it('counts disabled or failed services as absent', () => {
    const health = parseLocalStackHealth({ services: { 'cognito-idp': 'disabled', s3: 'error' } });
    expect(serviceIsUsable(health, 'cognito-idp')).toBe(false);
    expect(serviceIsUsable(health, 's3')).toBe(false);
  });

  it.each([[null], [{}], [{ services: ['s3'] }], ['ok']])('rejects %j as not LocalStack', (body) => {
    expect(() => parseLocalStackHealth(body)).toThrow(/no "services" object: is this LocalStack\?/);
  });
});

describe('missingCognitoReasons', () => {
  const pro = parseLocalStackHealth(PRO_HEALTH);
  const community: LocalStackHealth = parseLocalStackHealth(COMMUNITY_HEALTH);

  it('finds nothing missing when LocalStack runs Cognito and the outputs carry real ids', () => {
    expect(missingCognitoReasons(deployedOutputs(POOL), 'FaceAuthStack', pro)).toEqual([]);
  });

  it('reports the free tier: no cognito-idp service, no pool outputs', () => {
    expect(missingCognitoReasons(deployedOutputs({}), 'FaceAuthStack', community)).toEqual([
      'LocalStack does not list cognito-idp among its services',
      'the stack outputs have no UserPoolId',
      'the stack outputs have no UserPoolClientId',
    ]);
  });

  it('reports unresolved pool outputs even when the health report lists Cognito', () => {
    const reasons = missingCognitoReasons(deployedOutputs({ UserPoolId: 'UserPool6BA7E5F2', UserPoolClientId: '${Token[TOKEN.123]}' }), 'FaceAuthStack', pro);
    expect(reasons).toEqual([
      'UserPoolId "UserPool6BA7E5F2" is not a user pool id (unresolved)',
      'UserPoolClientId "${Token[TOKEN.123]}" is not a client id (unresolved)',
    ]);
  });

  it('reports a disabled Cognito even with ids in the outputs', () => {
    const disabled = parseLocalStackHealth({ services: { 'cognito-idp': 'disabled' } });
    expect(missingCognitoReasons(deployedOutputs(POOL), 'FaceAuthStack', disabled)).toEqual(['LocalStack reports cognito-idp as "disabled"']);
  });

  it('reports a missing outputs file or stack', () => {
    expect(missingCognitoReasons(undefined, 'FaceAuthStack', pro)).toEqual(['the outputs file has no FaceAuthStack stack']);
    expect(missingCognitoReasons(deployedOutputs(POOL), 'FaceAuth-Dev', pro)).toEqual(['the outputs file has no FaceAuth-Dev stack']);
  });
});

describe('outputsWithSimUserPool', () => {
  const simOutputs = { FaceAuthStack: { UserPoolId: 'us-east-1_SimPool01', UserPoolClientId: 'simclient0123456789abcdefgh', CollectionId: 'faceauthstack-faces', Region: 'us-east-1' } };

  it("keeps LocalStack's bucket and table and takes the sim's pool and client", () => {
    expect(outputsWithSimUserPool(deployedOutputs({ UserPoolId: 'UserPool6BA7E5F2' }), simOutputs, 'FaceAuthStack')).toEqual({
      FaceAuthStack: {
        BucketName: 'faceauthstack-uploadbucket-abc',
        UsersTableName: 'FaceAuthStack-UsersTable-XYZ',
        CollectionId: 'faceauthstack-faces',
        Region: 'us-east-1',
        UserPoolId: 'us-east-1_SimPool01',
        UserPoolClientId: 'simclient0123456789abcdefgh',
      },
    });
  });

  it('refuses sim outputs without a pool (a sim not serving cognito-idp)', () => {
    expect(() => outputsWithSimUserPool(deployedOutputs({}), { FaceAuthStack: { CollectionId: 'faceauthstack-faces' } }, 'FaceAuthStack')).toThrow(
      /no user pool for FaceAuthStack/,
    );
  });
});

describe('messages', () => {
  it('tells how to start LocalStack', () => {
    const message = localStackNotRunningMessage('http://localhost:4566', 'ECONNREFUSED');
    expect(message).toContain('LocalStack is not running at http://localhost:4566 (ECONNREFUSED)');
    expect(message).toContain('`docker-compose --profile localstack up -d localstack sim-rekognition` (needs LOCALSTACK_AUTH_TOKEN)');
  });

  it('explains the dropped pool with every reason and where the sim serves it', () => {
    const message = cognitoFromSimMessage(['LocalStack does not list cognito-idp among its services'], 'http://127.0.0.1:4567');
    expect(message).toMatch(/has no Cognito/);
    expect(message).toMatch(/dropped the user pool/);
    expect(message).toContain('  - LocalStack does not list cognito-idp among its services');
    expect(message).toContain('http://127.0.0.1:4567');
  });

  it('gives CLI commands that target the Cognito endpoint', () => {
    expect(nextStepsMessage('http://127.0.0.1:4567', '/p/cdk-outputs.json')).toContain('npx facekit signup --endpoint http://127.0.0.1:4567 --email');
  });
});

describe('npm run deploy:local', () => {
  const run = (env: Record<string, string>, args: string[] = []) =>
    new Promise<{ code: number | null; output: string }>((resolveRun, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'stack/deploy-local.ts', ...args], {
        cwd: projectDir,
        env: { ...process.env, LOCALSTACK_ENDPOINT: '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('error', reject);
      child.on('exit', (code) => resolveRun({ code, output }));
    });

  it('--help says what it does and where it looks, without asking LocalStack or deploying', async () => {
    const { code, output } = await run({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9' }, ['--help']);

    expect(code).toBe(0);
    expect(output).toMatch(/^Usage: npm run deploy:local \[-- cdk options\]/);
    expect(output).toContain('(now http://127.0.0.1:9)');
    expect(output).not.toContain('checking LocalStack');
    expect(output).not.toContain('$ cdklocal');
  });

  it('stops before deploying when nothing answers at the endpoint', async () => {
    const server = createServer();
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as { port: number };
    await new Promise((closed) => server.close(closed));

    const { code, output } = await run({ AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` });
    expect(code).toBe(1);
    expect(output).toContain(`LocalStack is not running at http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(output).not.toContain('$ cdklocal');
  });

  it('stops before deploying when the endpoint is not LocalStack', async () => {
    const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}'));
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    try {
      const { port } = server.address() as { port: number };
      const { code, output } = await run({ AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` });
      expect(code).toBe(1);
      expect(output).toMatch(/LocalStack is not running at .*is this LocalStack\?/);
      expect(output).not.toContain('$ cdklocal');
    } finally {
      await new Promise((closed) => server.close(closed));
    }
  });
});
