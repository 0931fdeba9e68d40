// DeleteObject (204 whether or not the key existed) and DeleteObjects (POST /bucket?delete).
import { S3Error } from '../s3-errors.js';
import { queueNotifications, sendXml } from '../s3-context.js';
import type { S3Call } from '../s3-context.js';
import { element, elementTexts, S3_XMLNS, unescapeXml, xmlDocument } from '../xml.js';
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
  const xml = body.toString('utf8');
  const objects = elementTexts(xml, 'Object');
  if (!xml.includes('<Delete') || objects.length === 0 || objects.length > MAX_KEYS_PER_DELETE) {
    throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
  }
  const quiet = elementTexts(xml, 'Quiet')[0]?.trim() === 'true';
  const deleted: string[] = [];
  for (const object of objects) {
    const keyText = elementTexts(object, 'Key')[0];
    if (keyText === undefined) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
    const key = unescapeXml(keyText);
    deleteOne(call, key);
    deleted.push(key);
  }
  const entries = quiet ? '' : deleted.map((key) => `<Deleted>${element('Key', key)}</Deleted>`).join('');
  return sendXml(call, 200, xmlDocument(`<DeleteResult xmlns="${S3_XMLNS}">${entries}</DeleteResult>`));
}
