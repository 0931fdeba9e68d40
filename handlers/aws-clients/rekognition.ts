// Created once per container, from the default provider chain; the endpoint comes from
// AWS_ENDPOINT_URL(_REKOGNITION) when set, which the SDK reads by itself.
import { RekognitionClient } from '@aws-sdk/client-rekognition';

export const rekognitionClient = new RekognitionClient({});
