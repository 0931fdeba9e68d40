import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // .stryker-tmp*/ and reports/: StrykerJS's sandboxes and reports (npm run test:mutation).
  { ignores: ['node_modules/', 'cdk.out/', '.facekit/', 'coverage/', 'web/dist/', 'web/dist.building/', 'web/.vite/', '.stryker-tmp*/', 'reports/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The page (web/src): browser modules with JSX, parsed by typescript-eslint so JSX counts as use.
    files: ['web/src/**/*.{js,jsx}'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { ecmaFeatures: { jsx: true } },
      globals: Object.fromEntries(
        ['window', 'document', 'navigator', 'fetch', 'crypto', 'btoa', 'createImageBitmap', 'URL', 'FormData', 'localStorage', 'sessionStorage'].map((name) => [name, 'readonly']),
      ),
    },
  },
);
