// The recommendation pipeline inside the real extension host: recorded sessions -> Retrain (worker thread) ->
// live ranking with the current session folded in -> Not interested -> a killed worker -> Reset.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { LatentApi } from '../../src/extension';
import { activateLatent, storedText, waitFor, workspaceRoot } from './helpers';

const DIR = 'latent-pipeline-it';
const AREA_A = ['a/one.ts', 'a/two.ts', 'a/three.ts', 'a/four.ts'];
const AREA_B = ['b/x.ts', 'b/y.ts', 'b/z.ts', 'b/w.ts'];
const key = (rel: string) => `file:${DIR}/${rel}`;
/** A folder no test renames, made with the others before the suite: where the terminal-mv test moves a file. */
const STILL = 'c/keep.ts';

type Pipeline = NonNullable<LatentApi['pipeline']>;

async function show(rel: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(workspaceRoot(), DIR, rel));
  await vscode.window.showTextDocument(doc, { preview: false });
}

/**
 * Past working sessions, two hours apart: even ones work in area A, odd ones in area B, each touching three of
 * the four files (opened, read for a controlled time, edited), so co-use is the only thing that links them.
 */
function recordHistory(p: Pipeline, sessions: number, area: (s: number) => string[] = (s) => (s % 2 ? AREA_B : AREA_A)): void {
  const now = Date.now();
  for (let s = 0; s < sessions; s++) {
    const files = area(s);
    const t0 = now - (sessions - s + 1) * 2 * 3600_000;
    for (let j = 0; j < 3; j++) {
      const item = key(files[(s + j) % files.length]);
      const t = t0 + j * 60_000;
      p.tracker.record({ t, item, kind: 'open', amount: 1 });
      p.tracker.record({ t: t + 1000, item, kind: 'dwell', amount: 40 + 10 * j });
      p.tracker.record({ t: t + 2000, item, kind: 'edit', amount: 1 });
    }
  }
}

describe('recommendation pipeline (real VS Code)', function () {
  this.timeout(120_000);
  let api: LatentApi;
  let p: Pipeline;
  /** The folder the VS Code rename test renamed and put back (the file watcher may miss changes in it afterwards). */
  let renamedFolder = '';

  before(async () => {
    for (const rel of [...AREA_A, ...AREA_B, STILL]) {
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(workspaceRoot(), DIR, rel), Buffer.from(`// ${rel}\n`, 'utf8'));
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    api = await activateLatent();
    assert.ok(api.pipeline, 'the pipeline is wired when a folder is open');
    p = api.pipeline;
    await p.ready;
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspaceRoot(), DIR), { recursive: true, useTrash: false });
  });

  it('Retrain learns from recorded sessions: with a.one open, the files used with it rise above area B', async () => {
    // Earlier suites worked in this window; the tracker adds late (past) events to the open session, so close it
    // first: the history must stay history, and the live context is what happens next.
    p.tracker.clearSession();
    recordHistory(p, 24);
    await show('a/one.ts');
    await waitFor(() => p.tracker.currentSession().some((c) => c.item === key('a/one.ts')), 'the open to reach the session');
    const runsBefore = p.trainingState.runs;
    await p.retrain();
    assert.equal(p.trainingState.state, 'idle', p.trainingState.message);
    assert.ok(p.trainingState.runs > runsBefore);
    assert.equal(p.trainingState.lastMode, 'worker', 'trained in the worker thread');
    const ranked = p.recommendations().map((r) => r.item);
    assert.ok(!ranked.includes(key('a/one.ts')), 'the open file is left out');
    const pos = (rel: string) => {
      const i = ranked.indexOf(key(rel));
      return i < 0 ? Number.POSITIVE_INFINITY : i;
    };
    const worstA = Math.max(...AREA_A.slice(1).map(pos));
    const bestB = Math.min(...AREA_B.map(pos));
    assert.ok(worstA < bestB, `area A files should rank above area B: ${ranked.join(', ')}`);
    // The model was persisted.
    await p.flush();
    assert.match(storedText(p.storeDir()), /latent/i);
    assert.ok(fs.existsSync(`${p.storeDir()}/model.json`));
  });

  it('Show Recorded Data shows, rendered and read-only, what the store holds: the recorded sessions, their files, the model', async () => {
    await p.flush();
    const md = await vscode.commands.executeCommand<string>('latent.showRecordedData');
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'latent-recorded');
    assert.ok(doc, 'a virtual document, nothing written to disk');
    assert.equal(doc.getText(), md);
    assert.equal(doc.isDirty, false);
    await waitFor(() => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.label.includes('Latent recorded data'))), 'its rendered preview');
    // 24 recorded sessions of 9 events each (and whatever earlier suites recorded in this window).
    const events = Number(/^([\d,]+) events from/m.exec(md)?.[1].replace(/,/g, ''));
    assert.ok(events >= 24 * 9, md.slice(0, 400));
    const sessions = Number(/: ([\d,]+) working sessions? /.exec(md)?.[1].replace(/,/g, ''));
    assert.ok(sessions >= 24, `sessions: ${sessions}`);
    for (const rel of [...AREA_A, ...AREA_B]) assert.ok(md.includes(`| ${DIR}/${rel} |`), `${rel} listed`);
    const model = p.recommendations().length > 0 ? /Trained on [\d,]+ interactions/ : /No model yet/;
    assert.match(md, model);
    assert.match(md, /Recording is on\./);
    for (const g of vscode.window.tabGroups.all) await vscode.window.tabGroups.close(g.tabs.filter((t) => t.label.includes('Latent recorded data')));
  });

  it('an automatic retrain updates the model the Retrain command made, shows in the status bar, and the output says which kind ran', async () => {
    // History enough that a few new events are far below the quarter of growth that calls for a full fit (the
    // earlier suites of this window may have left little), in the same two areas as the first test's.
    recordHistory(p, 40);
    await p.retrain();
    const full = JSON.parse(fs.readFileSync(`${p.storeDir()}/model.json`, 'utf8')) as { lineage?: { updates: number } };
    assert.equal(full.lineage?.updates, 0, 'the Retrain command fits from scratch');
    assert.equal(p.trainingState.progressShown, 'notification', 'asked for: progress with Cancel in a notification');
    // New work after the model's newest interaction: what an update learns from. Never dated in the future: the
    // tests after this one order deletes and renames against recorded times.
    await new Promise((r) => setTimeout(r, 1100));
    AREA_A.forEach((rel) => p.tracker.record({ t: Date.now(), item: key(rel), kind: 'open', amount: 1 }));
    await p.flush();
    await p.autoRetrain();
    assert.equal(p.trainingState.state, 'idle', p.trainingState.message);
    assert.equal(p.trainingState.lastRetrain?.kind, 'update', `an update, not a full fit: ${p.trainingState.lastRetrain?.reason ?? '?'}`);
    assert.match(p.trainingState.message, /^Updated on /);
    assert.equal(p.trainingState.progressShown, 'status bar', 'background work: no notification');
    const updated = JSON.parse(fs.readFileSync(`${p.storeDir()}/model.json`, 'utf8')) as { lineage?: { updates: number } };
    assert.equal(updated.lineage?.updates, 1);
    assert.ok(p.recommendations().some((r) => r.item.startsWith(`file:${DIR}/a/`)), 'area A is still recommended');
  });

  it('a new signal re-ranks live without retraining, leaving out the newly opened file', async () => {
    const runs = p.trainingState.runs;
    const target = p.recommendations().find((r) => r.item.startsWith(`file:${DIR}/a/`));
    assert.ok(target, 'an area A file is recommended');
    await show(target.item.slice(`file:${DIR}/`.length));
    await waitFor(() => !p.recommendations().some((r) => r.item === target.item), 'the opened file to leave the ranking', 2000);
    assert.equal(p.trainingState.runs, runs, 'no retraining happened');
    assert.ok(p.recommendations().length > 0);
  });

  it('Not interested removes the item at once and remembers it as a dismiss event', async () => {
    const victim = p.recommendations()[0].item;
    await vscode.commands.executeCommand('latent.notInterested', victim);
    assert.ok(!p.recommendations().some((r) => r.item === victim));
    await p.flush();
    const lines = storedText(p.storeDir()).split('\n').filter((l) => l.includes('"dismiss"'));
    assert.ok(lines.some((l) => l.includes(victim)), 'dismissal stored');
    await p.retrain();
    assert.ok(!p.recommendations().some((r) => r.item === victim), 'still excluded after retraining');
  });

  it('Restore takes a dismissal back: ranked again at once, and after the store is read again', async () => {
    const victim = p.recommendations()[0].item;
    await vscode.commands.executeCommand('latent.notInterested', victim);
    assert.ok(!p.recommendations().some((r) => r.item === victim));
    assert.deepEqual(await vscode.commands.executeCommand<string[]>('latent.restoreDismissed', victim), [victim]);
    await waitFor(() => p.recommendations().some((r) => r.item === victim), 'the restored item to be ranked again', 2000);
    // A retrain reads the dismissals back from the store: the newest of the item's two events decides.
    await p.flush();
    await p.retrain();
    assert.ok(p.recommendations().some((r) => r.item === victim), 'still ranked after the store was read again');
    assert.deepEqual(await vscode.commands.executeCommand<string[]>('latent.restoreDismissed', victim), [], 'nothing to restore twice');
  });

  it('the view says above its recommendations when nothing is recorded: paused, or latent.enabled off', async () => {
    assert.ok(p.recommendations().length > 0);
    assert.equal(p.viewMessage(), undefined);
    await vscode.commands.executeCommand('latent.pause');
    try {
      assert.match(p.viewMessage() ?? '', /^Tracking is paused: nothing you do here is recorded/);
    } finally {
      await vscode.commands.executeCommand('latent.resume');
    }
    assert.equal(p.viewMessage(), undefined);
    const cfg = vscode.workspace.getConfiguration('latent');
    await cfg.update('enabled', false, vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor(() => /^Recording is off/.test(p.viewMessage() ?? ''), 'the note that recording is off', 5000);
      assert.equal(p.tracker.recording, false);
    } finally {
      await cfg.update('enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor(() => p.viewMessage() === undefined, 'the note to go', 5000);
  });

  it('latent.recommendKinds leaves a kind out of the recommendations at once, and back in when it is named again', async () => {
    const cfg = vscode.workspace.getConfiguration('latent');
    assert.ok(p.recommendations().some((r) => r.item.startsWith('file:')), 'files are recommended');
    await cfg.update('recommendKinds', ['snippets', 'extensions'], vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor(() => !p.recommendations().some((r) => r.item.startsWith('file:')), 'files to leave the recommendations', 5000);
    } finally {
      await cfg.update('recommendKinds', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor(() => p.recommendations().some((r) => r.item.startsWith('file:')), 'files to come back', 5000);
  });

  it('a pattern added to latent.exclude takes its files out of the recommendations at once, without forgetting them', async () => {
    const cfg = vscode.workspace.getConfiguration('latent');
    const inA = (r: { item: string }): boolean => r.item.startsWith(`file:${DIR}/a/`);
    assert.ok(p.recommendations().some(inA), `area A is recommended: ${p.recommendations().map((r) => r.item).join(', ')}`);
    const runs = p.trainingState.runs;
    await cfg.update('exclude', [...(cfg.inspect<string[]>('exclude')?.defaultValue ?? []), `${DIR}/a/**`], vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor(() => !p.recommendations().some(inA), 'the excluded folder to leave the recommendations', 5000);
      assert.equal(p.trainingState.runs, runs, 'without retraining');
    } finally {
      await cfg.update('exclude', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor(() => p.recommendations().some(inA), 'area A to come back once the pattern is gone', 5000);
  });

  it('Open to the Side opens a recommended file beside the active editor', async () => {
    await show(AREA_A[0]);
    const rec = p.recommendations().find((r) => r.item.startsWith(`file:${DIR}/`));
    assert.ok(rec, 'a recommended file');
    await vscode.commands.executeCommand('latent.openToSide', rec.item);
    await waitFor(() => vscode.window.activeTextEditor?.document.uri.path.endsWith(rec.item.slice('file:'.length)), `${rec.item} to open`, 5000);
    assert.equal(vscode.window.activeTextEditor?.viewColumn, vscode.ViewColumn.Two);
    await vscode.commands.executeCommand('workbench.action.joinAllGroups');
  });

  it('Copy Path and Copy Relative Path put a recommended file\'s path on the clipboard, as the Explorer\'s do', async () => {
    // Any recommended file (a CI run had none of DIR's among them after the test before, which left two of them open).
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await show(AREA_A[0]);
    const rec = await waitFor(() => p.recommendations().find((r) => r.item.startsWith('file:')), 'a recommended file', 5000);
    assert.ok(rec);
    const rel = rec.item.slice('file:'.length);
    await vscode.env.clipboard.writeText('');
    await vscode.commands.executeCommand('latent.copyRelativePath', rec.item);
    assert.equal(await vscode.env.clipboard.readText(), rel);
    await vscode.commands.executeCommand('latent.copyPath', { item: rec.item });
    assert.equal(await vscode.env.clipboard.readText(), vscode.Uri.joinPath(workspaceRoot(), rel).fsPath);
    // Not a file (a snippet, an extension): nothing to copy, and the clipboard is left as it was.
    await vscode.commands.executeCommand('latent.copyPath', 'extension:someone.something');
    assert.equal(await vscode.env.clipboard.readText(), vscode.Uri.joinPath(workspaceRoot(), rel).fsPath);
  });

  it('a worker killed mid-training is reported, the previous model keeps serving, and the next run works', async () => {
    // Enough history that a run lasts long enough to be caught in the act (the session is closed first, as above).
    p.tracker.clearSession();
    recordHistory(p, 600, (s) => [...AREA_A, ...AREA_B].map((_, i, all) => all[(s + i) % all.length]));
    const modelFile = `${p.storeDir()}/model.json`;
    const savedBefore = fs.readFileSync(modelFile, 'utf8');
    let killed = false;
    for (let attempt = 0; attempt < 5 && !killed; attempt++) {
      let settled = false;
      const run = p.retrain().finally(() => (settled = true));
      // Kill the worker as soon as one exists (a crash from outside: no cooperation from the worker).
      while (!settled) {
        await p.terminateWorker();
        await new Promise((r) => setTimeout(r, 5));
      }
      await run;
      killed = p.trainingState.state === 'failed';
    }
    assert.ok(killed, `could not catch a run in progress: ${p.trainingState.message}`);
    assert.match(p.trainingState.message, /stopped unexpectedly/);
    assert.equal(fs.readFileSync(modelFile, 'utf8'), savedBefore, 'the saved model was not replaced');
    assert.ok(p.recommendations().length > 0, 'the previous model still serves recommendations');
    await p.retrain();
    assert.equal(p.trainingState.state, 'idle', p.trainingState.message);
    assert.notEqual(fs.readFileSync(modelFile, 'utf8'), savedBefore, 'the next run saved a new model');
  });

  it('clicking a recommended snippet inserts it and records exactly one snippet event', async () => {
    const file = vscode.Uri.joinPath(workspaceRoot(), '.vscode', 'latent-pipeline-it.code-snippets');
    await vscode.workspace.fs.writeFile(
      file,
      Buffer.from('{ "Latent Pipeline Box": { "prefix": "lpb", "body": ["/* box: ${1:what} */", "$0"] } }', 'utf8'),
    );
    const item = 'snippet:workspace/Latent Pipeline Box';
    try {
      await p.tracker.reloadSnippets();
      assert.ok(p.tracker.snippet(item), 'the workspace snippet is in the catalog');
      await show('b/w.ts');
      const recorded: string[] = [];
      const sub = p.tracker.onDidRecord((e) => {
        if (e.kind === 'snippet') recorded.push(e.item);
      });
      await vscode.commands.executeCommand('latent.openRecommendation', item);
      const text = vscode.window.activeTextEditor?.document.getText() ?? '';
      assert.match(text, /\/\* box: what \*\//);
      // Past the insertion detector's confirmation window: the exact record must not be doubled by a detection.
      await new Promise((r) => setTimeout(r, 1500));
      sub.dispose();
      assert.deepEqual(recorded, [item]);
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await vscode.workspace.fs.delete(file);
    }
  });

  it('a deleted file leaves the recommendations at once, a deleted folder takes its files along, and a file created again comes back', async () => {
    const runs = p.trainingState.runs;
    const inDir = (r: { item: string }): boolean => r.item.startsWith(`file:${DIR}/`);
    const target = p.recommendations().find(inDir);
    assert.ok(target, `a file of the test folder is recommended: ${p.recommendations().map((r) => r.item).join(', ')}`);
    const rel = target.item.slice('file:'.length);
    const uri = vscode.Uri.joinPath(workspaceRoot(), rel);
    const text = await vscode.workspace.fs.readFile(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.deleteFile(uri);
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor(() => !p.recommendations().some((r) => r.item === target.item), 'the deleted file to leave the ranking', 3000);
    assert.equal(p.trainingState.runs, runs, 'without retraining');
    // Created again (from the terminal, say): the file watcher sees it and it may be recommended again.
    await vscode.workspace.fs.writeFile(uri, text);
    await waitFor(() => p.recommendations().some((r) => r.item === target.item), 'the file created again to come back', 10_000);
    // A whole folder deleted on disk: every file under it goes.
    const folder = rel.split('/').slice(0, -1).join('/');
    const under = (r: { item: string }): boolean => r.item.startsWith(`file:${folder}/`);
    assert.ok(p.recommendations().some(under), 'files of that folder are recommended before');
    const backup = new Map<string, Uint8Array>();
    for (const [name, type] of await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(workspaceRoot(), folder))) {
      if (type === vscode.FileType.File) backup.set(name, await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceRoot(), folder, name)));
    }
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspaceRoot(), folder), { recursive: true, useTrash: false });
    await waitFor(() => !p.recommendations().some(under), 'the deleted folder\'s files to leave the ranking', 5000);
    // Put back through VS Code (reported exactly, whatever the watcher makes of a burst), for the tests after.
    const restore = new vscode.WorkspaceEdit();
    for (const [name, bytes] of backup) restore.createFile(vscode.Uri.joinPath(workspaceRoot(), folder, name), { contents: bytes });
    assert.ok(await vscode.workspace.applyEdit(restore));
    await waitFor(() => p.recommendations().some(under), 'the restored folder\'s files to come back', 5000);
  });

  it('a file renamed in VS Code keeps its rank, and its history and vector move to the new name (a folder too)', async () => {
    const inDir = (r: { item: string }): boolean => r.item.startsWith(`file:${DIR}/`);
    const before = p.recommendations();
    const at = before.findIndex(inDir);
    assert.ok(at >= 0, `a file of the test folder is recommended: ${before.map((r) => r.item).join(', ')}`);
    const oldKey = before[at].item;
    const rel = oldKey.slice('file:'.length);
    const newRel = rel.replace(/\.ts$/, '-renamed "ü".ts');
    const newKey = `file:${newRel}`;
    const runs = p.trainingState.runs;
    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(vscode.Uri.joinPath(workspaceRoot(), rel), vscode.Uri.joinPath(workspaceRoot(), newRel));
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor(() => p.recommendations().some((r) => r.item === newKey), 'the renamed file under its new name', 3000);
    const after = p.recommendations();
    assert.equal(after.findIndex((r) => r.item === newKey), at, 'same rank');
    // The same vector: the score moves only as much as the session's focused time grew meanwhile.
    assert.ok(Math.abs(after[at].mfScore - before[at].mfScore) < 1e-3, `same learned vector: ${after[at].mfScore} vs ${before[at].mfScore}`);
    assert.ok(!after.some((r) => r.item === oldKey), 'the old name is gone');
    assert.equal(p.trainingState.runs, runs, 'without retraining');
    await p.flush();
    assert.ok(storedText(p.storeDir()).includes(`"kind":"rename","amount":0,"from":${JSON.stringify(oldKey)}`), 'the rename is stored');
    // Retrained from the store: the history now belongs to the new name.
    await p.retrain();
    assert.ok(p.recommendations().some((r) => r.item === newKey), 'still recommended after retraining');
    assert.ok(!p.recommendations().some((r) => r.item === oldKey), `the old name stays gone: ${p.recommendations().map((r) => r.item).join(', ')}`);
    // A folder renamed: its files follow.
    const folder = newRel.split('/').slice(0, -1).join('/');
    renamedFolder = folder;
    const movedFolder = `${folder}-moved`;
    const folderEdit = new vscode.WorkspaceEdit();
    folderEdit.renameFile(vscode.Uri.joinPath(workspaceRoot(), folder), vscode.Uri.joinPath(workspaceRoot(), movedFolder));
    assert.ok(await vscode.workspace.applyEdit(folderEdit));
    const movedKey = `file:${movedFolder}/${newRel.split('/').pop() ?? ''}`;
    await waitFor(() => p.recommendations().some((r) => r.item === movedKey), 'the file under its moved folder', 3000);
    assert.ok(!p.recommendations().some((r) => r.item.startsWith(`file:${folder}/`)), 'nothing left under the old folder');
    // Back where they were, for the tests after.
    const back = new vscode.WorkspaceEdit();
    back.renameFile(vscode.Uri.joinPath(workspaceRoot(), movedFolder), vscode.Uri.joinPath(workspaceRoot(), folder));
    assert.ok(await vscode.workspace.applyEdit(back));
    const undo = new vscode.WorkspaceEdit();
    undo.renameFile(vscode.Uri.joinPath(workspaceRoot(), newRel), vscode.Uri.joinPath(workspaceRoot(), rel));
    assert.ok(await vscode.workspace.applyEdit(undo));
    await waitFor(() => p.recommendations().some((r) => r.item === oldKey), 'the file back under its first name', 3000);
  });

  it('a file moved outside VS Code (a terminal mv) is taken as a rename from the watcher\'s delete and create', async () => {
    // From a folder the test before did not rename and put back: code-server's watcher (4.100, Linux) was seen to
    // report nothing for 30 s of a file moved out of such a folder. That is the watcher's to fix; this test is about
    // what Latent makes of what the watcher reports.
    // Recent work in the area the rename test left alone, learned, so that its files rank: left as it was, files that
    // other suites recorded filled the list once on a fresh clone. No editor open: an open file is context, not a
    // recommendation, and the file moved below must be able to come back as one. The file moved is one of that area:
    // any file of the test folder could be STILL's own, which the move below would leave where it is.
    const area = renamedFolder === `${DIR}/a` ? AREA_B : AREA_A;
    const inArea = (r: { item: string }): boolean => area.some((rel) => r.item === key(rel));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    recordHistory(p, 24, () => area);
    await p.retrain();
    await waitFor(() => p.recommendations().some(inArea), `a file of ${area.join(', ')} to be recommended`, 10_000);
    const before = p.recommendations();
    const at = before.findIndex(inArea);
    assert.ok(at >= 0, `a file of ${area.join(', ')} is recommended: ${before.map((r) => r.item).join(', ')}`);
    const rel = before[at].item.slice('file:'.length);
    const name = rel.split('/').pop() ?? '';
    // Into a folder that exists from the start (code-server's watcher can miss a file in a folder made moments
    // earlier) and was never renamed.
    const movedRel = `${DIR}/${STILL.split('/')[0]}/${name}`;
    const root = workspaceRoot().fsPath;
    // What the watcher delivered (a watcher of the test's own): said when a wait below fails.
    const seen: string[] = [];
    const t0 = Date.now();
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(workspaceRoot(), `${DIR}/**`));
    const saw = (what: string) => (u: vscode.Uri) => seen.push(`${Date.now() - t0} ms ${what} ${vscode.workspace.asRelativePath(u)}`);
    watcher.onDidCreate(saw('create'));
    watcher.onDidDelete(saw('delete'));
    watcher.onDidChange(saw('change'));
    fs.renameSync(`${root}/${rel}`, `${root}/${movedRel}`);
    // What the store noted about either path: said when a wait below fails, so a failure tells watcher from pairing.
    const noted = (): string =>
      (storedText(p.storeDir())
        .split('\n')
        .filter((l) => /"kind":"(rename|delete|create)"/.test(l) && (l.includes(rel) || l.includes(movedRel)))
        .join('\n') || 'nothing') + `; the watcher said: ${seen.join(', ') || 'nothing'}`;
    // The watcher may report the delete and the create in separate batches, in either order.
    await waitFor(
      () => p.recommendations().some((r) => r.item === `file:${movedRel}`) && !p.recommendations().some((r) => r.item === before[at].item),
      'the moved file under its new path, and the old path gone',
      30_000, // the watcher reports seconds late on a loaded machine (one fresh-clone run missed 15 s)
    ).catch(async (e: unknown) => {
      await p.flush();
      throw new Error(`${String(e)}; stored for these paths: ${noted()}; ranked: ${p.recommendations().map((r) => r.item).join(', ')}`);
    });
    // The new path shows (as a workspace file) and the old one goes (its delete) before the watcher's other side may
    // have arrived: the rename is stored when both did, so it is waited for within the same budget.
    const stored = `"kind":"rename","amount":0,"from":${JSON.stringify(before[at].item)}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      await p.flush();
      if (storedText(p.storeDir()).includes(stored) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(storedText(p.storeDir()).includes(stored), `stored as a rename; stored for these paths: ${noted()}`);
    // And back, which puts the test folder as it was. Fresh-clone CI runs' watcher reported nothing under the first
    // folder (neither this create nor the first move's delete, which Latent's own subscription did get), only the
    // delete at the moved path: Latent then takes a renamed file deleted while its old path is on disk again as moved
    // back (workspace.ts). With either report the file must rank again; without both there is nothing to act on.
    fs.renameSync(`${root}/${movedRel}`, `${root}/${rel}`);
    const back = await waitFor(() => p.recommendations().some((r) => r.item === before[at].item), 'the file back at its first path', 30_000).then(
      () => true,
      () => false,
    );
    if (!back) {
      await p.flush();
      const watcherSawIt = seen.filter((s) => s.endsWith(`create ${rel}`) || s.endsWith(`delete ${movedRel}`));
      assert.deepEqual(watcherSawIt, [], `the watcher reported the move back, yet the file was not ranked again; stored for these paths: ${noted()}; ranked: ${p.recommendations().map((r) => r.item).join(', ')}`);
      console.log(`    (the watcher reported nothing of the move back within 30 s: ${seen.join(', ')})`);
    }
    watcher.dispose();
  });

  it('Reset wipes journal, snapshots, model and backups, ends the training thread kept for the next retrain, and the view empties', async () => {
    // Enough to train on whatever ran before (this test also runs alone).
    recordHistory(p, 24);
    await p.flush();
    assert.notEqual(storedText(p.storeDir()), '');
    await p.retrain();
    assert.equal(p.trainingThreadKept(), true, `the thread that trained waits for the next retrain (${JSON.stringify(p.trainingState)})`);
    await vscode.commands.executeCommand('latent.reset', { skipConfirmation: true });
    assert.equal(p.trainingThreadKept(), false, 'nothing of the last retrain stays in a thread');
    assert.deepEqual(p.recommendations(), []);
    assert.equal(storedText(p.storeDir()), '', 'nothing left in the store folder');
    assert.equal(fs.existsSync(`${p.storeDir()}/model.json`), false);
    // Only the marker other windows read: when, and which window (no item, no event). (dismissals.json, the same
    // three fields, may follow from an earlier test's dismissal being marked late.)
    assert.deepEqual(fs.readdirSync(p.storeDir()).filter((n) => n !== 'dismissals.json'), ['reset.json']);
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(`${p.storeDir()}/reset.json`, 'utf8')) as object).sort(), ['at', 'by', 'id']);
  });
});
