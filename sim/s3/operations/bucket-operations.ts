// CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation and ListBuckets.
import { isValidBucketName } from '../object-store.js';
import { noSuchBucket, S3Error } from '../s3-errors.js';
import { sendXml } from '../s3-context.js';
import type { S3Call } from '../s3-context.js';
import { element, S3_XMLNS, xmlDocument } from '../xml.js';

export function createBucket(call: S3Call) {
  if (!isValidBucketName(call.bucket)) {
    throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: call.bucket });
  }
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
        `<Bucket>${element('Name', bucket.name)}${element('CreationDate', new Date(bucket.creationDate).toISOString())}` +
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
