import { describe, expect, it } from 'vitest';
import { parseElement, parseElementList } from '../../../shared/elements';
import { validate } from '../../../shared/api/schemas';

describe('element names', () => {
  it('accepts Terminus names, db and all', () => {
    expect(parseElement('db')).toEqual(['database']);
    expect(parseElement('Files')).toEqual(['files']);
    expect(parseElement('all')).toEqual(['code', 'database', 'files']);
    expect(parseElement('manifest')).toBeNull();
  });
  it('parses lists in Lifeboat order without repeats', () => {
    expect(parseElementList('files,code,db,files')).toEqual(['code', 'database', 'files']);
    expect(parseElementList('code,nope')).toBeNull();
  });
});

describe('request schemas', () => {
  it('names the bad field', () => {
    const r = validate('backupsCreate', {
      accountId: 'a',
      site: 's',
      env: 'live',
      elements: ['code'],
      keepForDays: 0,
    });
    expect(r).toEqual({ ok: false, message: 'keepForDays: Keep a backup at least 1 day.' });
  });
  it('rejects a token with spaces or quotes', () => {
    expect(validate('accountsAdd', { machineToken: 'abc def' }).ok).toBe(false);
    expect(validate('accountsAdd', { machineToken: '' })).toEqual({
      ok: false,
      message: 'machineToken: Paste a machine token.',
    });
    expect(validate('accountsAdd', { machineToken: '  good_token-1  ' })).toEqual({
      ok: true,
      value: { machineToken: 'good_token-1' },
    });
  });
  it('rejects environment ids that are not Pantheon ids', () => {
    expect(validate('backupsList', { accountId: 'a', site: 's', env: '../etc' }).ok).toBe(false);
    expect(validate('backupsList', { accountId: 'a', site: 's', env: 'pr-84' }).ok).toBe(true);
  });
});
