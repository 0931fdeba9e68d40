// What every S3 operation receives: the parsed request, the shared services, and a place to queue
// notifications that the service delivers once the response has gone out.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import type { MultipartUploads } from './multipart-uploads.js';
import type { ObjectStore, StoredObject } from './object-store.js';
import { configurationIdOf, notificationMatches, s3EventRecord } from './event-notifications.js';
import type { S3EventName, Sequencer } from './event-notifications.js';
import type { ExpirationRule } from './lifecycle.js';

export interface S3Services {
  store: ObjectStore;
  /** Multipart uploads not yet completed or aborted. */
  uploads: MultipartUploads;
  clock: Clock;
  region: string;
  sequencer: Sequencer;
  /** The canonical id of the one emulated account that owns every bucket. */
  ownerId: string;
  /** The bucket's lifecycle expiration rules, as the template set them. */
  expirationRulesOf(bucket: string): ExpirationRule[];
  /** The rest of the bucket's configuration the template set (encryption, ownership, public access, versioning, policy). */
  settingsOf(bucket: string): BucketSettings;
  /** Told each object body a PUT stored; must return at once and never throw. */
  onObjectStored?(body: Uint8Array): void;
}

/** CloudFormation's spelling of each, as the template holds it; absent is S3's default for a new bucket. */
export interface BucketSettings {
  encryption?: Record<string, unknown>;
  ownershipControls?: Record<string, unknown>;
  publicAccessBlock?: Record<string, unknown>;
  versioning?: Record<string, unknown>;
  policy?: Record<string, unknown>;
}

export interface PendingInvocation {
  functionName: string;
  event: unknown;
}

export interface S3Call {
  request: FastifyRequest;
  reply: FastifyReply;
  services: S3Services;
  requestId: string;
  hostId: string;
  bucket: string;
  /** Decoded object key; empty for bucket and service operations. */
  key: string;
  query: Record<string, string | string[]>;
  accessKeyId: string;
  /** Whether the caller's policies refuse an action on an object of the bucket (DeleteObjects checks each key); unset when the caller is not checked. */
  objectDenied?: (action: string, key: string) => boolean;
  /**
   * Whether a missing object is an AccessDenied rather than a NoSuchKey: S3 answers 404 only to a
   * caller who may list the bucket (s3:ListBucket, judged on the GetObject request, which has no
   * s3:prefix); unset when the caller is not checked.
   */
  mayNotList?: () => boolean;
  /**
   * Why the caller's policies refuse `action` on `resource` (IAM's words), or undefined when they
   * allow it: for what the request's path alone does not name, such as a copy's source. Unset when
   * the caller is not checked.
   */
  deniedMessage?: (action: string, resource: string) => string | undefined;
  /** Delivered by the service after the response is sent. */
  pendingInvocations: PendingInvocation[];
}

export function queryValue(call: S3Call, name: string): string | undefined {
  const value = call.query[name];
  return Array.isArray(value) ? value[0] : value;
}

export function sendXml(call: S3Call, statusCode: number, xml: string) {
  return call.reply.code(statusCode).header('content-type', 'application/xml').send(xml);
}

/** Queues one invocation per notification configuration of the bucket that matches the event. */
export function queueNotifications(call: S3Call, eventName: S3EventName, key: string, object?: StoredObject): void {
  const configs = call.services.store.getBucket(call.bucket)?.notifications ?? [];
  configs.forEach((config, index) => {
    if (!notificationMatches(config, eventName, key)) return;
    const record = s3EventRecord({
      eventName,
      eventTime: call.services.clock.now(),
      region: call.services.region,
      bucket: call.bucket,
      ownerPrincipalId: call.services.ownerId,
      requesterPrincipalId: `AWS:${call.accessKeyId}`,
      sourceIPAddress: call.request.ip,
      requestId: call.requestId,
      hostId: call.hostId,
      configurationId: configurationIdOf(config, index),
      key,
      size: object?.size,
      eTag: object?.etag.replace(/"/g, ''),
      sequencer: call.services.sequencer.next(call.services.clock.now()),
    });
    call.pendingInvocations.push({ functionName: config.functionName, event: { Records: [record] } });
  });
}
