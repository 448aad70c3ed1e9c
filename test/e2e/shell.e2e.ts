// The extension shell as a user meets it: the Latent view, its welcome content, palette commands, the Reset
// confirmation dialog, and reading text inside a webview's iframes.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT, SELECTORS, startCodeServer, until, type Session } from './harness';

describe('Latent in code-server + Chromium', function () {
  this.timeout(120_000);
  let s: Session;
  before(async () => {
    s = await startCodeServer();
  });
  after(async () => {
    await s?.close();
  });

  it('shows the Latent view with welcome content in a fresh workspace', async () => {
    await s.openView();
    assert.deepEqual(await s.viewRows(), [], 'a fresh workspace has nothing to recommend');
    const welcome = await s.waitForWelcome(/Nothing has been learned here yet/);
    // The sample workspace has no commits of its own (a copy under the git-ignored .cache/): no "Learn from Git
    // History" button, which led to a message saying there was no history. A repository's is in coldstart.e2e.ts.
    assert.doesNotMatch(welcome, /Learn from Git History/);
    assert.match(welcome, /Retrain Model/);
    await s.screenshot('latent-view');
  });

  it('the welcome\'s Settings link opens Latent\'s settings and only those', async () => {
    await s.page.locator(`${SELECTORS.welcome} a`, { hasText: /^Settings$/ }).first().click();
    const count = s.page.locator('.settings-editor .settings-count-widget');
    const found = await until(async () => {
      const t = (await count.textContent().catch(() => '')) ?? '';
      return /\d+ Settings? Found/.test(t) ? t : undefined;
    }, 'the settings editor\'s count');
    const declared = Object.keys((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: object } } }).contributes.configuration.properties).length;
    assert.equal(found, `${declared} Settings Found`);
    await s.screenshot('settings-from-welcome');
    await s.page.keyboard.press('Control+W');
  });

  it('the welcome\'s "see what is kept" shows what is recorded, rendered', async () => {
    await s.openView();
    await s.page.locator(`${SELECTORS.welcome} a`, { hasText: /^see what is kept$/ }).first().click();
    const tab = s.page.locator('.tabs-container .tab', { hasText: 'Latent recorded data' });
    await tab.first().waitFor({ state: 'visible' });
    const body = s.webview().locator('body');
    const text = await until(async () => {
      const t = (await body.innerText().catch(() => '')) ?? '';
      return /What Latent has recorded in this workspace/.test(t) ? t : undefined;
    }, 'the rendered document');
    assert.match(text, /Nothing is sent anywhere/);
    assert.match(text, /Nothing recorded yet|events? from/);
    await s.screenshot('recorded-data');
    // Closed with the tab's own button, not a key: the rendered preview holds the keyboard, and keys pressed there
    // (F1 for the next test's palette) were seen not to reach the workbench in a CI run.
    await tab.first().hover();
    await tab.first().locator('.tab-actions .action-label').first().click();
    await until(async () => (await tab.count()) === 0, 'the document\'s tab to close', 10_000);
    await s.openView();
  });

  it('runs Retrain from the F1 palette and says what it does (nothing to train yet, or training)', async () => {
    await s.runCommand('Latent: Retrain Model');
    // Depending on timing the tracker may already have recorded the startup's extension activations, and then
    // Retrain really trains on them: both are honest answers, anything else (or silence) fails.
    assert.match(await s.waitForNotification(/^Latent:/), /not trained yet|nothing to train|training recommendations/i);
    await s.screenshot('retrain');
  });

  it('pause and resume switch the welcome content', async () => {
    await s.runCommand('Latent: Pause Tracking');
    await s.page.getByText('Tracking is paused').first().waitFor({ state: 'visible' });
    assert.match(await s.viewWelcomeText(), /Tracking is paused/);
    await s.runCommand('Latent: Resume Tracking');
    // As before the pause: nothing learned, or (if the Retrain above trained on the startup's signals) nothing to show.
    await s.waitForWelcome(/Nothing has been learned here yet|Nothing to recommend right now/);
  });

  it('Reset asks for confirmation in a modal dialog, then clears', async () => {
    // Earlier tests' toasts can fill the toast area (VS Code shows a few at a time and queues the rest).
    await s.runCommand('Notifications: Clear All Notifications');
    await s.runCommand('Latent: Reset All Data');
    const button = s.dialogButton('Reset');
    await button.waitFor({ state: 'visible' });
    await s.screenshot('reset-confirmation');
    await button.click();
    assert.match(await s.waitForNotification(/all data of this workspace has been reset/), /reset/);
  });

  it('the walkthrough opens from "Welcome: Open Walkthrough..." with its steps and their pages', async () => {
    const input = s.page.locator('.quick-input-widget input.input');
    await s.page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill('>Welcome: Open Walkthrough...');
    await s.page.locator('.quick-input-widget .monaco-list-row[aria-label^="Welcome: Open Walkthrough"]').first().click();
    await s.page.locator('.quick-input-widget input.input[aria-label="Select a walkthrough to open"]').waitFor({ state: 'visible' });
    await input.fill('Get Started with Latent');
    await s.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Get Started with Latent' }).first().click();
    try {
      const page = s.page.locator('.gettingStartedContainer');
      await page.getByText('Learn from your git history').first().waitFor({ state: 'visible' });
      const text = await page.innerText();
      for (const step of ['See what is recommended', 'Look inside the model', 'Private, and yours to stop']) assert.ok(text.includes(step), step);
      // The step's page (its Markdown) renders in a webview beside the steps.
      await s.webview(0).getByText(/each commit is a session of the files it changed/).waitFor({ state: 'visible' });
      await s.screenshot('walkthrough');
    } finally {
      await s.runCommand('View: Close All Editors');
    }
  });

  it('reads text inside a webview iframe (Markdown preview of the sample README)', async () => {
    await s.openFile('README.md');
    await s.runCommand('Markdown: Open Preview');
    const heading = s.webview().locator('h1');
    await heading.waitFor({ state: 'visible' });
    assert.match(await heading.innerText(), /Tiny Tasks/);
    await s.screenshot('webview');
  });

  // Last: it leaves the folder for an empty window.
  it('in a window with no folder the welcome says nothing is recorded there and offers Open Folder, not Retrain', async () => {
    const retrainAction = s.page.locator('.part.sidebar [aria-label="Retrain Model"]');
    await s.openView();
    await retrainAction.first().waitFor({ state: 'visible' }); // in the folder's window, on the view's title
    const empty = new URL(s.url);
    empty.search = '?ew=true';
    await s.page.goto(empty.toString());
    await s.openView();
    const welcome = await s.waitForWelcome(/No folder is open/);
    assert.match(welcome, /nothing is recorded here/);
    assert.doesNotMatch(welcome, /Retrain Model|recommendations appear as you work|see what is kept/);
    // The title bar keeps only what means something without a folder (Pause, the ... menu's Reset).
    assert.equal(await retrainAction.count(), 0);
    await s.page.locator(`${SELECTORS.welcome} .monaco-button`, { hasText: 'Open Folder' }).click();
    await s.page.locator('.quick-input-widget', { hasText: 'Open Folder' }).waitFor({ state: 'visible' });
    await s.screenshot('no-folder');
    await s.page.keyboard.press('Escape');
  });
});
