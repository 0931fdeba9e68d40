// Created once per container, from the default provider chain; the endpoint comes from
// AWS_ENDPOINT_URL(_DYNAMODB) when set, which the SDK reads by itself.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// Stryker disable ObjectLiteral,BooleanLiteral: lib-dynamodb leaves out an undefined top-level attribute either way, and no handler writes a nested one; the option guards future ones
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
// Stryker restore ObjectLiteral,BooleanLiteral
