// Created once per container, from the default provider chain; the endpoint comes from
// AWS_ENDPOINT_URL(_S3) when set, which the SDK reads by itself.
import { S3Client } from '@aws-sdk/client-s3';
import { config } from '../config.js';

export const s3Client = new S3Client({
  forcePathStyle: config.s3ForcePathStyle,
  // Since SDK 3.729 the default (WHEN_SUPPORTED) signs the CRC32 of an *empty* body into presigned
  // PUT URLs; S3-compatible stores that check it refuse every real upload. The photos go by upload
  // form (a presigned POST signs no checksum), so this only matters to a presigned PUT made with
  // this client, should one come back.
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
