// The pool's password policy: the template's `Policies.PasswordPolicy`, or Cognito's default (8
// characters, upper, lower, digit, symbol) when the template has none, as CloudFormation applies it.
import { InvalidPasswordError } from './errors.js';
import type { UserPoolSettings } from './user-pool-config.js';

export type PasswordPolicy = NonNullable<NonNullable<UserPoolSettings['Policies']>['PasswordPolicy']>;

export const DEFAULT_PASSWORD_POLICY = {
  MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7,
} as const satisfies PasswordPolicy;

/** The longest password Cognito takes (API reference, and the quota "Maximum characters in password"). */
export const MAX_PASSWORD_LENGTH = 256;

// The symbols Cognito counts as special characters.
const SYMBOLS = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/;

export function passwordPolicyOf(settings: UserPoolSettings | undefined): PasswordPolicy {
  return settings?.Policies?.PasswordPolicy ?? DEFAULT_PASSWORD_POLICY;
}

/**
 * Checks a password against a policy in Cognito's order and words. A policy that leaves a member
 * out does not require it, except the length, which stays at Cognito's 8.
 */
export function assertPasswordConforms(password: string, policy: PasswordPolicy): void {
  if (password.length < (policy.MinimumLength ?? DEFAULT_PASSWORD_POLICY.MinimumLength)) {
    throw new InvalidPasswordError('Password not long enough');
  }
  if (policy.RequireLowercase === true && !/[a-z]/.test(password)) throw new InvalidPasswordError('Password must have lowercase characters');
  if (policy.RequireUppercase === true && !/[A-Z]/.test(password)) throw new InvalidPasswordError('Password must have uppercase characters');
  if (policy.RequireNumbers === true && !/[0-9]/.test(password)) throw new InvalidPasswordError('Password must have numeric characters');
  if (policy.RequireSymbols === true && !SYMBOLS.test(password)) throw new InvalidPasswordError('Password must have symbol characters');
}
