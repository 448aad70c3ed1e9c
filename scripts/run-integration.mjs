// Runs the integration tests (mocha inside the real VS Code Node extension host) through @vscode/test-electron's
// runTests(), with code-server standing in for the VS Code executable (scripts/code-server-shim.mjs). Two windows,
// one after the other:
//   single-folder  test/integration on a fresh copy of sample-workspace/
//   multi-root     test/integration-multiroot on a `.code-workspace` with two folders, api and web (api first),
//                  each with its own src/app.ts (issue 11, item 6: items must open in the folder they name)
// Expects `tsc -p .` and the esbuild bundle to have run (npm test does both). Prints nothing of its own but a
// summary; exit code 0 only when every test passed. Usable alone: `node scripts/run-integration.mjs`;
// LATENT_INTEGRATION_RUN=multi-root (or single-folder) runs one window only.
import { runTests } from '@vscode/test-electron';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CACHE, ROOT } from './lib/env.mjs';

/** sample-workspace/ copied into the run folder: the single-folder window. */
function singleFolder(runDir) {
  const workspace = join(runDir, 'workspace');
  cpSync(join(ROOT, 'sample-workspace'), workspace, { recursive: true });
  return workspace;
}

/** Two folders with a file of the same relative path and different contents, and the .code-workspace opening both. */
function multiRoot(runDir) {
  for (const name of ['api', 'web']) {
    mkdirSync(join(runDir, name, 'src'), { recursive: true });
    writeFileSync(join(runDir, name, 'src', 'app.ts'), `// the ${name} folder's app.ts\nexport const folder = '${name}';\n`);
  }
  const file = join(runDir, 'two-folders.code-workspace');
  writeFileSync(file, JSON.stringify({ folders: [{ path: 'api' }, { path: 'web' }], settings: {} }, null, 2));
  return file;
}

const RUNS = [
  { name: 'single-folder', tests: join('out', 'test', 'integration', 'index.js'), workspace: singleFolder },
  { name: 'multi-root', tests: join('out', 'test', 'integration-multiroot', 'index.js'), workspace: multiRoot },
];

/** One window: returns { passed, failed, pending } as counted by the runner inside VS Code. */
async function runOne(run) {
  const testsPath = join(ROOT, run.tests);
  if (!existsSync(testsPath)) throw new Error(`${testsPath} missing: run tsc -p . first`);
  mkdirSync(join(CACHE, 'runs'), { recursive: true });
  const runDir = mkdtempSync(join(CACHE, 'runs', 'it-'));
  const workspace = run.workspace(runDir);
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
    process.stderr.write(`integration (${run.name}): no results (${failedRun?.message ?? 'unknown'})\n`);
    return { passed: 0, failed: 1, pending: 0 };
  }
  return results;
}

/** Every run, summed: { passed, failed, pending, runs: [{ name, passed, failed, pending }] }. */
export async function runIntegration() {
  if (!existsSync(join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js missing: run npm run build first');
  const total = { passed: 0, failed: 0, pending: 0, runs: [] };
  const only = process.env.LATENT_INTEGRATION_RUN;
  for (const run of RUNS.filter((r) => !only || r.name === only)) {
    const r = await runOne(run);
    total.runs.push({ name: run.name, ...r });
    total.passed += r.passed;
    total.failed += r.failed;
    total.pending += r.pending ?? 0;
  }
  return total;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outer = process.env.LATENT_RESULTS_FILE; // set by test-all; the inner runs use their own files
  const r = await runIntegration();
  if (outer) writeFileSync(outer, JSON.stringify(r));
  for (const run of r.runs) console.log(`integration (${run.name}): ${run.passed} passed, ${run.failed} failed`);
  console.log(`integration: ${r.passed} passed, ${r.failed} failed`);
  process.exit(r.failed > 0 || r.passed === 0 ? 1 : 0);
}
