// Installs what the real-VS-Code harness needs, once, into the git-ignored .cache/ (like @vscode/test-electron
// caches VS Code). Idempotent: a second run only checks. Usable as a module (ensureDeps()) or a CLI
// (`node scripts/ensure-deps.mjs [--no-browser]`).
//
// What and why:
// - node_modules (npm install) if missing, so `npm start` / `npm test` work on a fresh clone.
// - Debian packages: chromium (headless browser for the workbench UI), ripgrep (seeds @vscode/ripgrep's download,
//   which would go to GitHub), libkrb5-dev + pkg-config + g++/make (code-server's native modules build from source).
//   Installed with apt-get when root; otherwise a clear message says what to install.
// - code-server@4.100.3 from npm into .cache/code-server-4.100.3, with the known pitfalls handled: root needs
//   unsafe-perm, node-pty's build runs `npx node-gyp` (needs npm_config_yes), node-gyp must use the local Node
//   headers (no download), and ripgrep's tarball cache is seeded from Debian's rg.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ROOT, TMP, CODE_SERVER_VERSION, CODE_SERVER_PREFIX, CODE_SERVER_ENTRY, CODE_SERVER_READY, chromiumPath, sandboxEnv,
} from './lib/env.mjs';

export class DependencyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'DependencyError';
  }
}

const log = (msg) => process.stderr.write(`[ensure-deps] ${msg}\n`);

function run(cmd, args, opts = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit', encoding: 'utf8', ...opts });
  if (r.error) throw new DependencyError(`${cmd} could not start: ${r.error.message}`);
  return { ok: r.status === 0, status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, ms: Date.now() - started };
}

/** node_modules for the project itself; `npm ci` when a lockfile exists so CI and users get the same tree. */
export function ensureNodeModules() {
  const req = createRequire(join(ROOT, 'package.json'));
  try {
    req.resolve('playwright-core');
    req.resolve('@vscode/test-electron');
    req.resolve('esbuild');
    return;
  } catch {
    log('node_modules incomplete: running npm install');
  }
  const r = run('npm', ['install', '--no-audit', '--no-fund'], { cwd: ROOT });
  if (!r.ok) throw new DependencyError(`npm install failed (exit ${r.status})`);
}

function dpkgInstalled(pkg) {
  return run('dpkg-query', ['-W', '-f=${Status}', pkg], { quiet: true }).out.includes('install ok installed');
}

/** Debian packages: returns without doing anything when all are present. */
export function ensureAptPackages({ browser = true } = {}) {
  const wanted = [
    ...(browser ? [{ pkg: 'chromium', ok: () => Boolean(chromiumPath()) }, { pkg: 'fonts-liberation', ok: () => dpkgInstalled('fonts-liberation') }] : []),
    { pkg: 'ripgrep', ok: () => existsSync('/usr/bin/rg') },
    { pkg: 'libkrb5-dev', ok: () => dpkgInstalled('libkrb5-dev') },
    { pkg: 'pkg-config', ok: () => existsSync('/usr/bin/pkg-config') },
    { pkg: 'build-essential', ok: () => existsSync('/usr/bin/g++') && existsSync('/usr/bin/make') },
    { pkg: 'python3', ok: () => run('sh', ['-c', 'command -v python3'], { quiet: true }).ok },
  ];
  const missing = wanted.filter((w) => !w.ok()).map((w) => w.pkg);
  if (missing.length === 0) return;
  if (!existsSync('/usr/bin/apt-get')) {
    throw new DependencyError(`missing: ${missing.join(', ')}; install them with your system's package manager (Debian names given).`);
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new DependencyError(
      `missing Debian packages: ${missing.join(' ')}\n  Not root, so not installing them. Run:\n    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const args = ['install', '-y', '--no-install-recommends', ...missing];
  log(`apt-get ${args.join(' ')}`);
  let r = run('apt-get', args, { env, quiet: true });
  if (!r.ok) {
    // A fresh machine may have empty or stale package lists.
    log('apt-get install failed; running apt-get update and retrying');
    run('apt-get', ['update'], { env, quiet: true });
    r = run('apt-get', args, { env, quiet: true });
  }
  if (!r.ok) throw new DependencyError(`apt-get install ${missing.join(' ')} failed:\n${r.out.slice(-2000)}`);
  log(`apt packages installed in ${(r.ms / 1000).toFixed(0)} s`);
}

/** @vscode/ripgrep (a code-server dependency) downloads rg from GitHub in postinstall; give it Debian's instead. */
function seedRipgrepCache() {
  const dir = join(TMP, 'vscode-ripgrep-cache-1.15.11');
  const tarball = join(dir, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (existsSync(tarball)) return;
  mkdirSync(dir, { recursive: true });
  const stage = join(dir, 'stage');
  mkdirSync(stage, { recursive: true });
  copyFileSync('/usr/bin/rg', join(stage, 'rg'));
  chmodSync(join(stage, 'rg'), 0o755);
  const r = run('tar', ['-czf', tarball, '-C', stage, 'rg'], { quiet: true });
  rmSync(stage, { recursive: true, force: true });
  if (!r.ok) throw new DependencyError(`could not seed the ripgrep cache: ${r.out}`);
}

export function codeServerInstalled() {
  return existsSync(CODE_SERVER_READY) && existsSync(CODE_SERVER_ENTRY);
}

export function ensureCodeServer() {
  if (codeServerInstalled()) return;
  if (process.arch !== 'x64' || process.platform !== 'linux') {
    throw new DependencyError(`the harness installs code-server for linux-x64 only (this is ${process.platform}-${process.arch})`);
  }
  seedRipgrepCache();
  mkdirSync(CODE_SERVER_PREFIX, { recursive: true });
  writeFileSync(join(CODE_SERVER_PREFIX, 'package.json'), JSON.stringify({ name: 'latent-harness-code-server', private: true }, null, 2));
  const env = sandboxEnv({
    npm_config_unsafe_perm: 'true',
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    // Build native modules against the installed Node headers instead of downloading them.
    ...(existsSync('/usr/include/node/node.h') ? { npm_config_nodedir: '/usr' } : {}),
  });
  log(`installing code-server@${CODE_SERVER_VERSION} into ${CODE_SERVER_PREFIX} (first run only; a few minutes)`);
  const r = run('npm', ['install', '--no-package-lock', '--omit=dev', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: CODE_SERVER_PREFIX, env, quiet: true, maxBuffer: 256 * 1024 * 1024,
  });
  writeFileSync(join(CODE_SERVER_PREFIX, 'install.log'), r.out);
  if (!r.ok || !existsSync(CODE_SERVER_ENTRY)) {
    throw new DependencyError(`npm install code-server@${CODE_SERVER_VERSION} failed (exit ${r.status}); see ${join(CODE_SERVER_PREFIX, 'install.log')}:\n${r.out.slice(-3000)}`);
  }
  const v = run(process.execPath, [CODE_SERVER_ENTRY, '--version'], { env, quiet: true });
  if (!v.ok || !v.out.includes(CODE_SERVER_VERSION)) {
    throw new DependencyError(`code-server installed but does not run:\n${v.out.slice(-2000)}`);
  }
  writeFileSync(CODE_SERVER_READY, `${new Date().toISOString()}\n${v.out}`);
  log(`code-server ready in ${(r.ms / 1000).toFixed(0)} s`);
}

/** Everything the integration and e2e suites need. */
export function ensureDeps({ browser = true } = {}) {
  ensureNodeModules();
  ensureAptPackages({ browser });
  ensureCodeServer();
  if (browser && !chromiumPath()) throw new DependencyError('chromium is still missing after install');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    ensureDeps({ browser: !process.argv.includes('--no-browser') });
    log(`ok: code-server ${CODE_SERVER_VERSION} at ${CODE_SERVER_ENTRY}; chromium at ${chromiumPath() ?? '(not needed)'}`);
  } catch (e) {
    log(e instanceof DependencyError ? e.message : e.stack);
    process.exit(1);
  }
}
