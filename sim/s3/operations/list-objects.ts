// ListObjectsV2 (GET /bucket?list-type=2), the original ListObjects (GET /bucket), and
// ListObjectVersions (GET /bucket?versions) of a bucket that never had versioning.
import type { StoredObject } from '../object-store.js';
import { compareKeys } from '../object-store.js';
import { S3Error } from '../s3-errors.js';
import { queryValue, sendXml } from '../s3-context.js';
import type { S3Call } from '../s3-context.js';
import { element, S3_XMLNS, s3Timestamp, xmlDocument } from '../xml.js';
import { requireBucket } from './bucket-operations.js';
import { refuseVersionedBucket } from './bucket-configuration.js';

/** One page of a listing: the items, and the keys rolled into common prefixes, in key order. */
export interface ListingPage<T> {
  contents: T[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: where the next page starts. */
  last?: string;
}

/**
 * Walks `items` (in key order) under `prefix`, those `include` keeps, rolling keys that contain the
 * delimiter past the prefix into one common prefix each, which counts as one entry towards
 * `maxEntries`; `passedPrefix`, a common prefix an earlier page ended on, is not returned again.
 * ListObjects' keys and ListMultipartUploads' uploads alike.
 */
export function pageOfKeys<T extends { key: string }>(
  items: readonly T[],
  options: { prefix: string; delimiter?: string; passedPrefix?: string; maxEntries: number; include?: (item: T) => boolean },
): ListingPage<T> {
  const page: ListingPage<T> = { contents: [], commonPrefixes: [], isTruncated: false };
  for (const item of items) {
    if (!item.key.startsWith(options.prefix) || (options.include && !options.include(item))) continue;
    let commonPrefix: string | undefined;
    if (options.delimiter) {
      const at = item.key.indexOf(options.delimiter, options.prefix.length);
      if (at >= 0) commonPrefix = item.key.slice(0, at + options.delimiter.length);
    }
    // Keys under a common prefix already returned (on this page or, passed, an earlier one).
    if (commonPrefix !== undefined && (commonPrefix === page.last || commonPrefix === options.passedPrefix)) continue;
    if (page.contents.length + page.commonPrefixes.length >= options.maxEntries) {
      page.isTruncated = true;
      break;
    }
    if (commonPrefix !== undefined) page.commonPrefixes.push(commonPrefix);
    else page.contents.push(item);
    page.last = commonPrefix ?? item.key;
  }
  return page;
}

/** The keys after `after` under `prefix`, up to maxKeys entries. */
function listPage(objects: StoredObject[], options: { prefix: string; delimiter?: string; after?: string; maxKeys: number }): ListingPage<StoredObject> {
  if (options.maxKeys === 0) return { contents: [], commonPrefixes: [], isTruncated: false };
  const { after } = options;
  return pageOfKeys(objects, {
    prefix: options.prefix,
    delimiter: options.delimiter,
    passedPrefix: after,
    maxEntries: options.maxKeys,
    include: after === undefined ? undefined : (object) => compareKeys(object.key, after) > 0,
  });
}

function parseMaxKeys(call: S3Call): number {
  const text = queryValue(call, 'max-keys');
  if (text === undefined) return 1000;
  if (!/^\d+$/.test(text)) throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', 400);
  return Math.min(Number(text), 1000);
}

function encoderFor(call: S3Call): (text: string) => string {
  const encodingType = queryValue(call, 'encoding-type');
  if (encodingType === undefined) return (text) => text;
  if (encodingType !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', 400);
  return (text) => encodeURIComponent(text).replace(/%2F/g, '/');
}

/**
 * The checksum an object was stored with, as listings name it (`CRC32`, `FULL_OBJECT`): S3 lists
 * it, and a script that checks it found nothing (stock-tools audit).
 */
function checksumXml(object: StoredObject): string {
  if (!object.checksum) return '';
  return `${element('ChecksumAlgorithm', object.checksum.algorithm.toUpperCase())}${element('ChecksumType', object.checksum.type ?? 'FULL_OBJECT')}`;
}

/** Each key's and common prefix's XML; `ownerId` gives each key its `Owner` (ListObjects always, V2 with fetch-owner=true). */
function entriesXml(page: ListingPage<StoredObject>, encode: (text: string) => string, ownerId?: string): string {
  const owner = ownerId === undefined ? '' : `<Owner>${element('ID', ownerId)}</Owner>`;
  const contents = page.contents
    .map(
      (object) =>
        `<Contents>${element('Key', encode(object.key))}${element('LastModified', s3Timestamp(object.lastModified))}` +
        `${element('ETag', object.etag)}${checksumXml(object)}${element('Size', object.size)}${owner}${element('StorageClass', 'STANDARD')}</Contents>`,
    )
    .join('');
  const prefixes = page.commonPrefixes.map((prefix) => `<CommonPrefixes>${element('Prefix', encode(prefix))}</CommonPrefixes>`).join('');
  return contents + prefixes;
}

export function listObjectsV2(call: S3Call) {
  requireBucket(call);
  const prefix = queryValue(call, 'prefix') ?? '';
  const delimiter = queryValue(call, 'delimiter') || undefined;
  const startAfter = queryValue(call, 'start-after');
  const continuationToken = queryValue(call, 'continuation-token');
  const maxKeys = parseMaxKeys(call);
  const encode = encoderFor(call);
  let after = startAfter;
  if (continuationToken !== undefined) {
    after = decodeContinuationToken(continuationToken);
  }
  const page = listPage(call.services.store.listObjects(call.bucket), { prefix, delimiter, after, maxKeys });
  const xml =
    `<ListBucketResult xmlns="${S3_XMLNS}">${element('Name', call.bucket)}${element('Prefix', encode(prefix))}` +
    `${element('Delimiter', delimiter && encode(delimiter))}${element('MaxKeys', maxKeys)}` +
    `${element('EncodingType', queryValue(call, 'encoding-type'))}${element('KeyCount', page.contents.length + page.commonPrefixes.length)}` +
    `${element('IsTruncated', page.isTruncated)}${element('ContinuationToken', continuationToken)}` +
    `${element('NextContinuationToken', page.isTruncated && page.last !== undefined ? encodeContinuationToken(page.last) : undefined)}` +
    `${element('StartAfter', startAfter && encode(startAfter))}` +
    `${entriesXml(page, encode, queryValue(call, 'fetch-owner') === 'true' ? call.services.ownerId : undefined)}</ListBucketResult>`;
  return sendXml(call, 200, xmlDocument(xml));
}

export function listObjectsV1(call: S3Call) {
  requireBucket(call);
  const prefix = queryValue(call, 'prefix') ?? '';
  const delimiter = queryValue(call, 'delimiter') || undefined;
  const marker = queryValue(call, 'marker');
  const maxKeys = parseMaxKeys(call);
  const encode = encoderFor(call);
  const page = listPage(call.services.store.listObjects(call.bucket), { prefix, delimiter, after: marker || undefined, maxKeys });
  const xml =
    `<ListBucketResult xmlns="${S3_XMLNS}">${element('Name', call.bucket)}${element('Prefix', encode(prefix))}` +
    `${element('Marker', encode(marker ?? ''))}${element('MaxKeys', maxKeys)}${element('Delimiter', delimiter && encode(delimiter))}` +
    `${element('EncodingType', queryValue(call, 'encoding-type'))}${element('IsTruncated', page.isTruncated)}` +
    // S3 sends NextMarker only when a delimiter was given; otherwise the last key is the marker.
    `${element('NextMarker', page.isTruncated && delimiter && page.last !== undefined ? encode(page.last) : undefined)}` +
    `${entriesXml(page, encode, call.services.ownerId)}</ListBucketResult>`;
  return sendXml(call, 200, xmlDocument(xml));
}

/**
 * ListObjectVersions of a bucket whose versioning was never enabled (the kit's buckets): each
 * object is its one version, `VersionId` "null" and `IsLatest` true, as S3 lists such objects;
 * `key-marker` pages as a key (the one version of a key is either before the marker or not).
 * What `aws s3api list-object-versions` and boto3's `bucket.object_versions` call.
 */
export function listObjectVersions(call: S3Call) {
  requireBucket(call);
  refuseVersionedBucket(call);
  const prefix = queryValue(call, 'prefix') ?? '';
  const delimiter = queryValue(call, 'delimiter') || undefined;
  const keyMarker = queryValue(call, 'key-marker') || undefined;
  const versionIdMarker = queryValue(call, 'version-id-marker');
  if (versionIdMarker && !keyMarker) {
    throw new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', 400, { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker });
  }
  // Every object's one version is `null` here: no other id names one (stock-tools audit: `abc` was taken).
  if (versionIdMarker && versionIdMarker !== 'null') {
    throw new S3Error('InvalidArgument', 'Invalid version id specified', 400, { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker });
  }
  const maxKeys = parseMaxKeys(call);
  const encode = encoderFor(call);
  const page = listPage(call.services.store.listObjects(call.bucket), { prefix, delimiter, after: keyMarker, maxKeys });
  const owner = `<Owner>${element('ID', call.services.ownerId)}</Owner>`;
  const versions = page.contents
    .map(
      (object) =>
        `<Version>${element('Key', encode(object.key))}${element('VersionId', 'null')}${element('IsLatest', true)}` +
        `${element('LastModified', s3Timestamp(object.lastModified))}${element('ETag', object.etag)}${checksumXml(object)}${element('Size', object.size)}` +
        `${owner}${element('StorageClass', 'STANDARD')}</Version>`,
    )
    .join('');
  const prefixes = page.commonPrefixes.map((common) => `<CommonPrefixes>${element('Prefix', encode(common))}</CommonPrefixes>`).join('');
  const lastIsKey = page.last !== undefined && !page.commonPrefixes.includes(page.last);
  const xml =
    `<ListVersionsResult xmlns="${S3_XMLNS}">${element('Name', call.bucket)}${element('Prefix', encode(prefix))}` +
    `${element('KeyMarker', encode(keyMarker ?? ''))}${element('VersionIdMarker', versionIdMarker ?? '')}` +
    `${element('NextKeyMarker', page.isTruncated && page.last !== undefined ? encode(page.last) : undefined)}` +
    `${element('NextVersionIdMarker', page.isTruncated && lastIsKey ? 'null' : undefined)}` +
    `${element('MaxKeys', maxKeys)}${element('Delimiter', delimiter && encode(delimiter))}` +
    `${element('EncodingType', queryValue(call, 'encoding-type'))}${element('IsTruncated', page.isTruncated)}` +
    `${versions}${prefixes}</ListVersionsResult>`;
  return sendXml(call, 200, xmlDocument(xml));
}

/** Opaque to clients, like S3's: the last key or common prefix of the previous page. */
function encodeContinuationToken(last: string): string {
  return Buffer.from(JSON.stringify({ after: last }), 'utf8').toString('base64');
}

function decodeContinuationToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // falls through to the error S3 gives for a token it did not issue
  }
  throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', 400, {
    ArgumentName: 'continuation-token',
  });
}
