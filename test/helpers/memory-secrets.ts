import type { SecretStore } from '../../electron/services/secrets/secret-store';

/**
 * A keychain in memory, for tests whose secrets never need the real one (demo tokens, a login that fails first):
 * they then need no Secret Service. `map` shows what was stored.
 */
export class MemorySecrets implements SecretStore {
  readonly map = new Map<string, string>();
  async get(account: string) {
    return this.map.get(account) ?? null;
  }
  async set(account: string, secret: string) {
    this.map.set(account, secret);
  }
  async delete(account: string) {
    return this.map.delete(account);
  }
  async available() {
    return true;
  }
}
