// "Inside the model" in real VS Code (code-server) and Chromium: real activity trains a real model, the panel
// opens from the palette, and what it shows inside the webview's iframe is checked against the saved model file.
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { confidence } from '../../src/core/confidence';
import { deserializeRecommender, type RecommenderModel } from '../../src/core/recommender';
import { CACHE, QUIET_SETTINGS, ROOT } from './codeServer';
import { startCodeServer, type Session } from './harness';

const HOSTILE_NAME = '<img src=x onerror=alert(1)>.ts';
const FILES = ['src/ui/app.ts', 'src/ui/list.ts', HOSTILE_NAME, 'src/store/tasks.ts'];
// The panel's tab title; its iframe has no title attribute, so the webview is found by index (the only one).
const PANEL_TITLE = 'Inside the model';

function findFile(dir: string, name: string): string | undefined {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isFile() && e.name === name) return p;
    if (e.isDirectory()) {
      const f = findFile(p, name);
      if (f) return f;
    }
  }
  return undefined;
}

describe('Inside the model panel in code-server', function () {
  this.timeout(180_000);
  let s: Session;
  let tmp: string;
  let panel: FrameLocator;
  let model: RecommenderModel;

  /** Preferences: Color Theme from the palette, then the theme by name (as a user switches themes). */
  const setTheme = async (theme: string): Promise<void> => {
    const input = s.page.locator('.quick-input-widget input.input');
    const rows = s.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    // Focus the workbench first: keys pressed while the webview has focus stay in its iframe.
    await s.page.locator('.monaco-workbench').click({ position: { x: 700, y: 5 } }).catch(() => undefined);
    await s.page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill('>Preferences: Color Theme');
    // Click the exact entries: Enter would take whichever row is highlighted (e.g. "Browse Color Themes...").
    await s.page.locator('.quick-input-widget .monaco-list-row[aria-label^="Preferences: Color Theme"]').first().click();
    await rows.filter({ hasText: /Default (Light|Dark|High)/ }).first().waitFor({ state: 'visible' });
    await input.fill(theme);
    await rows.getByText(theme, { exact: true }).first().click();
    await input.waitFor({ state: 'hidden' });
  };
  /** The panel's background, from a fresh frame lookup (VS Code may recreate the iframe around theme changes). */
  const bodyColor = async (): Promise<string> => {
    panel = s.webview(0);
    await panel.locator('#heatmap').waitFor({ state: 'visible' }).catch(async (e: unknown) => {
      await s.screenshot('debug-theme');
      throw e;
    });
    // Runs in the webview (tsconfig has no DOM lib here, hence the narrow cast).
    type Styles = { getComputedStyle(e: unknown): { backgroundColor: string } };
    return panel.locator('body').evaluate((b) => (globalThis as unknown as Styles).getComputedStyle(b).backgroundColor);
  };

  /** The image the panel's tab draws as its icon (a CSS background of the label's ::before). */
  const tabIcon = (): Promise<string> => {
    type Styles = { getComputedStyle(e: unknown, pseudo: string): { backgroundImage: string } };
    return s.page
      .locator(`.tabs-container .tab[aria-label^="${PANEL_TITLE}"] .monaco-icon-label`)
      .first()
      .evaluate((e) => (globalThis as unknown as Styles).getComputedStyle(e, '::before').backgroundImage);
  };

  before(async () => {
    mkdirSync(path.join(CACHE, 'runs'), { recursive: true });
    tmp = mkdtempSync(path.join(CACHE, 'runs', 'webview-'));
    const ws = path.join(tmp, 'ws');
    cpSync(path.join(ROOT, 'sample-workspace'), ws, { recursive: true });
    writeFileSync(path.join(ws, HOSTILE_NAME), 'export const hostile = true;\n');
    s = await startCodeServer({ workspace: ws, settings: { ...QUIET_SETTINGS } });
  });
  after(async () => {
    await s?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('trains on real activity, including a file with a hostile name', async () => {
    for (const f of FILES) await s.openFile(f);
    // Retrain until a model file exists (the tracker flushes its buffer every few seconds).
    const deadline = Date.now() + 60_000;
    let modelFile: string | undefined;
    while (!modelFile && Date.now() < deadline) {
      await s.runCommand('Latent: Retrain Model');
      await new Promise((r) => setTimeout(r, 3000));
      modelFile = findFile(s.server.userDataDir, 'model.json');
    }
    assert.ok(modelFile, 'the extension saved a trained model');
    model = deserializeRecommender(readFileSync(modelFile, 'utf8'));
    assert.ok(model.items.includes(`file:${HOSTILE_NAME}`), model.items.join(', '));
  });

  it('opens from the palette and shows the model equations with the model\'s settings', async () => {
    await s.runCommand('Latent: Inspect Latent Factors');
    panel = s.webview(0);
    await panel.locator('#heatmap').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await panel.locator('math#eq-score').count(), 1);
    assert.match((await panel.locator('math#eq-score').textContent()) ?? '', /μ\+bi\+xu·yi/);
    const alpha = await panel.locator('math#eq-confidence-now mn').nth(1).getAttribute('data-value');
    assert.equal(Number(alpha), model.config.alpha);
    const eta = await panel.locator('math#eq-x-now mn').first().getAttribute('data-value');
    assert.equal(Number(eta), model.config.learningRate);
    // The full implicit loss: each vector's penalty counted once (sums over u and i, no bias), so a cell's step takes
    // the session's share over every item and the item's over every session.
    assert.match((await panel.locator('math#eq-loss-now').textContent()) ?? '', /∑u‖xu‖2\+∑i‖yi‖2\)$/);
    const lx = Number(await panel.locator('math#eq-x-now mn').last().getAttribute('data-value'));
    assert.ok(Math.abs(lx - model.config.lambda / model.items.length) < 1e-12, `x's share of lambda ${lx}`);
    assert.equal(await panel.locator('math#eq-b-now').count(), 0, 'no bias update');
    assert.match(await panel.locator('#settings').innerText(), new RegExp(`k = ${model.mf.k}\\b`));
    // The tab's icon is drawn as an image: its light strokes on the dark theme (currentColor would draw it black).
    assert.match(await tabIcon(), /latent-dark\.svg/);
    await s.screenshot('webview-panel-dark');
  });

  it('the worked update\'s numbers are the model file\'s: r_hat = b_i + x_u . y_i, c = 1 + alpha log(1 + r/eps)', async () => {
    const title = await panel.locator('#worked-title').innerText();
    // Named in words (its raw id is `<window>@<start ms>`): recorded here, so the user's own session.
    assert.match(title, /your session of \d{4}-\d\d-\d\d \d\d:\d\d \(row \d+\)/);
    const x = model.training.lastRow?.x;
    assert.ok(x, 'the model file records the training row\'s vector');
    const item = await panel.locator('.step-body button.item').first().getAttribute('data-item');
    assert.ok(item);
    const i = model.items.indexOf(item);
    assert.ok(i >= 0, `${item} is in the model`);
    const { k, itemFactors: Q, itemBias } = model.mf;
    let expected = itemBias[i];
    for (let f = 0; f < k; f++) expected += x[f] * Q[i * k + f];
    const shown = Number(await panel.locator('#w-prediction mn').last().getAttribute('data-value'));
    assert.ok(Math.abs(shown - expected) < 1e-5, `prediction ${shown} vs model file ${expected}`);
    const r = Number(await panel.locator('#w-raw').getAttribute('data-value'));
    const c = Number(await panel.locator('#w-confidence mn').first().getAttribute('data-value'));
    assert.ok(Math.abs(c - confidence(r, model.config.alpha, model.config.epsilon)) < 1e-9);
    const e = Number(await panel.locator('#w-error mn').last().getAttribute('data-value'));
    assert.ok(Math.abs(e - (1 - expected)) < 1e-5);
    // x before is the model file's training row vector.
    const xBefore = await panel.locator('#vectors tbody tr td:nth-child(2) .num').evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-value'))));
    assert.equal(xBefore.length, k);
    xBefore.forEach((v, f) => assert.ok(Math.abs(v - x[f]) < 1e-6));
  });

  it('the training chart has a point per epoch of the model file, and the hit rate is the file\'s (or why it is not available)', async () => {
    const L = model.training.losses;
    assert.equal(L.length, model.stats.epochs);
    assert.ok(L.length > 1, `a multi-epoch run: ${L.length}`);
    assert.equal(await panel.locator('#loss-chart circle').count(), L.length);
    const tips = await panel.locator('#loss-chart circle title').allTextContents();
    tips.forEach((t, i) => assert.match(t, new RegExp(`^epoch ${i + 1}: loss `)));
    // The same numbers as text, for screen readers: the chart's name sums it up, its table has every epoch.
    const label = (await panel.locator('#loss-chart').getAttribute('aria-label')) ?? '';
    assert.match(label, new RegExp(`^Loss per epoch, from \\S+ at epoch 1 to \\S+ at epoch ${L.length}, lowest \\S+ at epoch \\d+\\.`));
    const rows = await panel.locator('#loss-table tbody tr .num').evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-value'))));
    assert.deepEqual(rows, L);
    const h = model.training.heldOut;
    const note = (await panel.locator('#hit-rate-note').textContent()) ?? '';
    if (h.value === null) {
      assert.equal(await panel.locator('#hit-rate').textContent(), 'not available');
      // The model's reason, then the blend in use (fixed by default) unless recent use ranks alone.
      assert.ok(note.startsWith(h.reason ?? '?'), note);
    } else {
      assert.equal(Number(await panel.locator('#hit-rate').getAttribute('data-value')), h.value);
      assert.equal(Number(await panel.locator('#hit-rate-cases').getAttribute('data-value')), h.cases);
      assert.match(note, new RegExp(`^Share of ${h.cases} left-out files`));
    }
    console.log(`      training: ${L.length} epochs, loss ${L[0]} -> ${L[L.length - 1]}; hit rate ${h.value ?? `not available (${h.reason})`}`);
  });

  it('renders the hostile file name as text, never as an element', async () => {
    const names = await panel.locator('button.item').allInnerTexts();
    assert.ok(names.includes(HOSTILE_NAME), names.join(' | '));
    assert.equal(await panel.locator('img').count(), 0);
  });

  it('steps through the replay and keeps the step across hide/show and window reload', async () => {
    // From the keyboard: Enter on "Step", and focus stays on it.
    await panel.locator('#step-next').focus();
    await s.page.keyboard.press('Enter');
    assert.match(await panel.locator('#step-label').innerText(), /^Step 2 of/);
    assert.equal(await panel.locator('#step-next').evaluate((b) => b === (b.ownerDocument as { activeElement: unknown }).activeElement), true);
    // Hide: another editor in front of the panel; show it again.
    await s.openFile('README.md');
    await s.page.locator(`.tabs-container .tab[aria-label^="${PANEL_TITLE}"]`).first().click();
    panel = s.webview(0);
    await panel.locator('#step-label').waitFor({ state: 'visible' });
    assert.match(await panel.locator('#step-label').innerText(), /^Step 2 of/);
    // Window reload: the serializer restores the panel, the webview its saved state.
    await s.page.reload();
    await s.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    // The restored layout may have another editor in front (VS Code saves it periodically): bring the panel up.
    const tab = s.page.locator(`.tabs-container .tab[aria-label^="${PANEL_TITLE}"]`).first();
    await tab.waitFor({ state: 'visible', timeout: 60_000 });
    await tab.click();
    panel = s.webview(0);
    await panel.locator('#heatmap').waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await panel.locator('#step-label').innerText(), /^Step 2 of/);
  });

  it('clicking an item opens it in the editor', async () => {
    await panel.locator(`#heatmap button.item[data-item="file:src/ui/list.ts"]`).click();
    // list.ts was opened before, so wait until it is the active tab (the open really happened).
    await s.page.locator('.tabs-container .tab.active[aria-label^="list.ts"]').first().waitFor({ state: 'visible' });
    await s.page.locator(`.tabs-container .tab[aria-label^="${PANEL_TITLE}"]`).first().click();
    await s.page.locator(`.tabs-container .tab.active[aria-label^="${PANEL_TITLE}"]`).first().waitFor({ state: 'visible' });
    panel = s.webview(0);
    await panel.locator('#heatmap').waitFor({ state: 'visible' });
  });

  it('beside the editor, follows a retrain without being reopened', async () => {
    // What the training section says of the model in use: its data, its newest interaction, its training time.
    const training = async (): Promise<string> => (await s.webview(0).locator('#training dl').innerText()).replace(/\s+/g, ' ');
    const before = await training();
    // The panel to a group of its own, then new work in the first group's editor.
    await s.runCommand('View: Move Editor into Right Group');
    // A control inside the panel was the last thing used there (its document keeps it as its active element).
    await s.webview(0).locator('#step-next').focus();
    await s.page.locator('.tabs-container .tab[aria-label^="list.ts"]').first().click();
    await s.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await s.page.keyboard.type('// more work\n');
    assert.equal(await s.page.locator(`.tabs-container .tab[aria-label^="${PANEL_TITLE}"]`).count(), 1);
    // Retrain until the panel shows another model; it is never shown again by hand.
    const deadline = Date.now() + 60_000;
    let now = before;
    while (now === before && Date.now() < deadline) {
      await s.runCommand('Latent: Retrain Model');
      // Wait for this retrain's model before asking again (it waited a fixed 3 s; in one fresh-machine CI run the
      // next palette closed before its row was clicked, which no run here reproduced).
      const settle = Math.min(deadline, Date.now() + 20_000);
      while ((now = await training()) === before && Date.now() < settle) await new Promise((r) => setTimeout(r, 500));
    }
    assert.notEqual(now, before, `the panel's training section moved on: ${before}`);
    // Following never takes the keyboard: the editor keeps focus through the panel's new numbers, and what is typed
    // lands in it (render() puts focus back on the control that had it, which must only happen inside the panel).
    await new Promise((r) => setTimeout(r, 1500));
    type Doc = { activeElement: { closest(s: string): unknown } | null };
    const inEditor = () => s.page.evaluate(() => !!(globalThis as unknown as { document: Doc }).document.activeElement?.closest('.monaco-editor'));
    assert.equal(await inEditor(), true, 'the editor still has the keyboard after the panel followed');
    await s.page.keyboard.type('typed');
    await s.page.locator('.editor-group-container.active .monaco-editor .view-lines').filter({ hasText: 'typed' }).first().waitFor({ state: 'visible', timeout: 5000 });
    await s.screenshot('webview-panel-beside');
    panel = s.webview(0);
  });

  it('stops its one motion (smooth scrolling) when reduced motion is asked for, inside VS Code\'s webview too', async () => {
    type Doc = { documentElement: unknown; querySelectorAll(s: string): ArrayLike<unknown>; getAnimations(): unknown[] };
    type Styles = { getComputedStyle(e: unknown): { scrollBehavior: string; animationName: string; transitionDuration: string } };
    const motion = () =>
      panel.locator('body').evaluate((b) => {
        const doc = b.ownerDocument as unknown as Doc;
        const w = globalThis as unknown as Styles;
        const moving = Array.from(doc.querySelectorAll('*')).filter((e) => {
          const c = w.getComputedStyle(e);
          return c.animationName !== 'none' || c.transitionDuration.split(',').some((d) => parseFloat(d) > 0);
        }).length;
        return { scroll: w.getComputedStyle(doc.documentElement).scrollBehavior, moving, animations: doc.getAnimations().length };
      });
    assert.equal((await motion()).scroll, 'smooth');
    await s.page.emulateMedia({ reducedMotion: 'reduce' });
    try {
      assert.deepEqual(await motion(), { scroll: 'auto', moving: 0, animations: 0 });
    } finally {
      await s.page.emulateMedia({ reducedMotion: null });
    }
  });

  it('follows the theme: light, dark and high contrast screenshots', async () => {
    const dark = await bodyColor();
    await setTheme('Default Light Modern');
    await s.page.locator('.monaco-workbench.vs').waitFor({ state: 'attached', timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 800));
    const light = await bodyColor();
    assert.notEqual(light, dark);
    assert.match(await tabIcon(), /latent-light\.svg/);
    await s.screenshot('webview-panel-light');
    await panel.locator('#mode-toy').click();
    assert.equal(await panel.locator('#w-prediction mn').last().textContent(), '0.655');
    assert.equal(await panel.locator('#w-error mn').last().textContent(), '4.345');
    await s.screenshot('webview-panel-light-toy');
    await setTheme('Default High Contrast');
    await s.page.locator('.monaco-workbench.hc-black').waitFor({ state: 'attached', timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 800));
    assert.notEqual(await bodyColor(), light);
    await s.screenshot('webview-panel-high-contrast');
  });
});
