// Cold start as a user sees it: a fresh git workspace with no Latent data. Latent offers once to learn from the
// history; "Not now" is remembered; "Latent: Learn from Git History" from the F1 palette then fills the tree, and
// with a UI file open the UI files that were committed with it rank above the backend files.
// A second workspace with only a few commits shows the frecency fallback in the view's description.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { gitWorkspace, newRepository } from './gitRepository';
import { startCodeServer, until, type Session } from './harness';
import { assertUiAreaFirst, findStoreDir } from './sampleWorkspace';

/** A two-file repository whose every commit changes both files: with both open, nothing is left to recommend. */
function twoFileRepository(commits: number): { root: string; workspace: string } {
  const { root, workspace, clock, git } = newRepository('ws-offer-', 'two-files', (w) => mkdirSync(w), 10);
  for (let c = 0; c < commits; c++) {
    for (const f of ['a.ts', 'b.ts']) appendFileSync(path.join(workspace, f), `// change ${c}\n`);
    clock.t += 3600;
    git('add', '-A');
    git('commit', '-q', '-m', `change ${c}`);
  }
  return { root, workspace };
}

describe('Cold start from git history (code-server + Chromium)', function () {
  this.timeout(180_000);
  let s: Session | undefined;
  let root = '';
  afterEach(async () => {
    await s?.close();
    s = undefined;
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('offers once, then "Learn from Git History" from the palette fills the tree with co-changed files first', async () => {
    const ws = gitWorkspace(24);
    root = ws.root;
    s = await startCodeServer({ workspace: ws.workspace });
    await s.openView();
    // From the first text it shows (polled every 200 ms): the offer, never the no-offer text for a second before it.
    const seen: string[] = [];
    await s.waitForWelcome(/Learn from Git History/, 20_000, seen);
    assert.ok(!seen.some((t) => /Nothing to recommend right now/.test(t)), seen.join(' | '));

    // The one-time offer on first activation (latent.git.bootstrap: "ask").
    await s.waitForNotification(/learn a first model from this repository/);
    await s.page.locator('.notifications-toasts .monaco-button', { hasText: 'Not now' }).first().click();
    await until(async () => !(await s!.notifications()).some((t) => /learn a first model/.test(t)), 'the offer to close');
    assert.deepEqual(await s.viewRows(), [], '"Not now" learns nothing');

    await s.openFile('src/ui/app.ts');
    await s.runCommand('Latent: Learn from Git History');
    await s.waitForNotification(/Learned from 25 of 25 commits/, 60_000);
    await until(async () => (await s!.viewRows()).some((t) => t.startsWith('list.ts')), 'recommendations in the tree', 60_000);
    // A background run scheduled at startup may still be training (the import joins it): let it finish.
    await until(async () => !(await s!.notifications()).some((t) => /training recommendations/.test(t)), 'training to finish', 60_000);
    const rows = await s.viewRows();
    await s.page.mouse.move(700, 450);
    await s.screenshot('coldstart-tree');

    assertUiAreaFirst(rows);
    // Learned, not guessed: no frecency fallback note.
    assert.equal(await s.page.locator('.part.sidebar').getByText(/Few sessions yet/).filter({ visible: true }).count(), 0);
  });

  it('the offer goes away once history is learned from the welcome button, though the question was left open', async () => {
    const ws = twoFileRepository(6);
    root = ws.root;
    s = await startCodeServer({ workspace: ws.workspace });
    await s.openView();
    // Offered twice: the one-time question, and the welcome content's button. The question is left unanswered.
    await s.waitForNotification(/learn a first model from this repository/);
    await s.waitForWelcome(/Learn from Git History/);
    // Both files open: once learned, everything Latent knows is open, so the tree stays empty and the welcome shows.
    await s.openFile('a.ts');
    await s.openFile('b.ts');
    const welcome = s.page.locator('.part.sidebar .welcome-view-content');
    await welcome.locator('.monaco-button', { hasText: 'Learn from Git History' }).click();
    await s.waitForNotification(/Learned from 6 of 6 commits/, 60_000);
    const after = await s.waitForWelcome(/Nothing to recommend right now/);
    assert.doesNotMatch(after, /Learn from Git History/);
    assert.equal(await welcome.locator('.monaco-button', { hasText: 'Learn from Git History' }).count(), 0, 'no Learn button any more');
    assert.deepEqual(await s.viewRows(), []);
    await s.screenshot('offer-gone');

    // VS Code cannot withdraw a notification an extension showed: the question may still be open (as a toast, or in
    // the notification list). Its "Learn from Git" now says it is done instead of reading the history again.
    const stale = s.page.locator('.notifications-toasts .monaco-button, .notifications-center .monaco-button', { hasText: 'Learn from Git' });
    if (!(await stale.first().isVisible())) await s.runCommand('Notifications: Show Notifications');
    const storeDir = findStoreDir(s.server.userDataDir);
    assert.ok(storeDir);
    const imported = statSync(path.join(storeDir, 'git-sessions.json')).mtimeMs;
    await stale.first().click();
    await s.page.getByText(/history has been learned already/).first().waitFor({ state: 'visible' });
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(statSync(path.join(storeDir, 'git-sessions.json')).mtimeMs, imported, 'the history was not read and saved again');
  });

  it('with only a few commits the view ranks by recent use and says so', async () => {
    const ws = gitWorkspace(4);
    root = ws.root;
    s = await startCodeServer({ workspace: ws.workspace, settings: { 'latent.git.bootstrap': 'always' } });
    await s.openView();
    // "always": no question, the import runs on activation.
    await s.waitForNotification(/Learned from 5 of 5 commits/, 60_000);
    await until(async () => (await s!.viewRows()).length > 0, 'rows in the tree', 60_000);
    // The view's message (always visible, unlike the description when the view is alone in its container).
    const note = s.page.locator('.part.sidebar').getByText(/Few sessions yet: ranking by recent use/).filter({ visible: true });
    await note.first().waitFor({ state: 'visible', timeout: 20_000 });
    assert.match(await note.first().innerText(), /\(5 of the 10 sessions with several files needed/);
    assert.ok(!(await s.notifications()).some((t) => /learn a first model/.test(t)), '"always" does not ask');
    await s.screenshot('coldstart-frecency');
  });

  it('with latent.enabled off nothing is asked nor learned, and the view says Latent is off', async () => {
    const ws = gitWorkspace(6);
    root = ws.root;
    s = await startCodeServer({ workspace: ws.workspace, settings: { 'latent.enabled': false } });
    await s.openView();
    const seen: string[] = [];
    await s.waitForWelcome(/Latent is off in this workspace/, 20_000, seen);
    assert.ok(!seen.some((t) => /Learn from Git History/.test(t)), seen.join(' | '));
    // A question would come once the store is read after activation: within a second or two in the first test.
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok(!(await s.notifications()).some((t) => /learn a first model/.test(t)), 'no question while Latent is off');
    assert.deepEqual(await s.viewRows(), [], 'nothing learned');
    await s.screenshot('coldstart-disabled');
  });

  it('with "never" nothing is offered, and the welcome content\'s button learns from git', async () => {
    const ws = gitWorkspace(12);
    root = ws.root;
    s = await startCodeServer({ workspace: ws.workspace, settings: { 'latent.git.bootstrap': 'never' } });
    await s.openView();
    await s.page.locator('.part.sidebar .welcome-view-content .monaco-button', { hasText: 'Learn from Git History' }).click();
    await s.waitForNotification(/Learned from 13 of 13 commits/, 60_000);
    await until(async () => (await s!.viewRows()).length > 0, 'rows in the tree', 60_000);
    assert.ok(!(await s.notifications()).some((t) => /learn a first model/.test(t)), '"never" does not ask');
  });
});
