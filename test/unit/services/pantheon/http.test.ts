import { describe, expect, it } from 'vitest';
import {
  errorBodyText,
  isRetriedStatus,
  RETRIED_STATUS_CODES,
} from '../../../../electron/services/pantheon/http';

describe('retry rules', () => {
  it('never retries 200–209 and 400–409, like Terminus', () => {
    for (let s = 200; s <= 209; s++) expect(isRetriedStatus(s)).toBe(false);
    for (let s = 400; s <= 409; s++) expect(isRetriedStatus(s)).toBe(false);
  });

  it('retries 410–499, 5xx and unfollowed 3xx', () => {
    for (const s of [304, 410, 422, 429, 499, 500, 502, 503, 504, 599]) expect(isRetriedStatus(s)).toBe(true);
  });

  it('gives got exactly the statuses the rule retries', () => {
    const all = Array.from({ length: 400 }, (_, i) => 200 + i);
    expect(all.filter(isRetriedStatus)).toEqual([...RETRIED_STATUS_CODES].sort((a, b) => a - b));
  });
});

describe('errorBodyText', () => {
  it('unwraps JSON-string bodies', () => {
    expect(errorBodyText('"A site named invalid was not found."')).toBe(
      'A site named invalid was not found.',
    );
  });
  it('keeps plain text', () => {
    expect(errorBodyText('Not found.\n')).toBe('Not found.');
  });
  it('reads a message field of an object body', () => {
    expect(errorBodyText('{"message":"nope"}')).toBe('nope');
  });
  it('shortens very long bodies', () => {
    expect(errorBodyText('x'.repeat(1000)).length).toBeLessThan(310);
  });
});
