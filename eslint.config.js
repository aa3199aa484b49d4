import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';

/** Maps keyed by strings from data start as dict() or a Map (see src/kernel/dict.ts). */
const DATA_MAPS = [
  {
    selector:
      "VariableDeclarator[id.typeAnnotation.typeAnnotation.typeName.name='Record'][init.type='ObjectExpression'][init.properties.length=0]",
    message:
      'A map keyed by strings starts as dict() (no prototype) or a Map, never {} (a "__proto__" key would reach Object.prototype).',
  },
  {
    selector:
      "AssignmentExpression[operator=/^(\\?\\?|\\|\\|)=$/][left.computed=true][left.property.type!='Literal']",
    message:
      'map[key] ??= ... on a plain object returns Object.prototype for "__proto__": use a Map, or dict() and an explicit read and write.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', '.iza/', 'drizzle/', 'coverage/', 'dist/', 'web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.mjs'] } } },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-default-export': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // Fastify hooks and handlers are async by contract even when they do not await.
      '@typescript-eslint/require-await': 'off',
      // Configuration is read in exactly one place (src/kernel/config.ts).
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through kernel/config.',
        },
      ],
    },
  },
  {
    // Maps keyed by data (node names, JSON keys, header and parameter names) must not reach
    // Object.prototype through a key such as "__proto__": a Map, or dict() from kernel/dict.ts.
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-syntax': ['error', ...DATA_MAPS] },
  },
  {
    // Workflows copy data the workflow author controls: Object.assign() would run the
    // "__proto__" setter for such a key; spread and Object.fromEntries() define own keys.
    files: ['src/workflows/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...DATA_MAPS,
        {
          selector: "CallExpression[callee.object.name='Object'][callee.property.name='assign']",
          message:
            'Object.assign() runs the "__proto__" setter for data keys: copy with spread or Object.fromEntries().',
        },
      ],
    },
  },
  {
    files: ['src/kernel/config.ts', 'test/**', 'bench/**', 'scripts/**', 'bin/**', '**/*.test.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Tests read JSON answers; typing every one would hide what they assert.
    files: ['**/*.test.ts', 'test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The dashboard (web/): browser code, typed by web/tsconfig.json (the nearest tsconfig).
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } } },
  },
  {
    // The service worker template (built into /sw.js by web/vite.config.ts).
    files: ['web/service-worker.js'],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    files: ['*.config.ts', '*.config.js', 'web/vite.config.ts'],
    rules: { 'import-x/no-default-export': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
