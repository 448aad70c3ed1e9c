// A folder moved on disk keeps what Latent learned: the store is keyed by the repository (root commit + folder
// inside it), not by the folder's path as VS Code's workspace storage is. Learn from the history of a git
// workspace, stop code-server, move the folder, start code-server again as the same user on the new path: the same
// store folder is used, its model is loaded, and the tree shows recommendations without learning anything again.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CACHE, QUIET_SETTINGS } from './codeServer';
import { gitWorkspace } from './gitRepository';
import { startCodeServer, until, type Session } from './harness';
import { findStoreDir } from './sampleWorkspace';

describe('A workspace moved on disk (code-server + Chromium)', function () {
  this.timeout(240_000);
  let s: Session | undefined;
  const cleanup: string[] = [];
  after(async () => {
    await s?.close();
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  });

  it('keeps its store and model: recommendations show at once on the new path, nothing is learned again', async () => {
    const ws = gitWorkspace(12);
    const profile = mkdtempSync(path.join(CACHE, 'runs', 'profile-'));
    const target = mkdtempSync(path.join(CACHE, 'runs', 'moved-'));
    cleanup.push(ws.root, profile, target);
    const userDataDir = path.join(profile, 'user-data');
    const extensionsDir = path.join(profile, 'extensions');
    const user = { userDataDir, extensionsDir };

    s = await startCodeServer({ workspace: ws.workspace, settings: { 'latent.git.bootstrap': 'always' }, ...user });
    await s.openView();
    await s.waitForNotification(/Learned from 13 of 13 commits/, 60_000);
    await until(async () => (await s!.viewRows()).length > 0, 'rows in the tree', 60_000);
    const storeDir = await until(async () => {
      const dir = findStoreDir(userDataDir);
      return dir && existsSync(path.join(dir, 'model.json')) && dir;
    }, 'a saved model', 60_000);
    assert.match(storeDir, /globalStorage[/\\]latent-dev\.latent[/\\]workspaces[/\\][0-9a-f]{20}[/\\]feedback$/, 'kept by repository identity');
    const rowsBefore = await s.viewRows();
    await s.close();
    s = undefined;

    // Moved, as `mv` would; and from now on never learn from git by itself (only a kept import can fill the tree).
    const moved = path.join(target, 'renamed-project');
    renameSync(ws.workspace, moved);
    const settingsFile = path.join(userDataDir, 'User', 'settings.json');
    writeFileSync(settingsFile, JSON.stringify({ ...QUIET_SETTINGS, 'latent.git.bootstrap': 'never' }, null, 2));
    const imported = statSync(path.join(storeDir, 'git-sessions.json')).mtimeMs;
    const model = statSync(path.join(storeDir, 'model.json')).mtimeMs;

    s = await startCodeServer({ workspace: moved, ...user });
    await s.openView();
    // The tree fills as the view renders: wait for the whole list, then compare.
    const same = (rows: string[]): boolean => JSON.stringify(rows) === JSON.stringify(rowsBefore);
    let rowsAfter: string[] = [];
    await until(async () => same((rowsAfter = await s!.viewRows())), 'the kept model\'s recommendations in the tree', 30_000).catch(() => undefined);
    await s.screenshot('moved-workspace-tree');
    assert.deepEqual(rowsAfter, rowsBefore, 'the same recommendations as before the move');
    assert.equal(findStoreDir(userDataDir), storeDir, 'the same store folder');
    assert.equal(statSync(path.join(storeDir, 'git-sessions.json')).mtimeMs, imported, 'the history was not imported again');
    assert.equal(statSync(path.join(storeDir, 'model.json')).mtimeMs, model, 'the model was loaded, not trained again');
    // The moved folder has workspace storage of its own (VS Code keys it by path), with no store in it.
    const perFolder = path.join(userDataDir, 'User', 'workspaceStorage');
    const folderStores = readdirSync(perFolder).filter((h) => existsSync(path.join(perFolder, h, 'latent-dev.latent', 'feedback')));
    assert.deepEqual(folderStores, []);

    // Reset wipes this repository's store, and keeps another repository's.
    const other = path.join(path.dirname(path.dirname(storeDir)), '0123456789abcdef0123', 'feedback');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'model.json'), '{}');
    await s.runCommand('Latent: Reset All Data');
    const confirm = s.dialogButton('Reset');
    await confirm.waitFor({ state: 'visible' });
    assert.match(await s.page.locator('.monaco-dialog-box').innerText(), /other workspaces is kept/);
    await confirm.click();
    await s.waitForNotification(/all data of this workspace has been reset/);
    // All that is left of this repository's store is the marker that tells other windows of the Reset.
    assert.deepEqual(readdirSync(path.dirname(storeDir)), ['feedback'], "this repository's store is gone");
    assert.deepEqual(readdirSync(storeDir), ['reset.json']);
    assert.ok(existsSync(path.join(other, 'model.json')), "another repository's store is kept");
  });
});
