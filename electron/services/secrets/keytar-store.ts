import { createRequire } from 'node:module';
import { LifeboatError } from '../errors';
import { KEYCHAIN_SERVICE, type SecretStore } from './secret-store';

import type * as KeytarModule from 'keytar';

type Keytar = typeof KeytarModule;

const HOW_TO_FIX: Record<string, string> = {
  linux:
    'Lifeboat keeps machine tokens in the Secret Service (GNOME Keyring, KWallet or KeePassXC). Make sure one is installed, running and unlocked, then try again.',
  darwin: 'Lifeboat keeps machine tokens in the macOS Keychain. Unlock your login keychain and try again.',
  win32:
    'Lifeboat keeps machine tokens in the Windows Credential Manager. Check that it is available and try again.',
};

/** The OS keychain through keytar (service `Lifeboat`). Any failure is `keychain-unavailable`; there is no plaintext fallback. */
export class KeytarSecretStore implements SecretStore {
  private keytar: Keytar | null = null;

  // LIFEBOAT_KEYCHAIN_SERVICE lets tests use entries of their own, never the real `Lifeboat` ones.
  constructor(private readonly service = process.env.LIFEBOAT_KEYCHAIN_SERVICE || KEYCHAIN_SERVICE) {}

  private load(): Keytar {
    if (!this.keytar) {
      try {
        // keytar is a native CommonJS addon; require keeps it out of the bundle and loads the same binary in Node and Electron.
        this.keytar = createRequire(import.meta.url)('keytar') as Keytar;
      } catch (e) {
        throw this.unavailable(e);
      }
    }
    return this.keytar;
  }

  private unavailable(e: unknown): LifeboatError {
    const reason = e instanceof Error ? e.message : String(e);
    return new LifeboatError(
      'keychain-unavailable',
      `The system keychain is not available (${reason.split('\n')[0]}). ${HOW_TO_FIX[process.platform] ?? HOW_TO_FIX.linux}`,
      reason,
    );
  }

  private async guard<T>(fn: (k: Keytar) => Promise<T>): Promise<T> {
    const k = this.load();
    try {
      return await fn(k);
    } catch (e) {
      throw this.unavailable(e);
    }
  }

  get(account: string): Promise<string | null> {
    return this.guard((k) => k.getPassword(this.service, account));
  }

  set(account: string, secret: string): Promise<void> {
    return this.guard((k) => k.setPassword(this.service, account, secret));
  }

  delete(account: string): Promise<boolean> {
    return this.guard((k) => k.deletePassword(this.service, account));
  }

  async available(): Promise<boolean> {
    try {
      await this.guard((k) => k.findCredentials(this.service));
      return true;
    } catch {
      return false;
    }
  }
}
