// What the e2e tests know about sample-workspace/: its two areas of work (a UI under src/ui, a backend under
// src/api and src/store), and the check that the tree ranks the UI area first while app.ts is open.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';

export const BACKEND = ['src/api/routes.ts', 'src/api/server.ts', 'src/store/tasks.ts', 'src/store/persist.ts'];

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
