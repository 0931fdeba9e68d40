// POST Object: a browser form upload, as `createPresignedPost` (@aws-sdk/s3-presigned-post) and
// boto3's `generate_presigned_post` issue it. The form carries its own SigV4 signature (over the
// base64 policy, not over the request) and a policy that says which fields it may hold and how big
// the file may be (S3 API Reference, "Browser-Based Uploads Using POST (AWS Signature Version 4)",
// "Creating a POST Policy"). The fields are read first, then checked as S3 checks them; the file,
// which must be the last part, is read only after that, and no more of it is kept than the policy
// allows. Errors are S3's, with its words (checked against LocalStack's presigned_url.py, whose
// tests run against AWS, and error bodies S3 sent that users quoted).
import type { Readable } from 'node:stream';
import { FieldsTooLargeError, FormDataReader, MalformedFormError, type FormLimits, type FormPart } from '../form-data.js';
import { verifyContentMd5, verifyFlexibleChecksum } from '../payload.js';
import { unsupportedMechanism, type Authenticated, type PostFormSignature } from '../request-authenticator.js';
import { accessDenied, notImplemented, S3Error } from '../s3-errors.js';
import type { S3Call } from '../s3-context.js';
import { element, xmlDocument } from '../xml.js';
import { requireBucket } from './bucket-operations.js';
import { checkStorageClass, objectAttributes, refuseAcl, storeObject } from './put-object.js';

/**
 * S3 reads at most this much of the form before the file part (S3's MaxPostPreDataLengthExceeded:
 * "Your POST request fields preceding the upload file were too large"), 20 KB as documented for the
 * POST policy; nothing a browser form needs comes near it.
 */
export const MAX_FIELDS_BYTES = 20 * 1024;

/**
 * What the form reader takes before the file, past which the fields are refused as too large:
 * S3's 20 KB for a field's value; far more fields than any form has (a presigned POST has about
 * ten); and the bytes of those fields with their boundaries and part headers, so that a field
 * that never ends, or a stream of empty ones, is refused once that much has come.
 */
const FORM_LIMITS: FormLimits = { maxFieldBytes: MAX_FIELDS_BYTES, maxFields: 1000, maxBytesBeforeFile: 256 * 1024 };

/** Checks what S3 checks of the signer of a form, with the service's keys, region and policies. */
export interface FormUploadAuthority {
  /** The form's signature over its policy, then the credential's region against the bucket's. */
  authenticate(form: PostFormSignature): Promise<Authenticated>;
  /** Throws AccessDenied when the signer's role may not s3:PutObject the key (a function's credentials). */
  authorize(accessKeyId: string, bucket: string, key: string): void;
  /** The largest object the emulator takes (it holds the file in memory while storing it). */
  maxObjectBytes: number;
}

/** The fields no policy condition has to name (S3 User Guide: "Each form field that you specify in a form (except x-amz-signature, file, policy, and field names that have an x-ignore- prefix) must appear in the list of conditions"). */
const UNCONDITIONED_FIELDS = new Set(['policy', 'x-amz-signature', 'file']);

/** The SigV4 fields of a form, in the order S3 names the first one missing. */
const SIGNATURE_FIELDS = ['X-Amz-Signature', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date'];

type Condition =
  | { kind: 'eq' | 'starts-with'; field: string; value: string; asWritten: string }
  | { kind: 'content-length-range'; min: number; max: number };

const malformedPost = () =>
  new S3Error('MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.', 400);

const invalidArgument = (message: string, name: string, value: string | number) =>
  new S3Error('InvalidArgument', message, 400, { ArgumentName: name, ArgumentValue: value });

/** S3's words for a field it needs that is missing, or that came after the file (and was ignored). */
const missingField = (name: string) =>
  invalidArgument(`Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`, name, '');

const invalidPolicy = (why: string) => new S3Error('InvalidPolicyDocument', `Invalid Policy: ${why}`, 400);

const policyRefusal = (why: string) => accessDenied(`Invalid according to Policy: ${why}`);

export async function postObject(call: S3Call, body: Readable, contentType: string | undefined, authority: FormUploadAuthority) {
  requireBucket(call);
  let reader: FormDataReader;
  try {
    reader = new FormDataReader(body, contentType, FORM_LIMITS);
  } catch {
    throw malformedPost();
  }
  try {
    const { fields, file } = await readFields(reader);
    return await storeUpload(call, reader, fields, file, authority);
  } catch (error) {
    if (error instanceof MalformedFormError) throw call.request.raw.readableAborted ? incompleteBody() : malformedPost();
    throw error;
  } finally {
    // Whatever the answer, the rest of the body (past the file, or past a refusal) is drained unparsed.
    reader.close();
  }
}

const incompleteBody = () =>
  new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header', 400);

/**
 * The fields before the file part, by lower-cased name (S3 reads field names case-insensitively);
 * a repeated field keeps its first value. The file is the part named `file`; parts after it are
 * never read, as S3 ignores them.
 */
async function readFields(reader: FormDataReader): Promise<{ fields: Map<string, string>; file?: FormPart }> {
  const fields = new Map<string, string>();
  let budget = MAX_FIELDS_BYTES;
  try {
    for (let part = await reader.nextPart(); part; part = await reader.nextPart()) {
      const name = part.name.toLowerCase();
      if (name === 'file') return { fields, file: part };
      budget -= Buffer.byteLength(part.name);
      const value = reader.text(Math.max(budget, 0));
      budget -= Buffer.byteLength(value);
      if (budget < 0) throw tooMuchBeforeFile();
      if (!fields.has(name)) fields.set(name, value);
    }
  } catch (error) {
    if (error instanceof FieldsTooLargeError) throw tooMuchBeforeFile();
    throw error;
  }
  return { fields };
}

const tooMuchBeforeFile = () =>
  new S3Error('MaxPostPreDataLengthExceededError', 'Your POST request fields preceding the upload file were too large.', 400, {
    MaxPostPreDataLength: MAX_FIELDS_BYTES,
  });

async function storeUpload(call: S3Call, reader: FormDataReader, fields: Map<string, string>, file: FormPart | undefined, authority: FormUploadAuthority) {
  const keyField = fields.get('key');
  if (!keyField) throw missingField('key');
  if (!file) throw invalidArgument('POST requires exactly one file upload per request.', 'file', 0);

  const signer = await authenticate(fields, authority);
  call.accessKeyId = signer.accessKeyId;
  const conditions = parsePolicy(fields.get('policy')!, call.services.clock.now());
  checkConditions(conditions, fields, call.bucket);
  checkEveryFieldConditioned(conditions, fields);

  // `${filename}` in the key is the name the browser gave the file.
  const key = keyField.replaceAll('${filename}', file.filename ?? '');
  if (Buffer.byteLength(key, 'utf8') > 1024) {
    throw new S3Error('KeyTooLongError', 'Your key is too long', 400, { MaxSizeAllowed: 1024, Size: Buffer.byteLength(key, 'utf8') });
  }
  authority.authorize(signer.accessKeyId, call.bucket, key);

  // What the fields say of the object, refused as a PUT's headers would be before any byte is read.
  const headers = fieldsAsHeaders(fields);
  checkStorageClass(headers);
  refuseAcl(headers);
  if (fields.get('tagging')) throw notImplemented('Object tags (the tagging field)');
  const attributes = objectAttributes(headers);

  const data = await readFile(reader, sizeRange(conditions), authority.maxObjectBytes);
  // Stored only once the request is whole, as S3 stores it: the rest is drained, not parsed.
  reader.close();
  await reader.untilBodyEnds();
  verifyContentMd5(data, fields.get('content-md5'));
  const checksum = verifyFlexibleChecksum(data, [headers]);

  const object = storeObject(call, key, data, { ...attributes, checksum }, 'ObjectCreated:Post');
  return answer(call, fields, key, object.etag);
}

/** The form's SigV4 fields: all four with a policy, or refused as S3 refuses them. */
async function authenticate(fields: Map<string, string>, authority: FormUploadAuthority): Promise<Authenticated> {
  if (fields.has('awsaccesskeyid') || fields.has('signature')) {
    // Signature Version 2, which the emulator refuses everywhere (request-authenticator.ts).
    throw unsupportedMechanism();
  }
  const present = SIGNATURE_FIELDS.filter((name) => fields.has(name.toLowerCase()));
  const policy = fields.get('policy');
  // An unsigned form writes only to a bucket anyone may write to, which no bucket of the kit is.
  if (policy === undefined || present.length === 0) throw accessDenied();
  const missing = SIGNATURE_FIELDS.find((name) => !fields.has(name.toLowerCase()));
  if (missing) throw missingField(missing);
  return authority.authenticate({
    algorithm: fields.get('x-amz-algorithm')!,
    credential: fields.get('x-amz-credential')!,
    date: fields.get('x-amz-date')!,
    signature: fields.get('x-amz-signature')!,
    securityToken: fields.get('x-amz-security-token'),
    policy,
  });
}

/** The policy's conditions, once its expiration is checked against `now`. */
function parsePolicy(policyBase64: string, now: number): Condition[] {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(policyBase64, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw invalidPolicy('Invalid JSON.');
  const { expiration, conditions } = document as { expiration?: unknown; conditions?: unknown };
  if (typeof expiration !== 'string') throw invalidPolicy('Policy missing expiration.');
  const expiresAt = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(expiration) ? Date.parse(expiration) : Number.NaN;
  if (Number.isNaN(expiresAt)) throw invalidPolicy('Invalid \'expiration\' value.');
  if (!Array.isArray(conditions)) throw invalidPolicy('Policy missing conditions.');
  if (now > expiresAt) throw policyRefusal('Policy expired.');
  return conditions.map(parseCondition);
}

function parseCondition(condition: unknown): Condition {
  if (typeof condition === 'object' && condition !== null && !Array.isArray(condition)) {
    const entries = Object.entries(condition);
    if (entries.length !== 1) throw invalidPolicy('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
    const [name, value] = entries[0]!;
    if (typeof value !== 'string') throw invalidPolicy(`Invalid Simple-Condition: value must be a string.`);
    return { kind: 'eq', field: name.toLowerCase(), value, asWritten: conditionText(['eq', `$${name}`, value]) };
  }
  if (!Array.isArray(condition) || condition.length !== 3 || typeof condition[0] !== 'string') {
    throw invalidPolicy('Invalid Condition: conditions must be objects or arrays of three elements.');
  }
  const [operator, first, second] = condition as [string, unknown, unknown];
  const kind = operator.toLowerCase();
  if (kind === 'content-length-range') {
    const min = Number(first);
    const max = Number(second);
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) {
      throw invalidPolicy("Invalid 'content-length-range' condition: its bounds must be integers, the first no larger than the second.");
    }
    return { kind, min, max };
  }
  if (kind !== 'eq' && kind !== 'starts-with') throw invalidPolicy(`Invalid Condition: unknown operation '${operator}'.`);
  if (typeof first !== 'string' || !first.startsWith('$') || typeof second !== 'string') {
    throw invalidPolicy(`Invalid Condition: '${operator}' takes a '$' field name and a string.`);
  }
  return { kind, field: first.slice(1).toLowerCase(), value: second, asWritten: conditionText([operator, first, second]) };
}

/** A condition as S3 quotes it when it fails: `["starts-with", "$key", "user/"]`, a simple one as `eq`. */
function conditionText(parts: string[]): string {
  return `[${parts.map((part) => JSON.stringify(part)).join(', ')}]`;
}

/**
 * Every `eq` and `starts-with` condition against the fields as sent (the `bucket` one against the
 * bucket of the URL). A condition on a field the form lacks fails, but for `starts-with` an empty
 * prefix, which allows anything, absence included.
 */
function checkConditions(conditions: Condition[], fields: Map<string, string>, bucket: string): void {
  for (const condition of conditions) {
    if (condition.kind === 'content-length-range') continue;
    const value = condition.field === 'bucket' ? bucket : fields.get(condition.field);
    const holds = condition.kind === 'eq'
      ? value === condition.value
      : condition.value === '' || (value !== undefined && value.startsWith(condition.value));
    if (!holds) throw policyRefusal(`Policy Condition failed: ${condition.asWritten}`);
  }
}

/** A field no condition names is refused: the policy's signer did not allow it. */
function checkEveryFieldConditioned(conditions: Condition[], fields: Map<string, string>): void {
  const named = new Set(conditions.flatMap((condition) => (condition.kind === 'content-length-range' ? [] : [condition.field])));
  const extra = [...fields.keys()].filter((name) => !UNCONDITIONED_FIELDS.has(name) && !name.startsWith('x-ignore-') && !named.has(name));
  if (extra.length > 0) throw policyRefusal(`Extra input fields: ${extra.join(', ')}`);
}

/** The fields a PUT would send as headers (`acl` is `x-amz-acl` there). */
function fieldsAsHeaders(fields: Map<string, string>): S3Call['request']['headers'] {
  const headers: Record<string, string> = {};
  for (const [name, value] of fields) headers[name === 'acl' ? 'x-amz-acl' : name] = value;
  return headers as S3Call['request']['headers'];
}

interface SizeRange {
  min: number;
  max: number;
}

/** What every `content-length-range` condition allows together (each one must hold), or undefined without one. */
function sizeRange(conditions: Condition[]): SizeRange | undefined {
  const ranges = conditions.filter((condition) => condition.kind === 'content-length-range');
  if (ranges.length === 0) return undefined;
  return { min: Math.max(...ranges.map((range) => range.min)), max: Math.min(...ranges.map((range) => range.max)) };
}

/**
 * The file part's bytes, kept only up to the policy's maximum (and the emulator's own): past it,
 * the rest is counted and dropped, so that the answer says how big the upload was.
 */
async function readFile(reader: FormDataReader, range: SizeRange | undefined, maxObjectBytes: number): Promise<Buffer> {
  const policyMax = range?.max ?? Number.POSITIVE_INFINITY;
  const maxAllowed = Math.min(policyMax, maxObjectBytes);
  const kept: Buffer[] = [];
  let size = 0;
  for await (const piece of reader.content()) {
    size += piece.length;
    if (size <= maxAllowed) kept.push(piece);
    else if (size > maxObjectBytes) break;
  }
  if (size > maxAllowed) {
    throw new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, { ProposedSize: size, MaxSizeAllowed: maxAllowed });
  }
  if (range && size < range.min) {
    throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', 400, { ProposedSize: size, MinSizeAllowed: range.min });
  }
  return Buffer.concat(kept, size);
}

/**
 * S3's answer to a stored upload: a redirect when the form asks for one, else the status it asks
 * for (200 or 201, 204 otherwise), with the object's ETag and Location.
 */
function answer(call: S3Call, fields: Map<string, string>, key: string, etag: string) {
  const location = objectLocation(call, key);
  call.reply.header('etag', etag).header('location', location).header('x-amz-server-side-encryption', 'AES256');
  const redirect = redirectUrl(fields.get('success_action_redirect') ?? fields.get('redirect'));
  if (redirect) {
    redirect.searchParams.set('bucket', call.bucket);
    redirect.searchParams.set('key', key);
    redirect.searchParams.set('etag', etag);
    return call.reply.code(303).header('location', redirect.toString()).send();
  }
  switch (fields.get('success_action_status')) {
    case '200':
      return call.reply.code(200).send();
    case '201':
      return call.reply
        .code(201)
        .header('content-type', 'application/xml')
        .send(xmlDocument(`<PostResponse>${element('Location', location)}${element('Bucket', call.bucket)}${element('Key', key)}${element('ETag', etag)}</PostResponse>`));
    default:
      return call.reply.code(204).send();
  }
}

/** A redirect S3 follows: an absolute http(s) URL; anything else is ignored, as S3 ignores it. */
function redirectUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The object's URL, in the style the form was posted to (virtual-hosted names the bucket in the host). */
function objectLocation(call: S3Call, key: string): string {
  const host = call.request.headers.host ?? 'localhost';
  const hostNamesBucket = host.toLowerCase().startsWith(`${call.bucket}.`);
  return `${call.request.protocol}://${host}/${hostNamesBucket ? '' : `${call.bucket}/`}${encodeURIComponent(key)}`;
}
