// Lint, and the import rules between zones from ARCHITECTURE.md: each zone lists what it must never reach.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'http',
  'https',
  'net',
  'crypto',
  'stream',
  'stream/*',
  'zlib',
  'url',
  'util',
];
const electronPkg = ['electron', 'electron/*'];

/** One `no-restricted-imports` rule for a zone, from the groups it may not import. */
const forbid = (message, ...groups) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: groups.flat(), message }] }],
});

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // zod is the one outside import allowed: plain TypeScript, no platform APIs, used for request schemas.
              regex: '^(?!\\.|@shared/|zod$)',
              message:
                'shared/ imports only itself (and zod for request schemas): no node, electron or react.',
            },
            {
              group: ['**/electron/**', '**/renderer/**'],
              message: 'shared/ imports nothing outside itself.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/services/**/*.ts'],
    rules: forbid(
      'The engine is plain Node: no electron, no sandbox, no api/main/host/cli, no renderer.',
      electronPkg,
      ['**/sandbox/**', '**/sandbox', '**/main/**', '**/api/**', '**/host/**', '**/cli/**', '**/renderer/**'],
    ),
  },
  {
    files: ['electron/sandbox/**/*.ts'],
    rules: forbid(
      'The sandbox is the other side of the wire: it never imports the services (or electron).',
      electronPkg,
      ['**/services/**', '**/services', '**/api/**', '**/main/**', '**/renderer/**'],
    ),
  },
  {
    files: ['electron/api/**/*.ts'],
    rules: forbid('api/ is plain Node over the services: no electron, no sandbox.', electronPkg, [
      '**/sandbox/**',
      '**/main/**',
      '**/host/**',
      '**/cli/**',
      '**/renderer/**',
    ]),
  },
  {
    files: ['electron/host/**/*.ts', 'electron/cli/**/*.ts'],
    rules: forbid('Composition roots for Node: no electron, no renderer.', electronPkg, [
      '**/renderer/**',
      '**/main/**',
    ]),
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: forbid('The preload only bridges: electron and shared types.', nodeBuiltins, [
      '**/services/**',
      '**/api/**',
      '**/sandbox/**',
      '**/renderer/**',
    ]),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...forbid(
        'The renderer reaches the main side only through window.lifeboat.',
        nodeBuiltins,
        electronPkg,
        ['**/electron/**'],
      ).valueOf(),
    },
  },
);
