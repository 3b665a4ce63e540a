// The Windows Credential Manager keeps at most 2,560 bytes per entry (issue 12 §3): a longer secret is refused
// with a message saying so, before keytar is asked, instead of CredWrite's bare "The parameter is incorrect".
import { describe, expect, it } from 'vitest';
import {
  CREDENTIAL_BLOB_MAX,
  KeytarSecretStore,
  secretSizeProblem,
} from '../../../../electron/services/secrets/keytar-store';

describe('the Credential Manager limit', () => {
  it('counts the UTF-8 bytes keytar writes, not the characters', () => {
    expect(CREDENTIAL_BLOB_MAX).toBe(2560);
    expect(secretSizeProblem('a'.repeat(2560), 'win32')).toBeNull();
    expect(secretSizeProblem('a'.repeat(2561), 'win32')).toMatch(/at most 2,560 bytes .* 2,561 bytes long/);
    // 900 characters, 2,700 bytes: within the Settings form's 1,024 characters, over the limit.
    expect(secretSizeProblem('€'.repeat(900), 'win32')).toMatch(/2,700 bytes long/);
  });

  it('is Windows’ only', () => {
    expect(secretSizeProblem('a'.repeat(10_000), 'darwin')).toBeNull();
    expect(secretSizeProblem('a'.repeat(10_000), 'linux')).toBeNull();
  });

  it('refuses a longer secret as a bad request, without asking the keychain', async () => {
    // A service of its own: were keytar asked, it would need a keychain (none runs in this test).
    const store = new KeytarSecretStore('Lifeboat-test-credential-size', 'win32');
    await expect(store.set('database-password', '€'.repeat(900))).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringContaining('The Windows Credential Manager keeps at most 2,560 bytes'),
    });
  });
});
