// Which user attributes a client may write. Every pool has the standard OpenID Connect attributes;
// custom ones exist only when the pool's schema declares them, and always carry the `custom:`
// prefix. Anything else (`cognito:groups`, `role`, an undeclared `custom:` name) would end up in
// the ID token Cognito signs, so Cognito refuses it, and so does the sim.
import { InvalidParameterError, NotAuthorizedError } from './errors.js';
import type { SchemaAttribute } from './user-pool-config.js';

const text = (minLength: number, maxLength = 2048): Omit<SchemaAttribute, 'Name'> =>
  ({ AttributeDataType: 'String', StringAttributeConstraints: { MinLength: String(minLength), MaxLength: String(maxLength) } });
const BOOLEAN: Omit<SchemaAttribute, 'Name'> = { AttributeDataType: 'Boolean' };

// The standard attributes every pool has, in the order and with the constraints DescribeUserPool
// lists them (the AWS CLI's describe-user-pool example); a template's Schema may make one required.
export const STANDARD_SCHEMA: readonly SchemaAttribute[] = [
  { Name: 'sub', ...text(1), Mutable: false, Required: true },
  ...['name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'email']
    .map((Name) => ({ Name, ...text(0) })),
  { Name: 'email_verified', ...BOOLEAN },
  { Name: 'gender', ...text(0) },
  { Name: 'birthdate', ...text(10, 10) },
  ...['zoneinfo', 'locale', 'phone_number'].map((Name) => ({ Name, ...text(0) })),
  { Name: 'phone_number_verified', ...BOOLEAN },
  { Name: 'address', ...text(0) },
  { Name: 'updated_at', AttributeDataType: 'Number', NumberAttributeConstraints: { MinValue: '0' } },
  { Name: 'identities', AttributeDataType: 'String', StringAttributeConstraints: {} },
];

/** The standard attributes of every user pool (Cognito's "Standard attributes" table). */
export const STANDARD_ATTRIBUTES: ReadonlySet<string> = new Set(STANDARD_SCHEMA.map((attribute) => attribute.Name));

/**
 * Standard attributes an app client can never write: Cognito sets `sub` (and `identities`, for
 * users of a federated provider), and only an administrator (or Cognito itself, after a code)
 * marks an address verified.
 */
const CLIENT_READ_ONLY = new Set(['sub', 'identities', 'email_verified', 'phone_number_verified']);

/** The `custom:` names a CloudFormation `Schema` declares (developer-only ones are not client-writable). */
export function customAttributesOf(schema: unknown): string[] {
  if (!Array.isArray(schema)) return [];
  return schema
    .filter((entry): entry is { Name: string; DeveloperOnlyAttribute?: unknown } => typeof entry?.Name === 'string')
    .filter((entry) => !STANDARD_ATTRIBUTES.has(entry.Name) && entry.DeveloperOnlyAttribute !== true && entry.DeveloperOnlyAttribute !== 'true')
    .map((entry) => `custom:${entry.Name}`);
}

/**
 * Refuses attributes a client may not write, as SignUp and UpdateUserAttributes do: names outside
 * the pool's schema with InvalidParameterException (one line per name, Cognito's wording), and
 * read-only standard ones, or any the app client's WriteAttributes (when it lists them) leave out,
 * with NotAuthorizedException.
 */
export function assertClientWritable(names: Iterable<string>, customAttributes: readonly string[], writeAttributes?: readonly string[]): void {
  const unknown: string[] = [];
  let readOnly = false;
  for (const name of names) {
    if (CLIENT_READ_ONLY.has(name) || (writeAttributes !== undefined && !writeAttributes.includes(name))) readOnly = true;
    if (!STANDARD_ATTRIBUTES.has(name) && !customAttributes.includes(name)) unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new InvalidParameterError(`Attributes did not conform to the schema: ${unknown.map((name) => `${name}: Attribute does not exist in the schema.\n`).join('')}`);
  }
  if (readOnly) throw new NotAuthorizedError('A client attempted to write unauthorized attribute');
}

/**
 * The attributes nobody may change after sign-up: `sub`, and those the template's Schema declares
 * with `Mutable: false` (custom ones by their `custom:` name).
 */
export function immutableAttributesOf(schema: unknown): Set<string> {
  const immutable = new Set(['sub']);
  if (!Array.isArray(schema)) return immutable;
  for (const entry of schema) {
    if (typeof entry?.Name !== 'string' || (entry.Mutable !== false && entry.Mutable !== 'false')) continue;
    immutable.add(STANDARD_ATTRIBUTES.has(entry.Name) ? entry.Name : `custom:${entry.Name}`);
  }
  return immutable;
}
