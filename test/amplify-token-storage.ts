// Amplify's token store for tests in Node: a Map, so a test can see what Amplify keeps and what it
// clears (a browser would use localStorage).
import type { KeyValueStorageInterface } from 'aws-amplify/utils';

export class InMemoryKeyValueStorage implements KeyValueStorageInterface {
  readonly items = new Map<string, string>();
  async setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  async getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  async removeItem(key: string) {
    this.items.delete(key);
  }
  async clear() {
    this.items.clear();
  }
}
