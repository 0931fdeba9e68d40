import { describe, expect, it } from 'vitest';
import { userPoolConfigFromPlan } from './user-pool-config.js';

const planned = (properties: Record<string, unknown>) => ({ logicalId: 'Pool', userPoolId: 'eu-west-1_AbCdEfGh1', name: 'pool', properties, clients: [] });

describe("the template's user pool as the Cognito sim's configuration", () => {
  it('reads the custom attributes the Schema declares, with their prefix, and not the standard ones', () => {
    const config = userPoolConfigFromPlan(planned({
      Schema: [
        { Name: 'email', Required: true, Mutable: true },
        { Name: 'tier', AttributeDataType: 'String', Mutable: true },
        { Name: 'internal', AttributeDataType: 'String', DeveloperOnlyAttribute: true },
      ],
    }), 'eu-west-1');
    expect(config.customAttributes).toEqual(['custom:tier']);
  });

  it('has no custom attributes without a Schema', () => {
    expect(userPoolConfigFromPlan(planned({}), 'eu-west-1').customAttributes).toEqual([]);
  });
});
