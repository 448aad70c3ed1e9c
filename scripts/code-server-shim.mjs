#!/usr/bin/env node
// Stands in for the VS Code executable that @vscode/test-electron's runTests() launches, where no desktop VS Code
// can be had: accepts the same command line (--extensionDevelopmentPath=, --extensionTestsPath=, a folder, plus
// Electron flags it ignores; the folder may be a .code-workspace file), starts code-server (real VS Code 1.100.3, real Node extension host) and headless
// Chromium, opens the workbench with VS Code's test payload, and exits with the test run's exit code, which the
// workbench reports through window.codeAutomationExit. Everything it started is stopped before it exits.
import { resolve } from 'node:path';
import { format } from 'node:util';
import { loadHarness } from './lib/harness.mjs';

const NOISE = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket/,
  /^\[Service Worker\]/,
  /^Updating additional builtin extensions cache/,
  /^ChatSessionStore:/,
  /ENOTFOUND open-vsx\.org/,
  /^\s+at .*workbench\.js/,
];
const TIMEOUT_MS = Number(process.env.LATENT_TEST_TIMEOUT_MS ?? 15 * 60_000);

function parseArgs(argv) {
  const out = { devPaths: [], testsPath: undefined, folder: undefined };
  for (const a of argv) {
    if (a.startsWith('--extensionDevelopmentPath=')) out.devPaths.push(resolve(a.slice('--extensionDevelopmentPath='.length)));
    else if (a.startsWith('--extensionTestsPath=')) out.testsPath = resolve(a.slice('--extensionTestsPath='.length));
    else if (!a.startsWith('-') && !out.folder) out.folder = resolve(a);
    // Everything else (--no-sandbox, --user-data-dir=..., --disable-updates, ...) is for Electron; code-server gets
    // its own fresh profile instead.
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
if (!args.testsPath || args.devPaths.length === 0) {
  process.stderr.write('code-server-shim: needs --extensionDevelopmentPath=... and --extensionTestsPath=...\n');
  process.exit(2);
}

const { startServer, launchBrowser } = await loadHarness();
let server;
let browser;
let code; // every path below sets it
try {
  server = await startServer({
    workspace: args.folder,
    onOutput: process.env.LATENT_HARNESS_VERBOSE ? (t) => process.stderr.write(t) : undefined,
  });
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(args.devPaths[0])],
    ['extensionTestsPath', remote(args.testsPath)],
  ];
  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const exited = new Promise((resolveExit) => {
    void page.exposeFunction('codeAutomationExit', (c) => resolveExit(Number(c) || 0));
  });
  // The workbench forwards its own log lines and the extension host's console (mocha's reporter) here,
  // printf-style. Workbench chatter about sockets and the (unreachable) gallery is dropped unless verbose.
  await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
    const text = Array.isArray(logArgs) ? format(...logArgs) : String(logArgs);
    if (!process.env.LATENT_HARNESS_VERBOSE && NOISE.some((re) => re.test(text))) return;
    (type === 'error' ? process.stderr : process.stdout).write(`${text}\n`);
  });
  if (process.env.LATENT_HARNESS_VERBOSE) page.on('console', (m) => process.stderr.write(`[browser ${m.type()}] ${m.text()}\n`));
  await page.goto(server.workbenchUrl({ payload: JSON.stringify(payload) }));
  let timer;
  const timedOut = new Promise((r) => {
    timer = setTimeout(() => r('timeout'), TIMEOUT_MS);
  });
  const result = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    process.stderr.write(`code-server-shim: tests did not finish within ${TIMEOUT_MS / 1000} s\n`);
    if (server) process.stderr.write(server.output().slice(-4000));
    code = 1;
  } else {
    code = result;
  }
} catch (e) {
  process.stderr.write(`code-server-shim: ${e?.stack ?? e}\n`);
  if (server) process.stderr.write(server.output().slice(-4000));
  code = 1;
} finally {
  await browser?.close().catch(() => undefined);
  await server?.stop();
}
process.exit(code);
