// The panel's page in real Chromium, without VS Code: the real HTML shell (renderPanelHtml, with its CSP and
// nonce), the real bundle dist/webview.js and media/webview/main.css, and a state built from a real fitted model.
// acquireVsCodeApi is stubbed (it is the only thing VS Code adds). Fast enough to run on every change; the
// code-server test (webviewPanel.e2e.ts) covers the real panel.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Interaction } from '../../src/core/interaction';
import { fitRecommender } from '../../src/core/recommender';
import { buildPanelState } from '../../src/views/factorsPanel/state';
import { renderPanelHtml } from '../../src/views/factorsPanel/html';
import type { PanelState } from '../../src/views/factorsPanel/protocol';
import { ROOT, SCREENSHOTS, launchBrowser } from './codeServer';

const HOSTILE = 'file:<img src=x onerror=alert(1)>.ts';
const ORIGIN = 'https://latent-webview.test';

function history(): Interaction[] {
  const ui = ['file:src/ui/a.ts', 'file:src/ui/b.ts', 'file:src/ui/c.ts', HOSTILE];
  const build = ['file:build/x.mjs', 'file:build/y.mjs', 'file:build/z.mjs'];
  const out: Interaction[] = [];
  for (let s = 0; s < 40; s++) {
    const group = s % 2 === 0 ? ui : build;
    group.forEach((item, j) => {
      if ((s + j) % 4 !== 3) out.push({ session: `s${s}`, item, time: 1_700_000_000 + s * 3600 + j, weight: 1 + j });
    });
  }
  return out;
}

/** Stubs the VS Code API, records posted messages, alert() calls and CSP violations. Runs before the page. */
const INIT = `
  window.__posted = []; window.__alerts = 0; window.__csp = [];
  window.alert = () => { window.__alerts++; };
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  let saved = window.__savedState;
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(m),
    getState: () => saved,
    setState: (s) => { saved = s; sessionStorage.setItem('vscodeState', JSON.stringify(s)); },
  });
  const prev = sessionStorage.getItem('vscodeState');
  if (prev) saved = JSON.parse(prev);
`;

async function openPage(browser: Browser, theme: 'light' | 'dark', width = 1000): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const html = renderPanelHtml({
    cspSource: ORIGIN,
    nonce: 'bm9uY2Vub25jZW5vbmNlbm9uY2U=',
    scriptUri: `${ORIGIN}/dist/webview.js`,
    styleUri: `${ORIGIN}/media/webview/main.css`,
  });
  // Theme variables as VS Code sets them on <html> (a few, enough to see light vs dark).
  const vars = theme === 'dark'
    ? '--vscode-foreground:#cccccc;--vscode-editor-background:#1e1e1e;--vscode-textLink-foreground:#3794ff;--vscode-charts-blue:#3794ff;--vscode-charts-red:#f14c4c;--vscode-descriptionForeground:#9d9d9d;--vscode-focusBorder:#007fd4;--vscode-button-background:#0e639c;--vscode-button-foreground:#fff;--vscode-button-secondaryBackground:#3a3d41;--vscode-button-secondaryForeground:#fff;--vscode-panel-border:#80808059;--vscode-font-family:sans-serif;--vscode-font-size:13px'
    : '--vscode-foreground:#3b3b3b;--vscode-editor-background:#ffffff;--vscode-textLink-foreground:#005fb8;--vscode-charts-blue:#1a85ff;--vscode-charts-red:#e51400;--vscode-descriptionForeground:#717171;--vscode-focusBorder:#005fb8;--vscode-button-background:#005fb8;--vscode-button-foreground:#fff;--vscode-button-secondaryBackground:#e5e5e5;--vscode-button-secondaryForeground:#3b3b3b;--vscode-panel-border:#80808059;--vscode-font-family:sans-serif;--vscode-font-size:13px';
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/') return route.fulfill({ contentType: 'text/html', body: html });
    const file = path.join(ROOT, url.pathname);
    if (!file.startsWith(ROOT) || !/^\/(dist|media)\//.test(url.pathname)) return route.fulfill({ status: 404 });
    return route.fulfill({ contentType: file.endsWith('.css') ? 'text/css' : 'text/javascript', body: readFileSync(file) });
  });
  await page.addInitScript(INIT);
  await page.goto(`${ORIGIN}/`);
  await page.evaluate(`document.documentElement.style.cssText = ${JSON.stringify(vars)}`);
  return page;
}

async function send(page: Page, state: PanelState): Promise<void> {
  await page.evaluate(`window.postMessage(${JSON.stringify({ type: 'state', state })}, '*')`);
}

describe('webview page in Chromium (real bundle, real CSP)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let state: PanelState;
  before(async () => {
    const data = history();
    const model = fitRecommender(data, { factors: 4, epochs: 15, minSessions: 2, seed: 3 });
    state = buildPanelState({
      model,
      context: [
        { item: 'file:src/ui/a.ts', weight: 2 },
        { item: 'file:src/ui/b.ts', weight: 1 },
      ],
      why: HOSTILE,
    });
    browser = await launchBrowser();
  });
  after(async () => browser?.close());

  it('says ready, then renders the state; hostile names stay text; no CSP violation', async () => {
    const page = await openPage(browser, 'dark');
    assert.deepEqual(await page.evaluate('window.__posted'), [{ type: 'ready' }]);
    await send(page, state);
    await page.locator('#heatmap').waitFor();
    // The hostile file name appears as text in several places and never as an element.
    assert.equal(await page.locator('img').count(), 0);
    const texts = await page.locator('button.item').allInnerTexts();
    assert.ok(texts.includes('<img src=x onerror=alert(1)>.ts'), texts.join(' | '));
    assert.equal(await page.evaluate('window.__alerts'), 0);
    assert.deepEqual(await page.evaluate('window.__csp'), []);
    // Colours come from the theme variables.
    assert.equal(await page.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(30, 30, 30)');
    // Equations are MathML.
    assert.equal(await page.locator('math#eq-score').count(), 1);
    assert.match((await page.locator('math#eq-confidence-now').textContent()) ?? '', /=1\+10\u2062?log\(1\+/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'webview-page-dark.png'), fullPage: true });
    await page.close();
  });

  it('shows the worked update of the real training row and steps through it', async () => {
    const page = await openPage(browser, 'light');
    await send(page, state);
    const w = state.model?.worked;
    assert.ok(w);
    const value = async (sel: string): Promise<number> => Number(await page.locator(sel).first().getAttribute('data-value'));
    assert.equal(await value('#w-prediction mn:last-child'), w.steps[0].prediction);
    assert.equal(await value('#w-error mn:last-child'), w.steps[0].error);
    assert.match(await page.locator('#step-label').innerText(), new RegExp(`Step 1 of ${w.steps.length}`));
    await page.locator('#step-next').click();
    assert.match(await page.locator('#step-label').innerText(), /Step 2 of/);
    assert.equal(await value('#w-prediction mn:last-child'), w.steps[1].prediction);
    // Keyboard: the focused step button keeps focus; the arrow key steps on.
    await page.keyboard.press('ArrowRight');
    assert.match(await page.locator('#step-label').innerText(), /Step 3 of/);
    // Clicking an item posts a validated 'open' message.
    await page.locator('#why-coused button.item').first().click();
    const posted = (await page.evaluate('window.__posted')) as { type: string; item?: string }[];
    assert.equal(posted[posted.length - 1].type, 'open');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'webview-page-light.png'), fullPage: true });
    await page.close();
  });

  it('the lecture example reproduces Alice rates Sholay: 0.655 and 4.345', async () => {
    const page = await openPage(browser, 'light', 420);
    await send(page, state);
    await page.locator('#mode-toy').click();
    assert.equal(await page.locator('#w-prediction mn:last-child').textContent(), '0.655');
    assert.equal(await page.locator('#w-error mn:last-child').textContent(), '4.345');
    const firstRow = await page.locator('#vectors tbody tr').first().allInnerTexts();
    assert.match(firstRow[0], /Bollywood\s+0\.4\s+0\.4413/);
    assert.equal(await page.locator('#toy-ratings td[aria-current="true"]').innerText(), '5');
    // Narrow: nothing wider than the viewport except inside scroll boxes.
    const overflow = await page.evaluate('document.documentElement.scrollWidth');
    assert.ok(Number(overflow) <= 420, `page is ${overflow}px wide at 420px`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'webview-page-narrow-toy.png'), fullPage: true });
    await page.close();
  });

  it('writes every heat-map cell to two decimals at most: a tiny factor value reads 0 or -0.01, never an exponent that wraps the row', async () => {
    const page = await openPage(browser, 'dark');
    const model = state.model;
    assert.ok(model, 'a model');
    const values = model.heatmap.values.map((r, i) => (i === 0 ? [0.00365, -0.00914, ...r.slice(2)] : r));
    await send(page, { ...state, model: { ...model, heatmap: { ...model.heatmap, values } } });
    await page.locator('#heatmap').waitFor();
    const cells = await page.locator('#heatmap tbody tr:first-child td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 2), ['0', '-0.01']);
    assert.equal(await page.locator('#heatmap tbody tr:first-child td').first().getAttribute('data-value'), '0.00365', 'the exact value stays in the cell');
    const all = await page.locator('#heatmap td').allInnerTexts();
    assert.ok(all.every((t) => /^-?\d+(\.\d{1,2})?$/.test(t)), all.join(' '));
    await page.close();
  });

  it('the map fits the bulk of the items: one far off sits on the frame, hollow, instead of squeezing the rest', async () => {
    const page = await openPage(browser, 'dark');
    const model = state.model;
    assert.ok(model, 'a model');
    const far = { ...model.map.points[0], item: 'file:far/away.ts', x: 1000, y: -1000, inSession: false };
    // The session at the top right corner of the cloud: its label must stay inside the frame.
    const session = { x: Math.max(...model.map.points.map((p) => p.x)), y: Math.max(...model.map.points.map((p) => p.y)) };
    await send(page, { ...state, model: { ...model, map: { ...model.map, session, points: [...model.map.points, far] } } });
    await page.locator('#map-chart').waitFor();
    const dots = (await page.evaluate(`[...document.querySelectorAll('#map-chart circle')].map((c) => ({ item: c.dataset.item, cx: Number(c.getAttribute('cx')), cy: Number(c.getAttribute('cy')), cls: c.getAttribute('class') }))`)) as { item: string; cx: number; cy: number; cls: string }[];
    const farDot = dots.find((d) => d.item === far.item);
    assert.ok(farDot && farDot.cls.includes('off-scale'), JSON.stringify(farDot));
    assert.ok(farDot.cx <= 360 && farDot.cy <= 240, 'drawn inside the frame');
    const rest = dots.filter((d) => d.item !== far.item);
    const spread = (v: number[]): number => Math.max(...v) - Math.min(...v);
    assert.ok(spread(rest.map((d) => d.cx)) > 200, `the others fill the width: ${JSON.stringify(rest)}`);
    assert.ok(rest.every((d) => !d.cls.includes('off-scale')), 'few items: none of the others is off the scale');
    const label = (await page.evaluate(`(() => { const b = document.querySelector('#map-session text').getBBox(); return [b.x, b.y, b.width, b.height]; })()`)) as number[];
    assert.ok(label[0] >= 0 && label[0] + label[2] <= 360 && label[1] >= 0 && label[1] + label[3] <= 240, `the session's label inside the frame: ${label.join(', ')}`);
    await page.close();
  });

  it('what the reader opened stays open through a step and new numbers', async () => {
    const page = await openPage(browser, 'dark');
    await send(page, state);
    await page.locator('#factor-list details summary').nth(1).click();
    await page.locator('#map details summary').first().click();
    const openCount = async (): Promise<number> => (await page.evaluate(`document.querySelectorAll('details[open]').length`)) as number;
    assert.equal(await openCount(), 2);
    await page.locator('#step-next').click();
    assert.equal(await openCount(), 2, 'after a step');
    assert.equal(await page.locator('#factor-list details').nth(1).getAttribute('open'), '');
    await send(page, state);
    assert.equal(await openCount(), 2, 'after the host sends the state again');
    await page.close();
  });

  it('restores from saved state after a reload, before the host answers', async () => {
    const page = await openPage(browser, 'light');
    await send(page, state);
    await page.locator('#step-next').click();
    await page.reload();
    await page.locator('#heatmap').waitFor();
    assert.match(await page.locator('#step-label').innerText(), /Step 2 of/);
    await page.close();
  });

  it('is usable with a screen reader: headings in order, named sections, table headers, charts as text', async () => {
    const page = await openPage(browser, 'dark');
    await send(page, state);
    await page.locator('#heatmap').waitFor();
    assert.equal(await page.locator('main').getAttribute('aria-live'), null, 'the whole page is not re-read on every step');
    assert.equal(await page.locator('main').getAttribute('aria-busy'), null, 'no longer loading');
    // One h1 first, and no heading level skipped.
    const levels = (await page.evaluate(`[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map((h) => Number(h.tagName[1]))`)) as number[];
    assert.equal(levels[0], 1);
    assert.equal(levels.filter((l) => l === 1).length, 1);
    levels.forEach((l, i) => assert.ok(i === 0 || l <= levels[i - 1] + 1, `heading levels ${levels.join(',')}: h${l} after h${levels[i - 1]}`));
    // Ids are unique (names and descriptions point at them).
    assert.deepEqual(await page.evaluate(`(() => { const ids = [...document.querySelectorAll('[id]')].map((e) => e.id); return ids.filter((id, i) => ids.indexOf(id) !== i); })()`), []);
    // Every section is a region named by its own h2.
    const names = (await page.evaluate(`[...document.querySelectorAll('section')].map((s) => {
      const h = document.getElementById(s.getAttribute('aria-labelledby') || '');
      return h && h.tagName === 'H2' && s.contains(h) ? h.textContent : null;
    })`)) as (string | null)[];
    assert.deepEqual(names, ['The model', 'A worked update, with real numbers', 'The factors', 'Map of items', 'Training', 'Why this recommendation']);
    // Every table: a caption, column headers, a header cell for each body row, and no header cell without a scope
    // (with the model's data, and with the lecture example's ratings matrix).
    const tables = async (): Promise<string[]> => {
      const found = (await page.evaluate(`[...document.querySelectorAll('table')].map((t) => ({
        id: t.id,
        caption: (t.caption && t.caption.textContent.trim()) || '',
        colHeaders: t.querySelectorAll('thead th[scope="col"]').length,
        unscoped: t.querySelectorAll('th:not([scope])').length,
        rowsWithoutHeader: [...t.querySelectorAll('tbody tr')].filter((r) => !r.querySelector('th[scope="row"]')).length,
      }))`)) as { id: string; caption: string; colHeaders: number; unscoped: number; rowsWithoutHeader: number }[];
      for (const t of found) {
        assert.ok(t.caption.length > 0 && t.colHeaders > 0 && t.unscoped === 0 && t.rowsWithoutHeader === 0, JSON.stringify(t));
      }
      return found.map((t) => t.id).sort();
    };
    assert.deepEqual(await tables(), ['heatmap', 'loss-table', 'map-table', 'vectors', 'why-terms']);
    await page.locator('#mode-toy').click();
    assert.deepEqual(await tables(), ['heatmap', 'loss-table', 'map-table', 'toy-ratings', 'vectors', 'why-terms']);
    // The charts carry their numbers in text: a summary as the svg's name, and a table with every value.
    const m = state.model;
    assert.ok(m?.training && m.map.session);
    const L = m.training.losses;
    const lossLabel = (await page.locator('svg#loss-chart').getAttribute('aria-label')) ?? '';
    assert.match(lossLabel, new RegExp(`^Loss per epoch, from \\S+ at epoch ${L[0].epoch} to \\S+ at epoch ${L[L.length - 1].epoch}, lowest \\S+ at epoch \\d+\\.`));
    const lossRows = (await page.locator('#loss-table tbody tr').evaluateAll((rows) =>
      rows.map((r) => [Number(r.querySelector('th')?.textContent), Number(r.querySelector('.num')?.getAttribute('data-value'))]),
    )) as [number, number][];
    assert.deepEqual(lossRows, L.map((l) => [l.epoch, l.loss]));
    const mapLabel = (await page.locator('svg#map-chart').getAttribute('aria-label')) ?? '';
    assert.match(mapLabel, new RegExp(`^Map of ${m.map.points.length} items .*this session is at \\(-?[\\d.]+, -?[\\d.]+\\)`));
    const mapRows = (await page.locator('#map-table tbody tr').evaluateAll((rows) =>
      rows.map((r) => [r.querySelector('button')?.getAttribute('data-item'), ...[...r.querySelectorAll('.num')].map((n) => Number(n.getAttribute('data-value')))]),
    )) as [string, number, number][];
    assert.deepEqual(mapRows, m.map.points.map((p) => [p.item, p.x, p.y]));
    assert.ok(m.map.points.some((p) => p.item === HOSTILE), 'the hostile name is on the map');
    assert.ok((await page.locator('#map-table button.item').allTextContents()).includes('<img src=x onerror=alert(1)>.ts'), 'workspace names stay text');
    assert.equal(await page.locator('img').count(), 0);
    assert.deepEqual(await page.evaluate('window.__csp'), []);
    await page.close();
  });

  it('works with the keyboard alone: Tab reaches the controls, Enter and Space use them, focus stays put', async () => {
    const page = await openPage(browser, 'light');
    await send(page, state);
    await page.locator('#heatmap').waitFor();
    const active = (): Promise<string> => page.evaluate(`(() => { const e = document.activeElement; return e.id || (e.dataset && e.dataset.action) || e.tagName; })()`) as Promise<string>;
    const tabTo = async (id: string): Promise<void> => {
      for (let n = 0; n < 300 && (await active()) !== id; n++) await page.keyboard.press('Tab');
      assert.equal(await active(), id, `Tab reaches #${id}`);
    };
    const stepLabel = (): Promise<string> => page.locator('#step-label').innerText();
    // The state names an item to explain ("Why this?"): focus is on that explanation's heading, where the view went.
    assert.equal(await active(), 'why-heading');
    // The section nav moves focus to the section's heading, so Tab goes on from there.
    const fromTop = async (): Promise<void> => {
      await page.evaluate('window.scrollTo(0, 0)');
      await page.mouse.click(3, 3); // the page's top margin: Tab starts from the beginning
    };
    await fromTop();
    await page.keyboard.press('Tab');
    assert.equal(await active(), 'goto', 'the section nav comes first');
    await page.locator('nav button', { hasText: 'Training' }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await active(), 'training-heading');
    // The replay: Tab from the top to "Step", then Enter, Space, End, Home.
    await fromTop();
    await tabTo('step-next');
    await page.keyboard.press('Enter');
    assert.match(await stepLabel(), /^Step 2 of/);
    assert.equal(await active(), 'step-next', 'focus stays on the button after the page is redrawn');
    await page.keyboard.press('Space');
    assert.match(await stepLabel(), /^Step 3 of/);
    await page.keyboard.press('End');
    const n = state.model?.worked?.steps.length ?? 0;
    assert.equal(await stepLabel(), `Step ${n} of ${n}`);
    assert.equal(await active(), 'step-prev', '"Step" is disabled at the end: focus moves to a step control that works');
    await page.keyboard.press('Home');
    assert.match(await stepLabel(), /^Step 1 of/);
    // The data switch keeps focus too, and its state is announced (aria-pressed).
    await page.keyboard.press('Shift+Tab');
    for (let k = 0; k < 10 && (await active()) !== 'mode-toy'; k++) await page.keyboard.press('Shift+Tab');
    assert.equal(await active(), 'mode-toy');
    await page.keyboard.press('Enter');
    assert.equal(await active(), 'mode-toy');
    assert.equal(await page.locator('#mode-toy').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('#w-error mn:last-child').textContent(), '4.345');
    // An item of the map's table opens from the keyboard (the dots are for the mouse).
    await page.locator('#map details > summary').focus();
    await page.keyboard.press('Enter');
    await page.locator('#map-table').waitFor({ state: 'visible' });
    await page.keyboard.press('Tab');
    const item = await page.evaluate('document.activeElement.dataset.item');
    await page.keyboard.press('Enter');
    const posted = (await page.evaluate('window.__posted')) as { type: string; item?: string }[];
    assert.deepEqual(posted[posted.length - 1], { type: 'open', item });
    await page.close();
  });

  it('does not move when reduced motion is asked for', async () => {
    const page = await openPage(browser, 'dark');
    await send(page, state);
    await page.locator('#heatmap').waitFor();
    const motion = async (): Promise<{ scroll: string; moving: string[]; animations: number }> =>
      (await page.evaluate(`(() => ({
        scroll: getComputedStyle(document.documentElement).scrollBehavior,
        moving: [...document.querySelectorAll('*')].filter((e) => {
          const c = getComputedStyle(e);
          return c.animationName !== 'none' || c.transitionDuration.split(',').some((d) => parseFloat(d) > 0);
        }).map((e) => e.tagName + '.' + e.className),
        animations: document.getAnimations().length,
      }))()`)) as { scroll: string; moving: string[]; animations: number };
    // By default the section nav scrolls smoothly: the one motion the page has.
    assert.equal((await motion()).scroll, 'smooth');
    await page.emulateMedia({ reducedMotion: 'reduce' });
    const reduced = await motion();
    assert.deepEqual(reduced, { scroll: 'auto', moving: [], animations: 0 });
    // and a jump is instant
    await page.locator('nav button', { hasText: 'Why this' }).click();
    const y = Number(await page.evaluate('window.scrollY'));
    assert.ok(y > 0, 'scrolled to the section at once');
    await page.close();
  });

  it('ignores a malformed message', async () => {
    const page = await openPage(browser, 'light');
    await page.evaluate(`window.postMessage({ type: 'state', state: { v: 1, model: null, message: '<b>x</b>' } }, '*')`);
    await page.evaluate(`window.postMessage({ type: 'eval', code: 'alert(1)' }, '*')`);
    assert.equal(await page.locator('.loading').count(), 1, 'still waiting for a valid state');
    assert.equal(await page.evaluate('window.__alerts'), 0);
    await page.close();
  });
});
