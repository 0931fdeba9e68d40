// GetBucketCors, GetBucketNotificationConfiguration, GetBucketLifecycleConfiguration and the other
// Get* reads developers run (versioning, encryption, public access block, ownership controls,
// policy): what the stack configured on the bucket, as `aws s3api get-bucket-cors` and the SDKs
// read it (to check that a web app's dev-server origin is allowed, or which prefixes reach the face
// indexer), and S3's defaults for a new bucket where the template is silent. The configuration
// comes from the template; changing it through the API is not emulated.
import { LOCAL_ACCOUNT_ID } from '../../cloud-assembly/stack-plan.js';
import { configurationIdOf } from '../event-notifications.js';
import { notImplemented, S3Error } from '../s3-errors.js';
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
      // One condition stands alone in the Filter; a prefix with size bounds goes in an And, as S3 writes it.
      const sizes = element('ObjectSizeGreaterThan', rule.minSizeExclusive) + element('ObjectSizeLessThan', rule.maxSizeExclusive);
      const filter = sizes === '' ? element('Prefix', rule.prefix) : rule.prefix === '' ? sizes : `<And>${element('Prefix', rule.prefix)}${sizes}</And>`;
      return `<Rule>${element('ID', rule.id)}<Filter>${filter}</Filter><Status>Enabled</Status>${expiration === undefined ? '' : `<Expiration>${expiration}</Expiration>`}${abort}</Rule>`;
    })
    .join('');
  return sendXml(call, 200, xmlDocument(`<LifecycleConfiguration xmlns="${S3_XMLNS}">${xml}</LifecycleConfiguration>`));
}

/**
 * Refuses, as not emulated, a call about versions on a bucket the template versions (`Enabled`):
 * the kit keeps one version of each object. A `Suspended` bucket writes as an unversioned one.
 */
export function refuseVersionedBucket(call: S3Call): void {
  const status = call.services.settingsOf(call.bucket).versioning?.Status;
  if (status !== undefined && status !== 'Suspended') throw notImplemented(`Versioning (the template sets it ${String(status)}; the kit keeps one version of each object)`);
}

/** The template's `Suspended`, or nothing: a bucket that never had versioning answers an empty configuration. */
export function getBucketVersioning(call: S3Call) {
  refuseVersionedBucket(call);
  const status = call.services.settingsOf(call.bucket).versioning?.Status;
  return sendXml(call, 200, xmlDocument(`<VersioningConfiguration xmlns="${S3_XMLNS}">${element('Status', status === undefined ? undefined : String(status))}</VersioningConfiguration>`));
}

/** The template's default encryption, or SSE-S3 (AES256), which S3 applies to every bucket since January 2023. */
export function getBucketEncryption(call: S3Call) {
  const configured = call.services.settingsOf(call.bucket).encryption?.ServerSideEncryptionConfiguration;
  const rules = Array.isArray(configured) && configured.length > 0
    ? (configured as Array<{ ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string }; BucketKeyEnabled?: boolean }>)
    : [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }];
  const xml = rules
    .map((rule) => {
      const byDefault = rule.ServerSideEncryptionByDefault;
      const applied = byDefault
        ? `<ApplyServerSideEncryptionByDefault>${element('SSEAlgorithm', byDefault.SSEAlgorithm)}${element('KMSMasterKeyID', byDefault.KMSMasterKeyID)}</ApplyServerSideEncryptionByDefault>`
        : '';
      return `<Rule>${applied}${element('BucketKeyEnabled', rule.BucketKeyEnabled ?? false)}</Rule>`;
    })
    .join('');
  return sendXml(call, 200, xmlDocument(`<ServerSideEncryptionConfiguration xmlns="${S3_XMLNS}">${xml}</ServerSideEncryptionConfiguration>`));
}

const PUBLIC_ACCESS_SETTINGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

/**
 * The template's four settings, a setting it leaves out off (as S3 reads a configuration missing
 * one); with no configuration at all, all four on, as S3 sets them on every bucket since April 2023.
 */
export function getPublicAccessBlock(call: S3Call) {
  const configured = call.services.settingsOf(call.bucket).publicAccessBlock;
  const xml = PUBLIC_ACCESS_SETTINGS.map((name) => element(name, configured === undefined ? true : configured[name] === true || configured[name] === 'true')).join('');
  return sendXml(call, 200, xmlDocument(`<PublicAccessBlockConfiguration xmlns="${S3_XMLNS}">${xml}</PublicAccessBlockConfiguration>`));
}

/** The template's object ownership, or BucketOwnerEnforced (ACLs disabled), S3's default since April 2023 and what the kit enforces. */
export function getBucketOwnershipControls(call: S3Call) {
  const rules = call.services.settingsOf(call.bucket).ownershipControls?.Rules;
  const ownership = Array.isArray(rules) ? (rules[0] as { ObjectOwnership?: string } | undefined)?.ObjectOwnership : undefined;
  const xml = `<Rule>${element('ObjectOwnership', ownership ?? 'BucketOwnerEnforced')}</Rule>`;
  return sendXml(call, 200, xmlDocument(`<OwnershipControls xmlns="${S3_XMLNS}">${xml}</OwnershipControls>`));
}

/**
 * The policy of the template's AWS::S3::BucketPolicy for the bucket, as JSON (S3 answers the
 * document itself, not XML); NoSuchBucketPolicy without one. Read back only: the kit does not
 * evaluate bucket policies (the stack's denies plain HTTP, which every local call is).
 */
export function getBucketPolicy(call: S3Call) {
  const policy = call.services.settingsOf(call.bucket).policy;
  if (!policy) throw new S3Error('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, { BucketName: call.bucket });
  return call.reply.code(200).header('content-type', 'application/json').send(JSON.stringify(policy));
}
