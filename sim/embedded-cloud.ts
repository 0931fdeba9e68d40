// The embedded cloud: every emulated service on one endpoint, created from the synthesized stack.
// Requests are routed as AWS endpoints route them: JSON-protocol calls by `X-Amz-Target`
// (Cognito, Rekognition, DynamoDB), Lambda and SES by path, S3 by bucket path.
// The same wiring serves a subset of the services (services mode, next to LocalStack): whatever is
// not served here is reached at another endpoint (S3 images for Rekognition, Lambda for Cognito).
import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyReply } from 'fastify';
import { CreateCollectionCommand, RekognitionClient, ResourceAlreadyExistsException } from '@aws-sdk/client-rekognition';
import { S3Client } from '@aws-sdk/client-s3';
import { registerJsonServices, type JsonService, type PassthroughService } from './aws-json-protocol.js';
import { systemClock, type Clock } from './clock.js';
import { planStack, type StackPlan } from './cloud-assembly/stack-plan.js';
import { userPoolConfigFromPlan } from './cloud-assembly/user-pool-config.js';
import { createCognitoService } from './cognito/index.js';
import { createDynamoDbService } from './dynamodb/index.js';
import type { FunctionInvoker } from './lambda/function-invoker.js';
import { LambdaApiInvoker } from './lambda/lambda-api-invoker.js';
import { createLambdaRuntime } from './lambda/lambda-runtime.js';
import { Outbox, type Email } from './outbox.js';
import { createRekognitionService } from './rekognition/service.js';
import { corsRulesFromConfiguration } from './s3/bucket-config-translation.js';
import { createS3Service } from './s3/s3-service.js';
import { createSesService } from './ses/ses-service.js';
import { freePort } from './free-port.js';

const WEB_DIR = resolvePath(import.meta.dirname, '../web');
const WEB_CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

export const LOCAL_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Service names as AWS spells them in endpoints and as `/_sim/health` lists them. */
export const SERVICE_NAMES = ['cognito-idp', 'rekognition', 'dynamodb', 's3', 'lambda', 'ses'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

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

export interface SimServerOptions extends EmbeddedCloudOptions {
  /** The services this endpoint serves; the embedded cloud serves all of SERVICE_NAMES. */
  services: readonly ServiceName[];
  /** Where Rekognition reads `S3Object` images when S3 is not served here (path-style, test credentials). */
  s3Endpoint?: string;
  /** Lambda Invoke API for Cognito triggers and S3 notifications when Lambda is not served here. */
  lambdaEndpoint?: string;
}

export interface EmbeddedCloud {
  endpoint: string;
  /** The stack outputs this endpoint serves (all of them unless only some services are served). */
  outputs: Record<string, string>;
  plan: StackPlan;
  outbox: Outbox;
  services: ServiceName[];
  close(): Promise<void>;
}

/** Every emulated service on one endpoint: what `npm start` runs. */
export async function startEmbeddedCloud(options: EmbeddedCloudOptions): Promise<EmbeddedCloud> {
  return startSimServer({ ...options, services: SERVICE_NAMES });
}

/**
 * The collections to create: the template's `AWS::Rekognition::Collection` resources and, for a
 * template without one (target=localstack: LocalStack has no Rekognition), the `CollectionId` output.
 */
export function collectionIdsOf(plan: StackPlan): string[] {
  const ids = plan.collections.map(({ collectionId }) => collectionId);
  const output = plan.outputs.CollectionId;
  if (output && !ids.includes(output)) ids.push(output);
  return ids;
}

/** The outputs naming something this endpoint serves (plus the region), e.g. the pool ids in services mode. */
function servedOutputs(plan: StackPlan, services: ReadonlySet<ServiceName>): Record<string, string> {
  if (SERVICE_NAMES.every((service) => services.has(service))) return { ...plan.outputs };
  const served = new Set<string>([plan.region]);
  if (services.has('cognito-idp')) {
    for (const pool of plan.userPools) [pool.userPoolId, ...pool.clients.map((client) => client.clientId)].forEach((id) => served.add(id));
  }
  if (services.has('rekognition')) collectionIdsOf(plan).forEach((id) => served.add(id));
  if (services.has('s3')) plan.buckets.forEach((bucket) => served.add(bucket.name));
  if (services.has('dynamodb')) plan.tables.forEach((table) => served.add(String(table.properties.TableName)));
  if (services.has('lambda')) plan.functions.forEach((fn) => served.add(fn.name));
  return Object.fromEntries(Object.entries(plan.outputs).filter(([, value]) => served.has(value)));
}

/** Starts the listed services from the stack template on one endpoint. */
export async function startSimServer(options: SimServerOptions): Promise<EmbeddedCloud> {
  const region = options.region ?? 'us-east-1';
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => undefined);
  const services = new Set(options.services);
  if (services.size === 0) throw new Error('no service to serve');
  const serves = (service: ServiceName) => services.has(service);
  if (serves('rekognition') && !serves('s3') && !options.s3Endpoint) {
    throw new Error('Rekognition without S3 here needs an S3 endpoint to read images from (FACEKIT_S3_ENDPOINT)');
  }
  if ((serves('cognito-idp') || serves('s3')) && !serves('lambda') && !options.lambdaEndpoint) {
    throw new Error('Cognito triggers and S3 notifications without Lambda here need a Lambda endpoint (FACEKIT_LAMBDA_ENDPOINT)');
  }

  const plan = planStack({ cloudAssemblyDir: options.cloudAssemblyDir, stackName: options.stackName, region });
  if (serves('lambda')) {
    for (const skipped of plan.skipped) log(`not emulated: ${skipped.logicalId} (${skipped.type}): ${skipped.reason}`);
  }

  // The functions' SDK clients need the endpoint before the server listens, so pick the port first.
  const port = options.port || (await freePort(host));
  const endpointHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const endpoint = `http://${endpointHost}:${port}`;

  const closers: Array<() => Promise<void>> = [];
  /** Work that must not delay readiness: started once the server listens. */
  const afterListen: Array<() => void> = [];
  const outbox = new Outbox({ dataDir: options.dataDir, clock, print: options.onEmail });
  const jsonServices: JsonService[] = [];
  const routes: Partial<Record<ServiceName, FastifyPluginAsync>> = {};
  const passthroughServices: PassthroughService[] = [];

  if (serves('dynamodb')) {
    const dynamodb = await createDynamoDbService({ dataDir: options.dataDir, clock, log });
    closers.push(() => dynamodb.close());
    for (const table of plan.tables) await dynamodb.createTable(table.properties);
    passthroughServices.push(dynamodb.passthrough);
  }

  // Functions run here (embedded) or wherever the Lambda endpoint is (LocalStack's Invoke API).
  let invoker: FunctionInvoker | undefined;
  if (serves('lambda')) {
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
    // Loading a bundle takes a second or more; every function is warmed in the background once
    // the server answers (below), so neither readiness nor the first trigger pays for it.
    afterListen.push(() => {
      const warming = lambda.prewarm().catch((error: unknown) => log(`prewarm: ${(error as Error).message}`));
      closers.push(() => warming);
    });
    routes.lambda = lambda.routes;
    invoker = lambda;
  } else if (options.lambdaEndpoint) {
    const remote = new LambdaApiInvoker({ endpoint: options.lambdaEndpoint, region, credentials: LOCAL_CREDENTIALS });
    closers.push(async () => remote.close());
    invoker = remote;
  }

  if (serves('s3')) {
    const s3 = createS3Service({
      dataDir: options.dataDir,
      clock,
      region,
      invoker: invoker!,
      onError: (error) => log(`s3: ${(error as Error).message ?? String(error)}`),
    });
    closers.push(() => s3.close());
    for (const bucket of plan.buckets) {
      s3.createBucket({ name: bucket.name, cors: corsRulesFromConfiguration(bucket.corsRules), notifications: bucket.notifications });
    }
    routes.s3 = s3.routes;
  }

  if (serves('rekognition')) {
    const imageStore = new S3Client({ region, endpoint: serves('s3') ? endpoint : options.s3Endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
    const rekognition = createRekognitionService({ dataDir: options.dataDir, clock, region, s3: imageStore });
    closers.push(async () => {
      await rekognition.close();
      imageStore.destroy();
    });
    jsonServices.push(rekognition);
  }

  if (serves('cognito-idp')) {
    const cognito = createCognitoService({
      pools: plan.userPools.map((pool) => userPoolConfigFromPlan(pool, region)),
      invoker: invoker!,
      outbox,
      dataDir: options.dataDir,
      clock,
      issuerBaseUrl: endpoint,
    });
    closers.push(() => cognito.close());
    jsonServices.unshift(cognito.json);
    routes['cognito-idp'] = cognito.routes;
  }

  if (serves('ses')) routes.ses = createSesService({ outbox, clock }).routes;

  const outputs = servedOutputs(plan, services);
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024 });
  closers.unshift(() => app.close());
  registerJsonServices(app, jsonServices, region, { passthrough: passthroughServices });
  const servedList = SERVICE_NAMES.filter(serves);
  app.get('/_sim/health', async () => ({ status: 'ready', services: servedList }));
  app.get('/_sim/outputs', async () => ({ [plan.stackName]: outputs }));
  // The face sign-in page (web/), on the APIs' own origin so the browser needs no CORS. Only
  // plain file names directly in web/ match, so no path can climb out of it.
  app.get('/_sim/web', async (_request, reply) => reply.redirect('/_sim/web/'));
  const serveWebFile = async (file: string, reply: FastifyReply) => {
    const type = /^[a-z0-9][a-z0-9-]*\.(html|js|css)$/.test(file) ? WEB_CONTENT_TYPES[file.split('.').pop()!] : undefined;
    const body = type ? await readFile(resolvePath(WEB_DIR, file)).catch(() => undefined) : undefined;
    if (!body) return reply.code(404).type('text/plain; charset=utf-8').send('Not Found');
    return reply.type(type!).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(body);
  };
  app.get('/_sim/web/', async (_request, reply) => serveWebFile('index.html', reply));
  app.get('/_sim/web/:file', async (request, reply) => serveWebFile((request.params as { file: string }).file, reply));
  for (const service of ['cognito-idp', 'ses', 'lambda', 's3'] as const) {
    const plugin = routes[service];
    if (plugin) await app.register(plugin);
  }
  try {
    await app.listen({ port, host });
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
  for (const start of afterListen) start();

  // Collections are created through the API, as CloudFormation would create them.
  if (serves('rekognition')) {
    const rekognitionClient = new RekognitionClient({ region, endpoint, credentials: LOCAL_CREDENTIALS });
    for (const collectionId of collectionIdsOf(plan)) {
      await rekognitionClient.send(new CreateCollectionCommand({ CollectionId: collectionId })).catch((error: unknown) => {
        if (!(error instanceof ResourceAlreadyExistsException)) throw error;
      });
    }
    rekognitionClient.destroy();
  }

  return {
    endpoint,
    outputs,
    plan,
    outbox,
    services: servedList,
    async close() {
      for (const close of closers) await close().catch((error: unknown) => log(`shutdown: ${(error as Error).message}`));
    },
  };
}
