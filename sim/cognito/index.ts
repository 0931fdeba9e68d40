export { createCognitoService, type CognitoService, type CognitoServiceOptions } from './cognito-service.js';
export type { UserPoolConfig, UserPoolClientConfig, UserPoolLambdaConfig, TriggerName } from './user-pool-config.js';
