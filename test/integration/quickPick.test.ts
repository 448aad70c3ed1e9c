// "Latent: Go to Recommended..." inside the real extension host: the command opens a real QuickPick (returned to
// callers in this host) whose rows are the live recommendations grouped by kind with the "why" as detail; it
// follows the ranking while open; its "Not interested" button dismisses like the tree's; and VS Code's own accept
// command on the highlighted row opens the file, which the tracker records as an open.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { LatentApi } from '../../src/extension';
import type { RecommendationPickItem, RecommendationsQuickPick } from '../../src/views/recommendations/quickPick';
import { activateLatent, waitFor, workspaceRoot } from './helpers';

const DIR = 'latent-quickpick-it';
const AREA_A = ['a/one.ts', 'a/two.ts', 'a/three.ts', 'a/four.ts'];
const AREA_B = ['b/x.ts', 'b/y.ts', 'b/z.ts', 'b/w.ts'];
const SNIPPET = 'snippet:workspace/Latent QuickPick Box';
const key = (rel: string) => `file:${DIR}/${rel}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Pipeline = NonNullable<LatentApi['pipeline']>;

/** Past sessions two hours apart, alternating area A (with a snippet inserted) and area B. */
function recordHistory(p: Pipeline, sessions: number): void {
  const now = Date.now();
  for (let s = 0; s < sessions; s++) {
    const files = s % 2 ? AREA_B : AREA_A;
    const t0 = now - (sessions - s + 1) * 2 * 3600_000;
    for (let j = 0; j < 3; j++) {
      const item = key(files[(s + j) % files.length]);
      const t = t0 + j * 60_000;
      p.tracker.record({ t, item, kind: 'open', amount: 1 });
      p.tracker.record({ t: t + 1000, item, kind: 'dwell', amount: 45 });
      p.tracker.record({ t: t + 2000, item, kind: 'edit', amount: 1 });
    }
    if (s % 2 === 0) p.tracker.record({ t: t0 + 200_000, item: SNIPPET, kind: 'snippet', amount: 1 });
  }
}

/** The rows as "-- Separator" and item keys, the way they are laid out. */
function layout(items: readonly RecommendationPickItem[]): string[] {
  return items.map((i) => (i.kind === vscode.QuickPickItemKind.Separator ? `-- ${i.label}` : (i.item ?? '?')));
}

/** The live recommendations as the quick pick should lay them out: grouped by kind, ranking order inside. */
function expectedLayout(p: Pipeline): string[] {
  const recs = p.recommendations().map((r) => r.item);
  const out: string[] = [];
  for (const [prefix, label] of [['file:', 'Files'], ['snippet:', 'Snippets'], ['extension:', 'Extensions']] as const) {
    const ofKind = recs.filter((i) => i.startsWith(prefix));
    if (ofKind.length > 0) out.push(`-- ${label}`, ...ofKind);
  }
  return out;
}

describe('Go to Recommended... (real VS Code)', function () {
  this.timeout(120_000);
  let p: Pipeline;
  let open: RecommendationsQuickPick | undefined;

  const goToRecommended = async (): Promise<RecommendationsQuickPick> => {
    open = await vscode.commands.executeCommand<RecommendationsQuickPick>('latent.goToRecommended');
    assert.ok(open?.quickPick, 'the command returns the open quick pick');
    return open;
  };

  before(async () => {
    for (const rel of [...AREA_A, ...AREA_B]) {
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(workspaceRoot(), DIR, rel), Buffer.from(`// ${rel}\n`, 'utf8'));
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const api = await activateLatent();
    assert.ok(api.pipeline);
    p = api.pipeline;
    await p.ready;
    p.tracker.clearSession();
    recordHistory(p, 24);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(workspaceRoot(), DIR, 'a/one.ts'));
    await vscode.window.showTextDocument(doc, { preview: false });
    await waitFor(() => p.tracker.currentSession().some((c) => c.item === key('a/one.ts')), 'the open to reach the session');
    await p.retrain();
    assert.equal(p.trainingState.state, 'idle', p.trainingState.message);
  });

  afterEach(async () => {
    open?.dispose();
    open = undefined;
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('latent.reset', { skipConfirmation: true });
    fs.rmSync(vscode.Uri.joinPath(workspaceRoot(), DIR).fsPath, { recursive: true, force: true });
  });

  it('lists the current recommendations, a separator per kind, the why as detail, Not interested on each and Open to the Side on files', async () => {
    const h = await goToRecommended();
    const rows = layout(h.quickPick.items);
    assert.deepEqual(rows, expectedLayout(p));
    // Both kinds learned here show, files first; the open file is left out as in the tree.
    assert.equal(rows[0], '-- Files');
    assert.ok(rows.includes('-- Snippets') && rows.indexOf('-- Snippets') > rows.indexOf(key('a/two.ts')), rows.join(' | '));
    assert.ok(!rows.includes(key('a/one.ts')));
    const items = h.quickPick.items.filter((i) => i.item);
    for (const i of items) {
      assert.match(i.detail ?? '', / · score -?\d+\.\d\d$/, `${i.label} has a why line`);
      assert.deepEqual(i.buttons, i.item?.startsWith('file:') ? [h.openToSideButton, h.notInterestedButton] : [h.notInterestedButton]);
    }
    const two = items.find((i) => i.item === key('a/two.ts'));
    assert.deepEqual([two?.label, two?.description], ['two.ts', `${DIR}/a`]);
    assert.match(two?.detail ?? '', /often used with one\.ts|fits your current work/i);
    assert.equal(h.quickPick.title, 'Latent: Recommended for you');
    // What leaves the extension host when a keybinding runs the command: plain data.
    assert.deepEqual(JSON.parse(JSON.stringify(h)).items, expectedLayout(p).filter((r) => !r.startsWith('-- ')));
  });

  it('follows the live ranking while it is open', async () => {
    const h = await goToRecommended();
    const before = layout(h.quickPick.items);
    // Work moves to area B (recorded as the tracker records it): the ranking, and the open pick, follow.
    const t = Date.now();
    for (const rel of ['b/x.ts', 'b/y.ts', 'b/z.ts']) {
      p.tracker.record({ t, item: key(rel), kind: 'open', amount: 1 });
      p.tracker.record({ t, item: key(rel), kind: 'dwell', amount: 300 });
      p.tracker.record({ t, item: key(rel), kind: 'edit', amount: 5 });
    }
    assert.ok(before[1].startsWith(key('a/')), `area A led: ${before.join(' | ')}`);
    await waitFor(() => p.recommendations()[0]?.item.startsWith(key('b/')), 'area B to lead the ranking');
    await waitFor(() => layout(h.quickPick.items)[1].startsWith(key('b/')), 'the open quick pick to follow');
    assert.notDeepEqual(layout(h.quickPick.items), before);
    assert.deepEqual(layout(h.quickPick.items), expectedLayout(p));
  });

  it('leaves its rows and highlight alone when a new ranking changes none of them', async () => {
    const h = await goToRecommended();
    const rows = h.quickPick.items;
    const second = rows.filter((i) => i.item)[1];
    assert.ok(second, layout(rows).join(' | '));
    h.quickPick.activeItems = [second];
    h.refresh();
    assert.equal(h.quickPick.items, rows, 'the same rows: not put back');
    assert.deepEqual(h.quickPick.activeItems.map((i) => i.item), [second.item]);
  });

  it('"Not interested" on a row removes it from the pick and from the recommendations, and remembers it', async () => {
    const h = await goToRecommended();
    const victim = h.quickPick.items.find((i) => i.item?.startsWith('file:'));
    const gone = victim?.item;
    assert.ok(victim && gone);
    // What VS Code calls when the row's button is clicked (the e2e suite clicks it in the browser).
    h.onItemButton({ button: h.notInterestedButton, item: victim });
    await waitFor(() => !h.quickPick.items.some((i) => i.item === gone), 'the row to go');
    assert.ok(!p.recommendations().some((r) => r.item === gone), 'dismissed as the tree dismisses');
    assert.deepEqual(layout(h.quickPick.items), expectedLayout(p));
    await p.flush();
    const dir = p.storeDir();
    const stored = fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl')).map((n) => fs.readFileSync(`${dir}/${n}`, 'utf8')).join('\n');
    assert.ok(stored.split('\n').some((l) => l.includes('"dismiss"') && l.includes(gone)), 'the dismissal is stored');
  });

  it('Enter on the highlighted row opens the file and records an open', async () => {
    const h = await goToRecommended();
    const target = h.quickPick.items.filter((i) => i.item?.startsWith('file:'))[1];
    assert.ok(target?.item, layout(h.quickPick.items).join(' | '));
    const opens: string[] = [];
    const sub = p.tracker.onDidRecord((e) => {
      if (e.kind === 'open') opens.push(e.item);
    });
    try {
      // The list follows the live ranking: a new ranking while the highlight travels (a retrain that finished) puts
      // it back on the first row, so it is set again until it holds. A fresh-clone CI run opened the first row.
      for (let attempt = 1; ; attempt++) {
        const row = h.quickPick.items.find((i) => i.item === target.item);
        assert.ok(row, `${target.item} is still listed: ${layout(h.quickPick.items).join(' | ')}`);
        h.quickPick.activeItems = [row];
        await sleep(300); // the highlight reaches the workbench (the extension host batches quick pick updates)
        if (h.quickPick.activeItems[0]?.item === target.item) break;
        assert.ok(attempt < 10, `the highlight did not stay on ${target.item} (now ${h.quickPick.activeItems[0]?.item ?? 'nothing'})`);
      }
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      assert.equal(await h.done, target.item);
      const rel = target.item.slice('file:'.length);
      await waitFor(() => vscode.window.activeTextEditor?.document.uri.path.endsWith(`/${rel}`), `${rel} to open in the editor`);
      await waitFor(() => opens.includes(target.item as string), 'the open to be recorded');
      await waitFor(() => !p.recommendations().some((r) => r.item === target.item), 'the opened file to leave the ranking');
    } finally {
      sub.dispose();
    }
  });

  it('Open to the Side on a file\'s row closes the pick and opens the file beside the editor', async () => {
    const h = await goToRecommended();
    const row = h.quickPick.items.find((i) => i.item?.startsWith('file:'));
    assert.ok(row?.item, layout(h.quickPick.items).join(' | '));
    const before = vscode.window.activeTextEditor?.viewColumn;
    // What VS Code calls when the row's button is clicked.
    h.onItemButton({ button: h.openToSideButton, item: row });
    assert.equal(await h.done, row.item);
    const rel = row.item.slice('file:'.length);
    await waitFor(() => vscode.window.activeTextEditor?.document.uri.path.endsWith(`/${rel}`), `${rel} to open`);
    assert.equal(vscode.window.activeTextEditor?.viewColumn, (before ?? 1) + 1, 'in the column beside');
    await vscode.commands.executeCommand('workbench.action.joinAllGroups');
  });

  it('Escape closes it without opening anything', async () => {
    const h = await goToRecommended();
    const editor = vscode.window.activeTextEditor?.document.uri.toString();
    await sleep(200);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await h.done, undefined);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), editor);
  });
});
