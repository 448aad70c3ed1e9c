import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { CONTEXT_KEYS } from '../../src/commands';
import { activateLatent, exists, workspaceRoot, EXTENSION_ID } from './helpers';

describe('extension shell (real VS Code)', () => {
  it('activates and exposes its API with the manifest version', async () => {
    const api = await activateLatent();
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { version: string };
    assert.equal(api.version, pkg.version);
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
  });

  it('opened the sample workspace', async () => {
    assert.ok(await exists(vscode.Uri.joinPath(workspaceRoot(), 'package.json')));
  });

  it('registers every contributed command', async () => {
    await activateLatent();
    const all = new Set(await vscode.commands.getCommands(true));
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { commands: { command: string }[] } };
    const contributed = pkg.contributes.commands.map((c) => c.command);
    assert.ok(contributed.length >= 8);
    for (const id of contributed) assert.ok(all.has(id), `${id} not registered`);
  });

  it('reads its configuration defaults', () => {
    const cfg = vscode.workspace.getConfiguration('latent');
    assert.equal(cfg.get('enabled'), true);
    assert.equal(cfg.get('sessionGapMinutes'), 30);
    assert.equal(cfg.get('git.bootstrap'), 'ask');
    assert.ok((cfg.get<string[]>('exclude') ?? []).includes('**/.env*'));
  });

  it('pause and resume toggle tracking', async () => {
    const api = await activateLatent();
    await vscode.commands.executeCommand('latent.pause');
    assert.equal(api.isPaused(), true);
    await vscode.commands.executeCommand('latent.resume');
    assert.equal(api.isPaused(), false);
  });

  it('reset clears global state, workspace state and storage folders, but not other workspaces\' stores', async () => {
    const api = await activateLatent();
    const { globalState, workspaceState, storageUri, globalStorageUri } = api.storage;
    assert.ok(storageUri, 'a workspace is open, so there is workspace storage');
    await globalState.update('latent.test.g', 1);
    await workspaceState.update('latent.test.w', 2);
    for (const dir of [storageUri, globalStorageUri]) {
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, 'probe.txt'), new TextEncoder().encode('x'));
      assert.ok(await exists(vscode.Uri.joinPath(dir, 'probe.txt')));
    }
    // Another repository's store (globalStorage/workspaces/<key>): what was learned there survives this workspace's Reset.
    const otherWorkspace = vscode.Uri.joinPath(globalStorageUri, 'workspaces', '0123456789abcdef0123');
    const otherProbe = vscode.Uri.joinPath(otherWorkspace, 'feedback', 'probe.txt');
    await vscode.workspace.fs.writeFile(otherProbe, new TextEncoder().encode('x'));
    const cleared = await vscode.commands.executeCommand<boolean>('latent.reset', { skipConfirmation: true });
    assert.equal(cleared, true);
    assert.ok(await exists(otherProbe), "other workspaces' stores are kept");
    await vscode.workspace.fs.delete(otherWorkspace, { recursive: true });
    assert.equal(globalState.get('latent.test.g'), undefined);
    assert.equal(workspaceState.get('latent.test.w'), undefined);
    assert.deepEqual([...globalState.keys(), ...workspaceState.keys()].filter((k) => k.startsWith('latent.')), []);
    for (const dir of [storageUri, globalStorageUri]) assert.equal(await exists(vscode.Uri.joinPath(dir, 'probe.txt')), false);
  });

  it('a pause outlives Reset: what the UI says, what is stored and what the tracker does agree', async () => {
    const api = await activateLatent();
    assert.ok(api.pipeline);
    await vscode.commands.executeCommand('latent.pause');
    assert.equal(await vscode.commands.executeCommand<boolean>('latent.reset', { skipConfirmation: true }), true);
    try {
      assert.equal(api.isPaused(), true, 'still paused in workspace state');
      assert.equal(api.contextKey(CONTEXT_KEYS.paused), true, 'the view still offers Resume');
      assert.equal(api.pipeline.tracker.recording, false, 'and nothing is recorded');
    } finally {
      await vscode.commands.executeCommand('latent.resume');
    }
    assert.equal(api.pipeline.tracker.recording, true);
    assert.equal(api.contextKey(CONTEXT_KEYS.paused), false);
  });
});
