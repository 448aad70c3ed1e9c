// Runs the browser end-to-end tests: every out/test/e2e/**/*.e2e.js (compiled from test/e2e/*.e2e.ts) with mocha
// in plain Node; each test file starts its own code-server + Chromium through test/e2e/harness.ts.
// Expects `tsc -p .`, the esbuild bundle and ensure-deps to have run (npm test does). Writes {passed, failed,
// pending} to $LATENT_RESULTS_FILE when set. Usage: node scripts/run-e2e.mjs [--grep PATTERN]
import Mocha from 'mocha';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/env.mjs';

const dir = join(ROOT, 'out', 'test', 'e2e');
const files = existsSync(dir)
  ? readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.e2e.js')).sort().map((f) => join(dir, f))
  : [];
const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, reporter: 'spec', color: process.stdout.isTTY });
const grepAt = process.argv.indexOf('--grep');
if (grepAt > 0) mocha.grep(process.argv[grepAt + 1]);
for (const f of files) mocha.addFile(f);
const runner = mocha.run((failures) => {
  const results = { passed: runner.stats?.passes ?? 0, failed: failures, pending: runner.stats?.pending ?? 0 };
  if (files.length === 0) {
    process.stderr.write(`e2e: no *.e2e.js under ${dir} (run tsc -p . first)\n`);
    results.failed += 1;
  }
  if (process.env.LATENT_RESULTS_FILE) writeFileSync(process.env.LATENT_RESULTS_FILE, JSON.stringify(results));
  console.log(`e2e: ${results.passed} passed, ${results.failed} failed`);
  // Exit explicitly: the harness already stopped code-server and Chromium in the tests' after() hooks.
  process.exit(results.failed > 0 || results.passed === 0 ? 1 : 0);
});
