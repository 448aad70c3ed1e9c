// Cold start inside the real extension host: "Latent: Learn from Git History" on a folder without history says so
// plainly; on a git repository with two areas of co-changed files it saves the commits (never the committed .env),
// retrains, and the recommendations follow the area of the open file; a file created afterwards is ranked from its
// folder. The offer to learn (context key latent.gitOffer, which shows the welcome content's button) stands until
// history is learned, goes as soon as it is, and comes back with Reset. Leaves the workspace as it found it (no
// .git, no files, storage reset) for the suites that follow.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONTEXT_KEYS, STATE_KEYS } from '../../src/commands';
import type { LatentApi } from '../../src/extension';
import { loadGitSessions } from '../../src/git/gitImport';
import type { LearnResult } from '../../src/git/learnFromGitCommand';
import { activateLatent, storedText, waitFor, workspaceRoot } from './helpers';

const DIR = 'coldstart-it';
const AREA_A = ['web/app.ts', 'web/list.ts', 'web/theme.ts', 'web/menu.ts'];
const AREA_B = ['server/routes.ts', 'server/db.ts', 'server/auth.ts', 'server/jobs.ts'];
const key = (rel: string) => `file:${DIR}/${rel}`;
const isA = (item: string) => item.startsWith(`file:${DIR}/web/`);
const isB = (item: string) => item.startsWith(`file:${DIR}/server/`);

type Pipeline = NonNullable<LatentApi['pipeline']>;

describe('cold start from git (real VS Code)', function () {
  this.timeout(120_000);
  let api: LatentApi;
  let p: Pipeline;
  /** What Latent last set latent.gitOffer to (through setContext). */
  const offered = (): unknown => api.contextKey(CONTEXT_KEYS.gitOffer);
  const root = () => workspaceRoot().fsPath;
  let clock = Math.floor(Date.now() / 1000) - 30 * 86400;
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], {
      cwd: root(),
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_DATE: `${clock} +0000`, GIT_COMMITTER_DATE: `${clock} +0000` },
    });
  const commit = (files: string[], msg: string): void => {
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(root(), DIR, f)), { recursive: true });
      fs.appendFileSync(path.join(root(), DIR, f), `// ${msg}\n`);
    }
    clock += 600;
    git('add', '--', ...files.map((f) => `${DIR}/${f}`));
    git('commit', '-q', '-m', msg);
  };

  before(async () => {
    api = await activateLatent();
    assert.ok(api.pipeline, 'the pipeline is wired when a folder is open');
    p = api.pipeline;
    await p.ready;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('latent.reset', { skipConfirmation: true });
    fs.rmSync(path.join(root(), '.git'), { recursive: true, force: true });
    fs.rmSync(path.join(root(), DIR), { recursive: true, force: true });
  });

  it('a folder with no git history of its own gets a plain message and nothing is saved', async () => {
    // The test workspace is a fresh copy: either outside any repository or inside an ignored folder of one.
    await waitFor(() => offered() === true, 'the offer to learn from git history in a fresh workspace');
    // The welcome content waits for this key, set only once the offer's own is (so it never shows the wrong text first).
    await waitFor(() => api.contextKey(CONTEXT_KEYS.offerKnown) === true, 'the welcome content told that the offer is known');
    const r = await vscode.commands.executeCommand<LearnResult>('latent.learnFromGit');
    assert.ok(r.outcome.kind === 'not-a-repo' || r.outcome.kind === 'untracked', JSON.stringify(r.outcome));
    assert.match(r.message, /so there is no history to learn from\.$/);
    assert.ok(!fs.existsSync(path.join(p.storeDir(), 'git-sessions.json')));
    assert.equal(offered(), true, 'nothing learned: the offer stands');
  });

  it('learns from the commits: recommendations appear and follow the area of the open file; the .env never shows', async () => {
    git('init', '-q', '-b', 'main');
    // Twelve commits per area, each changing two or three of its files; the .env is committed with area A files.
    for (let i = 0; i < 12; i++) {
      commit([AREA_A[i % 4], AREA_A[(i + 1) % 4], ...(i % 3 === 0 ? [AREA_A[(i + 2) % 4]] : [])], `web ${i}`);
      commit([AREA_B[i % 4], AREA_B[(i + 1) % 4], ...(i % 3 === 1 ? [AREA_B[(i + 2) % 4]] : [])], `server ${i}`);
    }
    commit(['.env', AREA_A[0]], 'config');
    // a bulk commit (more than 50 files) says nothing about co-use and is skipped
    commit(Array.from({ length: 60 }, (_, i) => `gen/file${i}.ts`), 'generated');

    const runsBefore = p.trainingState.runs;
    assert.equal(offered(), true);
    // The offer goes as soon as the import is saved, before the retrain that follows it.
    let offeredWhenRetrainStarted: unknown;
    const sub = setInterval(() => {
      if (offeredWhenRetrainStarted === undefined && p.trainingState.state === 'training') offeredWhenRetrainStarted = offered();
    }, 1);
    const r = await vscode.commands.executeCommand<LearnResult>('latent.learnFromGit');
    clearInterval(sub);
    assert.equal(r.outcome.kind, 'learned', r.message);
    assert.equal(offered(), false, 'learned from the palette: the offer is withdrawn');
    if (offeredWhenRetrainStarted !== undefined) assert.equal(offeredWhenRetrainStarted, false, 'withdrawn before retraining');
    assert.equal(api.storage.workspaceState.get(STATE_KEYS.gitBootstrapAnswer), 'learn', 'the one-time question counts as answered');
    if (r.outcome.kind !== 'learned') return;
    assert.equal(r.outcome.used, 25);
    assert.equal(r.outcome.skippedBulk, 1);
    assert.equal(r.outcome.excludedFiles, 1);
    assert.match(r.message, /^Learned from 25 of 26 commits \(8 files; 1 bulk commit skipped, 1 excluded file left out\)\.$/);
    // it retrained on the import (before resolving)
    assert.ok(p.trainingState.runs > runsBefore);
    assert.equal(p.trainingState.state, 'idle', p.trainingState.message);
    assert.match(p.trainingState.message, /Trained on/);

    const stored = storedText(p.storeDir());
    assert.ok(stored.includes(key(AREA_A[0])), 'the import is in the store folder');
    assert.ok(!stored.includes('.env'), 'the committed .env is stored nowhere');
    assert.ok(!stored.includes('gen/file'), 'the bulk commit is not stored');

    // Open an area-A file: the other area-A files rank above every area-B file.
    p.tracker.clearSession();
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(workspaceRoot(), DIR, AREA_A[0]));
    await vscode.window.showTextDocument(doc, { preview: false });
    // The open reaches the session, then the ranker re-ranks (coalesced, ~20 ms): only then is the context in.
    await waitFor(() => p.tracker.currentSession().some((c) => c.item === key(AREA_A[0])), 'the open to reach the session');
    await new Promise((res) => setTimeout(res, 300));
    const recs = p.recommendations().map((x) => x.item);
    assert.ok(!recs.includes(key(AREA_A[0])), 'the open file is left out');
    const lastA = Math.max(...recs.map((x, i) => (isA(x) ? i : -1)));
    const firstB = recs.findIndex(isB);
    assert.ok(recs.filter(isA).length === 3, `the three other area-A files: ${recs.join(', ')}`);
    assert.ok(firstB < 0 || lastA < firstB, `area A above area B: ${recs.join(', ')}`);
    assert.ok(!recs.some((x) => x.includes('.env')), 'the .env is never recommended');
  });

  it('a file created afterwards is recommended from its folder before the next training', async () => {
    // Created as the Explorer's New File does (a workspace edit): VS Code reports it through onDidCreateFiles.
    const edit = new vscode.WorkspaceEdit();
    edit.createFile(vscode.Uri.joinPath(workspaceRoot(), DIR, 'web/toolbar.ts'), { contents: Buffer.from('// new\n') });
    assert.ok(await vscode.workspace.applyEdit(edit));
    const fresh = await waitFor(
      () => p.recommendations().find((x) => x.item === key('web/toolbar.ts')),
      'the new file among the recommendations',
    );
    assert.equal(fresh?.source, 'new');
    const recs = p.recommendations().map((x) => x.item);
    const firstB = recs.findIndex(isB);
    assert.ok(firstB < 0 || recs.indexOf(key('web/toolbar.ts')) < firstB, `ranked with its area: ${recs.join(', ')}`);
    // a new file that is excluded is not a candidate
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(workspaceRoot(), DIR, 'web/.env.local'), Buffer.from('X=1\n'));
    await new Promise((res) => setTimeout(res, 500));
    assert.ok(!p.recommendations().some((x) => x.item.includes('.env')));
  });

  it('a new folder is not recommended as a new file', async () => {
    const folder = key('web/widgets');
    // Made outside the editor (mkdir): the file watcher reports it as created, batched for a second.
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(workspaceRoot(), DIR, 'web/widgets'));
    await new Promise((res) => setTimeout(res, 3000));
    const recs = p.recommendations().map((x) => x.item);
    assert.ok(recs.includes(key('web/toolbar.ts')), `the new file is still recommended: ${recs.join(', ')}`);
    assert.ok(!recs.includes(folder), `the folder is not: ${recs.join(', ')}`);
  });

  it('an import the repository has moved past is read again quietly, as at startup: a new commit joins it', async () => {
    assert.equal(await p.refreshGitImport(), undefined, 'no commit since the import: nothing is read');
    // A new commit dated before the import (as one pulled from a teammate can be): the repository moved on all the same.
    commit(['web/search.ts', AREA_A[1]], 'search');
    assert.ok(clock * 1000 < Date.now() - 86_400_000);
    const r = (await p.refreshGitImport()) as LearnResult | undefined;
    assert.equal(r?.outcome.kind, 'learned', r?.message);
    const items = new Set((await loadGitSessions(p.storeDir())).map((x) => x.item));
    assert.ok(items.has(key('web/search.ts')), 'the new commit is in the import');
    assert.ok(items.has(key(AREA_A[0])), 'and the older ones still are');
    assert.equal(await p.refreshGitImport(), undefined, 'read once: the import is now newer than the commit');
    assert.equal(offered(), false);
  });

  it('Reset removes the import with everything else', async () => {
    const file = path.join(p.storeDir(), 'git-sessions.json');
    assert.ok(fs.existsSync(file));
    assert.equal(offered(), false);
    await vscode.commands.executeCommand('latent.reset', { skipConfirmation: true });
    assert.ok(!fs.existsSync(file));
    assert.equal(p.recommendations().length, 0);
    assert.equal(offered(), true, 'the import is gone: learning is offered again');
  });
});
