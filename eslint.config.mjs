// `npm run lint`: typescript-eslint's recommended rules plus the boundaries between the rooms of the house.
//
//   src/core/**         pure: no vscode, no Node built-ins, nothing from the product folders above it
//   media/webview/**    browser bundle: its own folder, pure src/core, and the webview protocol; no vscode, no Node
//   src/views/**/protocol.ts, webviewProtocol.ts
//                       shared by the extension host and the webview bundle: as pure as core
//   src/config/**       settings and their ranges; underneath feedback, git, training, ranking and views
//   src/feedback/**     observes and stores; knows nothing downstream      (observe -> store -> learn -> rank -> show)
//   src/git/**          another source of observations (commits); knows nothing downstream of learning
//   src/training/**     learns (worker + host client); must not reach into ranking or views
//   src/ranking/**      ranks with a trained model; pure core only
//   src/views/**        shows; must not reach into training or the composition root
//   src/extension.ts, src/workspace.ts
//                       the composition root: may import everything; nothing imports them
//
// Module names (vscode, fs, node:*) are banned with no-restricted-imports, as GitLens does for its shared and
// webview code. Folder arrows are checked by the small local rule `latent/boundaries` below, which resolves each
// relative import against the importing file, so '../views/x' and '../../views/x' are judged by where they land.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import picomatch from 'picomatch';
import tseslint from 'typescript-eslint';

const ROOT = dirname(fileURLToPath(import.meta.url));

/** A module or folder and everything under it, for picomatch: 'src/extension' is src/extension.ts today and
 *  src/extension/ if it grows; a bare directory import resolves to the folder itself. */
const dir = (d) => [d, `${d}/**`];

const PROTOCOL = ['src/views/**/protocol', 'src/views/**/webviewProtocol'];
const PROTOCOL_FILES = PROTOCOL.map((p) => `${p}.ts`);
const ROOTS = [...dir('src/extension'), ...dir('src/workspace')];
const PRODUCT = [
  ...dir('src/config'),
  ...dir('src/git'),
  ...dir('src/ranking'),
  ...dir('src/workspace'),
  ...dir('src/commands'),
  ...dir('src/feedback'),
  ...dir('src/training'),
  ...dir('src/views'),
  ...dir('src/extension'),
  ...dir('src/cli'),
  ...dir('src/bench'),
  ...dir('src/eval'),
];

// ---------------------------------------------------------------------------------------------------------------
// latent/boundaries: options { disallow?: globs, allowValue?: globs, allowType?: globs, bare?: boolean, why: text }.
//   disallow    relative imports landing here are errors
//   allowValue  if given, relative value imports must land here (type-only imports may also land in allowType)
//   bare        false: package imports (not relative) are errors; vscode/node are reported by no-restricted-imports
// Paths are repo-relative, without the .ts/.js extension.
// ---------------------------------------------------------------------------------------------------------------
const boundaries = {
  meta: {
    type: 'problem',
    schema: [
      {
        type: 'object',
        properties: {
          disallow: { type: 'array', items: { type: 'string' } },
          allowValue: { type: 'array', items: { type: 'string' } },
          allowType: { type: 'array', items: { type: 'string' } },
          bare: { type: 'boolean' },
          why: { type: 'string' },
        },
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const o = context.options[0] ?? {};
    const match = (globs) => (globs && globs.length ? picomatch(globs, { dot: true }) : () => false);
    const isDisallowed = match(o.disallow);
    const isAllowedValue = o.allowValue ? match(o.allowValue) : () => true;
    const isAllowedType = match(o.allowType);
    const from = dirname(context.filename);
    const why = o.why ? ` (${o.why})` : '';

    function check(node, source, typeOnly) {
      if (!source || typeof source.value !== 'string') return;
      const spec = source.value;
      if (!spec.startsWith('.') && !spec.startsWith('/')) {
        if (o.bare === false && spec !== 'vscode' && !builtinModules.includes(spec) && !spec.startsWith('node:')) {
          context.report({ node: source, message: `'${spec}': no package imports here${why}` });
        }
        return;
      }
      const target = relative(ROOT, resolve(from, spec))
        .split('\\')
        .join('/')
        .replace(/\.(ts|js|mjs|cjs)$/, '');
      if (isDisallowed(target)) {
        context.report({ node: source, message: `'${spec}' (${target}) may not be imported here${why}` });
      } else if (!isAllowedValue(target) && !(typeOnly && isAllowedType(target))) {
        const what = isAllowedType(target) ? 'may be imported here only as a type' : 'is outside what this file may import';
        context.report({ node: source, message: `'${spec}' (${target}) ${what}${why}` });
      }
    }
    const allTypes = (specifiers, kind) =>
      specifiers.length > 0 && specifiers.every((s) => s[kind] === 'type');
    return {
      ImportDeclaration: (n) =>
        check(n, n.source, n.importKind === 'type' || allTypes(n.specifiers, 'importKind')),
      ExportNamedDeclaration: (n) =>
        n.source && check(n, n.source, n.exportKind === 'type' || allTypes(n.specifiers, 'exportKind')),
      ExportAllDeclaration: (n) => check(n, n.source, n.exportKind === 'type'),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source, false),
      TSImportType: (n) => {
        const lit = n.argument?.type === 'TSLiteralType' ? n.argument.literal : n.source;
        if (lit?.type === 'Literal') check(n, lit, true);
      },
    };
  },
};

/** no-restricted-imports for code that runs outside the extension host's Node: no vscode, no Node built-ins. */
const noVscodeNoNode = (where) => [
  'error',
  {
    paths: [
      { name: 'vscode', message: `${where} does not run in the extension host: pass what it needs in.` },
      ...builtinModules
        .filter((m) => !m.startsWith('_') && !m.startsWith('node:'))
        .map((name) => ({ name, message: `${where} runs without Node: no Node built-ins.` })),
    ],
    patterns: [{ group: ['node:*'], message: `${where} runs without Node: no Node built-ins.` }],
  },
];

export default defineConfig(
  {
    ignores: ['node_modules/**', 'out/**', 'dist/**', '.cache/**', '.vscode-test/**', 'sample-workspace/**', '**/*.vsix'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    plugins: { latent: { rules: { boundaries } } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // `import x = require('x')` is TypeScript's typed form for CommonJS `export =` packages (picomatch); plain
      // require() calls stay banned.
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      // tsc's noUnusedLocals/noUnusedParameters already check this for .ts; keep the lint quiet about _-prefixed names.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  // Third-party extensions the e2e tests package and install: plain CommonJS, as their authors write them.
  {
    files: ['test/**/fixtures/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },

  // --- core: pure, underneath everything -------------------------------------------------------------------------
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': noVscodeNoNode('src/core'),
      'latent/boundaries': ['error', { disallow: PRODUCT, why: 'src/core is pure and sits underneath every other folder' }],
    },
  },

  // --- the webview protocol: compiled into both the extension host and the webview bundle ----------------------
  {
    files: PROTOCOL_FILES,
    rules: {
      'no-restricted-imports': noVscodeNoNode('The webview protocol (also bundled into the webview)'),
      'latent/boundaries': [
        'error',
        {
          allowValue: [...dir('src/core'), ...PROTOCOL],
          bare: false,
          why: 'the webview protocol is bundled into the webview: it may use src/core and other protocol files only',
        },
      ],
    },
  },

  // --- the webview: a browser bundle ----------------------------------------------------------------------------
  {
    files: ['media/webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': noVscodeNoNode('The webview'),
      'latent/boundaries': [
        'error',
        {
          // Value imports: its own folder, pure core, and the protocol (its validators run on both sides; the protocol
          // files are held to core's purity above). Everything else in src/ may not be imported, not even as a type.
          // To allow the protocol as type imports only, move PROTOCOL from allowValue to a new `allowType: PROTOCOL`.
          allowValue: [...dir('media/webview'), ...dir('src/core'), ...PROTOCOL],
          bare: false,
          why: 'the webview bundles only media/webview, src/core and the webview protocol',
        },
      ],
    },
  },

  // --- one-way data flow: observe -> store -> learn -> rank -> show; extension.ts + workspace.ts compose them ----
  {
    files: ['src/config/**/*.ts'],
    rules: {
      'latent/boundaries': [
        'error',
        { disallow: [...['src/feedback', 'src/git', 'src/training', 'src/ranking', 'src/views'].flatMap(dir), ...ROOTS], why: 'settings sit underneath every folder that reads them' },
      ],
    },
  },
  {
    files: ['src/feedback/**/*.ts'],
    rules: {
      'latent/boundaries': [
        'error',
        { disallow: [...['src/git', 'src/training', 'src/ranking', 'src/views'].flatMap(dir), ...ROOTS], why: 'data flows observe -> store -> learn -> rank -> show; feedback knows nothing downstream' },
      ],
    },
  },
  {
    files: ['src/git/**/*.ts'],
    rules: {
      'latent/boundaries': [
        'error',
        { disallow: [...['src/training', 'src/ranking', 'src/views'].flatMap(dir), ...ROOTS], why: 'git is a source of observations; it knows nothing downstream of learning' },
      ],
    },
  },
  {
    files: ['src/training/**/*.ts'],
    rules: {
      'latent/boundaries': [
        'error',
        { disallow: [...['src/ranking', 'src/views'].flatMap(dir), ...ROOTS], why: 'training learns; ranking and views consume its models, never the reverse' },
      ],
    },
  },
  {
    files: ['src/ranking/**/*.ts'],
    rules: {
      'latent/boundaries': [
        'error',
        { disallow: [...['src/config', 'src/feedback', 'src/git', 'src/training', 'src/views'].flatMap(dir), ...ROOTS], why: 'ranking turns a model and a context into a list; it reads nothing else' },
      ],
    },
  },
  {
    files: ['src/views/**/*.ts'],
    rules: {
      'latent/boundaries': [
        'error',
        { disallow: [...['src/training', 'src/git'].flatMap(dir), ...ROOTS], why: 'views show what ranking and the model give them; the composition root connects them to training' },
      ],
    },
  },
);
