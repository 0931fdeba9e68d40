// UpdateUserAttributes: a signed-in user changes its own attributes with its access token. The sim
// emulates what Cognito refuses (names outside the schema, attributes the app client's
// WriteAttributes leave out, read-only and immutable ones), so that a local test shows what the
// deployed pool lets a token holder do. A change that passes every check is not emulated (no
// codes to verify a new address, no CustomMessage_UpdateUserAttribute): it is refused as such.
import { memberMissing, optionalStringMap, requireToken, type CognitoContext } from '../cognito-context.js';
import { assertClientWritable, immutableAttributesOf } from '../attribute-schema.js';
import { InvalidParameterError, UnsupportedOperationError } from '../errors.js';
import { authenticateAccessToken } from '../tokens.js';
import { attributeMap } from './sign-up.js';

export async function updateUserAttributes(context: CognitoContext, input: Record<string, unknown>) {
  const accessToken = requireToken(input, 'AccessToken');
  if (input.UserAttributes === undefined || input.UserAttributes === null) {
    throw memberMissing('userAttributes');
  }
  const names = Object.keys(attributeMap(input.UserAttributes, 'UserAttributes'));
  optionalStringMap(input, 'ClientMetadata');
  const { pool, claims } = await authenticateAccessToken(context, accessToken);
  const client = pool.clients.get(String(claims.client_id));
  assertClientWritable(names, pool.config.customAttributes ?? [], client?.settings.WriteAttributes);
  const immutable = immutableAttributesOf(pool.config.settings?.Schema);
  const frozen = names.filter((name) => immutable.has(name));
  // Cognito's wording, one line per attribute (as Amplify reports it: "user.email: Attribute cannot be updated.").
  if (frozen.length > 0) throw new InvalidParameterError(frozen.map((name) => `user.${name}: Attribute cannot be updated.\n`).join(''));
  throw new UnsupportedOperationError(
    'The local Cognito does not change attributes after sign-up; it refuses only what the deployed pool refuses (docs/cognito.md, "Not emulated").',
  );
}
