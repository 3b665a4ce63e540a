/** Where machine tokens live: the OS keychain in the app, never a plain file. */
export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** True if something was deleted. */
  delete(account: string): Promise<boolean>;
  /** Whether the store can be used at all right now. */
  available(): Promise<boolean>;
}

/** The keychain service name under which Lifeboat keeps its tokens. */
export const KEYCHAIN_SERVICE = 'Lifeboat';
