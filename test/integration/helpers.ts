/**
 * Helpers for integration tests (they run inside the real extension host; see index.ts).
 * - `activateLatent()`: activates the extension under development and returns its API (what activate() returned).
 * - `workspaceRoot()`: the folder the test window opened (a fresh copy of sample-workspace/ per run).
 * - `waitFor(check, what, timeoutMs)`: polls until check() is truthy; for effects that land asynchronously.
 * - `storedText(dir)`: the text of every file in a store folder but the markers for other windows (what was recorded
 *   or learned).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DISMISSALS_MARKER, RESET_MARKER } from '../../src/feedback/store/layout';
import type { LatentApi } from '../../src/extension';

export const EXTENSION_ID = 'latent-dev.latent';

export async function activateLatent(): Promise<LatentApi> {
  const ext = vscode.extensions.getExtension<LatentApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the integration tests expect a workspace folder to be open');
  return folder.uri;
}

export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Every file of a store folder but the markers (each a time and a window id, no recorded data), joined; '' if none. */
export function storedText(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  return fs
    .readdirSync(dir)
    .filter((n) => n !== RESET_MARKER && n !== DISMISSALS_MARKER && fs.statSync(path.join(dir, n)).isFile())
    .map((n) => fs.readFileSync(path.join(dir, n), 'utf8'))
    .join('\n');
}
