import { KeytarSecretStore } from '../../electron/services/secrets/keytar-store';

/** Why the real Secret Service cannot be used in this run, or null when it can. */
export async function keychainUnavailable(): Promise<string | null> {
  if (process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS) {
    return 'no D-Bus session: run the suite through `npm test`, which starts dbus-run-session and gnome-keyring';
  }
  const store = new KeytarSecretStore();
  return (await store.available())
    ? null
    : 'the Secret Service did not answer (is gnome-keyring running and unlocked?)';
}

/** A keychain service name of its own per test file, so runs never touch the real `Lifeboat` entries. */
export const testService = (name: string): string => `Lifeboat-test-${name}-${process.pid}`;
