// The feedback tracker and store inside the real extension host: real editors, real document events, real files.
// Each test builds its own tracker on its own temporary store folder, so it does not depend on (or disturb) the
// extension's wiring.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FeedbackEvent } from '../../src/feedback/signal';
import { FeedbackStore } from '../../src/feedback/store/feedbackStore';
import { readSettings } from '../../src/config/settings';
import { FeedbackTracker } from '../../src/feedback/tracker';
import { waitFor, workspaceRoot } from './helpers';

const DIR = 'latent-feedback-it';

async function write(rel: string, text: string): Promise<vscode.Uri> {
  const uri = vscode.Uri.joinPath(workspaceRoot(), DIR, rel);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
  return uri;
}

/** A Jupyter notebook (nbformat 4) of these cells, written into the test folder. */
async function writeNotebook(rel: string, cells: readonly object[]): Promise<vscode.Uri> {
  return write(rel, JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }));
}

const CODE_CELL = { cell_type: 'code', source: ['x = 1'], metadata: {}, outputs: [], execution_count: null };

async function show(uri: vscode.Uri): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
}

/** Every byte the store has on disk, to prove what never reached storage. */
function allStoredText(dir: string): string {
  return fs
    .readdirSync(dir)
    .map((n) => fs.readFileSync(path.join(dir, n), 'utf8'))
    .join('\n');
}

describe('feedback tracker (real VS Code)', () => {
  let storeDir: string;
  let store: FeedbackStore;
  let tracker: FeedbackTracker;
  let seen: FeedbackEvent[];
  const problems: string[] = [];

  async function start(config = readSettings()): Promise<void> {
    store = await FeedbackStore.open(storeDir, { flushIntervalMs: 0, compactIntervalMs: 0, onProblem: (m) => problems.push(m) });
    tracker = new FeedbackTracker(store, config, { watchConfig: false });
    seen = [];
    tracker.onDidRecord((e) => seen.push(e));
  }

  beforeEach(async () => {
    storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latent-it-store-'));
    problems.length = 0;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  afterEach(async () => {
    tracker?.dispose();
    await store?.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(storeDir, { recursive: true, force: true });
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspaceRoot(), DIR), { recursive: true, useTrash: false }).then(
      () => undefined,
      () => undefined,
    );
  });

  it('opening files records open events with workspace-relative items, and they reach storage', async () => {
    await start();
    const a = await write('a.ts', 'export const a = 1;\n');
    const b = await write('b.ts', 'export const b = 2;\n');
    await show(a);
    await show(b);
    await show(a);
    await waitFor(() => seen.filter((e) => e.kind === 'open').length >= 3, 'three open events');
    assert.deepEqual(
      seen.filter((e) => e.kind === 'open').map((e) => e.item),
      [`file:${DIR}/a.ts`, `file:${DIR}/b.ts`, `file:${DIR}/a.ts`],
    );
    const stored = await store.events();
    assert.equal(stored.filter((e) => e.kind === 'open' && e.item === `file:${DIR}/a.ts`).length, 2);
    const session = tracker.currentSession();
    assert.ok(session.some((c) => c.item === `file:${DIR}/b.ts` && c.weight >= 1));
  });

  it('typing in a file records coalesced edits', async () => {
    await start();
    const editor = await show(await write('c.ts', ''));
    for (let i = 0; i < 5; i++) await editor.edit((e) => e.insert(editor.document.positionAt(editor.document.getText().length), `x${i}`));
    await waitFor(() => seen.some((e) => e.kind === 'edit'), 'an edit event');
    assert.equal(seen.filter((e) => e.kind === 'edit' && e.item === `file:${DIR}/c.ts`).length, 1, 'five quick edits are one burst');
  });

  it('an excluded .env is never recorded nor stored, while other files are', async () => {
    await start();
    const env = await write('.env', 'API_TOKEN=hunter2\n');
    const editor = await show(env);
    await editor.edit((e) => e.insert(new vscode.Position(1, 0), 'MORE=1\n'));
    await show(await write('ok.ts', 'export {};\n'));
    await waitFor(() => seen.some((e) => e.item === `file:${DIR}/ok.ts`), 'the open of ok.ts');
    await store.flush();
    await store.compact();
    assert.equal(seen.filter((e) => e.item.includes('.env')).length, 0);
    const disk = allStoredText(storeDir);
    assert.ok(disk.includes('ok.ts'), 'recording works (ok.ts is stored)');
    assert.ok(!disk.includes('.env'), 'no trace of .env on disk');
    assert.ok(!disk.includes('hunter2'));
  });

  it('untitled and non-file documents are ignored', async () => {
    await start();
    const doc = await vscode.workspace.openTextDocument({ content: 'scratch', language: 'plaintext' });
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'more '));
    await show(await write('d.ts', ''));
    await waitFor(() => seen.length > 0, 'the open of d.ts');
    assert.deepEqual([...new Set(seen.map((e) => e.item))], [`file:${DIR}/d.ts`]);
    // Leave no dirty untitled editor behind (it would ask to be saved).
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('a notebook is one file: one open for it, none for moving between its cells, and editing a cell or adding one is an edit', async () => {
    await start();
    const uri = await writeNotebook('analysis.ipynb', [CODE_CELL, { cell_type: 'markdown', source: ['# notes'], metadata: {} }]);
    const item = `file:${DIR}/analysis.ipynb`;
    await vscode.commands.executeCommand('vscode.open', uri);
    await waitFor(() => vscode.window.activeNotebookEditor !== undefined, 'the notebook editor');
    await waitFor(() => seen.some((e) => e.kind === 'open'), 'the open of the notebook');
    const editor = vscode.window.activeNotebookEditor;
    assert.ok(editor);
    // Into the second cell's editor, then the first's: focus moves within the same file.
    editor.selections = [new vscode.NotebookRange(1, 2)];
    await vscode.commands.executeCommand('notebook.cell.edit');
    await waitFor(() => vscode.window.activeTextEditor?.document.uri.scheme === 'vscode-notebook-cell', 'a cell editor');
    const cellEdit = new vscode.WorkspaceEdit();
    cellEdit.insert(editor.notebook.cellAt(0).document.uri, new vscode.Position(0, 0), 'y = 2\n');
    assert.ok(await vscode.workspace.applyEdit(cellEdit));
    await waitFor(() => seen.some((e) => e.kind === 'edit'), 'the edit of a cell');
    const addCell = new vscode.WorkspaceEdit();
    addCell.set(editor.notebook.uri, [vscode.NotebookEdit.insertCells(2, [new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'z = 3', 'python')])]);
    assert.ok(await vscode.workspace.applyEdit(addCell));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      seen.filter((e) => e.kind !== 'dwell').map((e) => `${e.kind} ${e.item}`),
      [`open ${item}`, `edit ${item}`],
      'one open, and the edits (a cell\'s text, then a new cell, in one burst) as one edit of the notebook',
    );
    // The dwell ticks (every 0.75 s by default) count time in the notebook, whichever cell has focus.
    assert.ok(seen.filter((e) => e.kind === 'dwell').every((e) => e.item === item), JSON.stringify(seen));
    assert.ok(tracker.currentSession().some((c) => c.item === item));
    // Another file then the notebook again: each change of file is an open.
    await show(await write('helper.py', 'def f():\n    return 1\n'));
    await vscode.commands.executeCommand('vscode.open', uri);
    await waitFor(() => seen.filter((e) => e.kind === 'open').length >= 3, 'three opens');
    assert.deepEqual(
      seen.filter((e) => e.kind === 'open').map((e) => e.item),
      [item, `file:${DIR}/helper.py`, item],
    );
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('a finished run of a notebook cell is an edit of the notebook, as typing in it is', async () => {
    // Every edit its own event (no coalescing), so that each run shows.
    await start({ ...readSettings(), editCoalesceSeconds: 0 });
    // A kernel of this test's own: each run starts and ends at once, as a quick cell does.
    const controller = vscode.notebooks.createNotebookController('latent-it-kernel', 'jupyter-notebook', 'Latent test kernel');
    controller.supportedLanguages = ['python'];
    let runs = 0;
    controller.executeHandler = (cells) => {
      for (const cell of cells) {
        const run = controller.createNotebookCellExecution(cell);
        run.executionOrder = ++runs;
        run.start(Date.now());
        run.end(true, Date.now());
      }
    };
    try {
      const uri = await writeNotebook('runs.ipynb', [CODE_CELL]);
      const item = `file:${DIR}/runs.ipynb`;
      await vscode.commands.executeCommand('vscode.open', uri);
      await waitFor(() => vscode.window.activeNotebookEditor !== undefined, 'the notebook editor');
      const notebook = vscode.window.activeNotebookEditor?.notebook;
      assert.ok(notebook);
      controller.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
      await vscode.commands.executeCommand('notebook.selectKernel', { id: 'latent-it-kernel', extension: 'latent-dev.latent' });
      await waitFor(() => seen.some((e) => e.kind === 'open'), 'the open of the notebook');
      const edits = (): FeedbackEvent[] => seen.filter((e) => e.kind === 'edit');
      assert.equal(edits().length, 0, 'no edit before a run');
      for (let n = 1; n <= 2; n++) {
        await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 0, end: 1 }], document: uri });
        await waitFor(() => runs === n && edits().length === n, `run ${n} recorded as an edit (runs ${runs}, edits ${edits().length})`);
      }
      assert.deepEqual(edits().map((e) => e.item), [item, item]);
      assert.equal(notebook.cellAt(0).executionSummary?.success, true, 'the run went through the real notebook');
      // A run leaves the notebook changed (its execution count): saved, so that closing it asks nothing and the next
      // test starts with no editor left open.
      assert.ok(await notebook.save());
      await waitFor(() => !notebook.isDirty, 'the notebook saved');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await waitFor(() => vscode.window.visibleNotebookEditors.length === 0, 'the notebook closed');
    } finally {
      controller.dispose();
    }
  });

  it('an image, shown in its preview rather than a text editor, is recorded as an open', async () => {
    await start();
    const png = vscode.Uri.joinPath(workspaceRoot(), DIR, 'diagram.png');
    await vscode.workspace.fs.writeFile(png, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));
    await show(await write('before.ts', ''));
    await vscode.commands.executeCommand('vscode.open', png);
    await waitFor(() => seen.some((e) => e.item === `file:${DIR}/diagram.png`), 'the open of the image');
    assert.equal(vscode.window.activeTextEditor, undefined, 'no text editor is in front');
    assert.deepEqual(
      seen.filter((e) => e.kind === 'open').map((e) => e.item),
      [`file:${DIR}/before.ts`, `file:${DIR}/diagram.png`],
    );
  });

  it('pausing stops all recording; resuming starts it again', async () => {
    await start();
    tracker.setPaused(true);
    await show(await write('p.ts', ''));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(seen.length, 0);
    const resumedAt = Date.now();
    tracker.setPaused(false);
    await show(await write('q.ts', ''));
    await waitFor(() => seen.some((e) => e.item === `file:${DIR}/q.ts`), 'the open of q.ts');
    await store.flush();
    // p.ts was still the active editor when tracking resumed: focused time from the resume on may be recorded (as
    // dwell, seen in a CI run), but nothing from the paused stretch: no open, and no second before the resume.
    const about = allStoredText(storeDir)
      .split('\n')
      .filter((l) => l.includes(`${DIR}/p.ts`))
      .map((l) => JSON.parse(l) as FeedbackEvent | string);
    assert.ok(about.every((e) => typeof e === 'object'), `only journal events name p.ts: ${JSON.stringify(about)}`);
    for (const e of about as FeedbackEvent[]) {
      assert.equal(e.kind, 'dwell', JSON.stringify(e));
      assert.ok(e.t >= resumedAt && e.amount * 1000 <= e.t - resumedAt + 1000, `dwell counted from the resume on: ${JSON.stringify(e)}`);
    }
  });

  it('a corrupt store is moved aside, the user is told once, and recording continues', async () => {
    fs.writeFileSync(path.join(storeDir, 'snapshot.json'), '{"format":"latent-feedback-snapshot","sche');
    await start();
    assert.equal(problems.length, 1);
    assert.match(problems[0], /moved aside/);
    assert.equal(fs.readdirSync(storeDir).filter((n) => n.startsWith('snapshot.json.corrupt-')).length, 1);
    await show(await write('after.ts', ''));
    await waitFor(() => seen.length > 0, 'an event after the corruption');
    const events = await store.events();
    assert.ok(events.some((e) => e.item === `file:${DIR}/after.ts`));
    assert.equal(problems.length, 1);
  });

  it('a workspace snippet inserted in the editor is detected as that snippet', async () => {
    await write('x.txt', '');
    const snippets = vscode.Uri.joinPath(workspaceRoot(), '.vscode', 'latent-it.code-snippets');
    await vscode.workspace.fs.writeFile(
      snippets,
      Buffer.from('{ // test snippet\n "Latent IT Banner": { "prefix": "ltb", "body": ["// ==== ${1:section} ====", "$0"] }, }', 'utf8'),
    );
    try {
      await start();
      await tracker.snippetsReady();
      assert.ok(tracker.snippet('snippet:workspace/Latent IT Banner'), 'catalog has the workspace snippet');
      const editor = await show(vscode.Uri.joinPath(workspaceRoot(), DIR, 'x.txt'));
      assert.ok(await editor.insertSnippet(new vscode.SnippetString('// ==== ${1:section} ====\n$0')));
      await waitFor(() => seen.some((e) => e.kind === 'snippet'), 'the snippet event', 5000);
      assert.deepEqual(seen.filter((e) => e.kind === 'snippet').map((e) => e.item), ['snippet:workspace/Latent IT Banner']);
    } finally {
      await vscode.workspace.fs.delete(snippets);
    }
  });
});
