// The lint rules that keep promises made elsewhere (zones, portable paths) are themselves checked: each must flag
// what it exists to stop, and leave alone what looks alike but is fine.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const eslint = new ESLint({ cwd: root });

/** The rule ids ESLint reports for `code` as if it were the file at `path` (relative to the checkout). */
async function rulesHit(code: string, path: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('lint rules', () => {
  it('a module’s own folder read through URL.pathname is refused; fileURLToPath and web URLs are not', async () => {
    const bad = [
      'const here = new URL(import.meta.url).pathname;\nexport default here;\n',
      "const entry = new URL('./engine.js', import.meta.url).pathname;\nexport default entry;\n",
    ];
    for (const code of bad)
      expect(await rulesHit(code, 'electron/host/x.ts')).toContain('no-restricted-syntax');
    const good = [
      "import { fileURLToPath } from 'node:url';\nexport default fileURLToPath(import.meta.url);\n",
      "export const route = (url: string): string => new URL(url, 'http://127.0.0.1').pathname;\n",
    ];
    for (const code of good) expect(await rulesHit(code, 'electron/host/x.ts')).toEqual([]);
  }, 30_000);

  it('the zones hold: the engine never imports electron, the renderer never imports node', async () => {
    expect(
      await rulesHit("import { app } from 'electron';\nexport default app;\n", 'electron/services/x.ts'),
    ).toContain('no-restricted-imports');
    expect(
      await rulesHit(
        "import { readFileSync } from 'node:fs';\nexport default readFileSync;\n",
        'renderer/src/x.ts',
      ),
    ).toContain('no-restricted-imports');
    for (const code of [
      "import { ipcRenderer } from 'electron';\nexport default ipcRenderer;\n",
      "import { openEngine } from '../../electron/services/engine';\nexport default openEngine;\n",
    ])
      expect(await rulesHit(code, 'renderer/src/x.ts')).toContain('no-restricted-imports');
    expect(
      await rulesHit("import { ok } from '@shared/result';\nexport default ok;\n", 'renderer/src/x.ts'),
    ).toEqual([]);
  }, 30_000);
});
