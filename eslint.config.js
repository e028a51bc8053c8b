import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'playwright-report/**', 'test-results/**', 'release/**'] },
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
    // The portal runs in the browser and reaches the server only through its public HTTP API.
    files: ['renderer/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/server/**'], message: 'The portal talks to the server over HTTP only.' },
            {
              group: ['**/electron/**', '!**/electron/bridge-contract'],
              message: 'Only the bridge contract (types) is shared with the desktop shell.',
            },
          ],
        },
      ],
    },
  },
  {
    // The server is the product and runs on plain Node: it must never reach into the desktop shell.
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'server/ runs on plain Node; electron belongs in electron/.' }],
          patterns: [
            { group: ['electron/*', '**/electron/**'], message: 'server/ must not import the Electron shell.' },
            { group: ['**/renderer/**', 'renderer/*'], message: 'server/ must not import the renderer.' },
          ],
        },
      ],
    },
  },
  {
    // The desktop shell's logic takes Electron's API as an argument (shell-types.ts) so it runs under
    // test without the Electron binary; only the entry points load the real module.
    files: ['electron/**/*.ts', 'electron/**/*.cts'],
    ignores: ['electron/main.ts', 'electron/preload.cts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              allowTypeImports: true,
              message: 'only electron/main.ts and electron/preload.cts load Electron; take it as an argument.',
            },
          ],
          patterns: [{ group: ['**/renderer/**', 'renderer/*'], message: 'the shell talks to the portal over IPC.' }],
        },
      ],
    },
  },
  {
    // A sandboxed preload is CommonJS: `import x = require()` is how TypeScript writes that.
    files: ['electron/preload.cts'],
    rules: { '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }] },
  },
);
