// Reading a bucket's configuration with the real SDK (what `aws s3api get-bucket-cors`,
// `get-bucket-notification-configuration` and `get-bucket-lifecycle-configuration` call): the
// template's CORS rules, Lambda notifications and expiration rules come back in S3's shapes; a
// bucket without any gets S3's NoSuch... errors; changing them is still refused as not emulated.
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3, type RunningS3 } from './s3-test-server.js';

const INDEXER = 'arn:aws:lambda:us-east-1:000000000000:function:FaceIndexer';
const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: ['arn:aws:s3:::configured', 'arn:aws:s3:::configured/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
};
let server: RunningS3;
beforeAll(async () => {
  server = await startS3();
  server.s3.createBucket({
    name: 'configured',
    cors: [{ Id: 'web', AllowedMethods: ['PUT', 'GET'], AllowedOrigins: ['http://localhost:5173'], AllowedHeaders: ['*'], ExposedHeaders: ['ETag'], MaxAge: 300 }],
    notifications: [
      { functionName: INDEXER, events: ['s3:ObjectCreated:*'], prefix: 'enrol/' },
      { functionName: 'FaceIndexer', events: ['s3:ObjectCreated:*'], prefix: 'signin/', suffix: '.jpg', id: 'sign-in-sweep' },
    ],
    expiration: [
      { id: 'expire-enrol-photos', prefix: 'enrol/', days: 1 },
      { prefix: 'old/', date: Date.UTC(2030, 0, 1) },
      { id: 'large-only', prefix: 'big/', days: 3, minSizeExclusive: 1_000_000 },
    ],
    settings: {
      encryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/photos' }, BucketKeyEnabled: true }] },
      ownershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
      publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: 'false' },
      policy: POLICY,
    },
  });
  server.s3.createBucket({ name: 'versioned', settings: { versioning: { Status: 'Enabled' } } });
  server.s3.createBucket({ name: 'suspended', settings: { versioning: { Status: 'Suspended' }, publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true } } });
  server.s3.createBucket({ name: 'plain' });
});
afterAll(() => server?.close());

describe('reading a bucket configuration', () => {
  it('returns the CORS rules as configured', async () => {
    const cors = await server.client.send(new GetBucketCorsCommand({ Bucket: 'configured' }));

    expect(cors.CORSRules).toEqual([
      { ID: 'web', AllowedMethods: ['PUT', 'GET'], AllowedOrigins: ['http://localhost:5173'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 300 },
    ]);
  });

  it('returns the Lambda notifications with their ids, function ARNs (also of a function given by name), events and key filters', async () => {
    const notifications = await server.client.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'configured' }));

    expect(notifications.LambdaFunctionConfigurations).toEqual([
      { Id: 'notification-1', LambdaFunctionArn: INDEXER, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'enrol/' }] } } },
      {
        Id: 'sign-in-sweep', LambdaFunctionArn: INDEXER, Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'signin/' }, { Name: 'Suffix', Value: '.jpg' }] } },
      },
    ]);
  });

  it('returns the expiration rules, by days or by date', async () => {
    const lifecycle = await server.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'configured' }));

    expect(lifecycle.Rules).toEqual([
      { ID: 'expire-enrol-photos', Filter: { Prefix: 'enrol/' }, Status: 'Enabled', Expiration: { Days: 1 } },
      { Filter: { Prefix: 'old/' }, Status: 'Enabled', Expiration: { Date: new Date(Date.UTC(2030, 0, 1)) } },
      { ID: 'large-only', Filter: { And: { Prefix: 'big/', ObjectSizeGreaterThan: 1_000_000 } }, Status: 'Enabled', Expiration: { Days: 3 } },
    ]);
  });

  it("answers a bucket without CORS or lifecycle rules with S3's errors, and without notifications with an empty configuration", async () => {
    await expect(server.client.send(new GetBucketCorsCommand({ Bucket: 'plain' }))).rejects.toMatchObject({
      name: 'NoSuchCORSConfiguration', message: 'The CORS configuration does not exist', $metadata: { httpStatusCode: 404 },
    });
    await expect(server.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'plain' }))).rejects.toMatchObject({
      name: 'NoSuchLifecycleConfiguration', message: 'The lifecycle configuration does not exist',
    });
    const notifications = await server.client.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'plain' }));
    expect(notifications.LambdaFunctionConfigurations).toBeUndefined();
    await expect(server.client.send(new GetBucketCorsCommand({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('still refuses to change the configuration, as not emulated', async () => {
    await expect(server.client.send(new PutBucketCorsCommand({
      Bucket: 'configured', CORSConfiguration: { CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['*'] }] },
    }))).rejects.toMatchObject({ name: 'NotImplemented' });
  });

  it('reads back the encryption, ownership, public access block and policy the template set', async () => {
    const encryption = await server.client.send(new GetBucketEncryptionCommand({ Bucket: 'configured' }));
    expect(encryption.ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/photos' }, BucketKeyEnabled: true },
    ]);
    const ownership = await server.client.send(new GetBucketOwnershipControlsCommand({ Bucket: 'configured' }));
    expect(ownership.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'ObjectWriter' }]);
    const publicAccess = await server.client.send(new GetPublicAccessBlockCommand({ Bucket: 'configured' }));
    expect(publicAccess.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false });
    const policy = await server.client.send(new GetBucketPolicyCommand({ Bucket: 'configured' }));
    expect(JSON.parse(policy.Policy!)).toEqual(POLICY);
  });

  it('answers a bucket the template left alone with S3’s defaults for a new bucket, and NoSuchBucketPolicy', async () => {
    expect((await server.client.send(new GetBucketVersioningCommand({ Bucket: 'plain' }))).Status).toBeUndefined();
    expect((await server.client.send(new GetBucketEncryptionCommand({ Bucket: 'plain' }))).ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false },
    ]);
    expect((await server.client.send(new GetBucketOwnershipControlsCommand({ Bucket: 'plain' }))).OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    expect((await server.client.send(new GetPublicAccessBlockCommand({ Bucket: 'plain' }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true,
    });
    await expect(server.client.send(new GetBucketPolicyCommand({ Bucket: 'plain' }))).rejects.toMatchObject({
      name: 'NoSuchBucketPolicy', message: 'The bucket policy does not exist', $metadata: { httpStatusCode: 404 },
    });
    await expect(server.client.send(new GetBucketPolicyCommand({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('says versioning is not emulated for a bucket the template versions, for its configuration and its versions alike', async () => {
    await expect(server.client.send(new GetBucketVersioningCommand({ Bucket: 'versioned' }))).rejects.toMatchObject({ name: 'NotImplemented' });
    await expect(server.client.send(new ListObjectVersionsCommand({ Bucket: 'versioned' }))).rejects.toMatchObject({ name: 'NotImplemented' });
  });

  it('reads back Suspended versioning, and a public access block the template set in part with the rest off, as S3 reads it', async () => {
    expect((await server.client.send(new GetBucketVersioningCommand({ Bucket: 'suspended' }))).Status).toBe('Suspended');
    expect((await server.client.send(new ListObjectVersionsCommand({ Bucket: 'suspended' }))).Versions).toBeUndefined();
    expect((await server.client.send(new GetPublicAccessBlockCommand({ Bucket: 'suspended' }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false,
    });
  });

  it('lists each object as its one version ("null", latest), paged by key marker, with common prefixes', async () => {
    for (const key of ['v/a.jpg', 'v/b.jpg', 'v/c/one.jpg', 'v/c/two.jpg', 'v/d.jpg']) {
      await server.client.send(new PutObjectCommand({ Bucket: 'plain', Key: key, Body: key }));
    }
    const first = await server.client.send(new ListObjectVersionsCommand({ Bucket: 'plain', Prefix: 'v/', Delimiter: '/', MaxKeys: 2 }));
    expect(first.Versions?.map((version) => [version.Key, version.VersionId, version.IsLatest, version.Size])).toEqual([['v/a.jpg', 'null', true, 7], ['v/b.jpg', 'null', true, 7]]);
    expect(first).toMatchObject({ IsTruncated: true, NextKeyMarker: 'v/b.jpg', NextVersionIdMarker: 'null' });
    const second = await server.client.send(new ListObjectVersionsCommand({
      Bucket: 'plain', Prefix: 'v/', Delimiter: '/', MaxKeys: 2, KeyMarker: first.NextKeyMarker, VersionIdMarker: first.NextVersionIdMarker,
    }));
    expect(second.CommonPrefixes).toEqual([{ Prefix: 'v/c/' }]);
    expect(second.Versions?.map((version) => version.Key)).toEqual(['v/d.jpg']);
    expect(second.IsTruncated).toBe(false);
    await expect(server.client.send(new ListObjectVersionsCommand({ Bucket: 'plain', VersionIdMarker: 'null' }))).rejects.toMatchObject({ name: 'InvalidArgument' });
    await expect(server.client.send(new ListObjectVersionsCommand({ Bucket: 'plain', KeyMarker: 'v/', VersionIdMarker: 'abc' }))).rejects.toMatchObject({ name: 'InvalidArgument', message: 'Invalid version id specified' });
  });

  // They were 501 NotImplemented, so a script deleting every version listed failed (stock-tools audit).
  it('serves the "null" version it lists to GetObject, HeadObject, GetObjectTagging, DeleteObject and DeleteObjects, and refuses any other id', async () => {
    for (const key of ['n/a', 'n/b', 'n/c']) await server.client.send(new PutObjectCommand({ Bucket: 'plain', Key: key, Body: key }));

    const got = await server.client.send(new GetObjectCommand({ Bucket: 'plain', Key: 'n/a', VersionId: 'null' }));
    expect([await got.Body?.transformToString(), got.VersionId]).toEqual(['n/a', 'null']);
    expect((await server.client.send(new HeadObjectCommand({ Bucket: 'plain', Key: 'n/a', VersionId: 'null' }))).ContentLength).toBe(3);
    expect((await server.client.send(new GetObjectTaggingCommand({ Bucket: 'plain', Key: 'n/a', VersionId: 'null' }))).TagSet).toEqual([]);
    await expect(server.client.send(new GetObjectCommand({ Bucket: 'plain', Key: 'n/a', VersionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY' })))
      .rejects.toMatchObject({ name: 'InvalidArgument', message: 'Invalid version id specified' });
    await server.client.send(new DeleteObjectCommand({ Bucket: 'plain', Key: 'n/a', VersionId: 'null' }));
    const deleted = await server.client.send(new DeleteObjectsCommand({ Bucket: 'plain', Delete: { Objects: [{ Key: 'n/b', VersionId: 'null' }, { Key: 'n/c', VersionId: 'other' }] } }));
    expect(deleted.Deleted).toEqual([{ Key: 'n/b', VersionId: 'null' }]);
    expect(deleted.Errors).toEqual([expect.objectContaining({ Key: 'n/c', Code: 'InvalidArgument' })]);
    const left = await server.client.send(new ListObjectVersionsCommand({ Bucket: 'plain', Prefix: 'n/' }));
    expect(left.Versions?.map((version) => version.Key)).toEqual(['n/c']);
  });
});
