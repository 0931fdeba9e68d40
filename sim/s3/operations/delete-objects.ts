// DeleteObject (204 whether or not the key existed) and DeleteObjects (POST /bucket?delete).
import { malformedXml } from '../s3-errors.js';
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
  deleteOne(call, call.key);
  return call.reply.code(204).send();
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
  const keys = objects.map((object) => {
    // One Key per Object: of two, the first was deleted and the second dropped unread (fuzz audit).
    const keyTexts = elementTexts(object, 'Key');
    const key = keyTexts.length === 1 ? unescapeXml(keyTexts[0]!) : undefined;
    if (key === undefined) throw malformedXml();
    return key;
  });
  // S3 authorises each key on its own: a key the caller may not delete is an error of its own.
  const refused = new Set(keys.filter((key) => call.objectDenied?.('s3:DeleteObject', key)));
  for (const key of keys) if (!refused.has(key)) deleteOne(call, key);
  const errors = [...refused].map((key) => `<Error>${element('Key', key)}${element('Code', 'AccessDenied')}${element('Message', 'Access Denied')}</Error>`).join('');
  const entries = (quiet ? '' : keys.filter((key) => !refused.has(key)).map((key) => `<Deleted>${element('Key', key)}</Deleted>`).join('')) + errors;
  return sendXml(call, 200, xmlDocument(`<DeleteResult xmlns="${S3_XMLNS}">${entries}</DeleteResult>`));
}
