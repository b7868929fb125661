import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'https', 'net', 'child_process', 'stream', 'url', 'util', 'events', 'buffer'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'tests/.output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['scripts/**', 'server/**', 'tests/**', 'bench/**', '*.config.*'], languageOptions: { globals: globals.node } },
  {
    files: ['client/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: globals.browser },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/server/**', 'livekit-server-sdk', ...nodeBuiltins], message: 'The client must not import server code or Node APIs.' }] },
      ],
    },
  },
  {
    // shared/ is pure: no I/O, no Node or DOM APIs, nothing from the server or the client.
    files: ['shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/server/**', '**/client/**', '@/**'], message: 'shared/ must not import server or client code.' },
            { group: nodeBuiltins, message: 'shared/ must not use Node APIs.' },
            { group: ['react', 'react-dom', 'livekit-*', 'socket.io*', 'express', 'kysely', 'pg', 'better-sqlite3'], message: 'shared/ holds pure code only.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'fetch', 'process', 'Buffer', 'require', '__dirname'],
    },
  },
  {
    // Only the video feature talks to LiveKit.
    files: ['server/**/*.ts'],
    ignores: ['server/video/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'livekit-server-sdk', message: 'Only server/video/ imports livekit-server-sdk.' }] }],
    },
  },
);
