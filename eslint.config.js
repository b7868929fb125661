import path from 'node:path';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'https', 'net', 'child_process', 'stream', 'url', 'util', 'events', 'buffer'];

const ROOT = import.meta.dirname;

/**
 * The client's architecture as a lint rule: a feature (client/features/X) imports only itself,
 * client/components, client/lib and shared — features are composed in client/app; components and
 * lib import no feature and no page; and only the video feature imports LiveKit.
 */
const clientFences = {
  rules: {
    boundaries: {
      meta: {
        type: 'problem',
        messages: {
          crossFeature: 'client/features/{{from}} must not import client/features/{{to}}: compose features in client/app/.',
          upward: '{{from}} must not import client/{{to}}: imports point from app to features to components and lib, never back.',
          livekit: 'Only client/features/video-visit imports {{name}}.',
        },
        schema: [],
      },
      create(context) {
        const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
        const feature = /^client\/features\/([^/]+)\//.exec(file)?.[1];
        const shared = /^client\/(lib|components)\//.test(file) ? file.split('/')[1] : undefined;
        function check(node) {
          const spec = node.source && typeof node.source.value === 'string' ? node.source.value : undefined;
          if (!spec) return;
          if ((spec === 'livekit-client' || spec.startsWith('livekit-client/') || spec.startsWith('@livekit/')) && feature !== 'video-visit') {
            context.report({ node, messageId: 'livekit', data: { name: spec } });
            return;
          }
          if (!spec.startsWith('.')) return;
          const target = path.relative(ROOT, path.resolve(path.dirname(context.filename), spec)).split(path.sep).join('/');
          const targetFeature = /^client\/features\/([^/]+)/.exec(target)?.[1];
          if (feature && targetFeature && targetFeature !== feature) {
            context.report({ node, messageId: 'crossFeature', data: { from: feature, to: targetFeature } });
          } else if ((feature || shared) && /^client\/app(\/|$)/.test(target)) {
            context.report({ node, messageId: 'upward', data: { from: feature ? `client/features/${feature}` : `client/${shared}`, to: 'app' } });
          } else if (shared && targetFeature) {
            context.report({ node, messageId: 'upward', data: { from: `client/${shared}`, to: `features/${targetFeature}` } });
          }
        }
        return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
      },
    },
  },
};

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
    plugins: { 'react-hooks': reactHooks, 'client-fences': clientFences },
    languageOptions: { globals: globals.browser },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'client-fences/boundaries': 'error',
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
