import { describe, expect, it } from 'vitest';
import { inertJson, printable, printableLines, table } from '../../../electron/cli/output';

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

describe('what the CLI writes for people and for scripts', () => {
  // eslint-disable-next-line no-control-regex
  const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
  const evil = 'a\u001b]52;c;Zm9v\u0007b\u009b31mc\u007f';

  it('text keeps its line breaks and shows every other control character', () => {
    expect(printableLines(`one ${evil}\ntwo`)).toBe('one a\ufffd]52;c;Zm9v\ufffdb\ufffd31mc\ufffd\ntwo');
  });

  it('JSON keeps its value for a parser but carries no control character a terminal would obey', () => {
    const json = inertJson(JSON.stringify({ message: evil, list: [evil] }));
    expect(json).not.toMatch(CONTROL);
    expect(JSON.parse(json)).toEqual({ message: evil, list: [evil] });
  });
});
