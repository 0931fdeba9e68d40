// Every AWS response names its request: `x-amzn-RequestId` for the JSON and REST-JSON services
// (Cognito, Rekognition, DynamoDB, Lambda, SES), errors included. SDKs put it in `$metadata` and
// in their error messages, and stock tools (the AWS CLI's --debug, boto3's ResponseMetadata)
// print it. S3 names its own (`x-amz-request-id`, `x-amz-id-2`) in sim/s3.
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const AMZN_REQUEST_ID = 'x-amzn-requestid';

/** An `onRequest` hook: a fresh request id on the reply, unless a handler sets its own later. */
export async function setAmznRequestId(_request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header(AMZN_REQUEST_ID, randomUUID());
}
