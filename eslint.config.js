// Lint, and the import rules between zones (docs/architecture.md): each zone lists what it must never reach.
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
/** A regex for relative imports that climb into one of the named sibling zones under electron/. */
const zone = (...names) => `^(\\.\\./)+(${names.join('|')})(/|$)`;

/** One `no-restricted-imports` rule for a zone, from the groups it may not import. */
const forbid = (message, groups, zones = []) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: groups.flat(), message },
        ...(zones.length ? [{ regex: zone(...zones), message }] : []),
      ],
    },
  ],
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
      // A file URL's pathname is not a path: it keeps %20 for a space and %C3%A9 for é, and on Windows reads
      // /C:/… with a leading slash. fileURLToPath decodes both.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "MemberExpression[property.name='pathname'][object.type='NewExpression'][object.callee.name='URL']:has(MetaProperty)",
          message:
            'Use fileURLToPath(url) from node:url: a URL pathname breaks on spaces, non-ASCII names and Windows drives.',
        },
      ],
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
      [electronPkg, ['**/renderer/**']],
      ['api', 'main', 'host', 'cli', 'sandbox', 'preload'],
    ),
  },
  {
    files: ['electron/sandbox/**/*.ts'],
    rules: forbid(
      'The sandbox is the other side of the wire: it never imports the services (or electron).',
      [electronPkg, ['**/renderer/**']],
      ['services', 'api', 'main', 'host', 'cli', 'preload'],
    ),
  },
  {
    files: ['electron/api/**/*.ts'],
    rules: forbid(
      'api/ is plain Node over the services: no electron, no sandbox.',
      [electronPkg, ['**/renderer/**']],
      ['sandbox', 'main', 'host', 'cli', 'preload'],
    ),
  },
  {
    files: ['electron/host/**/*.ts', 'electron/cli/**/*.ts'],
    rules: forbid(
      'Composition roots for Node: no electron, no renderer.',
      [electronPkg, ['**/renderer/**']],
      ['main', 'preload'],
    ),
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: forbid(
      'The preload only bridges: electron and shared types.',
      [nodeBuiltins, ['**/renderer/**']],
      ['services', 'api', 'sandbox', 'host', 'cli'],
    ),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...forbid(
        'The renderer reaches the main side only through window.lifeboat.',
        [nodeBuiltins, electronPkg, ['**/electron/**']],
        ['electron'],
      ).valueOf(),
    },
  },
);
