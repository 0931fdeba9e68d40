// Cognito's default password policy (8 characters, upper, lower, digit, symbol).
import { InvalidPasswordError } from './errors.js';

// The symbols Cognito counts as special characters.
const SYMBOLS = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/;

export function assertPasswordConforms(password: string): void {
  if (password.length < 8) throw new InvalidPasswordError('Password not long enough');
  if (!/[a-z]/.test(password)) throw new InvalidPasswordError('Password must have lowercase characters');
  if (!/[A-Z]/.test(password)) throw new InvalidPasswordError('Password must have uppercase characters');
  if (!/[0-9]/.test(password)) throw new InvalidPasswordError('Password must have numeric characters');
  if (!SYMBOLS.test(password)) throw new InvalidPasswordError('Password must have symbol characters');
}
