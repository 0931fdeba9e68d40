// GetObject and HeadObject: the stored representation, user metadata, Range, the conditional
// headers, and the response-* overrides presigned GET URLs use.
import { accessDenied, noSuchKey, S3Error } from '../s3-errors.js';
import { queryValue, sendXml } from '../s3-context.js';
import { S3_XMLNS, xmlDocument } from '../xml.js';
import type { S3Call } from '../s3-context.js';
import type { StoredObject } from '../object-store.js';
import { requireBucket } from './bucket-operations.js';

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/**
 * What an HTTP header can carry: tab, printable ASCII and the rest of ISO-8859-1. S3 answers a
 * response-* value outside it (a filename with a euro sign) with 400 InvalidArgument; set as a
 * header, Node would throw and the SDK see a 500 and retry.
 */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function responseOverrides(call: S3Call): Array<[header: string, value: string]> {
  const overrides: Array<[string, string]> = [];
  for (const [parameter, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = queryValue(call, parameter);
    if (value === undefined) continue;
    if (!HEADER_VALUE.test(value)) {
      throw new S3Error('InvalidArgument', 'Header value cannot be represented using ISO-8859-1.', 400, { ArgumentName: parameter, ArgumentValue: value });
    }
    overrides.push([header, value]);
  }
  return overrides;
}

export function getObject(call: S3Call, { headOnly }: { headOnly: boolean }) {
  if (headOnly && !call.services.store.getBucket(call.bucket)) return call.reply.code(404).send();
  let overrides: Array<[string, string]>;
  try {
    overrides = responseOverrides(call);
  } catch (error) {
    // HEAD answers carry no body, so the SDK only sees the status.
    if (headOnly) return call.reply.code(400).send();
    throw error;
  }
  requireBucket(call);
  const object = call.services.store.headObject(call.bucket, call.key);
  if (!object) {
    const refused = call.mayNotList?.() === true;
    // HEAD answers carry no body, so the SDK only sees the status (NotFound, Forbidden).
    if (headOnly) return call.reply.code(refused ? 403 : 404).send();
    throw refused ? accessDenied() : noSuchKey(call.key);
  }

  const preconditionStatus = evaluatePreconditions(call, object);
  if (preconditionStatus === 304) return call.reply.code(304).header('etag', object.etag).send();
  if (preconditionStatus === 412) {
    if (headOnly) return call.reply.code(412).send();
    throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: 'If-Match' });
  }

  const range = parseRange(call.request.headers.range, object.size);
  if (range === 'unsatisfiable') {
    throw new S3Error('InvalidRange', 'The requested range is not satisfiable', 416, {
      RangeRequested: String(call.request.headers.range),
      ActualObjectSize: object.size,
    });
  }

  const reply = call.reply
    .header('content-type', object.contentType)
    .header('etag', object.etag)
    .header('last-modified', new Date(object.lastModified).toUTCString())
    .header('accept-ranges', 'bytes')
    .header('x-amz-server-side-encryption', 'AES256');
  for (const [name, value] of Object.entries(object.headers)) reply.header(name, value);
  for (const [name, value] of Object.entries(object.metadata)) reply.header(`x-amz-meta-${name}`, value);
  for (const [header, value] of overrides) reply.header(header, value);

  if (!range && object.checksum && call.request.headers['x-amz-checksum-mode'] === 'ENABLED') {
    reply.header(`x-amz-checksum-${object.checksum.algorithm}`, object.checksum.value).header('x-amz-checksum-type', object.checksum.type ?? 'FULL_OBJECT');
  }
  if (range) {
    reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${object.size}`);
  } else {
    reply.code(200);
  }
  const length = range ? range.end - range.start + 1 : object.size;
  reply.header('content-length', String(length));
  if (headOnly) return reply.send();
  // As a stream, because Fastify replaces a Content-Type it cannot parse (S3 stores any string)
  // with application/octet-stream when the payload is a Buffer; read from the object's file as it
  // goes out, so a large (multipart) object is never held in memory whole.
  return reply.send(call.services.store.openBody(call.bucket, call.key, range ? range.start : 0, range ? range.end : object.size - 1));
}

function evaluatePreconditions(call: S3Call, object: StoredObject): 200 | 304 | 412 {
  const headers = call.request.headers;
  const matchesEtag = (list: string) =>
    list.split(',').some((tag) => {
      const trimmed = tag.trim();
      return trimmed === '*' || trimmed === object.etag || `"${trimmed}"` === object.etag;
    });
  const modifiedSeconds = Math.floor(object.lastModified / 1000);
  const dateSeconds = (text: string) => Math.floor(Date.parse(text) / 1000);
  if (headers['if-match'] !== undefined && !matchesEtag(headers['if-match'])) return 412;
  if (headers['if-match'] === undefined && headers['if-unmodified-since'] !== undefined && modifiedSeconds > dateSeconds(headers['if-unmodified-since'])) {
    return 412;
  }
  if (headers['if-none-match'] !== undefined) return matchesEtag(headers['if-none-match']) ? 304 : 200;
  if (headers['if-modified-since'] !== undefined && modifiedSeconds <= dateSeconds(headers['if-modified-since'])) return 304;
  return 200;
}

/** One `bytes=` range, as S3 supports; anything else is ignored and the whole object returned. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return undefined;
  return { start, end };
}

/**
 * GetObjectTagging: objects keep no tags here (a write that sets some is refused), so an existing
 * object's TagSet is empty. The AWS CLI v2 asks for it before copying an object over 8 MB in parts.
 */
export function getObjectTagging(call: S3Call) {
  requireBucket(call);
  if (!call.services.store.headObject(call.bucket, call.key)) throw call.mayNotList?.() === true ? accessDenied() : noSuchKey(call.key);
  return sendXml(call, 200, xmlDocument(`<Tagging xmlns="${S3_XMLNS}"><TagSet></TagSet></Tagging>`));
}
