// DeleteObject (204 whether or not the key existed) and DeleteObjects (POST /bucket?delete).
import { malformedXml, noSuchKey, S3Error } from '../s3-errors.js';
import { queueNotifications, sendXml } from '../s3-context.js';
import type { S3Call } from '../s3-context.js';
import { element, elementTexts, S3_XMLNS, unescapeXml, xmlDocument, xmlDocumentOf } from '../xml.js';
import { requireBucket } from './bucket-operations.js';
import { verifyContentMd5, verifyFlexibleChecksum } from '../payload.js';

function deleteOne(call: S3Call, key: string): void {
  if (call.services.store.deleteObject(call.bucket, key)) queueNotifications(call, 'ObjectRemoved:Delete', key);
}

export function deleteObject(call: S3Call) {
  requireBucket(call);
  const refusal = conditionRefusal(call, call.key, call.request.headers['if-match'] as string | undefined);
  if (refusal) throw refusal;
  deleteOne(call, call.key);
  return call.reply.code(204).send();
}

/** An element an Object may hold once: its text, undefined when absent, null when there are two. */
function optionalText(object: string, name: string): string | undefined | null {
  const texts = elementTexts(object, name);
  if (texts.length > 1) return null;
  return texts[0] === undefined ? undefined : unescapeXml(texts[0]) ?? null;
}

/**
 * A conditional delete (S3, since 2025-09): `If-Match` on DeleteObject, or an object's `ETag` in a
 * DeleteObjects body, is `*` or the object's ETag (quotes optional); another ETag is 412
 * PreconditionFailed, no object 404 NoSuchKey. Ignored, the object was deleted whatever it held
 * (stock-tools audit: `aws s3api delete-object --if-match`).
 */
function conditionRefusal(call: S3Call, key: string, ifMatch: string | undefined): S3Error | undefined {
  if (ifMatch === undefined) return undefined;
  const existing = call.services.store.headObject(call.bucket, key);
  if (!existing) return noSuchKey(key);
  const wanted = ifMatch.trim();
  if (wanted === '*' || wanted === existing.etag || `"${wanted}"` === existing.etag) return undefined;
  return new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: 'If-Match' });
}

const MAX_KEYS_PER_DELETE = 1000;

export function deleteObjects(call: S3Call) {
  requireBucket(call);
  const body = Buffer.isBuffer(call.request.body) ? call.request.body : Buffer.alloc(0);
  verifyContentMd5(body, call.request.headers['content-md5'] as string | undefined);
  verifyFlexibleChecksum(body, [call.request.headers]);
  // Not well-formed: bytes that are no UTF-8, or a raw control character. Read anyway, the key was
  // deleted and answered back raw, which no XML parser reads: boto3 retried 4 times and reported a
  // 500 for an object that was gone.
  const xml = xmlDocumentOf(body, 'Delete');
  const objects = xml === undefined ? [] : elementTexts(xml, 'Object');
  if (xml === undefined || objects.length === 0 || objects.length > MAX_KEYS_PER_DELETE) throw malformedXml();
  const quiet = elementTexts(xml, 'Quiet')[0]?.trim() === 'true';
  // Every key is read before any is deleted: a body malformed at its tenth key deletes nothing,
  // as S3 validates the whole document first.
  const requested = objects.map((object) => {
    // One Key per Object: of two, the first was deleted and the second dropped unread (fuzz audit).
    const keyTexts = elementTexts(object, 'Key');
    const key = keyTexts.length === 1 ? unescapeXml(keyTexts[0]!) : undefined;
    const etag = optionalText(object, 'ETag');
    const versionId = optionalText(object, 'VersionId');
    if (key === undefined || etag === null || versionId === null) throw malformedXml();
    return { key, etag, versionId };
  });
  const keys = requested.map(({ key }) => key);
  // S3 authorises each key on its own: a key the caller may not delete is an error of its own, as
  // is one whose ETag condition does not hold.
  const refused = new Map<string, S3Error>();
  for (const { key, etag, versionId } of requested) {
    const refusal = call.objectDenied?.('s3:DeleteObject', key) ? new S3Error('AccessDenied', 'Access Denied', 403)
      // The one version of an object in a bucket without versioning is `null`, as listed.
      : versionId !== undefined && versionId !== 'null' ? new S3Error('InvalidArgument', 'Invalid version id specified', 400)
        : conditionRefusal(call, key, etag);
    if (refusal) refused.set(key, refusal);
  }
  for (const key of keys) if (!refused.has(key)) deleteOne(call, key);
  const errors = [...refused].map(([key, error]) => `<Error>${element('Key', key)}${element('Code', error.code)}${element('Message', error.message)}</Error>`).join('');
  // A version named is echoed, as S3 does (`VersionId` in each Deleted entry).
  const deleted = requested.filter(({ key }) => !refused.has(key)).map(({ key, versionId }) => `<Deleted>${element('Key', key)}${element('VersionId', versionId)}</Deleted>`);
  const entries = (quiet ? '' : deleted.join('')) + errors;
  return sendXml(call, 200, xmlDocument(`<DeleteResult xmlns="${S3_XMLNS}">${entries}</DeleteResult>`));
}
