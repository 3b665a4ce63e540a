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

/**
 * The most a Windows Credential Manager entry holds (CRED_MAX_CREDENTIAL_BLOB_SIZE, 5 × 512 bytes). keytar writes
 * the secret's UTF-8 bytes as the entry's blob, so this counts bytes, not characters. What Lifeboat keeps is far
 * below it (a machine token, a session of a few hundred bytes); only a very long database password can reach it.
 */
export const CREDENTIAL_BLOB_MAX = 2560;

/**
 * Why the keychain of `platform` cannot keep `secret`, or null: on Windows, a secret over
 * {@link CREDENTIAL_BLOB_MAX} bytes, which CredWrite refuses with a bare "The parameter is incorrect".
 * The macOS Keychain and the Secret Service have no such limit worth the name.
 */
export function secretSizeProblem(
  secret: string,
  platform: NodeJS.Platform = process.platform,
): string | null {
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (platform !== 'win32' || bytes <= CREDENTIAL_BLOB_MAX) return null;
  return `The Windows Credential Manager keeps at most ${CREDENTIAL_BLOB_MAX.toLocaleString('en')} bytes in one entry, and this secret is ${bytes.toLocaleString('en')} bytes long (UTF-8; letters beyond ASCII take 2 to 4 bytes each). Use a shorter one; nothing was saved.`;
}

/** The OS keychain through keytar (service `Lifeboat`). Any failure is `keychain-unavailable`; there is no plaintext fallback. */
export class KeytarSecretStore implements SecretStore {
  private keytar: Keytar | null = null;

  // LIFEBOAT_KEYCHAIN_SERVICE lets tests use entries of their own, never the real `Lifeboat` ones.
  constructor(
    private readonly service = process.env.LIFEBOAT_KEYCHAIN_SERVICE || KEYCHAIN_SERVICE,
    /** Whose keychain rules apply (tests give another system's). */
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

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
      `The system keychain is not available (${reason.split('\n')[0]}). ${HOW_TO_FIX[this.platform] ?? HOW_TO_FIX.linux}`,
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
    // Said before keytar is asked: the keychain is available, the secret is what cannot be kept.
    const tooBig = secretSizeProblem(secret, this.platform);
    if (tooBig) return Promise.reject(new LifeboatError('invalid-request', tooBig));
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
