/**
 * Mocha runner loaded by VS Code's extension host (the `extensionTestsPath`), inside the real code-server.
 *
 * Every `test/integration/**\/*.test.ts` is discovered automatically (compiled by `tsc -p .` to out/). Tests use the
 * BDD interface (describe/it) and the real `vscode` API, for example:
 *
 *   import * as assert from 'node:assert/strict';
 *   import * as vscode from 'vscode';
 *   import { activateLatent } from './helpers';
 *   describe('my feature', () => {
 *     it('does X', async () => {
 *       const api = await activateLatent();
 *       await vscode.commands.executeCommand('latent.retrain');
 *       assert.equal(api.isPaused(), false);
 *     });
 *   });
 *
 * Environment: LATENT_TEST_GREP filters tests by name; LATENT_RESULTS_FILE (set by scripts/run-integration.mjs)
 * receives {passed, failed, pending} so `npm test` can sum all suites.
 *
 * This root runs in a window with one folder (a copy of sample-workspace/). Tests that need two folders live in
 * test/integration-multiroot/, a second root (same runner, runTestsIn) that run-integration.mjs opens on a
 * `.code-workspace` with two folders.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

function discover(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Runs every *.test.js under `dir` with mocha, reporting the counts to LATENT_RESULTS_FILE. */
export function runTestsIn(dir: string): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec' });
  if (process.env.LATENT_TEST_GREP) mocha.grep(process.env.LATENT_TEST_GREP);
  for (const f of discover(dir)) mocha.addFile(f);
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const stats = runner.stats;
      const results = { passed: stats?.passes ?? 0, failed: failures, pending: stats?.pending ?? 0 };
      if (process.env.LATENT_RESULTS_FILE) fs.writeFileSync(process.env.LATENT_RESULTS_FILE, JSON.stringify(results));
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else if (results.passed === 0) reject(new Error('no integration test ran'));
      else resolve();
    });
  });
}

export function run(): Promise<void> {
  return runTestsIn(__dirname);
}
