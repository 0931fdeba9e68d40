// GetBucketCors, GetBucketNotificationConfiguration and GetBucketLifecycleConfiguration: what the
// stack configured on the bucket, as `aws s3api get-bucket-cors` and the SDKs read it (to check
// that a web app's dev-server origin is allowed, or which prefixes reach the face indexer). The
// configuration comes from the template; changing it through the API is not emulated.
import { LOCAL_ACCOUNT_ID } from '../../cloud-assembly/stack-plan.js';
import { configurationIdOf } from '../event-notifications.js';
import { S3Error } from '../s3-errors.js';
import { sendXml, type S3Call } from '../s3-context.js';
import { element, S3_XMLNS, xmlDocument } from '../xml.js';

export function getBucketCors(call: S3Call) {
  const rules = call.services.store.getBucket(call.bucket)?.cors ?? [];
  if (rules.length === 0) {
    throw new S3Error('NoSuchCORSConfiguration', 'The CORS configuration does not exist', 404, { BucketName: call.bucket });
  }
  const xml = rules
    .map(
      (rule) =>
        '<CORSRule>' +
        element('ID', rule.Id) +
        (rule.AllowedHeaders ?? []).map((header) => element('AllowedHeader', header)).join('') +
        rule.AllowedMethods.map((method) => element('AllowedMethod', method)).join('') +
        rule.AllowedOrigins.map((origin) => element('AllowedOrigin', origin)).join('') +
        (rule.ExposedHeaders ?? []).map((header) => element('ExposeHeader', header)).join('') +
        element('MaxAgeSeconds', rule.MaxAge) +
        '</CORSRule>',
    )
    .join('');
  return sendXml(call, 200, xmlDocument(`<CORSConfiguration xmlns="${S3_XMLNS}">${xml}</CORSConfiguration>`));
}

/** Lambda destinations, in the element names S3's wire format gives them (`CloudFunction...`). */
export function getBucketNotificationConfiguration(call: S3Call) {
  const notifications = call.services.store.getBucket(call.bucket)?.notifications ?? [];
  const xml = notifications
    .map((notification, index) => {
      const filterRules = [
        ['Prefix', notification.prefix],
        ['Suffix', notification.suffix],
      ]
        .filter(([, value]) => value !== undefined && value !== '')
        .map(([name, value]) => `<FilterRule>${element('Name', name)}${element('Value', value)}</FilterRule>`)
        .join('');
      return (
        '<CloudFunctionConfiguration>' +
        element('Id', configurationIdOf(notification, index)) +
        element('CloudFunction', functionArnOf(notification.functionName, call.services.region)) +
        notification.events.map((event) => element('Event', event)).join('') +
        (filterRules ? `<Filter><S3Key>${filterRules}</S3Key></Filter>` : '') +
        '</CloudFunctionConfiguration>'
      );
    })
    .join('');
  return sendXml(call, 200, xmlDocument(`<NotificationConfiguration xmlns="${S3_XMLNS}">${xml}</NotificationConfiguration>`));
}

/** The embedded cloud names its functions; S3 reports an ARN, here the local account's. */
function functionArnOf(functionName: string, region: string): string {
  return functionName.startsWith('arn:') ? functionName : `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`;
}

export function getBucketLifecycleConfiguration(call: S3Call) {
  const rules = call.services.expirationRulesOf(call.bucket);
  if (rules.length === 0) {
    throw new S3Error('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist', 404, { BucketName: call.bucket });
  }
  const xml = rules
    .map((rule) => {
      const expiration = rule.days !== undefined ? element('Days', rule.days)
        : rule.date !== undefined ? element('Date', new Date(rule.date).toISOString()) : undefined;
      const abort = rule.abortIncompleteDays === undefined ? ''
        : `<AbortIncompleteMultipartUpload>${element('DaysAfterInitiation', rule.abortIncompleteDays)}</AbortIncompleteMultipartUpload>`;
      return `<Rule>${element('ID', rule.id)}<Filter>${element('Prefix', rule.prefix)}</Filter><Status>Enabled</Status>${expiration === undefined ? '' : `<Expiration>${expiration}</Expiration>`}${abort}</Rule>`;
    })
    .join('');
  return sendXml(call, 200, xmlDocument(`<LifecycleConfiguration xmlns="${S3_XMLNS}">${xml}</LifecycleConfiguration>`));
}
