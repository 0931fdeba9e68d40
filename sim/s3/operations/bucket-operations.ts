// CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation and ListBuckets.
import { isValidBucketName } from '../object-store.js';
import { malformedXml, noSuchBucket, S3Error } from '../s3-errors.js';
import { sendXml } from '../s3-context.js';
import type { S3Call } from '../s3-context.js';
import { element, elementTexts, S3_XMLNS, s3Timestamp, unescapeXml, xmlDocument, xmlDocumentOf } from '../xml.js';

export function createBucket(call: S3Call) {
  if (!isValidBucketName(call.bucket)) {
    throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: call.bucket });
  }
  checkLocationConstraint(locationConstraintOf(call.request.body), call.services.region);
  const created = call.services.store.createBucket(call.bucket, call.services.clock.now());
  // us-east-1 answers 200 again to the owner; every other region says BucketAlreadyOwnedByYou.
  if (!created && call.services.region !== 'us-east-1') {
    throw new S3Error(
      'BucketAlreadyOwnedByYou',
      'Your previous request to create the named bucket succeeded and you already own it.',
      409,
      { BucketName: call.bucket },
    );
  }
  return call.reply.code(200).header('location', `/${call.bucket}`).send();
}

/** The `LocationConstraint` of a CreateBucketConfiguration body, '' when there is none. */
function locationConstraintOf(body: unknown): string {
  if (!Buffer.isBuffer(body) || body.length === 0) return '';
  const xml = xmlDocumentOf(body, 'CreateBucketConfiguration');
  if (xml === undefined) throw malformedXml();
  const [text] = elementTexts(xml, 'LocationConstraint');
  const constraint = text === undefined ? '' : unescapeXml(text.trim());
  if (constraint === undefined) throw malformedXml();
  return constraint;
}

/**
 * A bucket is created in the region of the endpoint it was sent to, which names it the same way:
 * us-east-1 by naming none (naming it is `InvalidLocationConstraint`), any other region by naming
 * itself. S3's answers as users of AWS quote them (aws/aws-cli#3567, aws/aws-parallelcluster#1190,
 * versity/versitygw#2246). Before, the constraint was ignored: `--region eu-west-1` made a bucket
 * the kit then placed in us-east-1.
 */
function checkLocationConstraint(constraint: string, region: string): void {
  if (region === 'us-east-1' && constraint === 'us-east-1') {
    throw new S3Error('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, { LocationConstraint: constraint });
  }
  const expected = region === 'us-east-1' ? '' : region;
  if (constraint !== expected) {
    throw new S3Error(
      'IllegalLocationConstraintException',
      `The ${constraint || 'unspecified'} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      400,
    );
  }
}

export function headBucket(call: S3Call) {
  if (!call.services.store.getBucket(call.bucket)) return call.reply.code(404).send();
  return call.reply.code(200).header('x-amz-bucket-region', call.services.region).send();
}

export function deleteBucket(call: S3Call) {
  requireBucket(call);
  if (!call.services.store.isEmpty(call.bucket)) {
    throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, { BucketName: call.bucket });
  }
  call.services.store.deleteBucket(call.bucket);
  // Its open multipart uploads were in its folder.
  call.services.uploads.forgetBucket(call.bucket);
  return call.reply.code(204).send();
}

export function getBucketLocation(call: S3Call) {
  requireBucket(call);
  // us-east-1 is reported as an empty LocationConstraint.
  const region = call.services.region === 'us-east-1' ? '' : call.services.region;
  return sendXml(call, 200, xmlDocument(`<LocationConstraint xmlns="${S3_XMLNS}">${region}</LocationConstraint>`));
}

export function listBuckets(call: S3Call) {
  const buckets = call.services.store
    .listBuckets()
    .map(
      (bucket) =>
        `<Bucket>${element('Name', bucket.name)}${element('CreationDate', s3Timestamp(bucket.creationDate))}` +
        `${element('BucketRegion', call.services.region)}</Bucket>`,
    )
    .join('');
  return sendXml(
    call,
    200,
    xmlDocument(
      `<ListAllMyBucketsResult xmlns="${S3_XMLNS}"><Owner>${element('ID', call.services.ownerId)}</Owner>` +
        `<Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`,
    ),
  );
}

export function requireBucket(call: S3Call): void {
  if (!call.services.store.getBucket(call.bucket)) throw noSuchBucket(call.bucket);
}
