// From the Properties of a CloudFormation `AWS::DynamoDB::Table` to a CreateTable request. The
// property names are the API's; CloudFormation-only ones (tags, streams, SSE, point-in-time
// recovery, deletion protection, contributor insights) have no local effect and are dropped.

interface KeySchemaElement {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}

interface Throughput {
  ReadCapacityUnits: number | string;
  WriteCapacityUnits: number | string;
}

interface SecondaryIndex {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection: { ProjectionType?: string; NonKeyAttributes?: string[] };
  ProvisionedThroughput?: Throughput;
}

export interface CloudFormationTableProperties {
  TableName: string;
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: Array<{ AttributeName: string; AttributeType: 'S' | 'N' | 'B' }>;
  BillingMode?: 'PAY_PER_REQUEST' | 'PROVISIONED';
  ProvisionedThroughput?: Throughput;
  GlobalSecondaryIndexes?: SecondaryIndex[];
  LocalSecondaryIndexes?: SecondaryIndex[];
  TimeToLiveSpecification?: { AttributeName?: string; Enabled: boolean | string };
  [cloudFormationOnly: string]: unknown;
}

export function createTableInput(properties: CloudFormationTableProperties): Record<string, unknown> {
  if (!properties.TableName) throw new Error('AWS::DynamoDB::Table without TableName: resolve a physical name first');
  // CloudFormation's default is PROVISIONED, which requires a throughput; without one the
  // template can only mean on-demand.
  const provisioned = properties.BillingMode === 'PROVISIONED' || (!properties.BillingMode && properties.ProvisionedThroughput);
  return {
    TableName: properties.TableName,
    KeySchema: properties.KeySchema,
    AttributeDefinitions: properties.AttributeDefinitions,
    ...(provisioned
      ? { BillingMode: 'PROVISIONED', ProvisionedThroughput: throughput(properties.ProvisionedThroughput) }
      : { BillingMode: 'PAY_PER_REQUEST' }),
    ...(properties.GlobalSecondaryIndexes?.length
      ? { GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes.map((index) => secondaryIndex(index, Boolean(provisioned))) }
      : {}),
    ...(properties.LocalSecondaryIndexes?.length
      ? { LocalSecondaryIndexes: properties.LocalSecondaryIndexes.map((index) => secondaryIndex(index, false)) }
      : {}),
  };
}

/** The TTL attribute the template enables, if any (CloudFormation may spell booleans as strings). */
export function timeToLiveAttribute(properties: CloudFormationTableProperties): string | undefined {
  const specification = properties.TimeToLiveSpecification;
  if (!specification || !(specification.Enabled === true || specification.Enabled === 'true')) return undefined;
  return specification.AttributeName;
}

function secondaryIndex(index: SecondaryIndex, withThroughput: boolean): Record<string, unknown> {
  return {
    IndexName: index.IndexName,
    KeySchema: index.KeySchema,
    Projection: index.Projection,
    ...(withThroughput ? { ProvisionedThroughput: throughput(index.ProvisionedThroughput) } : {}),
  };
}

function throughput(value: Throughput | undefined): { ReadCapacityUnits: number; WriteCapacityUnits: number } {
  if (!value) throw new Error('A PROVISIONED table or index needs ProvisionedThroughput');
  return { ReadCapacityUnits: Number(value.ReadCapacityUnits), WriteCapacityUnits: Number(value.WriteCapacityUnits) };
}
