// Created once per container, from the default provider chain; the endpoint comes from
// AWS_ENDPOINT_URL(_DYNAMODB) when set, which the SDK reads by itself.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
