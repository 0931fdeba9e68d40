// Created once per container, from the default provider chain; the endpoint comes from
// AWS_ENDPOINT_URL(_S3) when set, which the SDK reads by itself.
import { S3Client } from '@aws-sdk/client-s3';
import { config } from '../config.js';

export const s3Client = new S3Client({ forcePathStyle: config.s3ForcePathStyle });
