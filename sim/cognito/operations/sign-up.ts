// SignUp: creates an UNCONFIRMED user (or a confirmed one when PreSignUp says so) and emails a code.
import {
  clientById,
  MAX_ATTRIBUTE_NAME_LENGTH,
  memberMissing,
  memberName,
  optionalStringMap,
  requireClientId,
  requireString,
  requireUsername,
  tooLong,
  wrongType,
  type CognitoContext,
  type PoolRuntime,
} from '../cognito-context.js';
import { assertClientWritable } from '../attribute-schema.js';
import { sendConfirmationCode } from '../confirmation-codes.js';
import { checkPublicCallContext } from '../context-data.js';
import { InvalidParameterError, UsernameExistsError } from '../errors.js';
import { assertPasswordConforms, MAX_PASSWORD_LENGTH, passwordPolicyOf } from '../password-policy.js';
import { isObject } from '../triggers.js';
import type { StoredUser } from '../user-pool-store.js';

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** SignUp's documented member limits (API reference, AttributeType, and the pool quotas). */
const MAX_ATTRIBUTE_VALUE_LENGTH = 2048;

export async function signUp(context: CognitoContext, input: Record<string, unknown>) {
  // Every member is validated before the client is looked up (Coral validates the request whole).
  const clientId = requireClientId(input);
  const givenUsername = requireUsername(input);
  const password = requireString(input, 'Password', MAX_PASSWORD_LENGTH);
  const clientMetadata = optionalStringMap(input, 'ClientMetadata') ?? {};
  const attributes = attributeMap(input.UserAttributes, 'UserAttributes');
  const validationData = input.ValidationData === undefined ? undefined : attributeMap(input.ValidationData, 'ValidationData');
  checkPublicCallContext(input);
  const { pool, client } = clientById(context, clientId);
  assertClientWritable(Object.keys(attributes), pool.config.customAttributes ?? [], client.settings.WriteAttributes);

  if (pool.emailIsUsername) {
    if (!EMAIL.test(givenUsername)) throw new InvalidParameterError('Username should be an email.');
    // AWS refuses another address, where taking the Username instead would let an app that sends
    // one work here and fail there (AWS's words, as apps that translate them quote them).
    if (attributes.email !== undefined && attributes.email !== givenUsername) {
      throw new InvalidParameterError('User email should be empty or same as username, since username attribute is email.');
    }
    attributes.email = givenUsername;
  }
  if (attributes.email !== undefined && !EMAIL.test(attributes.email)) {
    throw new InvalidParameterError('Invalid email address format.');
  }
  assertPasswordConforms(password, passwordPolicyOf(pool.config.settings));
  assertNameIsFree(pool, givenUsername);

  const sub = context.random.uuid();
  const now = context.clock.now();
  const user: StoredUser = {
    // Email-as-username pools name the user after its sub; sign-in goes through the email alias.
    username: pool.emailIsUsername ? sub : givenUsername,
    attributes: { ...attributes, sub, ...(attributes.email ? { email_verified: 'false' } : {}) },
    status: 'UNCONFIRMED',
    enabled: true,
    createdAt: now,
    updatedAt: now,
  };

  const preSignUp = await pool.triggers.run('PreSignUp', {
    triggerSource: 'PreSignUp_SignUp',
    userName: user.username,
    clientId: client.clientId,
    request: {
      userAttributes: { ...attributes },
      validationData: validationData ?? null,
      clientMetadata,
    },
    response: { autoConfirmUser: false, autoVerifyPhone: false, autoVerifyEmail: false },
  });
  if (preSignUp?.autoConfirmUser === true) user.status = 'CONFIRMED';
  if (preSignUp?.autoVerifyEmail === true && user.attributes.email) user.attributes.email_verified = 'true';
  // Checked again: a concurrent SignUp for the same email may have finished while PreSignUp ran.
  assertNameIsFree(pool, givenUsername);
  pool.store.putUser(user);

  const needsCode = user.status === 'UNCONFIRMED' && (pool.config.autoVerifiedAttributes ?? []).includes('email') && user.attributes.email;
  let codeDelivery;
  if (needsCode) {
    codeDelivery = await sendConfirmationCode(context, pool, user, {
      clientId: client.clientId,
      triggerSource: 'CustomMessage_SignUp',
      clientMetadata,
    });
  }
  return {
    UserConfirmed: user.status === 'CONFIRMED',
    UserSub: sub,
    ...(codeDelivery ? { CodeDeliveryDetails: codeDelivery } : {}),
  };
}

/** Email pools compare the email (case-insensitively); other pools the username (in any case, if the pool says so). */
function assertNameIsFree(pool: PoolRuntime, username: string): void {
  if (pool.emailIsUsername) {
    if (pool.store.findUser(username)) throw new UsernameExistsError();
  } else if (pool.store.userNamed(username)) {
    throw new UsernameExistsError('User already exists');
  }
}

/**
 * `[{Name, Value}]` to a map, as SignUp's UserAttributes and ValidationData (and
 * UpdateUserAttributes' UserAttributes) arrive, checked against
 * Cognito's limits before anything is stored: names 1-32 characters, values at most 2048.
 */
export function attributeMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!Array.isArray(value)) throw wrongType(value, 'list');
  const map = Object.create(null) as Record<string, string>;
  value.forEach((entry: unknown, index) => {
    const path = `${memberName(field)}.${index + 1}.member`;
    if (!isObject(entry)) throw wrongType(entry, 'map');
    const { Name: name, Value: attributeValue } = entry;
    if (name !== undefined && name !== null && typeof name !== 'string') throw wrongType(name, 'string');
    if (attributeValue !== undefined && attributeValue !== null && typeof attributeValue !== 'string') throw wrongType(attributeValue, 'string');
    if (typeof name !== 'string' || name === '') {
      throw memberMissing(`${path}.name`);
    }
    if (name.length > MAX_ATTRIBUTE_NAME_LENGTH) throw tooLong(`${path}.name`, MAX_ATTRIBUTE_NAME_LENGTH);
    const text = attributeValue ?? '';
    if (text.length > MAX_ATTRIBUTE_VALUE_LENGTH) throw tooLong(`${path}.value`, MAX_ATTRIBUTE_VALUE_LENGTH);
    map[name] = text;
  });
  return { ...map };
}
