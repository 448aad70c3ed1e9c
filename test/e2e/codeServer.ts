/**
 * Low-level launcher shared by the e2e harness (harness.ts), the @vscode/test-electron shim
 * (scripts/code-server-shim.mjs) and `npm start`: starts code-server (a real VS Code 1.100 with a real Node
 * extension host) and headless Debian Chromium, and makes sure neither outlives the process.
 *
 *   const server = await startServer({ workspace, extensionDevelopmentPath: [root], settings });
 *   const browser = await launchBrowser();
 *   ... server.url ...
 *   await browser.close(); await server.stop();
 *
 * code-server and Chromium run with HOME/TMPDIR inside .cache/ (never the developer's profile). Each server gets a
 * fresh user-data and extensions folder under .cache/runs/ unless given one. Call ensure-deps first
 * (scripts/ensure-deps.mjs; `npm test` and `npm start` do).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';

export const ROOT = findRoot(__dirname);
export const CACHE = path.join(ROOT, '.cache');
export const CODE_SERVER_VERSION = '4.100.3';
export const CODE_SERVER_ENTRY = path.join(CACHE, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const SCREENSHOTS = path.join(ROOT, '.test-output', 'screenshots');

/** Thrown when the harness cannot run (dependency missing, server not ready in time). */
export class HarnessError extends Error {
  override name = 'HarnessError';
}

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json')) || !readFileSync(path.join(dir, 'package.json'), 'utf8').includes('"name": "latent"')) {
    const up = path.dirname(dir);
    if (up === dir) throw new HarnessError(`cannot find the Latent repository above ${from}`);
    dir = up;
  }
  return dir;
}

/** HOME/TMPDIR inside .cache; strips variables a parent VS Code would leak into a nested one. */
export function sandboxEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = path.join(CACHE, 'home');
  const tmp = path.join(CACHE, 'tmp');
  for (const d of [home, tmp]) mkdirSync(d, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    TMPDIR: tmp,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    // Test workspaces live under .cache/runs inside this repository's own clone: without a ceiling, git (VS Code's
    // and Latent's git bootstrap) finds the project's repo above them and offers to learn from its history mid-test.
    GIT_CEILING_DIRECTORIES: path.join(CACHE, 'runs'),
    ...extra,
  };
  for (const k of Object.keys(env)) {
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  }
  return env;
}

// ---- process-group bookkeeping: nothing we start may outlive us ----
const liveGroups = new Set<number>();
let exitHooksInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      // Give code-server a moment to flush state (extension storage), then make sure nothing is left.
      for (const pid of liveGroups) killGroup(pid, 'SIGTERM');
      setTimeout(() => {
        for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
        process.exit(130);
      }, 1500);
    });
  }
}

/** Spawns a detached process group that is killed on exit/signals of this process. */
export function spawnGroup(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; onOutput?: (text: string) => void }): ChildProcess {
  installExitHooks();
  const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid) liveGroups.add(child.pid);
  child.once('exit', () => {
    if (child.pid) liveGroups.delete(child.pid);
  });
  const out = opts.onOutput ?? (() => undefined);
  child.stdout?.on('data', (d: Buffer) => out(d.toString()));
  child.stderr?.on('data', (d: Buffer) => out(d.toString()));
  return child;
}

/** Sends SIGTERM to the group, then SIGKILL if it has not gone after graceMs. */
export async function stopGroup(child: ChildProcess, graceMs = 3000): Promise<void> {
  const pid = child.pid;
  if (!pid) return;
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(pid, 'SIGKILL'); // the leader is gone; children may not be
    liveGroups.delete(pid);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(pid, 'SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs));
  if ((await Promise.race([exited, timer])) === 'timeout') killGroup(pid, 'SIGKILL');
  killGroup(pid, 'SIGKILL'); // grandchildren (extension host, file watcher) in the same group
  liveGroups.delete(pid);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(0);
    });
  });
}

export interface ServerOptions {
  /** Folder to open, or a `.code-workspace` file (a multi-root workspace); default: none (empty window). */
  workspace?: string;
  /** Extension folders loaded as installed extensions (symlinked into the extensions dir). Default: none. */
  installExtensions?: string[];
  /** Packaged extensions (.vsix) installed into the extensions dir before launch (see installVsix). Default: none. */
  installVsix?: string[];
  /** User settings merged over quiet defaults into settings.json (only when the user data dir has none yet). */
  settings?: Record<string, unknown>;
  /** Reuse a user data dir (default: fresh under .cache/runs). */
  userDataDir?: string;
  extensionsDir?: string;
  /** Extra environment for code-server and so for the extension host. */
  env?: NodeJS.ProcessEnv;
  port?: number;
  /** Receives code-server's output; default: kept in memory (server.output()). */
  onOutput?: (text: string) => void;
  readyTimeoutMs?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** Workbench URL, opening the workspace (if any) plus optional query parameters (e.g. a test payload). */
  workbenchUrl(query?: Record<string, string>): string;
  /** Resolves with code-server's exit code when it stops (for whatever reason). */
  readonly exited: Promise<number | null>;
  /** Everything code-server printed so far (when no onOutput was given). */
  output(): string;
  stop(): Promise<void>;
}

/** Settings that keep the workbench quiet and deterministic for tests and screenshots. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  // VS Code's own git extension is not under test, and its background `git check-ignore` dies with an uncaught
  // EPIPE when a test removes the .git it created; mocha inside the extension host then fails whatever test runs.
  // Latent runs git itself (child_process), so the cold-start tests do not need it.
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
  'workbench.colorTheme': 'Default Dark Modern',
};

function extensionFolderName(extPath: string): string {
  const pkg = JSON.parse(readFileSync(path.join(extPath, 'package.json'), 'utf8')) as { publisher?: string; name?: string; version?: string };
  return `${pkg.publisher ?? 'undefined_publisher'}.${pkg.name ?? 'ext'}-${pkg.version ?? '0.0.0'}`;
}

const execFileAsync = promisify(execFile);

/**
 * Installs a .vsix into an extensions dir the way VS Code lays it out: its `extension/` folder becomes
 * `DIR/<publisher>.<name>-<version>/`, which code-server scans at startup. Unpacked with `unzip` (0.05-0.2 s here;
 * `code-server --install-extension` takes 3.3-4.5 s per server on these machines, most of it starting code-server),
 * falling back to `code-server --install-extension` when unzip is not installed.
 */
export async function installVsix(vsix: string, extensionsDir: string, userDataDir: string): Promise<void> {
  if (!existsSync(vsix)) throw new HarnessError(`${vsix} does not exist; build it with: npm run package`);
  const stage = mkdtempSync(path.join(extensionsDir, '.vsix-'));
  try {
    try {
      await execFileAsync('unzip', ['-q', '-o', vsix, 'extension/*', '-d', stage]);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new HarnessError(`could not unpack ${vsix}: ${(e as Error).message}`);
      const args = [CODE_SERVER_ENTRY, '--install-extension', vsix, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir];
      const { stdout } = await execFileAsync(process.execPath, args, { env: sandboxEnv() });
      if (!/was successfully installed/.test(stdout)) throw new HarnessError(`code-server --install-extension ${vsix} did not install it:\n${stdout}`);
      return;
    }
    const unpacked = path.join(stage, 'extension');
    if (!existsSync(path.join(unpacked, 'package.json'))) throw new HarnessError(`${vsix} has no extension/package.json: not a VS Code extension package`);
    const dest = path.join(extensionsDir, extensionFolderName(unpacked));
    rmSync(dest, { recursive: true, force: true });
    renameSync(unpacked, dest);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  if (!existsSync(CODE_SERVER_ENTRY)) {
    throw new HarnessError(`code-server ${CODE_SERVER_VERSION} is not installed; run: node scripts/ensure-deps.mjs`);
  }
  const runs = path.join(CACHE, 'runs');
  mkdirSync(runs, { recursive: true });
  const runDir = mkdtempSync(path.join(runs, 'cs-'));
  const userDataDir = opts.userDataDir ?? path.join(runDir, 'user-data');
  const extensionsDir = opts.extensionsDir ?? path.join(runDir, 'extensions');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  // A reused user data dir keeps the settings its user made; fresh ones start quiet.
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  if (!existsSync(settingsFile)) writeFileSync(settingsFile, JSON.stringify({ ...QUIET_SETTINGS, ...opts.settings }, null, 2));
  for (const ext of opts.installExtensions ?? []) {
    const link = path.join(extensionsDir, extensionFolderName(ext));
    if (!existsSync(link)) symlinkSync(path.resolve(ext), link, 'dir');
  }
  for (const vsix of opts.installVsix ?? []) await installVsix(vsix, extensionsDir, userDataDir);

  const port = opts.port ?? (await freePort());
  let buffer = '';
  const onOutput = opts.onOutput ?? ((t: string) => {
    buffer = (buffer + t).slice(-200_000);
  });
  const args = [
    CODE_SERVER_ENTRY,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
  ];
  const child = spawnGroup(process.execPath, args, { env: sandboxEnv(opts.env), cwd: ROOT, onOutput });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while ((await httpStatus(`${url}/healthz`)) !== 200) {
    if (child.exitCode !== null) throw new HarnessError(`code-server exited with ${child.exitCode} before it was ready:\n${buffer.slice(-3000)}`);
    if (Date.now() > deadline) {
      await stopGroup(child);
      throw new HarnessError(`code-server not ready on ${url} in time:\n${buffer.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }

  return {
    url,
    port,
    userDataDir,
    extensionsDir,
    workbenchUrl(query = {}) {
      const params = new URLSearchParams();
      // VS Code's web workbench opens ?folder=<dir> or ?workspace=<file.code-workspace>.
      if (opts.workspace) params.set(opts.workspace.endsWith('.code-workspace') ? 'workspace' : 'folder', path.resolve(opts.workspace));
      for (const [k, v] of Object.entries(query)) params.set(k, v);
      const qs = params.toString();
      return qs ? `${url}/?${qs}` : `${url}/`;
    },
    exited,
    output: () => buffer,
    async stop() {
      await stopGroup(child);
      if (!opts.userDataDir && !opts.extensionsDir) rmSync(runDir, { recursive: true, force: true });
    },
  };
}

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function chromiumPath(): string {
  const fromEnv = process.env.LATENT_CHROMIUM;
  const found = [fromEnv, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
  if (!found) throw new HarnessError('Chromium not found (looked at /usr/bin/chromium); run: node scripts/ensure-deps.mjs');
  return found;
}

/** Headless Debian Chromium through playwright-core (no browser download). HOME is the sandbox's. */
export async function launchBrowser(opts: { headless?: boolean } = {}): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: opts.headless ?? true,
    args: CHROMIUM_FLAGS,
    env: sandboxEnv() as Record<string, string>,
    timeout: 60_000,
  });
}
