// CopyObject: a PUT naming `x-amz-copy-source` (`bucket/key`, URL-encoded). The body is copied a
// chunk at a time from the source's file; the metadata is the source's (`x-amz-metadata-directive:
// COPY`, the default) or the request's (`REPLACE`). Needs s3:GetObject on the source besides the
// destination's s3:PutObject, as on S3, and fires ObjectCreated:Copy.
import { createHash } from 'node:crypto';
import { s3ObjectArn } from '../../iam/service-actions.js';
import { forEachChunk, type StoredObject } from '../object-store.js';
import { accessDenied, noSuchBucket, noSuchKey, S3Error } from '../s3-errors.js';
import { queueNotifications, sendXml } from '../s3-context.js';
import type { S3Call } from '../s3-context.js';
import { element, S3_XMLNS, s3Timestamp, xmlDocument } from '../xml.js';
import { checkConditionalWrite, checkStorageClass, objectAttributes, refuseAcl } from './put-object.js';

export interface CopySource {
  bucket: string;
  key: string;
}

/**
 * `x-amz-copy-source` as S3 reads it: `[/]bucket/key[?versionId=...]`, percent-decoded (a `+` is a
 * plus). Buckets keep no versions here, so only S3's `null` version of a non-versioned object can
 * be named; any other id is refused rather than answered with the current object.
 */
export function parseCopySource(value: string): CopySource {
  const invalid = (message: string) => new S3Error('InvalidArgument', message, 400, { ArgumentName: 'x-amz-copy-source', ArgumentValue: value });
  const queryAt = value.indexOf('?');
  const path = queryAt < 0 ? value : value.slice(0, queryAt);
  if (queryAt >= 0) {
    const versionId = new URLSearchParams(value.slice(queryAt + 1)).get('versionId');
    if (versionId !== null && versionId !== 'null') throw invalid('Invalid version id specified');
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw invalid('Invalid copy source encoding.');
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw invalid('Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/**
 * The source object a copy reads, after S3's checks: its bucket exists, the caller may read it
 * (a caller who may not list the source bucket learns nothing of a missing key: AccessDenied, as
 * GetObject answers), and the `x-amz-copy-source-if-*` conditions hold.
 */
export function readableCopySource(call: S3Call, source: CopySource): StoredObject {
  const { store } = call.services;
  if (!store.getBucket(source.bucket)) throw noSuchBucket(source.bucket);
  const denied = call.deniedMessage?.('s3:GetObject', s3ObjectArn(source.bucket, source.key));
  if (denied !== undefined) throw accessDenied(denied);
  const object = store.headObject(source.bucket, source.key);
  if (!object) {
    const mayNotList = call.deniedMessage?.('s3:ListBucket', `arn:aws:s3:::${source.bucket}`) !== undefined;
    throw mayNotList ? accessDenied() : noSuchKey(source.key);
  }
  checkCopySourceConditions(call.request.headers, object);
  return object;
}

export function copyObject(call: S3Call) {
  const headers = call.request.headers;
  const source = parseCopySource(String(headers['x-amz-copy-source']));
  const directive = headers['x-amz-metadata-directive'] ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw new S3Error('InvalidArgument', 'Unknown metadata directive.', 400, { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: String(directive) });
  }
  checkStorageClass(headers);
  refuseAcl(headers);
  const object = readableCopySource(call, source);
  // S3 refuses a copy that would change nothing; a new storage class, redirect or encryption is a change.
  const changes = directive === 'REPLACE' || ['x-amz-storage-class', 'x-amz-website-redirect-location', 'x-amz-server-side-encryption'].some((name) => headers[name] !== undefined);
  if (source.bucket === call.bucket && source.key === call.key && !changes) {
    throw new S3Error(
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      400,
    );
  }
  checkConditionalWrite(call);

  const { store } = call.services;
  const piece = store.bodyPiece(source.bucket, source.key);
  // A copy is one object, not parts: a multipart source's `<md5>-<parts>` ETag becomes the body's MD5.
  let etag = object.etag;
  if (etag.includes('-')) {
    const md5 = createHash('md5');
    forEachChunk([piece], (chunk) => md5.update(chunk));
    etag = `"${md5.digest('hex')}"`;
  }
  const attributes = directive === 'REPLACE'
    ? objectAttributes(headers)
    : { contentType: object.contentType, metadata: { ...object.metadata }, headers: { ...object.headers } };
  const copy: StoredObject = {
    key: call.key,
    size: object.size,
    etag,
    lastModified: call.services.clock.now(),
    ...attributes,
    // The same bytes: a full-object checksum of the source holds for the copy.
    checksum: object.checksum,
  };
  store.putObjectFromPieces(call.bucket, copy, [piece]);
  queueNotifications(call, 'ObjectCreated:Copy', call.key, copy);

  call.reply.header('x-amz-server-side-encryption', 'AES256');
  return sendXml(
    call,
    200,
    xmlDocument(
      `<CopyObjectResult xmlns="${S3_XMLNS}">${element('LastModified', s3Timestamp(copy.lastModified))}${element('ETag', copy.etag)}</CopyObjectResult>`,
    ),
  );
}

const preconditionFailed = (condition: string) =>
  new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: condition });

/**
 * `x-amz-copy-source-if-match` / `-if-none-match` / `-if-modified-since` / `-if-unmodified-since`,
 * with S3's pairing: a matching if-match copies whatever if-unmodified-since says, a failing
 * if-none-match refuses whatever if-modified-since says. A date that does not parse is ignored.
 */
function checkCopySourceConditions(headers: S3Call['request']['headers'], object: StoredObject): void {
  const text = (name: string) => {
    const value = headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const matches = (list: string) => list.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === object.etag || `"${trimmed}"` === object.etag;
  });
  const modifiedSeconds = Math.floor(object.lastModified / 1000);
  const seconds = (date: string) => Math.floor(Date.parse(date) / 1000);
  const ifMatch = text('x-amz-copy-source-if-match');
  const ifUnmodifiedSince = text('x-amz-copy-source-if-unmodified-since');
  const ifNoneMatch = text('x-amz-copy-source-if-none-match');
  const ifModifiedSince = text('x-amz-copy-source-if-modified-since');
  if (ifMatch !== undefined) {
    if (!matches(ifMatch)) throw preconditionFailed('x-amz-copy-source-If-Match');
  } else if (ifUnmodifiedSince !== undefined && modifiedSeconds > seconds(ifUnmodifiedSince)) {
    throw preconditionFailed('x-amz-copy-source-If-Unmodified-Since');
  }
  if (ifNoneMatch !== undefined) {
    if (matches(ifNoneMatch)) throw preconditionFailed('x-amz-copy-source-If-None-Match');
  } else if (ifModifiedSince !== undefined && modifiedSeconds <= seconds(ifModifiedSince)) {
    throw preconditionFailed('x-amz-copy-source-If-Modified-Since');
  }
}
