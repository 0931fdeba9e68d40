// The S3 emulator as a Fastify plugin: path-style `/<bucket>/<key>` on the shared server. Routes
// are wildcards that leave `POST /` (JSON protocol services) to others, and every more specific
// route (`/_sim/*`, Cognito's JWKS) wins over them by Fastify's rules. Lambda's dated paths
// (`/2015-03-31/...` and the like) are Lambda's unless the request is signed for another service,
// so a bucket named like a date still works (sim/lambda/lambda-api-routes.ts).
import { METHODS } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { BodyMemoryExhaustedError } from '../body-memory.js';
import { RequestTimeoutError } from '../connection-timeouts.js';
import type { FunctionInvoker } from '../lambda/function-invoker.js';
import type { CorsRule } from './cors.js';
import { corsResponseHeaders, findCorsRule } from './cors.js';
import type { NotificationConfig } from './event-notifications.js';
import { Sequencer } from './event-notifications.js';
import { abortIncompleteUploads, expireObjects, type ExpirationRule } from './lifecycle.js';
import { DEFAULT_MULTIPART_LIMITS, MultipartUploads, type MultipartLimits } from './multipart-uploads.js';
import { isValidBucketName, ObjectStore } from './object-store.js';
import { DEFAULT_LOCAL_CREDENTIALS, SigningKeys } from '../request-signature.js';
import { RequestAuthenticator, type Authenticated } from './request-authenticator.js';
import type { BucketSettings, PendingInvocation, S3Call, S3Services } from './s3-context.js';
import { LOCAL_ACCOUNT_ID } from '../cloud-assembly/stack-plan.js';
import { accessDenied, errorXml, methodNotAllowed, noSuchBucket, notImplemented, S3Error } from './s3-errors.js';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from './operations/bucket-operations.js';
import {
  getBucketCors,
  getBucketEncryption,
  getBucketLifecycleConfiguration,
  getBucketNotificationConfiguration,
  getBucketOwnershipControls,
  getBucketPolicy,
  getBucketVersioning,
  getPublicAccessBlock,
  refuseVersionedBucket,
} from './operations/bucket-configuration.js';
import type { AccessControl } from '../iam/access-control.js';
import { s3AuthorizationRequest, s3ObjectArn } from '../iam/service-actions.js';
import { corsPreflight } from './operations/cors-preflight.js';
import { deleteObject, deleteObjects } from './operations/delete-objects.js';
import { getObject, getObjectTagging } from './operations/get-object.js';
import { listObjectsV1, listObjectsV2, listObjectVersions } from './operations/list-objects.js';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listMultipartUploads, listParts, uploadPart } from './operations/multipart-upload.js';
import { postObject, type FormUploadAuthority } from './operations/post-object.js';
import { isMultipartFormData } from './form-data.js';
import { putObject } from './operations/put-object.js';

export type { CorsRule } from './cors.js';
export type { NotificationConfig } from './event-notifications.js';
export { corsRulesFromConfiguration, expirationRulesFromConfiguration, notificationsFromConfiguration } from './bucket-config-translation.js';
export type { ExpirationRule } from './lifecycle.js';

export interface BucketConfig {
  name: string;
  cors?: CorsRule[];
  notifications?: NotificationConfig[];
  /** Lifecycle expiration rules; expired objects are deleted by the sweep. */
  expiration?: ExpirationRule[];
  /** The rest of its configuration, read back by GetBucketEncryption, GetBucketPolicy... (operations/bucket-configuration.ts). */
  settings?: BucketSettings;
}

export interface S3ServiceOptions {
  /** Objects persist under `<dataDir>/s3/`; memory only when absent. */
  dataDir?: string;
  clock?: Clock;
  region?: string;
  /** The keys requests may be signed with (the embedded cloud shares its verifier's). Default `test`/`test`. */
  keys?: SigningKeys;
  /** The account that owns every bucket, as `x-amz-expected-bucket-owner` names it. Default 000000000000. */
  accountId?: string;
  /** Checks the calls of functions' keys against their roles' policies (sim/iam/access-control.ts). */
  accessControl?: AccessControl;
  /** Delivers bucket notifications; without one, each undeliverable event goes to onError. */
  invoker?: FunctionInvoker;
  /** Failed notification deliveries and internal errors. */
  onError?(error: unknown): void;
  /** Told each object body a PUT stored (the embedded cloud's Rekognition looks at pictures ahead). */
  onObjectStored?(body: Uint8Array): void;
  /**
   * What open multipart uploads may hold (docs/s3.md, Multipart upload): default 100 uploads and
   * 1 GiB of parts all together, on disk with a data folder, else in memory.
   */
  multipartLimits?: Partial<MultipartLimits>;
  /** How often (real time) the lifecycle sweep runs while idle; 0 turns the timer off. Default 60 s. */
  lifecycleSweepIntervalMs?: number;
}

export interface S3Service {
  routes: FastifyPluginAsync;
  /** Creates the bucket if needed and (re)applies its CORS rules, notifications and lifecycle rules. */
  createBucket(config: BucketConfig): void;
  /**
   * An object's bytes, read inside this process (how the embedded Rekognition reads `S3Object`
   * images, as Rekognition reads S3 from inside AWS); undefined when bucket or key is missing.
   */
  readObject(bucket: string, key: string): Promise<Uint8Array | undefined>;
  /** An object's size in bytes, without reading it; undefined when bucket or key is missing. */
  objectSize(bucket: string, key: string): number | undefined;
  /** Deletes every object whose lifecycle expiration time (on the injected clock) has passed; returns `bucket/key`s. */
  expireObjects(): string[];
  close(): Promise<void>;
}

/** S3's refusal of a request signed for another region than the bucket's, by how it was signed. */
function wrongRegion(signer: Authenticated, bucketRegion: string): S3Error {
  const details = { Region: bucketRegion };
  const wrong = `the region '${signer.region}' is wrong; expecting '${bucketRegion}'`;
  return signer.presigned
    ? new S3Error('AuthorizationQueryParametersError', `Error parsing the X-Amz-Credential parameter; ${wrong}`, 400, details)
    : new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${wrong}`, 400, details);
}

/** S3 single PUT objects are capped at 5 GB; the emulator keeps bodies in memory while handling them. */
export const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

/** The longest object key S3 accepts, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

const keyTooLong = (key: string) =>
  new S3Error('KeyTooLongError', 'Your key is too long', 400, { MaxSizeAllowed: MAX_KEY_BYTES, Size: Buffer.byteLength(key, 'utf8') });

/** Requests with these query parameters ask for features the emulator does not have (the multipart ones past its operations). */
const UNSUPPORTED_SUBRESOURCES = [
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'encryption', 'intelligent-tiering', 'inventory',
  'legal-hold', 'lifecycle', 'logging', 'metrics', 'notification', 'object-lock', 'ownershipControls',
  'partNumber', 'policy', 'policyStatus', 'publicAccessBlock', 'replication', 'requestPayment', 'restore',
  'retention', 'select', 'tagging', 'torrent', 'uploadId', 'uploads', 'versioning', 'versionId', 'versions', 'website',
];

/** The multipart upload operations, by method and subresource (`?uploads`, `?uploadId`, `?partNumber&uploadId`). */
function multipartOperation(call: S3Call): ((call: S3Call) => unknown) | undefined {
  const { key, query } = call;
  const method = call.request.method;
  if ('versionId' in query) return undefined;
  if (!key) return method === 'GET' && 'uploads' in query ? listMultipartUploads : undefined;
  if (method === 'POST' && 'uploads' in query && !('uploadId' in query)) return createMultipartUpload;
  if (!('uploadId' in query)) return undefined;
  if (method === 'PUT' && 'partNumber' in query) return uploadPart;
  if ('partNumber' in query) return undefined;
  if (method === 'POST') return completeMultipartUpload;
  if (method === 'DELETE') return abortMultipartUpload;
  if (method === 'GET') return listParts;
  return undefined;
}

/** GetObjectTagging (`GET ?tagging` on an object); the other tagging calls are not emulated. */
function objectTaggingOperation(call: S3Call): ((call: S3Call) => unknown) | undefined {
  const { key, query } = call;
  return call.request.method === 'GET' && key && 'tagging' in query && !('versionId' in query) ? getObjectTagging : undefined;
}

/**
 * `?versionId=null` on an object of a bucket without versioning: the one version S3 keeps of it,
 * the `null` that ListObjectVersions lists, so the call is served as one without the parameter
 * (GetObject, HeadObject, DeleteObject, GetObjectTagging). Any other id is S3's InvalidArgument.
 * They were 501 NotImplemented, which broke the clean-up scripts that delete every version listed
 * (stock-tools audit).
 */
function readAsCurrentVersion(call: S3Call): void {
  refuseVersionedBucket(call);
  const versionId = call.query.versionId;
  if (versionId !== 'null') {
    throw new S3Error('InvalidArgument', 'Invalid version id specified', 400, { ArgumentName: 'versionId', ArgumentValue: String(versionId ?? '') });
  }
  delete call.query.versionId;
  call.reply.header('x-amz-version-id', 'null');
}

/** The methods S3 operations use. */
const S3_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'POST']);
/** Methods Fastify routes that no S3 operation uses: S3 answers them 405 MethodNotAllowed (Node 20's parser refuses QUERY itself), as it does every other method Node parses. */
const UNUSED_METHODS = ['PATCH', 'TRACE', 'QUERY'];

/** A request sweeps expired objects when the last sweep is this old on the injected clock. */
const SWEEP_EVERY_MS = 60_000;

const OWNER_ID = createHash('sha256').update('cognito-face-kit embedded S3 owner').digest('hex');

interface RequestState {
  requestId: string;
  hostId: string;
  bucket?: string;
  /** Events of the operation not yet handed over to the invoker. */
  pendingInvocations: PendingInvocation[];
  /** The response is over: sent, or its client gone before it could be. */
  responseClosed: boolean;
  /** Settles when the response is over: the notifications' delivery waits for it. */
  responseOver: Promise<void>;
  endResponse(): void;
  /** A Content-Type Fastify would refuse to route to a parser (empty, no subtype), restored for S3. */
  unparseableContentType?: string;
  /** The Content-Type of a browser form upload (POST Object), whose body the operation reads as a stream. */
  formUploadContentType?: string;
  /** The request as admitted before its body was read (a PUT or POST; admit). */
  admitted?: Admitted;
}

/** A request admitted, with the operation to run; a form upload's signature is in its body, checked there. */
type Admitted = { call: S3Call; formUpload?: true } | { answer: () => unknown };

/**
 * The media type a form upload's Content-Type is swapped for while Fastify routes its body: its
 * parser hands the operation the stream, not 64 MiB read into memory (onRequest).
 */
const FORM_UPLOAD_MEDIA_TYPE = 'application/x-facekit-s3-form-upload';

/** `type/subtype`: what Fastify needs to pick a body parser; S3 stores any string. */
const PARSEABLE_CONTENT_TYPE = /^\s*[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+\s*(;.*)?$/;

export function createS3Service(options: S3ServiceOptions = {}): S3Service {
  const clock = options.clock ?? systemClock;
  const region = options.region ?? 'us-east-1';
  const s3Folder = options.dataDir ? join(options.dataDir, 's3') : undefined;
  const store = new ObjectStore(s3Folder);
  const uploads = new MultipartUploads(s3Folder, { ...DEFAULT_MULTIPART_LIMITS, ...options.multipartLimits });
  const expirationRules = new Map<string, ExpirationRule[]>();
  const bucketSettings = new Map<string, BucketSettings>();
  const services: S3Services = {
    store, uploads, clock, region, sequencer: new Sequencer(), ownerId: OWNER_ID,
    expirationRulesOf: (bucket) => expirationRules.get(bucket) ?? [],
    settingsOf: (bucket) => bucketSettings.get(bucket) ?? {},
    onObjectStored: options.onObjectStored,
  };
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const authenticator = new RequestAuthenticator(options.keys ?? new SigningKeys(DEFAULT_LOCAL_CREDENTIALS), clock);
  const states = new WeakMap<FastifyRequest, RequestState>();
  let lastSweep = Number.NEGATIVE_INFINITY;

  function sweep(): string[] {
    lastSweep = clock.now();
    const expired: string[] = [];
    for (const [bucket, rules] of expirationRules) {
      // Not push(...keys): spread into arguments, a sweep of some 125,000 keys overflows the stack.
      for (const key of expireObjects(store, bucket, rules, lastSweep)) expired.push(`${bucket}/${key}`);
      abortIncompleteUploads(uploads, bucket, rules, lastSweep);
    }
    return expired;
  }
  const sweepIntervalMs = options.lifecycleSweepIntervalMs ?? 60_000;
  const sweepTimer = sweepIntervalMs > 0 ? setInterval(() => {
    try {
      sweep();
    } catch (error) {
      options.onError?.(error);
    }
  }, sweepIntervalMs) : undefined;
  sweepTimer?.unref();

  /** Throws when the invoker could not keep the event (sim/lambda/function-invoker.ts); a failed delivery goes to onError. */
  function deliver({ functionName, event }: PendingInvocation, after: Promise<void>): void {
    if (!options.invoker) {
      options.onError?.(new Error(`S3 notification for ${functionName} dropped: no function invoker configured`));
      return;
    }
    options.invoker.invokeAsync(functionName, event, { after }).catch((error: unknown) => options.onError?.(error));
  }

  /**
   * Hands the operation's events to the invoker before the response goes out, so that one which
   * keeps them (the embedded Lambda, on disk) has them even if the kit dies right after
   * answering; each is delivered once the response is over, as S3's notifications are
   * asynchronous. Throws, once every event was handed over, when one could not be kept (a full
   * disk): the response is then S3's 500 InternalError, not an acknowledgement whose event is
   * lost (the client tries again, as the SDKs do on a 500, and its new PUT notifies).
   */
  function handOverPending(state: RequestState): void {
    let notKept: unknown;
    for (const invocation of state.pendingInvocations.splice(0)) {
      try {
        deliver(invocation, state.responseOver);
      } catch (error) {
        notKept ??= error;
      }
    }
    if (notKept !== undefined) throw notKept;
  }

  /** For a response already over: nobody is left to answer, so an event not kept is only reported. */
  function handOverPendingOfClosedResponse(state: RequestState): void {
    try {
      handOverPending(state);
    } catch (error) {
      options.onError?.(error);
    }
  }

  /**
   * A request whose client hung up while it was handled (its body had arrived whole) still stores
   * its object, as on S3, so it still notifies: its response's 'close' came before the operation
   * queued anything, and nothing after it would send what the operation queued.
   */
  async function handleThenNotifyIfGone(request: FastifyRequest, reply: FastifyReply) {
    const answer = await handle(request, reply);
    const state = states.get(request)!;
    if (state.responseClosed) handOverPendingOfClosedResponse(state);
    return answer;
  }

  /**
   * Everything S3 decides about a request before its body matters: the bucket, the credentials
   * (S3's SigV4 covers x-amz-content-sha256, never the body itself), the permissions. A PUT or
   * POST is admitted before its body is read (the preParsing hook below), so that a request
   * nobody signed is refused without the kit holding up to 64 MiB of it first; what it sent is
   * then drained, not kept. Nothing here answers: an answer that needs no operation (a HEAD of
   * no bucket, a preflight) is returned for the handler to give.
   */
  async function admit(request: FastifyRequest, reply: FastifyReply, state: RequestState): Promise<Admitted> {
    // Also swept on requests, on the injected clock: a test that moves the clock sees expired objects gone.
    if (clock.now() - lastSweep >= SWEEP_EVERY_MS) sweep();
    // The Content-Type as sent, which a signature may cover (Fastify's parser is given another; onRequest).
    const contentTypeAsSent = state.unparseableContentType ?? state.formUploadContentType;
    const headers = contentTypeAsSent === undefined ? request.headers : { ...request.headers, 'content-type': contentTypeAsSent };
    const queryAt = request.url.indexOf('?');
    const rawPath = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
    const { bucket, key } = parsePath(rawPath, virtualHostBucket(request.headers.host));
    const query = parseQuery(queryAt < 0 ? '' : request.url.slice(queryAt + 1));
    state.bucket = bucket || undefined;
    const method = request.method;
    const call: S3Call = {
      request,
      reply,
      services,
      requestId: state.requestId,
      hostId: state.hostId,
      bucket,
      key,
      query,
      accessKeyId: '',
      pendingInvocations: state.pendingInvocations,
    };

    // PATCH, TRACE: no S3 operation uses them, whatever the resource or the credentials.
    if (!S3_METHODS.has(method)) throw methodNotAllowed(method, key ? 'OBJECT' : bucket ? 'BUCKET' : 'SERVICE');
    // A name S3 would never accept cannot hold a bucket (this also covers Cognito pool ids).
    const creatingBucket = method === 'PUT' && !key;
    if (bucket && !creatingBucket && !isValidBucketName(bucket)) {
      if (method === 'HEAD') return { answer: () => reply.code(404).send() };
      throw noSuchBucket(bucket);
    }
    if (method === 'OPTIONS' && bucket) return { answer: () => corsPreflight(call) };
    // S3 names a missing bucket before it checks credentials, so an unsigned request to a path
    // that is no bucket (a browser's stray GET) is a 404, not an access error.
    if (bucket && !creatingBucket && !store.getBucket(bucket)) {
      if (method === 'HEAD') return { answer: () => reply.code(404).send() };
      throw noSuchBucket(bucket);
    }

    if (method === 'POST' && bucket) refusePostFromDisallowedOrigin(call);
    // A browser form upload (POST Object, from a presigned POST) carries its signature in the form:
    // the operation checks it, the region and the signer's permissions once it has read the fields.
    if (state.formUploadContentType !== undefined) return { call, formUpload: true };
    // A POST to a bucket without a subresource is a form upload, whatever its body.
    if (method === 'POST' && bucket && !key && query.delete === undefined) throw notAFormUpload();
    const signer = await authenticator.authenticate({ method, rawPath, query, headers, rawHeaders: request.raw.rawHeaders });
    call.accessKeyId = signer.accessKeyId;
    // A bucket answers only requests signed for its region, and says which (boto3 re-signs for it).
    // Served from any region before, a client set to the wrong one passed locally and failed on AWS.
    // GetBucketLocation is how a client finds a bucket's region: S3 answers it from any.
    const askingLocation = method === 'GET' && !key && query.location !== undefined;
    if (bucket && !creatingBucket && !askingLocation && signer.region !== region) throw wrongRegion(signer, region);
    // A presigned URL carries its signer's permissions: a function's URL is checked against its role.
    const accessControl = options.accessControl?.checks(call.accessKeyId) ? options.accessControl : undefined;
    if (accessControl) {
      const needed = s3AuthorizationRequest(method, bucket, key, query);
      const denied = needed && accessControl.check(call.accessKeyId, [needed]);
      if (denied) throw accessDenied(denied.message);
      const deniedMessage = (action: string, resource: string) => accessControl.check(call.accessKeyId, [{ action, resource }])?.message;
      call.deniedMessage = deniedMessage;
      call.objectDenied = (action, objectKey) => deniedMessage(action, s3ObjectArn(bucket, objectKey)) !== undefined;
      call.mayNotList = () => deniedMessage('s3:ListBucket', `arn:aws:s3:::${bucket}`) !== undefined;
    }
    // ExpectedBucketOwner: a bucket of another account is refused as S3 refuses it, 403 Access Denied.
    const expectedOwner = headers['x-amz-expected-bucket-owner'];
    if (bucket && expectedOwner !== undefined && expectedOwner !== accountId) throw accessDenied();
    return { call };
  }

  /** What a form upload's signer is checked against: the keys, the bucket's region, the signer's role (as a presigned PUT's). */
  const formUploadAuthority: FormUploadAuthority = {
    async authenticate(form) {
      const signer = await authenticator.authenticatePostForm(form);
      if (signer.region !== region) throw wrongRegion(signer, region);
      return signer;
    },
    authorize(accessKeyId, bucket, key) {
      if (!options.accessControl?.checks(accessKeyId)) return;
      const denied = options.accessControl.check(accessKeyId, [{ action: 's3:PutObject', resource: s3ObjectArn(bucket, key) }]);
      if (denied) throw accessDenied(denied.message);
    },
    maxObjectBytes: MAX_OBJECT_BYTES,
  };

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const state = states.get(request)!;
    const admitted = state.admitted ?? (await admit(request, reply, state));
    if ('answer' in admitted) return admitted.answer();
    const { call } = admitted;
    const { bucket, key, query } = call;
    const method = request.method;
    if (state.unparseableContentType !== undefined) request.headers['content-type'] = state.unparseableContentType;
    if ('formUpload' in admitted) {
      request.headers['content-type'] = state.formUploadContentType;
      return postObject(call, request.body as Readable, state.formUploadContentType, formUploadAuthority);
    }

    // The bucket's configuration from the template can be read; changing it is not emulated.
    if (method === 'GET' && bucket && !key) {
      if ('cors' in query) return getBucketCors(call);
      if ('notification' in query) return getBucketNotificationConfiguration(call);
      if ('lifecycle' in query) return getBucketLifecycleConfiguration(call);
      if ('versioning' in query) return getBucketVersioning(call);
      if ('encryption' in query) return getBucketEncryption(call);
      if ('publicAccessBlock' in query) return getPublicAccessBlock(call);
      if ('ownershipControls' in query) return getBucketOwnershipControls(call);
      if ('policy' in query) return getBucketPolicy(call);
      if ('versions' in query) return listObjectVersions(call);
    }
    if (key && 'versionId' in query && ['GET', 'HEAD', 'DELETE'].includes(method)) readAsCurrentVersion(call);
    const subresourceOperation = bucket ? multipartOperation(call) ?? objectTaggingOperation(call) : undefined;
    if (subresourceOperation) {
      if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw keyTooLong(key);
      return subresourceOperation(call);
    }
    const unsupported = UNSUPPORTED_SUBRESOURCES.find((name) => name in query);
    if (unsupported) throw notImplemented(`${method} ?${unsupported} (${key ? 'object' : bucket ? 'bucket' : 'service'} subresource)`);
    if (!bucket) {
      if (method === 'GET') return listBuckets(call);
      throw methodNotAllowed(method, 'SERVICE');
    }
    if (!key) {
      switch (method) {
        case 'PUT':
          return createBucket(call);
        case 'HEAD':
          return headBucket(call);
        case 'DELETE':
          return deleteBucket(call);
        case 'GET':
          if ('location' in query) return getBucketLocation(call);
          return query['list-type'] === '2' ? listObjectsV2(call) : listObjectsV1(call);
        case 'POST':
          if ('delete' in query) return deleteObjects(call);
          throw methodNotAllowed(method, 'BUCKET');
      }
      throw methodNotAllowed(method, 'BUCKET');
    }
    // S3 keys are at most 1024 bytes of UTF-8; a longer one is refused whatever the operation.
    if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw keyTooLong(key);
    switch (method) {
      case 'PUT':
        return putObject(call);
      case 'GET':
        return getObject(call, { headOnly: false });
      case 'HEAD':
        return getObject(call, { headOnly: true });
      case 'DELETE':
        return deleteObject(call);
    }
    throw methodNotAllowed(method, 'OBJECT');
  }

  const routes: FastifyPluginAsync = async (app) => {
    // Object bodies are opaque bytes whatever their content type (JSON included), so this
    // context drops the parsers it inherited and takes every body as a Buffer.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_OBJECT_BYTES }, (_request, body, done) => done(null, body));
    // A form upload's body is the operation's to read, as a stream (operations/post-object.ts).
    app.addContentTypeParser(FORM_UPLOAD_MEDIA_TYPE, (_request, payload, done) => done(null, payload));

    app.addHook('onRequest', async (request, reply) => {
      let endResponse!: () => void;
      const responseOver = new Promise<void>((resolve) => (endResponse = resolve));
      const state: RequestState = { ...newRequestIds(), pendingInvocations: [], responseClosed: false, responseOver, endResponse };
      states.set(request, state);
      // Notifications go out once the response has been sent, as S3's are asynchronous; 'close'
      // also comes when the client hung up first (Fastify's onResponse then never runs).
      reply.raw.once('close', () => {
        state.responseClosed = true;
        state.endResponse();
        handOverPendingOfClosedResponse(state);
      });
      const contentType = request.headers['content-type'];
      if (contentType !== undefined && !PARSEABLE_CONTENT_TYPE.test(contentType)) {
        state.unparseableContentType = contentType;
        request.headers['content-type'] = 'application/octet-stream';
      } else if (isFormUpload(request)) {
        state.formUploadContentType = contentType;
        request.headers['content-type'] = FORM_UPLOAD_MEDIA_TYPE;
      }
      // The SDK corrects its clock from Date on skew errors, so Date follows the injected clock.
      reply
        .header('x-amz-request-id', state.requestId)
        .header('x-amz-id-2', state.hostId)
        .header('date', new Date(clock.now()).toUTCString())
        .header('server', 'AmazonS3');
    });

    // A PUT's or POST's body is read only once the request is admitted (admit).
    app.addHook('preParsing', async (request, reply, payload) => {
      if (request.method === 'PUT' || request.method === 'POST') {
        const state = states.get(request)!;
        state.admitted = await admit(request, reply, state);
      }
      return payload;
    });

    // CORS headers on actual (non-preflight) responses, errors included, so browsers can read them.
    app.addHook('onSend', async (request, reply, payload) => {
      const state = states.get(request);
      // A successful operation's events (the error handler drops those of a failed one). An event
      // that could not be kept is thrown: Fastify sends the error handler's 500 instead.
      if (state && reply.statusCode < 300) handOverPending(state);
      const origin = request.headers.origin;
      const bucket = state?.bucket;
      if (origin && bucket && request.method !== 'OPTIONS') {
        const rules = store.getBucket(bucket)?.cors;
        const rule = rules && findCorsRule(rules, { origin, method: request.method });
        if (rule) reply.headers(corsResponseHeaders(rule, { origin }));
      }
      return payload;
    });

    app.setErrorHandler((error: FastifyError, request, reply) => {
      const state = states.get(request);
      let s3Error: S3Error;
      if (error instanceof S3Error) {
        s3Error = error;
      } else if (error instanceof RequestTimeoutError) {
        // A body that stopped coming (sim/connection-timeouts.ts): S3's answer, word for word.
        s3Error = new S3Error('RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.', 400);
      } else if (error instanceof BodyMemoryExhaustedError) {
        // Too many bodies on their way in (sim/body-memory.ts): S3's answer to a request it cannot take now.
        s3Error = new S3Error('SlowDown', 'Please reduce your request rate.', 503);
      } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        s3Error = new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, {
          ProposedSize: String(request.headers['content-length'] ?? ''),
          MaxSizeAllowed: MAX_OBJECT_BYTES,
        });
      } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        s3Error = new S3Error('InvalidRequest', error.message, 400);
      } else {
        options.onError?.(error);
        request.log.error({ err: error }, 's3 request failed');
        s3Error = new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500);
      }
      if (state) state.pendingInvocations.length = 0;
      return sendS3Error(request, reply, s3Error, state ?? { requestId: '', hostId: '' });
    });

    const routeOptions = { bodyLimit: MAX_OBJECT_BYTES, handler: handleThenNotifyIfGone };
    // Every other method Fastify knows is routed here too, so S3 refuses it in XML (405) rather
    // than Fastify with a JSON 404.
    // The methods Node parses and Fastify does not route until told (WebDAV's PROPFIND, MKCOL,
    // COPY...) got Fastify's JSON 404 (fuzz audit); CONNECT is a tunnel, not a request S3 answers.
    const otherNodeMethods = METHODS.filter((method) => method !== 'CONNECT' && !app.supportedMethods.includes(method));
    for (const method of otherNodeMethods) app.addHttpMethod(method, { hasBody: true });
    app.route({ method: ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', ...UNUSED_METHODS, ...otherNodeMethods], url: '/*', exposeHeadRoute: false, ...routeOptions });
    // POST only below a bucket (DeleteObjects): `POST /` belongs to the JSON protocol services,
    // but for a Host that names a bucket (`<bucket>.localhost`, virtual-hosted style, which the
    // SDK's createPresignedPost picks for a `localhost` endpoint): that is a form upload.
    app.route({ method: 'POST', url: '/:bucket', ...routeOptions });
    app.route({ method: 'POST', url: '/:bucket/*', ...routeOptions });
    app.route({ method: 'POST', url: '/', constraints: { host: VIRTUAL_HOSTED_BUCKET }, ...routeOptions });
  };

  return {
    routes,
    async readObject(bucket: string, key: string) {
      if (!store.getBucket(bucket) || !store.headObject(bucket, key)) return undefined;
      return store.readBody(bucket, key);
    },
    objectSize(bucket: string, key: string) {
      return store.getBucket(bucket) ? store.headObject(bucket, key)?.size : undefined;
    },
    createBucket(config: BucketConfig) {
      if (!isValidBucketName(config.name)) throw new Error(`Invalid S3 bucket name: ${config.name}`);
      store.createBucket(config.name, clock.now());
      store.configureBucket(config.name, { cors: config.cors, notifications: config.notifications });
      expirationRules.set(config.name, config.expiration ?? []);
      bucketSettings.set(config.name, config.settings ?? {});
      // Uploads that expired while the sim was stopped go at once.
      expireObjects(store, config.name, config.expiration ?? [], clock.now());
    },
    expireObjects: sweep,
    async close() {
      // Writes are synchronous and notifications fire-and-forget: nothing is left to flush.
      if (sweepTimer) clearInterval(sweepTimer);
    },
  };
}

/**
 * Fastify answers a request before any route or hook sees it when find-my-way cannot percent-decode
 * its path (`/bucket/%ff%fe`, `/bucket/a%zz`): by default with a JSON body of its own. The server
 * S3 runs on passes this as its `frameworkErrors` option, so such a request gets S3's answer to a
 * path it cannot decode, `400 InvalidURI` in XML, with S3's request-id headers.
 */
export function answerS3FrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const ids = newRequestIds();
  const path = request.url.split('?')[0] ?? '';
  const s3Error = error.code === 'FST_ERR_BAD_URL'
    ? new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400, { URI: path })
    : new S3Error('InvalidRequest', error.message, error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 400);
  reply.header('x-amz-request-id', ids.requestId).header('x-amz-id-2', ids.hostId).header('server', 'AmazonS3');
  void sendS3Error(request, reply, s3Error, ids);
}

/**
 * A POST is the one S3 write a page on another origin may send without a preflight (a "simple"
 * request: a text/plain body, no custom header), and S3 reads its signature from the query
 * string. AWS runs it whatever the `Origin` (CORS only hides the answer from the page), as its
 * signature needs a secret; the kit's key is known to everyone, so any page the developer opens
 * could presign a DeleteObjects of its own and send it (a fourth attacker audit deleted an object
 * from headless Chromium that way). So the kit departs from S3 here, as it does for signed JSON
 * calls (sim/browser-cors.ts): a POST naming an `Origin` that no CORS rule of the bucket allows to
 * POST is refused, with the words S3 refuses such a preflight with. SDKs, the CLI and boto3 send
 * no `Origin`, and pages on allowed origins are answered as before.
 */
function refusePostFromDisallowedOrigin(call: S3Call): void {
  const origin = call.request.headers.origin;
  if (origin === undefined) return;
  const rules = call.services.store.getBucket(call.bucket)?.cors ?? [];
  if (findCorsRule(rules, { origin, method: 'POST' })) return;
  throw new S3Error(
    'AccessForbidden',
    // S3's own wording, typo included (operations/cors-preflight.ts).
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    403,
    { Method: 'POST', ResourceType: call.key ? 'OBJECT' : 'BUCKET' },
  );
}

/** S3's answer to a POST to a bucket whose body is not a form (text/plain, urlencoded, none). */
const notAFormUpload = () =>
  new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, {
    Condition: 'Bucket POST must be of the enclosure-type multipart/form-data',
  });

/** A POST of a form to a bucket (no key in the path, no `?delete`): S3's POST Object. */
function isFormUpload(request: FastifyRequest): boolean {
  if (request.method !== 'POST' || !isMultipartFormData(request.headers['content-type'])) return false;
  const queryAt = request.url.indexOf('?');
  const rawPath = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  // DeleteObjects is `POST /bucket?delete`, its body XML whatever the Content-Type says.
  if (queryAt >= 0 && new URLSearchParams(request.url.slice(queryAt + 1)).has('delete')) return false;
  try {
    const { bucket, key } = parsePath(rawPath, virtualHostBucket(request.headers.host));
    return bucket !== '' && key === '';
  } catch {
    // A path S3 cannot decode is refused by admit, whatever the body.
    return false;
  }
}

/** S3's two ids of one request, sent as x-amz-request-id and x-amz-id-2. */
export function newRequestIds(): { requestId: string; hostId: string } {
  return { requestId: randomBytes(8).toString('hex').toUpperCase(), hostId: randomBytes(32).toString('base64') };
}

/** An S3 error in XML; a HEAD gets the status alone, as S3 answers it. */
function sendS3Error(request: FastifyRequest, reply: FastifyReply, error: S3Error, ids: { requestId: string; hostId: string }) {
  reply.code(error.statusCode).header('content-type', 'application/xml');
  return request.method === 'HEAD' ? reply.send() : reply.send(errorXml(error, ids.requestId, ids.hostId));
}

/**
 * Router options for the server S3 runs on. find-my-way refuses a path parameter longer than 100
 * characters (414, Fastify's JSON) unless told otherwise; S3's `POST /:bucket` and the kit's
 * `/:poolId/.well-known/jwks.json` must see long names and answer them themselves (NoSuchBucket).
 * Node caps the whole request head at 16 KiB, so no parameter reaches this length.
 */
export const S3_ROUTER_OPTIONS = { maxParamLength: 16 * 1024 } as const;

/**
 * Virtual-hosted style for local names only: browsers resolve `<bucket>.localhost` to the loopback
 * address, and the SDK picks that style for a `localhost` endpoint without forcePathStyle.
 */
/** A Host header naming a bucket of the kit's local virtual-hosted style (virtualHostBucket). */
const VIRTUAL_HOSTED_BUCKET = /^[^:]+\.localhost(:\d+)?$/i;

function virtualHostBucket(host: string | undefined): string | undefined {
  const hostname = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  return hostname.endsWith('.localhost') ? hostname.slice(0, -'.localhost'.length) : undefined;
}

function parsePath(rawPath: string, hostBucket: string | undefined): { bucket: string; key: string } {
  try {
    if (hostBucket !== undefined) return { bucket: hostBucket, key: decodeURIComponent(rawPath.slice(1)) };
    const slash = rawPath.indexOf('/', 1);
    return {
      bucket: decodeURIComponent(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash)),
      key: slash < 0 ? '' : decodeURIComponent(rawPath.slice(slash + 1)),
    };
  } catch {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400, { URI: rawPath });
  }
}

/** Percent-decoding only: the SDK sends `+` as %2B, and a literal `+` is kept as a plus. */
function parseQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null);
  for (const pair of rawQuery.split('&')) {
    if (!pair) continue;
    const equals = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(equals < 0 ? pair : pair.slice(0, equals));
      value = equals < 0 ? '' : decodeURIComponent(pair.slice(equals + 1));
    } catch {
      throw new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400);
    }
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else query[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}
