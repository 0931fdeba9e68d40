import { describe, expect, it } from 'vitest';
import { STANDARD_ATTRIBUTES, assertClientWritable, customAttributesOf, immutableAttributesOf } from './attribute-schema.js';

describe("a pool's attribute schema", () => {
  it('reads the custom attributes a CloudFormation Schema declares, with their prefix, and leaves out standard and developer-only ones', () => {
    expect(customAttributesOf([
      { Name: 'email', Required: true },
      { Name: 'identities' },
      { Name: 'tier', AttributeDataType: 'String' },
      { Name: 'internal', DeveloperOnlyAttribute: true },
      { Name: 'legacy', DeveloperOnlyAttribute: 'true' },
      { Name: 'plan', DeveloperOnlyAttribute: false },
      { Mutable: true },
      null,
    ])).toEqual(['custom:tier', 'custom:plan']);
    expect(customAttributesOf(undefined)).toEqual([]);
    expect(customAttributesOf({ Name: 'tier' })).toEqual([]);
  });

  it('has the standard attributes of every pool', () => {
    expect([...STANDARD_ATTRIBUTES].sort()).toEqual([
      'address', 'birthdate', 'email', 'email_verified', 'family_name', 'gender', 'given_name', 'identities', 'locale', 'middle_name', 'name',
      'nickname', 'phone_number', 'phone_number_verified', 'picture', 'preferred_username', 'profile', 'sub', 'updated_at',
      'website', 'zoneinfo',
    ]);
  });

  it('lets a client write standard and declared custom attributes', () => {
    expect(() => assertClientWritable(['email', 'given_name', 'custom:tier'], ['custom:tier'])).not.toThrow();
    expect(() => assertClientWritable([], [])).not.toThrow();
  });

  it("refuses what the app client's WriteAttributes leave out, when it lists them", () => {
    expect(() => assertClientWritable(['email'], [], ['email'])).not.toThrow();
    expect(() => assertClientWritable(['email', 'name'], [], ['email'])).toThrow(expect.objectContaining({
      name: 'NotAuthorizedException', message: 'A client attempted to write unauthorized attribute',
    }));
    expect(() => assertClientWritable(['name'], [], [])).toThrow(expect.objectContaining({ name: 'NotAuthorizedException' }));
    expect(() => assertClientWritable(['name', 'custom:tier'], ['custom:tier'], undefined)).not.toThrow();
    // A name outside the schema is reported as such, whatever WriteAttributes say.
    expect(() => assertClientWritable(['custom:role'], [], ['email'])).toThrow(expect.objectContaining({ name: 'InvalidParameterException' }));
  });

  it('knows which attributes nobody may change: sub, and what the Schema declares immutable', () => {
    expect([...immutableAttributesOf([
      { Name: 'email', Required: true, Mutable: false },
      { Name: 'name', Mutable: true },
      { Name: 'tier', Mutable: 'false' },
      { Name: 'plan' },
      { Mutable: false },
      null,
    ])].sort()).toEqual(['custom:tier', 'email', 'sub']);
    expect([...immutableAttributesOf(undefined)]).toEqual(['sub']);
  });

  it('refuses undeclared names, one line each, before read-only ones', () => {
    expect(() => assertClientWritable(['email', 'custom:role', 'sub', 'cognito:groups'], [])).toThrow(expect.objectContaining({
      name: 'InvalidParameterException',
      message: 'Attributes did not conform to the schema: custom:role: Attribute does not exist in the schema.\ncognito:groups: Attribute does not exist in the schema.\n',
    }));
    expect(() => assertClientWritable(['custom:tier'], [])).toThrow(expect.objectContaining({ name: 'InvalidParameterException' }));
  });

  it.each(['sub', 'identities', 'email_verified', 'phone_number_verified'])('refuses a client write of %s', (name) => {
    expect(() => assertClientWritable(['email', name], [])).toThrow(expect.objectContaining({
      name: 'NotAuthorizedException', message: 'A client attempted to write unauthorized attribute',
    }));
  });
});
