import { describe, expect, it } from 'vitest';
import { urlExpiry } from '../../../../electron/services/transfer/download';

const base =
  'https://storage.googleapis.com/gcs-pantheon-backups/site/live/1700000000_backup/x_database.sql.gz';

describe('urlExpiry', () => {
  it("reads a signed URL's Expires, or its signing date plus lifetime", () => {
    expect(urlExpiry(`${base}?Expires=1700003600&GoogleAccessId=a&Signature=s`)).toBe(1700003600 * 1000);
    expect(urlExpiry(`${base}?X-Goog-Date=20231114T221320Z&X-Goog-Expires=3600&X-Goog-Signature=s`)).toBe(
      Date.UTC(2023, 10, 14, 22, 13, 20) + 3600 * 1000,
    );
    expect(urlExpiry(`${base}?Signature=s`)).toBeNull();
  });

  it('is unknown (null) when the expiry is absurd, rather than a date no one can print', () => {
    for (const q of [
      'Expires=99999999999999999999',
      'Expires=1',
      'X-Goog-Date=20231114T221320Z&X-Goog-Expires=99999999999999999999',
      'X-Goog-Date=99991399T999999Z&X-Goog-Expires=60',
      'X-Goog-Date=20231114T221320Z&X-Goog-Expires=-60',
    ])
      expect(urlExpiry(`${base}?${q}&Signature=s`)).toBeNull();
  });
});
