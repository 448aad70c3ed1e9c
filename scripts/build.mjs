// Bundles the extension, the training worker, the webview script and the CLI with esbuild.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode'],
  // jsonc-parser's UMD build hides its requires from esbuild ('./impl/format' then fails at runtime); prefer ESM.
  mainFields: ['module', 'main'],
  logLevel: 'info',
};

const configs = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, entryPoints: ['src/training/worker.ts'], outfile: 'dist/worker.js' },
  // Found by the store next to the bundle that uses it (dist/extension.js, dist/cli.js): compactInWorker.ts.
  { ...node, entryPoints: ['src/feedback/store/compactWorker.ts'], outfile: 'dist/compactWorker.js' },
  { ...node, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js' },
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
    entryPoints: ['media/webview/main.ts'],
    outfile: 'dist/webview.js',
  },
].filter((c) => existsSync(c.entryPoints[0]));

if (watch) {
  for (const c of configs) await (await esbuild.context(c)).watch();
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
}
