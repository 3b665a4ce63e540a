// Run in a child process with no usable D-Bus session: two clients share a keychain session cache that cannot
// work, and both must still succeed. Prints what they saw as JSON.
import { PantheonClient } from '../../../electron/services/pantheon/client';
import { KeytarSecretStore } from '../../../electron/services/secrets/keytar-store';
import { keychainSessionCache } from '../../../electron/services/secrets/session-cache';

const apiUrl = process.env.PROBE_API_URL!;
const token = process.env.PROBE_TOKEN!;
const emails: string[] = [];
try {
  for (let i = 0; i < 2; i++) {
    const client = new PantheonClient({
      apiUrl,
      machineToken: async () => token,
      userAgent: 'Lifeboat/probe',
      sessionCache: keychainSessionCache(new KeytarSecretStore('Lifeboat-probe'), 'probe#session'),
    });
    emails.push((await client.whoAmI()).email);
  }
  process.stdout.write(JSON.stringify({ ok: true, emails }));
} catch (e) {
  process.stdout.write(
    JSON.stringify({ ok: false, emails, error: e instanceof Error ? e.message : String(e) }),
  );
}
