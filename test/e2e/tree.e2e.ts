// "Recommended for you" as a user sees it: after past working sessions (a journal left by an earlier window) and
// scripted use in this one, Retrain from the palette fills the tree with the files that go with the open one.
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startCodeServer, until, type Session } from './harness';
import { assertUiAreaFirst, retrainedOnHistory } from './sampleWorkspace';

describe('Recommended for you (code-server + Chromium)', function () {
  this.timeout(180_000);
  let s: Session;
  before(async () => {
    s = await startCodeServer();
  });
  after(async () => {
    await s?.close();
  });

  it('shows real recommendations after past sessions and scripted use, and opens one on click', async () => {
    const { rows } = await retrainedOnHistory(s);
    // The Retrain asked for says it is done (its progress notification closes with it), for a few seconds.
    const done = s.page.locator('.statusbar-item', { hasText: /Latent: (trained|updated) on [\d,]+ interactions in \d+(\.\d)? m?s/ }).first();
    await done.waitFor({ state: 'visible', timeout: 5000 });
    await s.screenshot('tree-recommendations');

    assertUiAreaFirst(rows);
    // Screen readers get the name, the place and the reason (the tooltip is hover-only).
    const pane = s.page.locator('.part.sidebar .pane-body');
    const listRow = pane.locator('.monaco-list-row', { hasText: 'list.ts' }).first();
    assert.match((await listRow.getAttribute('aria-label')) ?? '', /^list\.ts, file in src\/ui\. Recommended: .*often used with .* · score \d+\.\d\d$/i);
    assert.match((await pane.locator('.monaco-list-row', { hasText: 'Files' }).first().getAttribute('aria-label')) ?? '', /^Files: \d+ recommendations?$/);

    // Clicking a file opens it; being open, it then leaves the recommendations (live, no retraining).
    await s.openFromView('theme.ts');
    await until(async () => !(await s.viewRows()).some((t) => t.startsWith('theme.ts')), 'theme.ts to leave the tree', 10_000);
    await s.screenshot('tree-after-click');
  });

  it('while paused the view and the status bar say so, and Resume is a button on the view\'s title and the status bar entry', async () => {
    const note = s.page.locator('.part.sidebar').getByText(/^Tracking is paused: nothing you do here is recorded/);
    const resume = s.page.locator('.part.sidebar .title-actions .action-label[aria-label="Resume Tracking"]');
    const status = s.page.locator('.statusbar-item', { hasText: 'Latent paused' });
    assert.equal(await note.count(), 0);
    assert.equal(await status.count(), 0, 'nothing in the status bar while recording');
    await s.runCommand('Latent: Pause Tracking');
    await note.first().waitFor({ state: 'visible' });
    await resume.first().waitFor({ state: 'visible' });
    await status.first().waitFor({ state: 'visible' });
    assert.ok((await s.viewRows()).length > 0, 'the recommendations stay');
    await s.screenshot('tree-paused');
    await resume.first().click();
    await until(async () => (await note.count()) === 0, 'the note to go once resumed', 10_000);
    // The title's buttons follow the context key a moment after the view's note (seen to lag under load).
    await until(async () => (await resume.count()) === 0, 'Resume to leave the title once resumed', 5_000);
    await until(async () => (await status.count()) === 0, 'the status bar entry to go once resumed', 5_000);
    // Paused again, the status bar entry resumes too, wherever the view is.
    await s.runCommand('Latent: Pause Tracking');
    await status.first().waitFor({ state: 'visible' });
    await status.first().click();
    await until(async () => (await note.count()) === 0 && (await status.count()) === 0, 'resumed from the status bar', 10_000);
  });

  it('Not Interested hides a row at once, and the message\'s Undo brings it back', async () => {
    await s.runCommand('Notifications: Clear All Notifications');
    // A file's row is named "<name>, file in <folder>. Recommended: ...".
    const label = (await s.page.locator('.part.sidebar .monaco-list-row[aria-label*=", file in"]').first().getAttribute('aria-label')) ?? '';
    const name = label.slice(0, label.indexOf(','));
    assert.ok(name, `a recommendation to dismiss: ${label}`);
    const row = s.page.locator('.part.sidebar .monaco-list-row', { hasText: name }).first();
    await row.hover();
    await row.locator('.action-label[aria-label="Not Interested"]').click();
    await until(async () => !(await s.viewRows()).some((t) => t.startsWith(name)), `${name} to leave the tree`, 10_000);
    await s.waitForNotification(new RegExp(`${name.replace('.', '\\.')} will not be recommended again`));
    await s.screenshot('tree-not-interested');
    await s.page.locator('.notifications-toasts .monaco-button', { hasText: 'Undo' }).first().click();
    await until(async () => (await s.viewRows()).some((t) => t.startsWith(name)), `${name} to come back`, 10_000);
  });

  it('a file row\'s context menu has the Explorer\'s entries, and Reveal in Explorer View shows the file there', async () => {
    const label = (await s.page.locator('.part.sidebar .monaco-list-row[aria-label*=", file in"]').first().getAttribute('aria-label')) ?? '';
    const name = label.slice(0, label.indexOf(','));
    assert.ok(name, `a recommended file: ${label}`);
    const row = s.page.locator('.part.sidebar .monaco-list-row', { hasText: name }).first();
    await row.click({ button: 'right' });
    const entries = s.page.locator('.context-view .action-label');
    await entries.first().waitFor({ state: 'visible' });
    const seen = (await entries.allInnerTexts()).map((t) => t.trim()).filter((t) => t.length > 0);
    for (const e of ['Open to the Side', 'Reveal in Explorer View', 'Copy Path', 'Copy Relative Path', 'Why This?', 'Not Interested']) {
      assert.ok(seen.includes(e), `"${e}" in the menu: ${seen.join(' | ')}`);
    }
    // A click on a menu entry right after the menu opened is sometimes not taken (seen here: the menu stays open with
    // the entry highlighted); Enter on the highlighted entry is what a person would do next.
    await entries.filter({ hasText: /^Reveal in Explorer View$/ }).first().click();
    if (await entries.first().isVisible().catch(() => false)) await s.page.keyboard.press('Enter');
    await s.page.locator('.explorer-folders-view .monaco-list-row.selected', { hasText: name }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await s.screenshot('tree-reveal-in-explorer');
    await s.openView();
  });

  it('with latent.recommendKinds narrowed the files leave, and the welcome says the setting is why, not the work', async () => {
    const settings = path.join(s.workspace, '.vscode', 'settings.json');
    mkdirSync(path.dirname(settings), { recursive: true });
    const hasFiles = async (): Promise<boolean> => (await s.viewRows()).some((t) => t === 'Files');
    assert.ok(await hasFiles(), 'files are recommended before');
    try {
      // Snippets only: no file row; if no snippet fits either, the welcome names the setting.
      writeFileSync(settings, JSON.stringify({ 'latent.recommendKinds': ['snippets'] }));
      await until(async () => !(await hasFiles()), 'the files to leave the view', 15_000);
      const rows = await s.viewRows();
      console.log(`      (with snippets only: ${rows.length === 0 ? 'nothing to show, the welcome' : rows.join(', ')})`);
      assert.ok(rows.length === 0 || rows[0] === 'Snippets', rows.join(', '));
      if (rows.length === 0) {
        assert.match(await s.waitForWelcome(/latent\.recommendKinds setting lists/), /the others are recorded, never suggested/);
        assert.doesNotMatch(await s.viewWelcomeText(), /recommendations appear as you work/);
      }
      // None at all: nothing would ever show, and the welcome says so whatever was learned.
      writeFileSync(settings, JSON.stringify({ 'latent.recommendKinds': [] }));
      assert.match(await s.waitForWelcome(/suggests nothing here/, 15_000), /lists none of files, snippets and extensions/);
      await s.screenshot('tree-no-kinds');
    } finally {
      rmSync(path.dirname(settings), { recursive: true, force: true });
    }
    await until(hasFiles, 'the files to come back', 15_000);
  });
});
