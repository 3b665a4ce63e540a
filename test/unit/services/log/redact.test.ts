import { describe, expect, it } from 'vitest';
import { forgetSecret, redact, registerSecret } from '../../../../electron/services/log/redact';

describe('redact', () => {
  it('removes the query of signed URLs', () => {
    const url =
      'https://storage.googleapis.com/gcs-pantheon-backups/s/live/1_backup/x_code.tar.gz?Expires=1&GoogleAccessId=a&Signature=SECRET';
    const out = redact(`GET ${url} failed`);
    expect(out).toBe(
      'GET https://storage.googleapis.com/gcs-pantheon-backups/s/live/1_backup/x_code.tar.gz?[signature redacted] failed',
    );
    expect(out).not.toContain('SECRET');
  });
  it('removes bearer values and session-shaped strings', () => {
    const session = '11111111-2222-4333-8444-555555555555:f658daf4-6403-11e6-bc71-bc764e1141f9:IhFR9be2Zk37';
    expect(redact(`Authorization: Bearer abc.def`)).toBe('Authorization: Bearer [redacted]');
    expect(redact(`session ${session} expired`)).toBe('session [session redacted] expired');
  });
  it('removes registered secrets until they are forgotten', () => {
    registerSecret('my-machine-token-123');
    expect(redact('token my-machine-token-123 rejected')).toBe('token [redacted] rejected');
    forgetSecret('my-machine-token-123');
    expect(redact('my-machine-token-123')).toBe('my-machine-token-123');
  });
});
