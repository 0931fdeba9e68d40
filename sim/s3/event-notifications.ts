// S3 event notifications to Lambda: which configurations an event matches, and the record S3 sends.
// The record shape follows S3's "event message structure" (eventVersion 2.1).

/** One Lambda notification of a bucket (from CloudFormation's LambdaConfigurations). */
export interface NotificationConfig {
  /** e.g. `s3:ObjectCreated:*`, `s3:ObjectCreated:Put`, `s3:ObjectCreated:Post` (a form upload), `s3:ObjectCreated:Copy`, `s3:ObjectRemoved:Delete` */
  events: string[];
  prefix?: string;
  suffix?: string;
  /** Function name or ARN, as the FunctionInvoker knows it. */
  functionName: string;
  /** S3's configurationId; generated from the position when absent. */
  id?: string;
}

/** The event name without its `s3:` prefix, as it appears in records: `ObjectCreated:Put`. */
export type S3EventName = 'ObjectCreated:Put' | 'ObjectCreated:Post' | 'ObjectCreated:Copy' | 'ObjectCreated:CompleteMultipartUpload' | 'ObjectRemoved:Delete';

export function notificationMatches(config: NotificationConfig, eventName: S3EventName, key: string): boolean {
  const [category] = eventName.split(':');
  const eventMatches = config.events.some(
    (configured) => configured === `s3:${eventName}` || configured === `s3:${category}:*`,
  );
  return eventMatches && key.startsWith(config.prefix ?? '') && key.endsWith(config.suffix ?? '');
}

export function configurationIdOf(config: NotificationConfig, index: number): string {
  return config.id ?? `notification-${index + 1}`;
}

/**
 * Keys in event records are form-URL-encoded the way S3 does it: a space becomes `+`, `/` and
 * `A-Z a-z 0-9 . - _ *` stay, every other byte of the UTF-8 key becomes `%XX`.
 */
export function encodeKeyForEvent(key: string): string {
  let encoded = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-_*/]/.test(char)) encoded += char;
    else if (char === ' ') encoded += '+';
    else encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

export interface EventRecordInput {
  eventName: S3EventName;
  eventTime: number;
  region: string;
  bucket: string;
  ownerPrincipalId: string;
  requesterPrincipalId: string;
  sourceIPAddress: string;
  requestId: string;
  hostId: string;
  configurationId: string;
  key: string;
  /** Present for ObjectCreated events. */
  size?: number;
  /** Unquoted MD5 hex. */
  eTag?: string;
  sequencer: string;
}

export function s3EventRecord(input: EventRecordInput) {
  const object: Record<string, unknown> = { key: encodeKeyForEvent(input.key) };
  if (input.size !== undefined) object.size = input.size;
  if (input.eTag !== undefined) object.eTag = input.eTag;
  object.sequencer = input.sequencer;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: input.region,
    eventTime: new Date(input.eventTime).toISOString(),
    eventName: input.eventName,
    userIdentity: { principalId: input.requesterPrincipalId },
    requestParameters: { sourceIPAddress: input.sourceIPAddress },
    responseElements: { 'x-amz-request-id': input.requestId, 'x-amz-id-2': input.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: input.configurationId,
      bucket: {
        name: input.bucket,
        ownerIdentity: { principalId: input.ownerPrincipalId },
        arn: `arn:aws:s3:::${input.bucket}`,
      },
      object,
    },
  };
}

/** Hex strings that grow with every event, as S3's `sequencer` does for one key. */
export class Sequencer {
  private counter = 0n;
  next(now: number): string {
    this.counter += 1n;
    return (BigInt(now) * 1_000_000n + this.counter).toString(16).toUpperCase().padStart(18, '0');
  }
}
