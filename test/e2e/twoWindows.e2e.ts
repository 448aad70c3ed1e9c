// Two windows on one store: the store is kept per repository (its root commit and folder), so two copies of a
// repository open at once share it, as do two code-server tabs on one repository folder (each window its own
// extension host). Reset in one must not leave the other showing, or able to save again, what was deleted.
import * as assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { gitWorkspace } from './gitRepository';
import { startCodeServer, until, type Session } from './harness';
import { findStoreDir } from './sampleWorkspace';

describe('Two windows on one repository (code-server + Chromium)', function () {
  this.timeout(180_000);
  let a: Session | undefined;
  let b: Session | undefined;
  let root = '';
  after(async () => {
    await b?.close();
    await a?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('Not Interested in one window leaves the other\'s recommendations within seconds; Reset there empties them and says why', async () => {
    const ws = gitWorkspace(24);
    root = ws.root;
    const first = (a = await startCodeServer({ workspace: ws.workspace, settings: { 'latent.git.bootstrap': 'never' } }));
    await first.openView();
    await first.openFile('src/ui/app.ts');
    await first.runCommand('Latent: Learn from Git History');
    await until(async () => (await first.viewRows()).some((t) => t.startsWith('list.ts')), 'recommendations in the first window', 60_000);
    const storeDir = findStoreDir(first.server.userDataDir);
    assert.ok(storeDir && storeDir.includes(`${path.sep}workspaces${path.sep}`), `the store is the repository's: ${storeDir}`);

    // The second window reads what the first learned, and recommends from it for its own work.
    const other = (b = await first.openAnotherWindow());
    await other.openView();
    await other.openFile('src/ui/app.ts');
    await until(async () => (await other.viewRows()).some((t) => t.startsWith('list.ts')), 'recommendations in the second window', 30_000);

    // Not Interested on list.ts in the first window: the second stops recommending it too.
    await first.page.bringToFront();
    const row = first.page.locator('.part.sidebar .monaco-list-row', { hasText: 'list.ts' }).first();
    await row.hover();
    await row.locator('.action-label[aria-label="Not Interested"]').click();
    await until(async () => !(await first.viewRows()).some((t) => t.startsWith('list.ts')), 'list.ts to leave the first window', 10_000);
    await other.page.bringToFront();
    await until(async () => !(await other.viewRows()).some((t) => t.startsWith('list.ts')), 'list.ts to leave the second window', 15_000);
    assert.ok((await other.viewRows()).length > 1, 'the rest stays');

    await first.page.bringToFront();
    await first.runCommand('Latent: Reset All Data');
    await first.dialogButton('Reset').click();
    await first.waitForNotification(/all data of this workspace has been reset/);
    assert.equal(existsSync(path.join(storeDir, 'model.json')), false);

    await other.page.bringToFront();
    assert.match(await other.waitForNotification(/Reset in another window/, 20_000), /this window has forgotten it too/);
    await until(async () => (await other.viewRows()).length === 0, 'the second window\'s recommendations to go', 10_000);
    await other.screenshot('two-windows-reset-elsewhere');
    // Nothing the second window held comes back into the wiped store.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(existsSync(path.join(storeDir, 'model.json')), false);
    assert.equal(existsSync(path.join(storeDir, 'git-sessions.json')), false);
  });
});
