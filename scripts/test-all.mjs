// `npm test`: everything, in the order a failure is cheapest to find.
//   1. npm install when node_modules is missing (a fresh clone works with this one command)
//   2. build (esbuild: extension, worker, webview, cli) and compile (tsc -p .: strict types + out/ for mocha), then
//      the checks: typecheck (+ the webview without Node types), core (tsc -p src/core: core without Node or DOM
//      types) and lint (eslint: typescript-eslint + the import boundaries of eslint.config.mjs)
//   3. unit tests: mocha in plain Node (test/unit)
//   4. ensure-deps: Debian chromium & co, code-server 4.100.3 into .cache/ (first run only)
//   5. integration: mocha inside the real VS Code extension host (code-server) via @vscode/test-electron
//   6. package (npm run package: the production bundles + vsce -> latent.vsix; the development bundles are then put
//      back in dist/), then e2e: playwright-core + headless Chromium against code-server with latent.vsix installed
// Prints a last line "N passed, N failed" summing all suites (a failing build or type check counts as one failed
// test) and exits non-zero when anything failed. Options: --only unit,integration,e2e (skips the rest).
// Children run in this process group; code-server/Chromium are stopped by their own launchers on exit/signals.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDeps, ensureNodeModules, DependencyError } from './ensure-deps.mjs';
import { CACHE, ROOT, TMP } from './lib/env.mjs';

const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? new Set(process.argv[onlyAt + 1].split(',')) : undefined;
const wants = (suite) => !only || only.has(suite);

const totals = { passed: 0, failed: 0, pending: 0 };
const lines = [];
const children = new Set();
const started = Date.now();

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    for (const c of children) c.kill(sig);
    setTimeout(() => process.exit(130), 5000).unref();
  });
}

function banner(text) {
  process.stdout.write(`\n=== ${text} ===\n`);
}

/** Runs a command with inherited output; optionally tees stdout so it can be parsed. Resolves { code, out }. */
function run(cmd, args, { env, tee = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', tee ? 'pipe' : 'inherit', 'inherit'] });
    children.add(child);
    let out = '';
    if (tee) {
      child.stdout.on('data', (d) => {
        process.stdout.write(d);
        out += d.toString();
      });
    }
    child.on('error', (e) => {
      children.delete(child);
      resolve({ code: 127, out: `${out}\n${e.message}` });
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code: code ?? (signal ? 128 : 1), out });
    });
  });
}

function record(name, r, ms) {
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.pending += r.pending ?? 0;
  lines.push(`${name.padEnd(12)} ${r.passed} passed, ${r.failed} failed${r.pending ? `, ${r.pending} pending` : ''}  (${(ms / 1000).toFixed(1)} s)`);
}

/** A step that is not a test suite (build, typecheck): one passed or one failed check. */
async function step(name, cmd, args) {
  banner(name);
  const t = Date.now();
  const { code } = await run(cmd, args);
  record(name, { passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 }, Date.now() - t);
  return code === 0;
}

/** Runs a suite script that writes {passed, failed, pending} to LATENT_RESULTS_FILE. */
async function suite(name, script, env = {}) {
  banner(name);
  const t = Date.now();
  const dir = mkdtempSync(join(TMP, `${name}-`));
  const file = join(dir, 'results.json');
  const { code } = await run(process.execPath, [script], { env: { ...env, LATENT_RESULTS_FILE: file } });
  let r = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { passed: 0, failed: 1 };
  if (code !== 0 && r.failed === 0) r = { ...r, failed: 1 }; // crashed after reporting: still a failure
  rmSync(dir, { recursive: true, force: true });
  record(name, r, Date.now() - t);
}

/** Mocha's spec reporter ends with "N passing", "N failing", "N pending". */
function parseMocha(out) {
  const n = (word) => Number((out.match(new RegExp(`(\\d+) ${word}`)) ?? [])[1] ?? 0);
  return { passed: n('passing'), failed: n('failing'), pending: n('pending') };
}

async function main() {
  ensureNodeModules();
  const npx = join(ROOT, 'node_modules', '.bin');
  const built = await step('build', process.execPath, [join(ROOT, 'scripts', 'build.mjs')]);
  // compile emits out/ for mocha (even with type errors, which it reports); typecheck is the project's full check.
  // out/ starts empty: a test file moved or deleted must not keep running from its old compiled copy.
  rmSync(join(ROOT, 'out'), { recursive: true, force: true });
  await step('compile', join(npx, 'tsc'), ['-p', '.']);
  await step('typecheck', 'npm', ['run', '--silent', 'typecheck']);
  await step('core', join(npx, 'tsc'), ['-p', join('src', 'core')]);
  await step('lint', 'npm', ['run', '--silent', 'lint']);

  if (wants('unit')) {
    banner('unit');
    const t = Date.now();
    const { code, out } = await run(join(npx, 'mocha'), ['--config', '.mocharc.json'], { tee: true });
    const r = parseMocha(out);
    if (code !== 0 && r.failed === 0) r.failed = 1; // mocha crashed before its summary
    record('unit', r, Date.now() - t);
  }

  if ((wants('integration') || wants('e2e')) && !built) {
    lines.push('integration/e2e not run: the build failed (they need dist/extension.js)');
    totals.failed += 1;
  } else if (wants('integration') || wants('e2e')) {
    banner('ensure-deps');
    try {
      ensureDeps({ browser: true });
    } catch (e) {
      process.stderr.write(`${e instanceof DependencyError ? e.message : e.stack}\n`);
      lines.push('integration/e2e not run: dependencies missing (see above)');
      totals.failed += 1;
      return;
    }
    if (wants('integration')) await suite('integration', join(ROOT, 'scripts', 'run-integration.mjs'));
    if (wants('e2e')) {
      // The e2e suite tests what users install: the .vsix, built once here and installed into each code-server.
      const packaged = await step('package', 'npm', ['run', '--silent', 'package']);
      // The package build leaves minified bundles without source maps in dist/: put the development build back.
      await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')]);
      if (packaged) await suite('e2e', join(ROOT, 'scripts', 'run-e2e.mjs'), { LATENT_VSIX: join(ROOT, 'latent.vsix') });
      else lines.push('e2e not run: npm run package failed (the e2e suite installs latent.vsix)');
    }
  }
}

try {
  await main();
} catch (e) {
  process.stderr.write(`test-all: ${e.stack ?? e}\n`);
  totals.failed += 1;
}
banner(`summary (${((Date.now() - started) / 1000).toFixed(0)} s; cache ${CACHE})`);
for (const l of lines) process.stdout.write(`${l}\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed${totals.pending ? `, ${totals.pending} skipped` : ''}\n`);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
