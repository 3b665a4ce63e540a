import { describe, expect, it } from 'vitest';
import { printable, table } from '../../../electron/cli/output';

describe('CLI tables', () => {
  it('show escape sequences from the API instead of sending them to the terminal', () => {
    const label = 'Acme \u001b]52;c;cm0gLXJmIH4=\u0007\u001b[31mred';
    const out = table([
      ['NAME', 'LABEL'],
      ['acme', label],
    ]);
    expect([...out].filter((c) => c !== '\n' && (c < ' ' || (c >= '\u007f' && c <= '\u009f')))).toEqual([]);
    expect(out).toContain('Acme \ufffd]52;c;cm0gLXJmIH4=\ufffd\ufffd[31mred');
    expect(printable('plain text')).toBe('plain text');
  });
});
