// Run in a child process without a D-Bus session: prints what the keychain store reports.
import { KeytarSecretStore } from '../../electron/services/secrets/keytar-store';
import { toAppError } from '../../electron/services/errors';

const store = new KeytarSecretStore('Lifeboat-probe');
try {
  await store.set('probe', 'secret-value-123');
  process.stdout.write(JSON.stringify({ ok: true }));
} catch (e) {
  process.stdout.write(
    JSON.stringify({ ok: false, error: toAppError(e), available: await store.available() }),
  );
}
