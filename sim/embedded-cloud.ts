// The embedded cloud: every emulated service on one endpoint, created from the synthesized stack.
// Requests are routed as AWS endpoints route them: JSON-protocol calls by `X-Amz-Target`
// (Cognito, Rekognition, DynamoDB), Lambda and SES by path, S3 by bucket path.
// The same wiring serves a subset of the services (services mode, next to LocalStack): whatever is
// not served here is reached at another endpoint (S3 images for Rekognition, Lambda for Cognito).
import { createRequire } from 'node:module';
import { join, resolve as resolvePath } from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { S3Client } from '@aws-sdk/client-s3';
import { AwsServiceError, registerJsonServices, type JsonService, type PassthroughService } from './aws-json-protocol.js';
import { systemClock, type Clock } from './clock.js';
import { planStack, type StackPlan } from './cloud-assembly/stack-plan.js';
import { AccessControl } from './iam/access-control.js';
import { answerKitRouteError } from './internal-errors.js';
import { jsonApiRequests, sendEmailIdentityRequests, type ResourceNames } from './iam/service-actions.js';
import { userPoolConfigFromPlan } from './cloud-assembly/user-pool-config.js';
import { createCognitoService, prepareSigningKeys, userPoolDirectory } from './cognito/index.js';
import type { CloudFormationTableProperties } from './dynamodb/cloudformation-table.js';
import { createDynamoDbService } from './dynamodb/index.js';
import type { FunctionInvoker } from './lambda/function-invoker.js';
import { createLambdaRuntime } from './lambda/lambda-runtime.js';
import { Outbox, type Email } from './outbox.js';
import { preloadImageDecoder } from './rekognition/matcher/decode-image.js';
import { createRekognitionService } from './rekognition/service.js';
import { DEFAULT_LOCAL_CREDENTIALS, RequestSignatureVerifier, type LocalCredentials } from './request-signature.js';
import { corsRulesFromConfiguration, expirationRulesFromConfiguration } from './s3/bucket-config-translation.js';
import { answerS3ClientErrors, pathOf, type RefusedRequest } from './s3/client-errors.js';
import { answerS3FrameworkError, createS3Service, S3_ROUTER_OPTIONS, type S3Service } from './s3/s3-service.js';
import { createSesService } from './ses/ses-service.js';
import { createStsService } from './sts/sts-service.js';
import { freePort } from './free-port.js';
import { signingServiceOf } from './signing-service-constraint.js';
import { refuseUnservedRestApis, unservedRestApiOf } from './unserved-apis.js';
import { appBackendRoutes } from '../examples/app-backend/routes.js';
import { createTokenVerifier } from '../examples/app-backend/token-verifier.js';
import { allowedHostsFromEnv, refuseRebindableHosts } from './allowed-hosts.js';
import { bodyMemoryBudget, bodyMemoryBytesFromEnv, type BodyMemoryOptions } from './body-memory.js';
import { applyConnectionTimeouts, connectionTimeoutsFromEnv, type ConnectionTimeouts } from './connection-timeouts.js';
import { kitRouteCors } from './browser-cors.js';
import { runSchedules } from './scheduled-rules.js';
import { functionLogLevelFromEnv, printsFunctionLine, type FunctionLogLevel } from './lambda/function-log-filter.js';
import { extraWebOriginsFromEnv, kitOwnOrigins, urlHostOf, withKitOwnOrigins } from './kit-origins.js';
import { webPageRoutes } from './web-page/routes.js';

/** The page as `npm start` builds it (sim/web-page/build-cache.ts). */
const WEB_DIST_DIR = resolvePath(import.meta.dirname, '../web/dist');

/** The default credentials every served API accepts (`test`/`test`); see `credentials` below. */
export const LOCAL_CREDENTIALS = DEFAULT_LOCAL_CREDENTIALS;

/** How long a stop waits for requests in flight before it closes their connections. */
const SHUTDOWN_GRACE_MS = 2000;

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
  /**
   * The base of the tokens' `iss` (`<base>/<userPoolId>`). Default: AWS's own,
   * `https://cognito-idp.<region>.amazonaws.com`, so stock verifiers (aws-jwt-verify's
   * CognitoJwtVerifier) accept the tokens given the kit's JWKS; docs/cognito.md.
   */
  tokenIssuerBaseUrl?: string;
  /**
   * The only key IAM-authenticated calls may be signed with (Cognito admin operations, Rekognition,
   * DynamoDB, Lambda, SES, S3); the functions' SDK clients get it too. Default `test`/`test`.
   */
  credentials?: LocalCredentials;
  /** Progress and function log lines. */
  log?: (line: string) => void;
  onEmail?: (email: Email) => void;
  /** The built page served at /_sim/web/, or a promise of it while it builds; default web/dist as it is. */
  webPage?: string | Promise<string>;
  /**
   * Host names answered besides IP addresses, localhost and other names no outsider can point
   * here (sim/allowed-hosts.ts); `.suffix` for a domain, `*` for any. Default: FACEKIT_ALLOWED_HOSTS.
   */
  allowedHosts?: readonly string[];
  /**
   * Origins let in besides the stack's web origins and the kit's own, in the bucket's CORS and on
   * the kit's routes, for this kit only (sim/kit-origins.ts). Default: FACEKIT_WEB_ORIGINS.
   */
  extraWebOrigins?: readonly string[];
  /** Which of the functions' log lines reach `log` (sim/lambda/function-log-filter.ts). Default: FACEKIT_FUNCTION_LOGS, else all. */
  functionLogs?: FunctionLogLevel;
  /**
   * How long a silent socket and a whole request may take (sim/connection-timeouts.ts); a stalled
   * upload is answered as S3 answers it. Default: FACEKIT_IDLE_TIMEOUT_MS and
   * FACEKIT_REQUEST_TIMEOUT_MS, else 20 s and 5 minutes.
   */
  connectionTimeouts?: Partial<ConnectionTimeouts>;
  /**
   * How many bytes the bodies of requests on their way in may hold together, counted as they
   * come (sim/body-memory.ts); a body beyond is refused as AWS refuses a request it cannot take
   * now (S3: 503 SlowDown).
   * Default: FACEKIT_BODY_MEMORY_MB, else 256 MiB.
   */
  bodyMemoryBytes?: number;
  /** When a large body is too slow to keep its room (sim/body-memory.ts); tests shorten the patience. */
  bodyMemoryOptions?: BodyMemoryOptions;
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
  /** Browser origins the kit's own routes (`/_sim/*`, the JWKS) answer: the stack's web origins and its own. */
  webOrigins: string[];
  /** The origins FACEKIT_WEB_ORIGINS (or `extraWebOrigins`) let in on this kit only. */
  extraWebOrigins: readonly string[];
  services: ServiceName[];
  close(): Promise<void>;
}

/** Where Cognito's tokens say they come from: `iss` is this plus `/<userPoolId>`. */
export function awsCognitoIssuerBaseUrl(region: string): string {
  return `https://cognito-idp.${region}.amazonaws.com`;
}

/** Fastify's own refusals of a request no route saw (a path it cannot decode), in an AWS shape. */
function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply, servesS3: boolean): void {
  if (servesS3) return answerS3FrameworkError(error, request, reply);
  reply.code(400).header('content-type', 'application/json').header('x-amzn-errortype', 'BadRequestException')
    .send(JSON.stringify({ __type: 'BadRequestException', message: error.message }));
}

/**
 * Whether S3 would have served a request that never reached the router, judged from its path as
 * the routes here divide paths: S3's wildcards take every path but the JSON and Query protocols'
 * `/`, the kit's `/_sim/` and `/favicon.ico`, a pool's `/.well-known/` documents, SES's
 * `/v2/email/`, Lambda's dated API paths (`/2015-03-31/...`) unless signed for S3, and requests
 * signed for a service with no REST API here (sim/unserved-apis.ts).
 */
function servedByS3({ path, headers }: RefusedRequest): boolean {
  if (path === '/' || path === '/favicon.ico' || path.startsWith('/_sim/') || path.startsWith('/v2/email/')) return false;
  if (unservedRestApiOf({ url: path, headers }) !== undefined) return false;
  if (/^\/[^/]+\/\.well-known\//.test(path)) return false;
  return !/^\/\d{4}-\d{2}-\d{2}(\/|$)/.test(path) || signingServiceOf({ headers, url: path }) === 's3';
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

/**
 * The origins a page may read the kit's own routes from: the stack's `webOrigins` (the upload
 * bucket's CORS origins, the one place the template records them) and the origins the kit adds
 * to them (its own, its page under any loopback name, and FACEKIT_WEB_ORIGINS; sim/kit-origins.ts).
 */
function webOriginsOf(plan: StackPlan, addedOrigins: readonly string[]): string[] {
  const fromStack = plan.buckets.flatMap((bucket) =>
    bucket.corsRules.flatMap((rule) => (Array.isArray(rule.AllowedOrigins) ? (rule.AllowedOrigins as unknown[]).map(String) : [])),
  );
  return [...new Set([...fromStack.filter((origin) => !origin.includes('*')), ...addedOrigins])];
}

/**
 * Fastify's JSON-schema compilers (Ajv and fast-json-stringify), loaded when a route first declares
 * a schema rather than when the server is created: the kit's routes declare none, and loading them
 * cost 70-150 ms of every start before the endpoint could answer.
 */
function schemaCompilersOnFirstUse(): NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']> {
  const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
  type Factory = (...args: unknown[]) => (...args: unknown[]) => unknown;
  const onFirstUse = (name: string) => {
    let factory: Factory | undefined;
    return (...args: unknown[]) => (factory ??= (requireFromFastify(name) as () => Factory)())(...args);
  };
  return { buildValidator: onFirstUse('@fastify/ajv-compiler') as never, buildSerializer: onFirstUse('@fastify/fast-json-stringify-compiler') as never };
}

/** The names IAM checks calls against, from the template (a table's partition key for dynamodb:LeadingKeys). */
function resourceNamesOf(plan: StackPlan): ResourceNames {
  const partitionKeys = new Map(plan.tables.map((table) => {
    const { TableName, KeySchema } = table.properties as Partial<CloudFormationTableProperties>;
    return [String(TableName), KeySchema?.find((key) => key.KeyType === 'HASH')?.AttributeName];
  }));
  return { region: plan.region, accountId: plan.accountId, partitionKeyOf: (tableName) => partitionKeys.get(tableName) };
}

/** Starts the listed services from the stack template on one endpoint. */
export async function startSimServer(options: SimServerOptions): Promise<EmbeddedCloud> {
  const region = options.region ?? 'us-east-1';
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => undefined);
  const credentials = options.credentials ?? DEFAULT_LOCAL_CREDENTIALS;
  const services = new Set(options.services);
  if (services.size === 0) throw new Error('no service to serve');
  // Read before anything starts, so a bad FACEKIT_*_TIMEOUT_MS stops the start with its own message.
  const timeoutsFromEnv = connectionTimeoutsFromEnv(process.env);
  const connectionTimeouts: ConnectionTimeouts = {
    idleMs: options.connectionTimeouts?.idleMs ?? timeoutsFromEnv.idleMs,
    requestMs: options.connectionTimeouts?.requestMs ?? timeoutsFromEnv.requestMs,
  };
  const bodyMemory = bodyMemoryBudget(options.bodyMemoryBytes ?? bodyMemoryBytesFromEnv(process.env), options.bodyMemoryOptions);
  const extraWebOrigins = options.extraWebOrigins ?? extraWebOriginsFromEnv(process.env.FACEKIT_WEB_ORIGINS);
  const functionLogLevel = options.functionLogs ?? functionLogLevelFromEnv(process.env.FACEKIT_FUNCTION_LOGS);
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
  const endpointHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : urlHostOf(host);
  const endpoint = `http://${endpointHost}:${port}`;
  // Added to the stack's web origins, in the bucket's CORS and on the kit's routes alike.
  const addedOrigins = [...kitOwnOrigins(endpoint), ...extraWebOrigins];

  // Next to LocalStack, functions there sign with temporary keys from LocalStack's STS that the
  // sim cannot look up; everything else must be signed with the local key.
  const signatures = new RequestSignatureVerifier({ credentials, clock, region, trustTemporaryCredentials: services.size < SERVICE_NAMES.length });
  // Functions run here sign with their roles' keys, and their calls are checked against the roles'
  // policies (sim/iam/access-control.ts); the kit's own key is not checked.
  const accessControl = new AccessControl({ accountId: plan.accountId, rootSecret: credentials.secretAccessKey });
  if (serves('lambda')) {
    for (const fn of plan.functions) {
      fn.credentials = accessControl.credentialsFor(fn.name, fn.role);
      if (!fn.credentials) continue;
      signatures.keys.add(fn.credentials);
    }
    for (const { functionName, reason } of accessControl.unchecked) log(`iam: calls of ${functionName} are not checked: ${reason}`);
  }
  const resourceNames = resourceNamesOf(plan);
  const closers: Array<() => Promise<void>> = [];
  /** Work that must not delay readiness: started once the server listens. */
  const afterListen: Array<() => void> = [];
  const outbox = new Outbox({ dataDir: options.dataDir, clock, print: options.onEmail });
  const jsonServices: JsonService[] = [];
  const routes: Partial<Record<ServiceName, FastifyPluginAsync>> = {};
  const passthroughServices: PassthroughService[] = [];

  // A new data folder needs two RSA keys per pool: generated on node's thread pool while the
  // rest starts, rather than one after the other on the main thread when Cognito is created.
  const dataDir = options.dataDir;
  const signingKeysReady = serves('cognito-idp') && dataDir
    ? Promise.all(plan.userPools.map((pool) => prepareSigningKeys(userPoolDirectory(dataDir, pool.userPoolId))))
    : undefined;
  // Awaited below; a failure here must not go unhandled meanwhile.
  signingKeysReady?.catch(() => undefined);

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
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        // Functions run on nodejs22.x in AWS; here on this process's Node, which may be 20.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // An endpoint named by a host name (`--host localhost`) would otherwise make the SDK address
        // `<bucket>.localhost`, which Node cannot resolve; path-style names the endpoint as it is,
        // in the presigned URLs too (the handlers' setting, which LocalStack's functions get as well).
        S3_FORCE_PATH_STYLE: 'true',
      },
      onLog: (functionName, line) => {
        if (printsFunctionLine(functionLogLevel, line)) log(`[${functionName.replace(`${plan.stackName}-`, '')}] ${line}`);
      },
      signatures,
      authorize: (accessKeyId, action, resource) => accessControl.check(accessKeyId, [{ action, resource }])?.message,
      // Accepted events (S3 notifications, Invoke with InvocationType Event) survive a stop or a kill.
      dataDir: options.dataDir,
    });
    closers.push(() => lambda.close());
    // Loading a bundle takes a second or more; every function is warmed in the background once
    // the server answers (below), so neither readiness nor the first trigger pays for it.
    afterListen.push(() => {
      const warming = lambda.prewarm().catch((error: unknown) => log(`prewarm: ${(error as Error).message}`));
      closers.push(() => warming);
      const resumed = lambda.resumeAsync();
      if (resumed > 0) log(`lambda: delivering ${resumed} asynchronous invocation(s) accepted before the last stop`);
    });
    routes.lambda = lambda.routes;
    invoker = lambda;
    // The template's scheduled rules (the deleted-user sweep), as EventBridge would run them.
    const stopSchedules = runSchedules(plan.schedules, {
      invoker: lambda,
      region,
      accountId: plan.accountId,
      clock,
      ...(options.dataDir ? { stateFile: join(options.dataDir, 'lambda', 'schedules.json') } : {}),
      onError: (error) => log(`schedule: ${(error as Error).message ?? String(error)}`),
    });
    closers.push(async () => stopSchedules());
  } else if (options.lambdaEndpoint) {
    // Loaded only here: the embedded cloud never needs the Lambda SDK client itself.
    const { LambdaApiInvoker } = await import('./lambda/lambda-api-invoker.js');
    const remote = new LambdaApiInvoker({ endpoint: options.lambdaEndpoint, region, credentials });
    closers.push(async () => remote.close());
    invoker = remote;
  }

  let localS3: S3Service | undefined;
  /** The Rekognition beside this S3, once it exists: it looks ahead at stored pictures. */
  let noticeStoredPicture: ((body: Uint8Array) => void) | undefined;
  if (serves('s3')) {
    const s3 = createS3Service({
      dataDir: options.dataDir,
      clock,
      region,
      keys: signatures.keys,
      accountId: plan.accountId,
      accessControl,
      invoker: invoker!,
      onError: (error) => log(`s3: ${(error as Error).message ?? String(error)}`),
      onObjectStored: (body) => noticeStoredPicture?.(body),
    });
    closers.push(() => s3.close());
    for (const bucket of plan.buckets) {
      s3.createBucket({
        name: bucket.name,
        // The kit's page uploads from whichever loopback name it was opened by (sim/kit-origins.ts).
        cors: withKitOwnOrigins(corsRulesFromConfiguration(bucket.corsRules), addedOrigins),
        notifications: bucket.notifications,
        expiration: expirationRulesFromConfiguration(bucket.lifecycleRules),
        settings: bucket.settings,
      });
    }
    routes.s3 = s3.routes;
    localS3 = s3;
  }

  if (serves('rekognition')) {
    // Rekognition reads images from the S3 beside it directly, as it reads S3 from inside AWS;
    // only the S3 of another endpoint (LocalStack's) takes an SDK client.
    let imageStore: S3Client | undefined;
    if (!localS3) {
      const { S3Client } = await import('@aws-sdk/client-s3');
      imageStore = new S3Client({ region, endpoint: options.s3Endpoint, forcePathStyle: true, credentials });
    }
    const rekognition = createRekognitionService({ dataDir: options.dataDir, clock, region, s3: localS3 ?? imageStore });
    closers.push(async () => {
      await rekognition.close();
      imageStore?.destroy();
    });
    jsonServices.push(rekognition);
    if (localS3) noticeStoredPicture = (body) => rekognition.noticeStored(body);
    afterListen.push(preloadImageDecoder);
    // The template's collections, created by the service's own CreateCollection operation (the
    // call CloudFormation makes) before the endpoint answers, so no request finds one missing.
    for (const collectionId of collectionIdsOf(plan)) {
      await rekognition.operations.CreateCollection!({ CollectionId: collectionId }, { request: { log: { error: () => undefined } }, region } as never)
        .catch((error: unknown) => {
          if ((error as AwsServiceError).code !== 'ResourceAlreadyExistsException') throw error;
        });
    }
  }

  if (serves('cognito-idp')) {
    await signingKeysReady;
    const cognito = createCognitoService({
      pools: plan.userPools.map((pool) => userPoolConfigFromPlan(pool, region)),
      invoker: invoker!,
      outbox,
      dataDir: options.dataDir,
      clock,
      issuerBaseUrl: options.tokenIssuerBaseUrl ?? awsCognitoIssuerBaseUrl(region),
    });
    closers.push(() => cognito.close());
    jsonServices.unshift(cognito.json);
    routes['cognito-idp'] = cognito.routes;
  }

  if (serves('ses')) {
    routes.ses = createSesService({
      outbox,
      clock,
      signatures,
      authorizeSendEmail: (accessKeyId, from) => {
        const identities = sendEmailIdentityRequests(from ?? '', resourceNames);
        const refusals = identities.map((identity) => accessControl.check(accessKeyId, [identity]));
        return refusals.every((refusal) => refusal !== undefined) ? refusals[0]!.message : undefined;
      },
    }).routes;
  }

  const outputs = servedOutputs(plan, services);
  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: 32 * 1024 * 1024,
    schemaController: { compilersFactory: schemaCompilersOnFirstUse() },
    routerOptions: S3_ROUTER_OPTIONS,
    // A path find-my-way cannot percent-decode never reaches a route. S3 owns every path no other
    // route claims, so it answers in S3's shape (400 InvalidURI) when S3 is served here.
    frameworkErrors: (error, request, reply) => answerFrameworkError(error, request, reply, localS3 !== undefined),
  });
  closers.unshift(async () => {
    // Requests in flight get a moment to finish; then every connection is closed, a client half-way
    // through sending a body among them, which would otherwise hold the stop for the idle timeout.
    const forced = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    try {
      await app.close();
    } finally {
      clearTimeout(forced);
    }
  });
  applyConnectionTimeouts(app.server, connectionTimeouts);
  app.addHook('preParsing', bodyMemory.hold);
  // The kit's own routes (/_sim/*, the pools' .well-known documents, the web page) answer a thrown
  // error as Fastify does, except that a 500 is reported on stderr and never quotes its message,
  // as the services' own handlers do. Those handlers (S3's, Lambda's, SES's...) replace this one.
  app.setErrorHandler(answerKitRouteError());
  // A request Node's parser refuses (a head over 16 KiB, a body short of its Content-Length) gets
  // S3's XML on the paths S3 serves; the other services keep Fastify's answer, saying the
  // connection closes (a services-mode kit, with no S3 of its own, too).
  answerS3ClientErrors(app.server, (request) => localS3 !== undefined && servedByS3(request));
  refuseRebindableHosts(app, options.allowedHosts ?? allowedHostsFromEnv(process.env.FACEKIT_ALLOWED_HOSTS), (request) =>
    localS3 !== undefined && servedByS3({ method: request.method, path: pathOf(request.url), headers: request.headers }));
  refuseUnservedRestApis(app);
  // Pages on the web origins (a dev server on another port) may read the kit's own routes.
  const webOrigins = webOriginsOf(plan, addedOrigins);
  const kitCors = kitRouteCors(webOrigins, log, extraWebOrigins);
  app.addHook('onSend', async (request, reply, payload) => {
    kitCors.addResponseHeaders(request, reply);
    return payload;
  });
  // Once the response is sent: the JSON APIs' own onSend hooks, which run after this app-wide
  // one, add the header that tells a refusal from an answer for any origin.
  app.addHook('onResponse', async (request, reply) => kitCors.reportRefusedOrigin(request, reply));
  app.options('/_sim/*', kitCors.answerPreflight);
  app.options('/:poolId/.well-known/*', kitCors.answerPreflight);
  // A browser opening the endpoint itself gets the page rather than S3's ListBuckets refusal.
  app.addHook('onRequest', async (request, reply) => {
    const browserVisit = request.method === 'GET' && request.url === '/' && !request.headers.authorization && /text\/html/.test(request.headers.accept ?? '');
    if (browserVisit) return reply.redirect('/_sim/web/');
  });
  // Signed calls from a browser only from the web origins: the kit's key is no secret (sim/browser-cors.ts).
  registerJsonServices(app, jsonServices, region, {
    passthrough: passthroughServices,
    signatures,
    signedCallOrigins: webOrigins,
    authorize: (accessKeyId, signingName, operation, input) => {
      if (!accessControl.checks(accessKeyId)) return undefined;
      const body = input();
      const denied = body && accessControl.check(accessKeyId, jsonApiRequests(signingName, operation, body, resourceNames));
      return denied ? new AwsServiceError('AccessDeniedException', denied.message) : undefined;
    },
  });
  const servedList = SERVICE_NAMES.filter(serves);
  app.get('/_sim/health', async () => ({ status: 'ready', services: servedList }));
  app.get('/_sim/outputs', async () => ({ [plan.stackName]: outputs }));
  await app.register(webPageRoutes(options.webPage ?? WEB_DIST_DIR));
  // The example app backend (examples/app-backend/) on the kit's endpoint: `GET /_sim/example/me`
  // accepts an access token of the stack's pool only after CognitoJwtVerifier verified it.
  const examplePool = serves('cognito-idp') ? plan.userPools[0] : undefined;
  if (examplePool?.clients.length) {
    const verifier = createTokenVerifier({
      userPoolId: examplePool.userPoolId,
      clientId: examplePool.clients.map((client) => client.clientId),
      kitEndpoint: endpoint,
    });
    await app.register(appBackendRoutes(verifier), { prefix: '/_sim/example' });
  }
  // Not a service of the stack, but what stock tools ask first: `aws sts get-caller-identity`.
  await app.register(createStsService({ signatures, accountId: plan.accountId, callerOf: (accessKeyId) => accessControl.callerOf(accessKeyId) }).routes);
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
  

  return {
    endpoint,
    outputs,
    plan,
    outbox,
    webOrigins,
    extraWebOrigins,
    services: servedList,
    async close() {
      for (const close of closers) await close().catch((error: unknown) => log(`shutdown: ${(error as Error).message}`));
    },
  };
}
