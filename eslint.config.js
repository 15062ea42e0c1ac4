// Lint rules, including the layer rules of DESIGN.md §1: only src/http imports the HTTP engine,
// only src/storage/nats (and the composition root) imports NATS. test/unit/layers.test.ts checks them too.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const httpEngine = {
  group: ['uws-pack', 'uWebSockets.js'],
  message: 'Only src/http may import the HTTP engine.',
};
const nats = { group: ['@nats-io/*', 'nats'], message: 'Only src/storage/nats may import NATS.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/build/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/http/**', 'src/storage/nats/**', 'src/main.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [httpEngine, nats] }] },
  },
  {
    files: ['src/http/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [nats] }] },
  },
  {
    files: ['src/storage/nats/**/*.ts', 'src/main.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [httpEngine] }] },
  },
);
