export { createCognitoService, userPoolDirectory, type CognitoService, type CognitoServiceOptions } from './cognito-service.js';
export { prepareSigningKeys } from './signing-keys.js';
export type { UserPoolConfig, UserPoolClientConfig, UserPoolLambdaConfig, TriggerName } from './user-pool-config.js';
