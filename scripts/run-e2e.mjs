// Runs the browser end-to-end tests: every out/test/e2e/**/*.e2e.js (compiled from test/e2e/*.e2e.ts) with mocha
// in plain Node; each test file starts its own code-server + Chromium through test/e2e/harness.ts, which installs
// the packaged extension (latent.vsix) into that server, as a user would install it.
// Expects `tsc -p .`, the esbuild bundle and ensure-deps to have run (npm test does). The .vsix: $LATENT_VSIX when
// set (npm test builds it once per run and passes it), else this script builds it with `npm run package` and then
// restores the development bundles in dist/. Writes {passed, failed, pending} to $LATENT_RESULTS_FILE when set.
// Usage: node scripts/run-e2e.mjs [--grep PATTERN]
import Mocha from 'mocha';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/env.mjs';

if (!process.env.LATENT_VSIX) {
  const t = Date.now();
  const pack = spawnSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  // `npm run package` leaves minified bundles without source maps in dist/: put the development build back.
  spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (pack.status !== 0) {
    process.stderr.write('e2e: npm run package failed; the e2e suite installs latent.vsix\n');
    if (process.env.LATENT_RESULTS_FILE) writeFileSync(process.env.LATENT_RESULTS_FILE, JSON.stringify({ passed: 0, failed: 1, pending: 0 }));
    process.exit(1);
  }
  process.env.LATENT_VSIX = join(ROOT, 'latent.vsix');
  console.log(`e2e: packaged ${process.env.LATENT_VSIX} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

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
