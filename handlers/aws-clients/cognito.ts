// Created once per container, from the default provider chain; the endpoint comes from
// AWS_ENDPOINT_URL(_COGNITO_IDENTITY_PROVIDER) when set, which the SDK reads by itself.
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

export const cognitoClient = new CognitoIdentityProviderClient({});
