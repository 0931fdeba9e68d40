// PutObject: decode the body (aws-chunked or plain), run S3's integrity checks, store, answer with
// the ETag, and queue ObjectCreated:Put notifications. A PUT naming x-amz-copy-source is a
// CopyObject (copy-object.ts).
import { createHash } from 'node:crypto';
import type { StoredObject } from '../object-store.js';
import { checkTrailers, declaredTrailer, decodeAwsChunked, isAwsChunked, verifyContentMd5, verifyContentSha256, verifyFlexibleChecksum } from '../payload.js';
import { noSuchKey, notImplemented, S3Error } from '../s3-errors.js';
import { queueNotifications } from '../s3-context.js';
import type { S3Call } from '../s3-context.js';
import { requireBucket } from './bucket-operations.js';
import { copyObject } from './copy-object.js';

/**
 * "Within the PUT request header, the user-defined metadata is limited to 2 KB in size", measured
 * as the UTF-8 bytes of each key and value (S3 user guide, "Working with object metadata"); the
 * keys are counted here without their `x-amz-meta-` prefix.
 */
export const MAX_USER_METADATA_BYTES = 2048;

/**
 * The storage classes PutObject's `x-amz-storage-class` takes: botocore's StorageClass enum but
 * OUTPOSTS (S3 on Outposts buckets only; LocalStack, whose S3 is checked against AWS, refuses it too).
 */
const STORAGE_CLASSES = new Set([
  'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE',
  'GLACIER_IR', 'SNOW', 'EXPRESS_ONEZONE', 'FSX_OPENZFS', 'FSX_ONTAP',
]);

/** Representation headers S3 stores with the object and returns on GET/HEAD. */
export const STORED_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'] as const;

/**
 * ACLs are disabled, as on every bucket S3 creates since April 2023 and on the kit's (its stack
 * sets BucketOwnerEnforced): a PUT may name no ACL or `bucket-owner-full-control`; any other, or a
 * grant, is refused as S3 refuses it (S3 User Guide, Object Ownership, Troubleshooting). Accepted
 * and ignored, it passed locally and failed once deployed.
 */
export function refuseAcl(headers: S3Call['request']['headers']): void {
  const acl = headers['x-amz-acl'];
  const granted = Object.keys(headers).some((name) => name.toLowerCase().startsWith('x-amz-grant-'));
  if ((acl !== undefined && acl !== 'bucket-owner-full-control') || granted) {
    throw new S3Error('AccessControlListNotSupported', 'The bucket does not allow ACLs', 400);
  }
}

/**
 * Object tags are not kept: a write that sets some (`x-amz-tagging`) is refused rather than stored
 * without them, since GetObjectTagging answers every object with no tags.
 */
export function refuseTagging(headers: S3Call['request']['headers']): void {
  const tagging = headers['x-amz-tagging'];
  if (tagging !== undefined && tagging !== '') throw notImplemented('Object tags (x-amz-tagging)');
}

export function putObject(call: S3Call) {
  requireBucket(call);
  if (call.request.headers['x-amz-copy-source'] !== undefined) return copyObject(call);
  const headers = call.request.headers;
  // Neither a length nor chunks: S3 cannot tell an empty object from a body that never came (it
  // stored an empty object: fuzz audit).
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
    throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);
  }
  checkStorageClass(headers);
  refuseAcl(headers);
  refuseTagging(headers);
  checkConditionalWrite(call);
  const { data, checksum } = uploadedBody(call);
  const attributes = objectAttributes(headers);

  const object = storeObject(call, call.key, data, { ...attributes, checksum }, 'ObjectCreated:Put');

  call.reply.header('etag', object.etag).headers(encryptionReplyHeaders(object));
  if (checksum) call.reply.header(`x-amz-checksum-${checksum.algorithm}`, checksum.value).header('x-amz-checksum-type', 'FULL_OBJECT');
  return call.reply.code(200).send();
}

/** Accepted and not kept (every object is served as STANDARD), but a class S3 does not have is refused as S3 refuses it. */
/**
 * Stores `data` under `key` as an upload stores it (PutObject, POST Object): its ETag, the time,
 * the attributes the request gave; notifies `eventName` and lets the service look at the bytes.
 */
export function storeObject(
  call: S3Call,
  key: string,
  data: Buffer,
  attributes: Pick<StoredObject, 'contentType' | 'metadata' | 'headers' | 'checksum'>,
  eventName: 'ObjectCreated:Put' | 'ObjectCreated:Post',
): StoredObject {
  const object: StoredObject = {
    key,
    size: data.length,
    etag: `"${createHash('md5').update(data).digest('hex')}"`,
    lastModified: call.services.clock.now(),
    ...attributes,
  };
  call.services.store.putObject(call.bucket, object, data);
  queueNotifications(call, eventName, key, object);
  call.services.onObjectStored?.(data);
  return object;
}

export function checkStorageClass(headers: S3Call['request']['headers']): void {
  const storageClass = headers['x-amz-storage-class'];
  if (storageClass !== undefined && !STORAGE_CLASSES.has(String(storageClass))) {
    throw new S3Error('InvalidStorageClass', 'The storage class you specified is not valid', 400, { StorageClassRequested: String(storageClass) });
  }
}

/**
 * The body of a PutObject or UploadPart, decoded (aws-chunked or plain), after S3's integrity
 * checks, with the flexible checksum it was verified against.
 */
export function uploadedBody(call: S3Call): { data: Buffer; checksum: StoredObject['checksum'] } {
  const headers = call.request.headers;
  const raw = Buffer.isBuffer(call.request.body) ? call.request.body : Buffer.alloc(0);
  let data = raw;
  let trailers: Record<string, string> = {};
  const trailer = declaredTrailer(headers);
  if (isAwsChunked(headers)) {
    ({ data, trailers } = decodeAwsChunked(raw));
    checkTrailers(trailer, trailers);
    const decodedLength = headers['x-amz-decoded-content-length'];
    if (decodedLength !== undefined && Number(decodedLength) !== data.length) {
      throw new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header', 400);
    }
  } else {
    verifyContentSha256(data, headers['x-amz-content-sha256'] as string | undefined);
  }
  verifyContentMd5(data, headers['content-md5'] as string | undefined);
  // A presigned URL's query checksum (the SDK signs the CRC32 of an empty body there) is ignored,
  // as S3 does; checksums in headers and trailers are checked.
  return { data, checksum: verifyFlexibleChecksum(data, [headers, trailers]) };
}

/** What a request's headers say of the object it writes: Content-Type, user metadata, stored representation headers. */
export function objectAttributes(headers: S3Call['request']['headers']): Pick<StoredObject, 'contentType' | 'metadata' | 'headers'> {
  const storedHeaders: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    let value = headers[name];
    if (typeof value !== 'string') continue;
    if (name === 'content-encoding') {
      value = value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part && part !== 'aws-chunked')
        .join(',');
    }
    if (value) storedHeaders[name] = value;
  }
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice('x-amz-meta-'.length)] = String(value);
  }
  const metadataBytes = Object.entries(metadata).reduce((total, [name, value]) => total + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
  if (metadataBytes > MAX_USER_METADATA_BYTES) {
    throw new S3Error('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', 400);
  }
  Object.assign(storedHeaders, encryptionHeaders(headers));
  const contentType = typeof headers['content-type'] === 'string' && headers['content-type'] ? headers['content-type'] : 'binary/octet-stream';
  return { contentType, metadata, headers: storedHeaders };
}

const ENCRYPTION_ALGORITHMS = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);

/**
 * The server-side encryption a write asks for, kept with the object and answered back by the write,
 * HeadObject and GetObject (nothing is encrypted here: the files are the kit's); SSE-S3 (`AES256`)
 * is the default and is not kept. A KMS request was answered `AES256`, and any value was taken
 * (stock-tools audit). S3's answer to an unknown one is InvalidArgument.
 */
function encryptionHeaders(headers: S3Call['request']['headers']): Record<string, string> {
  const algorithm = headers['x-amz-server-side-encryption'];
  if (algorithm === undefined) return {};
  if (typeof algorithm !== 'string' || !ENCRYPTION_ALGORITHMS.has(algorithm)) {
    throw new S3Error('InvalidArgument', 'The encryption method specified is not supported', 400, {
      ArgumentName: 'x-amz-server-side-encryption',
      ArgumentValue: String(algorithm),
    });
  }
  if (algorithm === 'AES256') return {};
  const keyId = headers['x-amz-server-side-encryption-aws-kms-key-id'];
  return { 'x-amz-server-side-encryption': algorithm, ...(typeof keyId === 'string' && keyId ? { 'x-amz-server-side-encryption-aws-kms-key-id': keyId } : {}) };
}

/** The encryption headers a write answers with: the object's own, or SSE-S3's. */
export function encryptionReplyHeaders(object: Pick<StoredObject, 'headers'>): Record<string, string> {
  const kept = Object.entries(object.headers).filter(([name]) => name.startsWith('x-amz-server-side-encryption'));
  return kept.length > 0 ? Object.fromEntries(kept) : { 'x-amz-server-side-encryption': 'AES256' };
}

/** Conditional writes: `If-None-Match: *` creates only, `If-Match: <etag>` replaces only that version. */
export function checkConditionalWrite(call: S3Call): void {
  const ifNoneMatch = call.request.headers['if-none-match'];
  const ifMatch = call.request.headers['if-match'];
  if (ifNoneMatch === undefined && ifMatch === undefined) return;
  const existing = call.services.store.headObject(call.bucket, call.key);
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw new S3Error('NotImplemented', 'If-None-Match on PUT only supports *', 501);
    if (existing) {
      throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: 'If-None-Match' });
    }
  }
  if (ifMatch !== undefined) {
    if (!existing) throw noSuchKey(call.key);
    const wanted = ifMatch.trim();
    if (wanted !== existing.etag && `"${wanted}"` !== existing.etag) {
      throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: 'If-Match' });
    }
  }
}
