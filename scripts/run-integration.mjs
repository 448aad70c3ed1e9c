// Runs test/integration (mocha inside the real VS Code Node extension host) through @vscode/test-electron's
// runTests(), with code-server standing in for the VS Code executable (scripts/code-server-shim.mjs).
// Expects `tsc -p .` and the esbuild bundle to have run (npm test does both). Prints nothing of its own but a
// summary; exit code 0 only when every test passed. Usable alone: `node scripts/run-integration.mjs`.
import { runTests } from '@vscode/test-electron';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CACHE, ROOT } from './lib/env.mjs';

/** Returns { passed, failed, pending } as counted by the runner inside VS Code. */
export async function runIntegration() {
  const testsPath = join(ROOT, 'out', 'test', 'integration', 'index.js');
  if (!existsSync(testsPath)) throw new Error(`${testsPath} missing: run tsc -p . first`);
  if (!existsSync(join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js missing: run npm run build first');
  mkdirSync(join(CACHE, 'runs'), { recursive: true });
  const runDir = mkdtempSync(join(CACHE, 'runs', 'it-'));
  const workspace = join(runDir, 'workspace');
  cpSync(join(ROOT, 'sample-workspace'), workspace, { recursive: true });
  const resultsFile = join(runDir, 'results.json');
  let failedRun;
  try {
    await runTests({
      vscodeExecutablePath: join(ROOT, 'scripts', 'code-server-shim.mjs'),
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: testsPath,
      launchArgs: [workspace],
      extensionTestsEnv: { LATENT_RESULTS_FILE: resultsFile, LATENT_TEST_WORKSPACE: workspace },
    });
  } catch (e) {
    failedRun = e;
  }
  const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined;
  rmSync(runDir, { recursive: true, force: true });
  if (!results) {
    // The runner never reported: VS Code failed to start or load the tests. Count it as one failure.
    process.stderr.write(`integration: no results (${failedRun?.message ?? 'unknown'})\n`);
    return { passed: 0, failed: 1, pending: 0 };
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outer = process.env.LATENT_RESULTS_FILE; // set by test-all; the inner run uses its own file
  const r = await runIntegration();
  if (outer) writeFileSync(outer, JSON.stringify(r));
  console.log(`integration: ${r.passed} passed, ${r.failed} failed`);
  process.exit(r.failed > 0 || r.passed === 0 ? 1 : 0);
}
