// Multipart upload: CreateMultipartUpload (POST ?uploads), UploadPart (PUT ?partNumber&uploadId),
// CompleteMultipartUpload (POST ?uploadId), AbortMultipartUpload (DELETE ?uploadId), ListParts
// (GET ?uploadId) and ListMultipartUploads (GET /bucket?uploads). Parts are kept by
// multipart-uploads.ts (on disk with a data folder); completion copies them a MiB at a time into the
// object's file. UploadPartCopy (an UploadPart naming `x-amz-copy-source`) takes a part's bytes
// from an existing object.
import { createHash } from 'node:crypto';
import { abortTime } from '../lifecycle.js';
import { MultipartUploads, type PartRecord, type UploadRecord } from '../multipart-uploads.js';
import { compareKeys, forEachChunk, type BodyPiece, type StoredObject } from '../object-store.js';
import { computeChecksum } from '../payload.js';
import { malformedXml, S3Error } from '../s3-errors.js';
import { queryValue, queueNotifications, sendXml } from '../s3-context.js';
import type { S3Call } from '../s3-context.js';
import { element, elementTexts, S3_XMLNS, s3Timestamp, unescapeXml, xmlDocument, xmlDocumentOf } from '../xml.js';
import { requireBucket } from './bucket-operations.js';
import { pageOfKeys } from './list-objects.js';
import { parseCopySource, readableCopySource } from './copy-object.js';
import { checkConditionalWrite, checkStorageClass, objectAttributes, refuseAcl, refuseTagging, uploadedBody } from './put-object.js';

/** S3's smallest part but the last: 5 MiB. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/**
 * The largest part UploadPartCopy copies (S3: 5 GiB): an uploaded part's cap, the kit's request
 * body limit (MAX_OBJECT_BYTES), since the part is held in memory as an uploaded one is.
 */
const MAX_COPIED_PART_BYTES = 64 * 1024 * 1024;
/** S3 numbers parts 1 to 10,000. */
export const MAX_PART_NUMBER = 10_000;
/** The checksums a part may carry, as CompleteMultipartUpload's Part elements name them. */
const CHECKSUM_ELEMENTS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

const noSuchUpload = (uploadId: string) =>
  new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', 404, { UploadId: uploadId });

/** The open upload the request names (`uploadId`) for its own bucket and key. */
function uploadOf(call: S3Call): { record: UploadRecord; parts: PartRecord[] } {
  requireBucket(call);
  const uploadId = queryValue(call, 'uploadId') ?? '';
  const upload = call.services.uploads.get(uploadId, call.bucket, call.key);
  if (!upload) throw noSuchUpload(uploadId);
  return upload;
}

const stripQuotes = (etag: string) => etag.trim().replace(/^"|"$/g, '');

function owner(call: S3Call, name: 'Owner' | 'Initiator'): string {
  return `<${name}>${element('ID', call.services.ownerId)}</${name}>`;
}

export function createMultipartUpload(call: S3Call) {
  requireBucket(call);
  const headers = call.request.headers;
  checkStorageClass(headers);
  refuseAcl(headers);
  refuseTagging(headers);
  const { uploads } = call.services;
  if (uploads.count >= uploads.limits.maxUploads) {
    throw new S3Error(
      'InvalidRequest',
      `The kit holds at most ${uploads.limits.maxUploads} multipart uploads open at once: complete or abort one first (aws s3api list-multipart-uploads, abort-multipart-upload; docs/s3.md, Multipart upload)`,
      400,
    );
  }
  const algorithm = headers['x-amz-checksum-algorithm'];
  const record: UploadRecord = {
    uploadId: MultipartUploads.newUploadId(),
    bucket: call.bucket,
    key: call.key,
    initiated: call.services.clock.now(),
    initiator: `AWS:${call.accessKeyId}`,
    attributes: objectAttributes(headers),
    ...(typeof algorithm === 'string' ? { checksumAlgorithm: algorithm.toLowerCase() } : {}),
  };
  uploads.create(record);
  call.reply.header('x-amz-server-side-encryption', 'AES256');
  nameAbortRule(call, record);
  if (record.checksumAlgorithm) call.reply.header('x-amz-checksum-algorithm', record.checksumAlgorithm.toUpperCase());
  return sendXml(
    call,
    200,
    xmlDocument(`<InitiateMultipartUploadResult xmlns="${S3_XMLNS}">${element('Bucket', call.bucket)}${element('Key', call.key)}${element('UploadId', record.uploadId)}</InitiateMultipartUploadResult>`),
  );
}

function partNumberOf(call: S3Call): number {
  const text = queryValue(call, 'partNumber') ?? '';
  const number = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(number >= 1 && number <= MAX_PART_NUMBER)) {
    throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, 400, { ArgumentName: 'partNumber', ArgumentValue: text });
  }
  return number;
}

export function uploadPart(call: S3Call) {
  const partNumber = partNumberOf(call);
  const { record } = uploadOf(call);
  const copying = call.request.headers['x-amz-copy-source'] !== undefined;
  const { data, checksum } = copying ? { data: copiedPartBody(call), checksum: undefined } : uploadedBody(call);
  const { uploads } = call.services;
  const held = uploads.heldBytes - uploads.partSize(record.uploadId, partNumber) + data.length;
  if (held > uploads.limits.maxBytes) {
    throw new S3Error(
      'EntityTooLarge',
      `Your proposed upload exceeds the maximum allowed size (the kit holds at most ${uploads.limits.maxBytes} bytes of parts of open multipart uploads, all together: complete or abort the others; docs/s3.md, Multipart upload)`,
      400,
      { ProposedSize: held, MaxSizeAllowed: uploads.limits.maxBytes },
    );
  }
  const part: PartRecord = {
    partNumber,
    etag: `"${createHash('md5').update(data).digest('hex')}"`,
    size: data.length,
    lastModified: call.services.clock.now(),
    ...(checksum ? { checksum } : {}),
  };
  uploads.putPart(record.uploadId, part, data);
  if (copying) {
    return sendXml(call, 200, xmlDocument(
      `<CopyPartResult xmlns="${S3_XMLNS}">${element('LastModified', s3Timestamp(part.lastModified))}${element('ETag', part.etag)}</CopyPartResult>`,
    ));
  }
  call.reply.header('etag', part.etag).header('x-amz-server-side-encryption', 'AES256');
  if (checksum) call.reply.header(`x-amz-checksum-${checksum.algorithm}`, checksum.value);
  return call.reply.code(200).send();
}

/**
 * UploadPartCopy's part: bytes of an existing object (`x-amz-copy-source`, read as CopyObject reads
 * it, with its permission and conditions), the range `x-amz-copy-source-range: bytes=first-last`
 * or the whole object. Read from the object's file, never the whole of a large object: it is how
 * the AWS CLI copies an object over 8 MB between S3 paths, a part at a time.
 */
function copiedPartBody(call: S3Call): Buffer {
  const source = parseCopySource(String(call.request.headers['x-amz-copy-source']));
  const object = readableCopySource(call, source);
  const rangeHeader = call.request.headers['x-amz-copy-source-range'];
  let start = 0;
  let end = object.size - 1;
  if (rangeHeader !== undefined) {
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(rangeHeader).trim());
    if (!range) {
      throw new S3Error('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', 400,
        { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: String(rangeHeader) });
    }
    [start, end] = [Number(range[1]), Number(range[2])];
    if (start > end || end >= object.size) {
      throw new S3Error('InvalidArgument', `Range specified is not valid for source object of size: ${object.size}`, 400,
        { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: String(rangeHeader) });
    }
  }
  const length = end - start + 1;
  if (length > MAX_COPIED_PART_BYTES) {
    throw new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, { ProposedSize: length, MaxSizeAllowed: MAX_COPIED_PART_BYTES });
  }
  const body = Buffer.alloc(length);
  let filled = 0;
  forEachChunk([sliceOf(call.services.store.bodyPiece(source.bucket, source.key), start, length)], (chunk) => {
    chunk.copy(body, filled);
    filled += chunk.length;
  });
  return body;
}

/** `length` bytes of `piece` from `start`. */
function sliceOf(piece: BodyPiece, start: number, length: number): BodyPiece {
  return 'buffer' in piece ? { buffer: piece.buffer.subarray(start, start + length) } : { file: piece.file, start: piece.start + start, length };
}

interface RequestedPart {
  partNumber: number;
  etag: string;
  checksums: Record<string, string>;
}

/** CompleteMultipartUpload's body: `<CompleteMultipartUpload><Part><PartNumber/><ETag/>...</Part>...`. */
function requestedParts(body: unknown): RequestedPart[] {
  const xml = Buffer.isBuffer(body) ? xmlDocumentOf(body, 'CompleteMultipartUpload') : undefined;
  const parts = xml === undefined ? [] : elementTexts(xml, 'Part');
  if (parts.length === 0 || parts.length > MAX_PART_NUMBER) throw malformedXml();
  return parts.map((part) => {
    // An element a Part names twice is no part: the first was taken, the second dropped (fuzz audit).
    const text = (name: string) => {
      const found = elementTexts(part, name);
      if (found.length > 1) throw malformedXml();
      return found[0] === undefined ? undefined : unescapeXml(found[0].trim());
    };
    const number = text('PartNumber');
    const etag = text('ETag');
    if (number === undefined || !/^\d+$/.test(number) || etag === undefined) throw malformedXml();
    const checksums: Record<string, string> = {};
    for (const name of CHECKSUM_ELEMENTS) {
      const value = text(`Checksum${name}`);
      if (value !== undefined) checksums[name.toLowerCase()] = value;
    }
    return { partNumber: Number(number), etag, checksums };
  });
}

/**
 * S3's checksum of a multipart object uploaded with one (`aws s3 cp` sends CRC32 for every part):
 * the checksum of the parts' checksums, then a dash and the number of parts, type COMPOSITE. It
 * kept none, so HeadObject with checksum mode showed nothing after such an upload (stock-tools
 * audit). None when a part lacks it, or for an algorithm the kit does not compute.
 */
function compositeChecksum(algorithm: string | undefined, parts: Array<{ checksum?: { algorithm: string; value: string } }>): Pick<StoredObject, 'checksum'> {
  if (!algorithm || !parts.every((part) => part.checksum?.algorithm === algorithm)) return {};
  const value = computeChecksum(algorithm, Buffer.concat(parts.map((part) => Buffer.from(part.checksum!.value, 'base64'))));
  return value === undefined ? {} : { checksum: { algorithm, value: `${value}-${parts.length}`, type: 'COMPOSITE' } };
}

/**
 * S3's checks, in its order: parts in ascending order (InvalidPartOrder), each one uploaded with
 * that ETag and checksums (InvalidPart), each but the last at least 5 MiB (EntityTooSmall).
 */
export function completeMultipartUpload(call: S3Call) {
  const { record, parts: stored } = uploadOf(call);
  const requested = requestedParts(call.request.body);
  requested.forEach((part, index) => {
    if (index > 0 && part.partNumber <= requested[index - 1]!.partNumber) {
      throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', 400, { UploadId: record.uploadId });
    }
  });
  const byNumber = new Map(stored.map((part) => [part.partNumber, part]));
  const parts = requested.map((wanted) => {
    const part = byNumber.get(wanted.partNumber);
    const checksumDiffers = part?.checksum !== undefined && wanted.checksums[part.checksum.algorithm] !== undefined
      && wanted.checksums[part.checksum.algorithm] !== part.checksum.value;
    if (!part || stripQuotes(part.etag) !== stripQuotes(wanted.etag) || checksumDiffers) {
      throw new S3Error(
        'InvalidPart',
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        400,
        { UploadId: record.uploadId, PartNumber: wanted.partNumber, ETag: wanted.etag },
      );
    }
    return part;
  });
  parts.slice(0, -1).forEach((part) => {
    if (part.size < MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', 400, {
        ProposedSize: part.size, MinSizeAllowed: MIN_PART_BYTES, PartNumber: part.partNumber, ETag: stripQuotes(part.etag),
      });
    }
  });
  checkConditionalWrite(call);

  // S3's multipart ETag: the MD5 of the parts' binary MD5s, then a dash and the number of parts.
  const md5s = createHash('md5');
  for (const part of parts) md5s.update(Buffer.from(stripQuotes(part.etag), 'hex'));
  const object: StoredObject = {
    key: call.key,
    size: parts.reduce((total, part) => total + part.size, 0),
    etag: `"${md5s.digest('hex')}-${parts.length}"`,
    // S3 dates a multipart object from its upload's creation, not its completion.
    lastModified: record.initiated,
    ...record.attributes,
    ...compositeChecksum(record.checksumAlgorithm, parts),
  };
  const { store, uploads } = call.services;
  store.putObjectFromPieces(call.bucket, object, uploads.pieces(record.uploadId, parts.map((part) => part.partNumber)));
  uploads.remove(record.uploadId);
  queueNotifications(call, 'ObjectCreated:CompleteMultipartUpload', call.key, object);

  const host = call.request.headers.host ?? 'localhost';
  const location = `http://${host}/${encodeURIComponent(call.bucket)}/${encodeURIComponent(call.key).replace(/%2F/g, '/')}`;
  call.reply.header('x-amz-server-side-encryption', 'AES256');
  return sendXml(
    call,
    200,
    xmlDocument(
      `<CompleteMultipartUploadResult xmlns="${S3_XMLNS}">${element('Location', location)}${element('Bucket', call.bucket)}` +
        `${element('Key', call.key)}${element('ETag', object.etag)}${object.checksum ? element(`Checksum${object.checksum.algorithm.toUpperCase()}`, object.checksum.value) + element('ChecksumType', 'COMPOSITE') : ''}` +
        '</CompleteMultipartUploadResult>',
    ),
  );
}

export function abortMultipartUpload(call: S3Call) {
  const { record } = uploadOf(call);
  call.services.uploads.remove(record.uploadId);
  return call.reply.code(204).send();
}

function nonNegativeInteger(call: S3Call, name: string, fallback: number): number {
  const text = queryValue(call, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) {
    throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, 400, { ArgumentName: name, ArgumentValue: text });
  }
  return Number(text);
}

/**
 * The lifecycle rule that will abort the upload, and when (midnight UTC), in the headers S3 names
 * them in on CreateMultipartUpload and ListParts (`x-amz-abort-date`, `x-amz-abort-rule-id`).
 */
function nameAbortRule(call: S3Call, record: UploadRecord): void {
  const abort = abortTime(call.services.expirationRulesOf(call.bucket), record.key, record.initiated);
  if (!abort) return;
  call.reply.header('x-amz-abort-date', new Date(abort.time).toUTCString());
  if (abort.ruleId !== undefined) call.reply.header('x-amz-abort-rule-id', abort.ruleId);
}

export function listParts(call: S3Call) {
  const { record, parts } = uploadOf(call);
  nameAbortRule(call, record);
  const maxParts = Math.min(nonNegativeInteger(call, 'max-parts', 1000), 1000);
  const marker = nonNegativeInteger(call, 'part-number-marker', 0);
  const after = parts.filter((part) => part.partNumber > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const entries = page.map((part) => {
    const checksum = part.checksum ? element(`Checksum${part.checksum.algorithm.toUpperCase()}`, part.checksum.value) : '';
    return `<Part>${element('PartNumber', part.partNumber)}${element('LastModified', s3Timestamp(part.lastModified))}` +
      `${element('ETag', part.etag)}${element('Size', part.size)}${checksum}</Part>`;
  }).join('');
  return sendXml(
    call,
    200,
    xmlDocument(
      `<ListPartsResult xmlns="${S3_XMLNS}">${element('Bucket', call.bucket)}${element('Key', call.key)}${element('UploadId', record.uploadId)}` +
        `${owner(call, 'Initiator')}${owner(call, 'Owner')}${element('StorageClass', 'STANDARD')}` +
        `${element('ChecksumAlgorithm', record.checksumAlgorithm?.toUpperCase())}` +
        `${element('PartNumberMarker', marker)}${element('NextPartNumberMarker', page.at(-1)?.partNumber ?? marker)}` +
        `${element('MaxParts', maxParts)}${element('IsTruncated', truncated)}${entries}</ListPartsResult>`,
    ),
  );
}

export function listMultipartUploads(call: S3Call) {
  requireBucket(call);
  const prefix = queryValue(call, 'prefix') ?? '';
  const delimiter = queryValue(call, 'delimiter') || undefined;
  const keyMarker = queryValue(call, 'key-marker') ?? '';
  const uploadIdMarker = queryValue(call, 'upload-id-marker') ?? '';
  const maxUploads = Math.min(nonNegativeInteger(call, 'max-uploads', 1000), 1000);
  const all = call.services.uploads.list(call.bucket).filter((upload) => upload.key.startsWith(prefix));
  // After the markers: keys past key-marker, and of that key the uploads listed after upload-id-marker.
  const markerIndex = uploadIdMarker ? all.findIndex((upload) => upload.key === keyMarker && upload.uploadId === uploadIdMarker) : -1;
  const remaining = all.filter((upload, index) => compareKeys(upload.key, keyMarker) > 0 || (markerIndex >= 0 && upload.key === keyMarker && index > markerIndex));
  // A key-marker that is a common prefix (the last page ended on it) stands for all its keys.
  const page = pageOfKeys(remaining, { prefix, delimiter, passedPrefix: keyMarker, maxEntries: maxUploads });
  const { contents: uploads, commonPrefixes, isTruncated: truncated } = page;
  // The next page starts after the last entry, an upload or a common prefix, as ListObjects'
  // NextMarker does. Taken from the last upload alone, a page ending on a prefix had no
  // NextKeyMarker (boto3's paginator stopped there, the keys after it never listed) or went back.
  const lastUpload = uploads.at(-1);
  const nextMarkers = !truncated || page.last === undefined ? ''
    : commonPrefixes.includes(page.last) || !lastUpload ? element('NextKeyMarker', page.last)
    : element('NextKeyMarker', lastUpload.key) + element('NextUploadIdMarker', lastUpload.uploadId);
  const entries = uploads.map((upload) =>
    `<Upload>${element('Key', upload.key)}${element('UploadId', upload.uploadId)}${owner(call, 'Initiator')}${owner(call, 'Owner')}` +
      `${element('StorageClass', 'STANDARD')}${element('Initiated', s3Timestamp(upload.initiated))}` +
      `${element('ChecksumAlgorithm', upload.checksumAlgorithm?.toUpperCase())}</Upload>`).join('');
  const prefixes = commonPrefixes.map((common) => `<CommonPrefixes>${element('Prefix', common)}</CommonPrefixes>`).join('');
  return sendXml(
    call,
    200,
    xmlDocument(
      `<ListMultipartUploadsResult xmlns="${S3_XMLNS}">${element('Bucket', call.bucket)}${element('KeyMarker', keyMarker)}` +
        `${element('UploadIdMarker', uploadIdMarker)}${nextMarkers}` +
        `${element('Prefix', prefix)}${element('Delimiter', delimiter)}${element('MaxUploads', maxUploads)}${element('IsTruncated', truncated)}` +
        `${entries}${prefixes}</ListMultipartUploadsResult>`,
    ),
  );
}
