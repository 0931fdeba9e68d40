// How users appear in API responses (GetUser, AdminGetUser, ListUsers).
import type { StoredUser } from './user-pool-store.js';

export function attributeList(user: StoredUser, only?: string[]): Array<{ Name: string; Value: string }> {
  return Object.entries(user.attributes)
    .filter(([name]) => !only || only.includes(name))
    .map(([Name, Value]) => ({ Name, Value }));
}

/** The `UserType` of AdminGetUser and ListUsers; dates are epoch seconds on the wire. */
export function userType(user: StoredUser, only?: string[]) {
  return {
    Username: user.username,
    Attributes: attributeList(user, only),
    UserCreateDate: user.createdAt / 1000,
    UserLastModifiedDate: user.updatedAt / 1000,
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}
