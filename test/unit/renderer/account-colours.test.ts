import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_COLOURS } from '../../../shared/models';

// The account palette as the stylesheet writes it: every chip's text must read on its background (WCAG AA,
// 4.5:1) in both themes, and the chips must be told apart from the page they sit on.
const css = readFileSync(join(import.meta.dirname, '../../../renderer/src/styles.css'), 'utf8');

/** The custom properties a theme ends up with: every `:root` block (light) or dark block, later ones winning. */
function variables(theme: 'light' | 'dark'): Map<string, string> {
  const vars = new Map<string, string>();
  const blocks = /(:root(?:\[data-theme='dark'\])?)\s*\{([^}]*)\}/g;
  for (const [, selector, body] of css.matchAll(blocks)) {
    // The dark theme is the light one with the dark blocks over it.
    if (theme === 'light' && selector !== ':root') continue;
    for (const [, name, value] of body!.matchAll(/(--[\w-]+):\s*([^;]+);/g)) vars.set(name!, value!.trim());
  }
  return vars;
}

function luminance(hex: string): number {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`${hex} is not a #rrggbb colour`);
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(m[1]!.slice(i, i + 2), 16) / 255);
  const lin = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
}

/** The WCAG contrast ratio of two colours. */
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('the account colours', () => {
  it.each(['light', 'dark'] as const)('read at 4.5:1 or more as chips in the %s theme', (theme) => {
    const vars = variables(theme);
    for (const colour of ACCOUNT_COLOURS) {
      const bg = vars.get(`--account-${colour}-bg`);
      const fg = vars.get(`--account-${colour}-fg`);
      expect({ colour, bg, fg }).toEqual({ colour, bg: expect.any(String), fg: expect.any(String) });
      expect({ colour, text: contrast(bg!, fg!) >= 4.5 }).toEqual({ colour, text: true });
      // The chip's dot is in the text colour: it stands out of the panel behind the chip (3:1 for shapes).
      expect({ colour, dot: contrast(fg!, vars.get('--panel')!) >= 3 }).toEqual({ colour, dot: true });
    }
  });

  it.each(['light', 'dark'] as const)('are different from each other in the %s theme', (theme) => {
    const vars = variables(theme);
    const pairs = ACCOUNT_COLOURS.map(
      (c) => `${vars.get(`--account-${c}-bg`)}/${vars.get(`--account-${c}-fg`)}`,
    );
    expect(new Set(pairs).size).toBe(ACCOUNT_COLOURS.length);
  });

  it('each has its chip rule', () => {
    for (const colour of ACCOUNT_COLOURS)
      expect(css).toContain(
        `.account-${colour} {\n  --chip-bg: var(--account-${colour}-bg);\n  --chip-fg: var(--account-${colour}-fg);\n}`,
      );
  });
});
