// A file renamed in the Explorer keeps its place in "Recommended for you": its history and learned vector move to the
// new name at once, without retraining, and a retrain afterwards still knows it under that name.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { startCodeServer, until, type Session } from './harness';
import { retrainedOnHistory } from './sampleWorkspace';

describe('Renaming a recommended file in the Explorer (code-server + Chromium)', function () {
  this.timeout(240_000);
  let s: Session;
  before(async () => {
    // TypeScript's "update imports?" after a move can take the focus from the command palette: not what is tested.
    s = await startCodeServer({ settings: { 'typescript.updateImportsOnFileMove.enabled': 'never', 'javascript.updateImportsOnFileMove.enabled': 'never' } });
  });
  after(async () => {
    await s?.close();
  });

  it('keeps its rank under the new name, and the store holds the rename', async () => {
    const { storeDir, rows: before } = await retrainedOnHistory(s);
    const rank = before.findIndex((t) => t.startsWith('list.ts'));

    // Rename from the Explorer's context menu (a right click selects the row without opening the file, which would
    // take it out of the recommendations).
    await s.runCommand('File: Reveal Active File in Explorer View');
    const explorerRow = s.page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^list\.ts$/ }).first();
    const input = s.page.locator('.explorer-folders-view .monaco-inputbox input').first();
    // As a person would: if the menu closed before "Rename..." took (the Explorer re-rendered under load), again.
    // Each try is bounded (a right click waiting on a row the Explorer had not drawn yet took a whole try's budget).
    await until(
      async () => {
        await s.page.keyboard.press('Escape');
        if (!(await explorerRow.isVisible())) await s.runCommand('File: Reveal Active File in Explorer View').catch(() => undefined);
        await explorerRow.click({ button: 'right', timeout: 5000 }).catch(() => undefined);
        await s.page.locator('.monaco-menu .action-label', { hasText: /^Rename/ }).first().click({ timeout: 5000 }).catch(() => undefined);
        // The menu gone before its item took: the right click left the row focused in the Explorer, where F2 renames.
        if (!(await input.isVisible())) {
          await s.page.keyboard.press('Escape');
          await s.page.keyboard.press('F2');
        }
        await input.waitFor({ state: 'visible', timeout: 3000 }).catch(() => undefined);
        return input.isVisible();
      },
      'the Explorer\'s rename box',
      60_000,
    );
    await input.fill('list-view.ts');
    await input.press('Enter');
    await s.page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^list-view\.ts$/ }).first().waitFor({ state: 'visible' });
    await s.openView(); // back to the Latent view (the Explorer took the sidebar)

    const after = await until(
      async () => {
        const r = await s.viewRows();
        return r.some((t) => t.startsWith('list-view.ts')) && r;
      },
      'the renamed file among the recommendations',
      15_000,
    );
    await s.screenshot('tree-after-rename');
    assert.equal(after.findIndex((t) => t.startsWith('list-view.ts')), rank, `same rank: before ${before.join(' | ')}; after ${after.join(' | ')}`);
    assert.ok(!after.some((t) => t.startsWith('list.ts')), `the old name is gone: ${after.join(' | ')}`);
    const stored = await until(
      async () => {
        const text = readdirSync(storeDir)
          .filter((n) => n.startsWith('journal-')) // this window's journal is kept while it lives
          .map((n) => readFileSync(path.join(storeDir, n), 'utf8'))
          .join('\n');
        return text.includes('"kind":"rename"') && text;
      },
      'the rename in the store',
    );
    assert.match(stored, /"item":"file:src\/ui\/list-view\.ts","kind":"rename","amount":0,"from":"file:src\/ui\/list\.ts"/);

    // Retrained from the store: the history is the new name's now.
    const modelFile = path.join(storeDir, 'model.json');
    const savedBefore = statSync(modelFile).mtimeMs;
    // As a person would: if something took the focus from the palette, press Escape and try again.
    await until(
      () =>
        s.runCommand('Latent: Retrain Model').then(
          () => true,
          () => s.page.keyboard.press('Escape').then(() => false),
        ),
      'Retrain from the palette',
      90_000,
    );
    await until(async () => statSync(modelFile).mtimeMs > savedBefore, 'a new model saved by the retrain', 60_000);
    const retrained = await until(
      async () => {
        const r = await s.viewRows();
        return r.some((t) => t.startsWith('list-view.ts')) && r;
      },
      'the renamed file still recommended after retraining',
      60_000,
    );
    assert.ok(!retrained.some((t) => t.startsWith('list.ts')), `the old name does not come back: ${retrained.join(' | ')}`);
  });
});
