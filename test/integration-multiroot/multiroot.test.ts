// A workspace of two folders, api and web (api first), each with its own src/app.ts (issue 11, item 6): a file of
// the second folder is recorded as file:web/src/app.ts and every way Latent opens an item (the open command the
// tree's click runs, the tree item's resourceUri, the factors panel's resolver) must land on web's file, not on
// <first folder>/web/src/app.ts.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/commands';
import type { Recommendation } from '../../src/core/recommender';
import type { FeedbackEvent } from '../../src/feedback/signal';
import { loadGitSessions } from '../../src/git/gitImport';
import type { LearnResult } from '../../src/git/learnFromGitCommand';
import type { LiveRanker } from '../../src/ranking/liveRanking';
import { resolveWorkspaceFile } from '../../src/views/factorsPanel/panel';
import { RecommendationsTree } from '../../src/views/recommendations/tree';
import { activateLatent, waitFor } from '../integration/helpers';

const WEB_KEY = 'file:web/src/app.ts';
const API_KEY = 'file:api/src/app.ts';

function folder(name: string): vscode.WorkspaceFolder {
  const f = vscode.workspace.workspaceFolders?.find((x) => x.name === name);
  if (!f) throw new Error(`the multi-root tests expect a workspace folder named ${name}`);
  return f;
}

const appOf = (name: string): vscode.Uri => vscode.Uri.joinPath(folder(name).uri, 'src', 'app.ts');

async function show(uri: vscode.Uri): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
}

/** Waits until the active editor shows `uri` and returns its text. */
async function activeIs(uri: vscode.Uri): Promise<string> {
  const shown = (): string => vscode.window.activeTextEditor?.document.uri.toString() ?? 'nothing';
  try {
    await waitFor(() => shown() === uri.toString(), `the active editor to show ${uri.toString()}`, 5000);
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}; it shows ${shown()}`, { cause: e });
  }
  return vscode.window.activeTextEditor?.document.getText() ?? '';
}

describe('multi-root workspace: items open in the folder they were recorded in (real VS Code)', () => {
  before(async () => {
    assert.deepEqual(
      vscode.workspace.workspaceFolders?.map((f) => f.name),
      ['api', 'web'],
      'opened on the two-folder .code-workspace of scripts/run-integration.mjs',
    );
    const api = await activateLatent();
    assert.ok(api.pipeline, 'the pipeline starts in a multi-root workspace');
    await api.pipeline.ready;
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('records a file of the second folder under its folder name', async () => {
    const { pipeline } = await activateLatent();
    const tracker = pipeline!.tracker;
    const seen: FeedbackEvent[] = [];
    const sub = tracker.onDidRecord((e) => seen.push(e));
    try {
      await show(appOf('web'));
      await waitFor(() => seen.some((e) => e.item === WEB_KEY && e.kind === 'open'), `an open event for ${WEB_KEY}`, 5000);
    } finally {
      sub.dispose();
    }
    assert.equal(tracker.itemForUri(appOf('web')), WEB_KEY);
    assert.equal(tracker.itemForUri(appOf('api')), API_KEY);
  });

  it('latent.openRecommendation opens web/src/app.ts in the web folder, not under the first folder', async () => {
    const apiText = (await vscode.workspace.fs.readFile(appOf('api'))).toString();
    const webText = (await vscode.workspace.fs.readFile(appOf('web'))).toString();
    assert.notEqual(apiText, webText, 'the two app.ts files differ');
    await show(appOf('api')); // something else is active first
    await vscode.commands.executeCommand(COMMANDS.openRecommendation, WEB_KEY);
    assert.equal(await activeIs(appOf('web')), webText);
    // And the first folder's own file by its own key.
    await vscode.commands.executeCommand(COMMANDS.openRecommendation, API_KEY);
    assert.equal(await activeIs(appOf('api')), apiText);
  });

  it('the open command refuses a name that names no folder or leaves one', async () => {
    await show(appOf('api'));
    for (const key of ['file:src/app.ts', 'file:nope/src/app.ts', 'file:web/../api/src/app.ts']) {
      await vscode.commands.executeCommand(COMMANDS.openRecommendation, key);
      assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), appOf('api').toString(), key);
    }
  });

  it("the factors panel's resolver finds each file in its own folder", async () => {
    assert.equal((await resolveWorkspaceFile(WEB_KEY))?.toString(), appOf('web').toString());
    assert.equal((await resolveWorkspaceFile(API_KEY))?.toString(), appOf('api').toString());
    // The old lookup tried the whole name under every folder; with two folders a name without one resolves to nothing.
    assert.equal(await resolveWorkspaceFile('file:src/app.ts'), undefined);
    assert.equal(await resolveWorkspaceFile('file:web/src/missing.ts'), undefined);
  });

  it("the tree item's resourceUri (file icon, open to the side) is the web folder's file", () => {
    const ranker = { onDidChange: () => ({ dispose() {} }), byKind: () => [], getModel: () => undefined };
    const tree = new RecommendationsTree(ranker as unknown as LiveRanker);
    try {
      const rec: Recommendation = {
        item: WEB_KEY,
        score: 1,
        mfScore: 1,
        priorScore: 0,
        coocScore: 0,
        source: 'mf',
        explanation: { bias: 0, contributions: [1], itemVector: [1], coUsed: [] },
        breakdown: { total: 1, terms: [], parts: { factors: 1, itemItem: 0, prior: 0, offset: 0, borrowed: 0 }, strength: { factors: 1, itemItem: 0 } },
      };
      const item = tree.getTreeItem({ type: 'item', rec });
      assert.equal(item.resourceUri?.toString(), appOf('web').toString());
      assert.deepEqual(item.command?.arguments, [WEB_KEY]);
    } finally {
      tree.dispose();
    }
  });

  it('Learn from Git History reads both folders\' repositories, each file under its own folder', async () => {
    const { pipeline } = await activateLatent();
    const git = (cwd: string, ...args: string[]): void => {
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd, stdio: 'ignore' });
    };
    const made: string[] = [];
    for (const name of ['api', 'web']) {
      const dir = folder(name).uri.fsPath;
      git(dir, 'init', '-q', '-b', 'main');
      made.push(path.join(dir, '.git'));
      for (let i = 0; i < 3; i++) {
        const file = path.join(dir, 'src', `part${i}.ts`);
        fs.writeFileSync(file, `export const part${i} = '${name}';\n`);
        made.push(file);
        git(dir, 'add', '-A');
        git(dir, 'commit', '-q', '-m', `${name} ${i}`);
      }
    }
    try {
      const r = await vscode.commands.executeCommand<LearnResult>(COMMANDS.learnFromGit);
      assert.equal(r.outcome.kind, 'learned', r.message);
      assert.match(r.message, /^Learned from 6 of 6 commits in 2 folders \(8 files\)/);
      const items = new Set((await loadGitSessions(pipeline!.storeDir())).map((x) => x.item));
      for (const key of [API_KEY, WEB_KEY, 'file:api/src/part2.ts', 'file:web/src/part2.ts']) assert.ok(items.has(key), `${key} in ${[...items].join(', ')}`);
    } finally {
      for (const m of made.reverse()) fs.rmSync(m, { recursive: true, force: true });
    }
  });
});
