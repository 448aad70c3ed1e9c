// Loads the TypeScript launcher (test/e2e/codeServer.ts) from plain-JS scripts (the test-electron shim, npm start).
// esbuild bundles just that file (milliseconds), so these scripts do not depend on the whole tree type-checking.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CACHE, ROOT } from './env.mjs';

export async function loadHarness() {
  const outfile = join(CACHE, 'harness', 'codeServer.cjs');
  mkdirSync(join(CACHE, 'harness'), { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'test', 'e2e', 'codeServer.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['playwright-core'],
    logLevel: 'warning',
  });
  return createRequire(import.meta.url)(outfile);
}
