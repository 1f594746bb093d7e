// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', '.deploy/**', '.stryker-tmp/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: [
            'eslint.config.js',
            '.dependency-cruiser.cjs',
            'stryker.config.mjs',
            '.ci/*.mjs',
            'dev/build/*.mjs',
            'dev/scripts/*.mjs',
          ],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // @azure/functions is a CommonJS bundle: Node's ESM loader only finds `app` as a named export.
      // Classes (HttpResponse, InvocationContext, ...) must come from the default import.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@azure/functions',
              importNames: [
                'HttpRequest',
                'HttpResponse',
                'InvocationContext',
                'trigger',
                'input',
                'output',
                'PreInvocationContext',
                'PostInvocationContext',
                'AppStartContext',
                'AppTerminateContext',
                'LogHookContext',
                'InvocationHookContext',
                'HookContext',
              ],
              message:
                'Use the default import (import functions from "@azure/functions") for values other than `app`; named value imports fail under Node ESM.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['eslint.config.js', '.dependency-cruiser.cjs', 'stryker.config.mjs', '.ci/*.mjs', 'dev/**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  { files: ['.dependency-cruiser.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } } },
  {
    files: ['stryker.config.mjs', '.ci/*.mjs', 'dev/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
