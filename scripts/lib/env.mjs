// Shared paths and environment for the harness scripts (ensure-deps, start, test-all, the code-server shim).
// Everything code-server and Chromium write (HOME, TMPDIR, user data, extensions) stays inside the
// git-ignored .cache/ folder so a run never touches the developer's own VS Code or browser profile.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE = join(ROOT, '.cache');
export const OUTPUT = join(ROOT, '.test-output');
export const SCREENSHOTS = join(OUTPUT, 'screenshots');

// 4.100.3 is the newest code-server (VS Code 1.100.3) whose engines.node accepts Node 20.
export const CODE_SERVER_VERSION = '4.100.3';
export const CODE_SERVER_PREFIX = join(CACHE, `code-server-${CODE_SERVER_VERSION}`);
export const CODE_SERVER_ENTRY = join(CODE_SERVER_PREFIX, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CODE_SERVER_READY = join(CODE_SERVER_PREFIX, '.installed');

export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
export const HOME = join(CACHE, 'home');
export const TMP = join(CACHE, 'tmp');

export function chromiumPath() {
  if (process.env.LATENT_CHROMIUM && existsSync(process.env.LATENT_CHROMIUM)) return process.env.LATENT_CHROMIUM;
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p));
}

/** Environment for code-server, Chromium and their installs: HOME and TMPDIR inside .cache. */
export function sandboxEnv(extra = {}) {
  for (const d of [HOME, TMP]) mkdirSync(d, { recursive: true });
  const env = { ...process.env, HOME, TMPDIR: TMP, XDG_CONFIG_HOME: join(HOME, '.config'), XDG_DATA_HOME: join(HOME, '.local', 'share'), ...extra };
  // These leak from a parent VS Code / extension host and would confuse a nested one.
  for (const k of Object.keys(env)) {
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  }
  return env;
}
