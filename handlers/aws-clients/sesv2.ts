// Created once per container, from the default provider chain; the endpoint comes from
// AWS_ENDPOINT_URL(_SESV2) when set, which the SDK reads by itself.
import { SESv2Client } from '@aws-sdk/client-sesv2';

export const sesClient = new SESv2Client({});
