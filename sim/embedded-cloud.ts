// The embedded cloud: every emulated service on one endpoint, created from the synthesized stack.
// Requests are routed as AWS endpoints route them: JSON-protocol calls by `X-Amz-Target`
// (Cognito, Rekognition, DynamoDB), Lambda and SES by path, S3 by bucket path.
import { createServer } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { CreateCollectionCommand, RekognitionClient, ResourceAlreadyExistsException } from '@aws-sdk/client-rekognition';
import { S3Client } from '@aws-sdk/client-s3';
import { registerJsonServices } from './aws-json-protocol.js';
import { systemClock, type Clock } from './clock.js';
import { planStack, type StackPlan } from './cloud-assembly/stack-plan.js';
import { userPoolConfigFromPlan } from './cloud-assembly/user-pool-config.js';
import { createCognitoService } from './cognito/index.js';
import { createDynamoDbService } from './dynamodb/index.js';
import { createLambdaRuntime } from './lambda/lambda-runtime.js';
import { Outbox, type Email } from './outbox.js';
import { createRekognitionService } from './rekognition/service.js';
import { corsRulesFromConfiguration } from './s3/bucket-config-translation.js';
import { createS3Service } from './s3/s3-service.js';
import { createSesService } from './ses/ses-service.js';

export const LOCAL_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface EmbeddedCloudOptions {
  cloudAssemblyDir: string;
  stackName: string;
  region?: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** State lives here when given (a restart keeps it); in memory otherwise. */
  dataDir?: string;
  clock?: Clock;
  /** Progress and function log lines. */
  log?: (line: string) => void;
  onEmail?: (email: Email) => void;
}

export interface EmbeddedCloud {
  endpoint: string;
  outputs: Record<string, string>;
  plan: StackPlan;
  outbox: Outbox;
  close(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedCloud(options: EmbeddedCloudOptions): Promise<EmbeddedCloud> {
  const region = options.region ?? 'us-east-1';
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => undefined);
  const plan = planStack({ cloudAssemblyDir: options.cloudAssemblyDir, stackName: options.stackName, region });
  for (const skipped of plan.skipped) log(`not emulated: ${skipped.logicalId} (${skipped.type}): ${skipped.reason}`);

  // The functions' SDK clients need the endpoint before the server listens, so pick the port first.
  const port = options.port || (await freePort(host));
  const endpointHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const endpoint = `http://${endpointHost}:${port}`;

  const closers: Array<() => Promise<void>> = [];
  const outbox = new Outbox({ dataDir: options.dataDir, clock, print: options.onEmail });

  const dynamodb = await createDynamoDbService({ dataDir: options.dataDir, clock, log });
  closers.push(() => dynamodb.close());
  for (const table of plan.tables) await dynamodb.createTable(table.properties);

  const lambda = createLambdaRuntime({
    functions: plan.functions,
    region,
    clock,
    baseEnv: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      // Functions run on nodejs22.x in AWS; here on this process's Node, which may be 20.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    onLog: (functionName, line) => log(`[${functionName.replace(`${plan.stackName}-`, '')}] ${line}`),
  });
  closers.push(() => lambda.close());
  // Loading a bundle takes a second or more; warm every function in the background so the first
  // trigger does not spend it inside Cognito's 5-second budget.
  const warming = lambda.prewarm().catch((error: unknown) => log(`prewarm: ${(error as Error).message}`));
  closers.push(() => warming);

  const s3 = createS3Service({
    dataDir: options.dataDir,
    clock,
    region,
    invoker: lambda,
    onError: (error) => log(`s3: ${(error as Error).message ?? String(error)}`),
  });
  closers.push(() => s3.close());
  for (const bucket of plan.buckets) {
    s3.createBucket({ name: bucket.name, cors: corsRulesFromConfiguration(bucket.corsRules), notifications: bucket.notifications });
  }

  const rekognition = createRekognitionService({
    dataDir: options.dataDir,
    clock,
    region,
    s3: new S3Client({ region, endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS }),
  });

  const cognito = createCognitoService({
    pools: plan.userPools.map((pool) => userPoolConfigFromPlan(pool, region)),
    invoker: lambda,
    outbox,
    dataDir: options.dataDir,
    clock,
    issuerBaseUrl: endpoint,
  });
  closers.push(() => cognito.close());
  const ses = createSesService({ outbox, clock });

  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024 });
  closers.unshift(() => app.close());
  registerJsonServices(app, [cognito.json, rekognition], region, { passthrough: [dynamodb.passthrough] });
  app.get('/_sim/health', async () => ({ status: 'ready', services: ['cognito-idp', 'rekognition', 'dynamodb', 's3', 'lambda', 'ses'] }));
  app.get('/_sim/outputs', async () => ({ [plan.stackName]: plan.outputs }));
  await app.register(cognito.routes);
  await app.register(ses.routes);
  await app.register(lambda.routes);
  await app.register(s3.routes);
  await app.listen({ port, host });

  // Collections are created through the API, as CloudFormation would create them.
  const rekognitionClient = new RekognitionClient({ region, endpoint, credentials: LOCAL_CREDENTIALS });
  for (const { collectionId } of plan.collections) {
    await rekognitionClient.send(new CreateCollectionCommand({ CollectionId: collectionId })).catch((error: unknown) => {
      if (!(error instanceof ResourceAlreadyExistsException)) throw error;
    });
  }
  rekognitionClient.destroy();

  return {
    endpoint,
    outputs: plan.outputs,
    plan,
    outbox,
    async close() {
      for (const close of closers) await close().catch((error: unknown) => log(`shutdown: ${(error as Error).message}`));
    },
  };
}
