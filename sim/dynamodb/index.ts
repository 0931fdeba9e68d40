export {
  createDynamoDbService,
  DYNAMODB_TARGET_PREFIX,
  type CreatedTable,
  type DynamoDbService,
  type DynamoDbServiceOptions,
} from './dynamodb-service.js';
export type { CloudFormationTableProperties } from './cloudformation-table.js';
