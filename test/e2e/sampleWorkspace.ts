// What the e2e tests know about sample-workspace/: its two areas of work (a UI under src/ui, a backend under
// src/api and src/store), a journal of past sessions in them, where Latent keeps it, and the check that the tree
// ranks the UI area first while app.ts is open.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { until, type Session } from './harness';

export const UI = ['src/ui/app.ts', 'src/ui/list.ts', 'src/ui/theme.ts'];
export const BACKEND = ['src/api/routes.ts', 'src/api/server.ts', 'src/store/tasks.ts', 'src/store/persist.ts'];

/**
 * The extension's feedback folder inside code-server's user data (created on activation): the repository identity
 * store (globalStorage/.../workspaces/<key>/feedback) for a folder in a git repository, else the per-folder one
 * (workspaceStorage/<hash>/.../feedback). The first found; a test's user data holds one workspace.
 */
export function findStoreDir(userDataDir: string): string | undefined {
  const identities = path.join(userDataDir, 'User', 'globalStorage', 'latent-dev.latent', 'workspaces');
  for (const key of existsSync(identities) ? readdirSync(identities) : []) {
    const dir = path.join(identities, key, 'feedback');
    if (existsSync(dir)) return dir;
  }
  const root = path.join(userDataDir, 'User', 'workspaceStorage');
  if (!existsSync(root)) return undefined;
  for (const ws of readdirSync(root)) {
    const dir = path.join(root, ws, 'latent-dev.latent', 'feedback');
    if (existsSync(dir)) return dir;
  }
  return undefined;
}

/** Events this window recorded (its journals; the history written by the test is left out). */
export function journalEvents(storeDir: string): { t: number; item: string; kind: string }[] {
  return readdirSync(storeDir)
    .filter((n) => n.startsWith('journal-') && n.endsWith('.jsonl') && !n.includes('e2ehistory'))
    .flatMap((n) => readFileSync(path.join(storeDir, n), 'utf8').split('\n'))
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as { t: number; item: string; kind: string });
}

/** Journal lines of past sessions two hours apart, alternating UI work and backend work (three files each). */
export function history(sessions: number): string {
  const lines: string[] = [];
  const now = Date.now();
  for (let s = 0; s < sessions; s++) {
    const files = s % 2 ? BACKEND : UI;
    const t0 = now - (sessions - s + 1) * 2 * 3600_000;
    for (let j = 0; j < 3; j++) {
      const item = `file:${files[(s + j) % files.length]}`;
      const t = t0 + j * 60_000;
      lines.push(JSON.stringify({ t, item, kind: 'open', amount: 1 }));
      lines.push(JSON.stringify({ t: t + 1000, item, kind: 'dwell', amount: 45 }));
      lines.push(JSON.stringify({ t: t + 2000, item, kind: 'edit', amount: 1 }));
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * `rows` are the Latent view's rows ("Files", then "label folder" per file). With app.ts open: app.ts is left out,
 * and the UI files that go with it (list.ts, theme.ts) rank above every backend file.
 */
export function assertUiAreaFirst(rows: readonly string[]): void {
  assert.equal(rows[0], 'Files');
  const files = rows.slice(1);
  const pos = (name: string): number => {
    const i = files.findIndex((t) => t.startsWith(name));
    return i < 0 ? Infinity : i;
  };
  assert.equal(pos('app.ts'), Infinity, `the open file is left out: ${rows.join(' | ')}`);
  const ui = Math.max(pos('list.ts'), pos('theme.ts'));
  const backend = Math.min(...BACKEND.map((f) => pos(path.basename(f))));
  assert.ok(ui < backend, `UI files that go with app.ts come first: ${rows.join(' | ')}`);
}

/**
 * A user with a past: an earlier window's journal of 24 sessions in the store, app.ts open, Retrain from the palette.
 * Resolves with the store folder and the Latent view's rows once `expected` is among them.
 */
export async function retrainedOnHistory(s: Session, expected = 'list.ts'): Promise<{ storeDir: string; rows: string[] }> {
  await s.openView();
  await s.waitForWelcome(/Nothing has been learned here yet/);
  const storeDir = await until(async () => findStoreDir(s.server.userDataDir), 'the feedback store folder');
  // An earlier window's journal: the store reads every window's journal.
  writeFileSync(path.join(storeDir, 'journal-e2ehistory-0.jsonl'), history(24));
  // Scripted use in this window: work on the app shell.
  await s.openFile('src/ui/app.ts');
  await s.runCommand('Latent: Retrain Model');
  const rows = await until(
    async () => {
      const r = await s.viewRows();
      return r.some((t) => t.startsWith(expected)) && r;
    },
    `${expected} among the recommendations`,
    60_000,
  );
  return { storeDir, rows };
}
