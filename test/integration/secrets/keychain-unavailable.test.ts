import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('keychain unavailable', () => {
  it('is a clear keychain-unavailable error, with no plaintext fallback', async () => {
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', DISPLAY: '' };
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../../helpers/keychain-probe.ts')],
      { env, cwd: join(import.meta.dirname, '../../..') },
    );
    const out = JSON.parse(stdout) as {
      ok: boolean;
      error: { code: string; message: string };
      available: boolean;
    };
    expect(out.ok).toBe(false);
    expect(out.available).toBe(false);
    expect(out.error.code).toBe('keychain-unavailable');
    expect(out.error.message).toMatch(/The system keychain is not available .*Secret Service/);
    expect(out.error.message).not.toContain('secret-value-123');
  });
});
