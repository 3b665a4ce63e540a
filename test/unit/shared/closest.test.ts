import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../../../shared/closest';

describe('closestName', () => {
  const envs = ['dev', 'test', 'live', 'pr-84'];

  it('suggests the environment one slip away', () => {
    expect(closestName('lve', envs)).toBe('live');
    expect(closestName('lvie', envs)).toBe('live');
    expect(closestName('tset', envs)).toBe('test');
    expect(closestName('LIVE ', ['dev', 'Live'])).toBeNull();
    expect(closestName('pr-8', envs)).toBe('pr-84');
  });

  it('suggests nothing when nothing is close, or when two are equally close', () => {
    expect(closestName('staging', envs)).toBeNull();
    expect(closestName('', envs)).toBeNull();
    expect(closestName('de', ['dev', 'dex'])).toBeNull();
  });

  it('counts a swap of two letters as one edit', () => {
    expect(editDistance('live', 'lvie')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
