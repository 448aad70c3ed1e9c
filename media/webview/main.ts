// The "Inside the model" webview. Receives a validated PanelState from the extension host and draws it; sends
// only 'ready', 'open' and 'why'. All workspace strings reach the DOM as text nodes (see dom.ts).
import {
  checkPanelState,
  parseHostMessage,
  type ModelView,
  type PanelState,
  type StepView,
  type WebviewToHost,
  type WhyView,
  type WorkedUpdateView,
} from '../../src/views/factorsPanel/protocol';
import { EASE_GRAM_HALF_LIFE_SESSIONS } from '../../src/core/easeSessionWeights';
import { parseItemKey } from '../../src/core/itemKey';
import { fmt, h, numEl, rounded, svg, type Child } from './dom';
import {
  confidenceEquation,
  lectureEquations,
  lossEquation,
  math,
  mi,
  mn,
  mnSigned,
  mo,
  scoreEquation,
  sub,
  updateEquations,
  hat,
} from './math';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

type Mode = 'model' | 'toy';
interface UiState {
  mode: Mode;
  step: number;
}
interface Saved {
  state: PanelState;
  ui: UiState;
}

let state: PanelState | undefined;
let ui: UiState = { mode: 'model', step: 0 };

const app = document.getElementById('app') as HTMLElement;

function post(m: WebviewToHost): void {
  vscode.postMessage(m);
}

function save(): void {
  if (state) vscode.setState({ state, ui } satisfies Saved);
}

/** Saved state survives hide/show and reload; it is validated like a message (it may be from an older build). */
function restore(): void {
  const saved = vscode.getState() as Partial<Saved> | undefined;
  if (!saved || typeof saved !== 'object') return;
  try {
    state = checkPanelState(saved.state, 'saved.state');
    const u = saved.ui;
    if (u && (u.mode === 'model' || u.mode === 'toy') && Number.isInteger(u.step) && u.step >= 0) ui = { mode: u.mode, step: u.step };
    render();
  } catch {
    state = undefined; // stale or foreign: wait for the host
  }
}

function itemName(key: string): string {
  return parseItemKey(key).name;
}

function itemButton(key: string, extra: Child = null): HTMLElement {
  return h('button', { type: 'button', class: 'item', 'data-action': 'open', 'data-item': key, title: `Open ${key}` }, itemName(key), extra);
}

function whyButton(key: string): HTMLElement {
  return h('button', { type: 'button', class: 'why', 'data-action': 'why', 'data-item': key, title: `Why would ${itemName(key)} be recommended?`, 'aria-label': `Explain ${itemName(key)}` }, '?');
}

/** A section named by its heading (a region landmark); the heading takes focus when the section nav jumps to it. */
function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { id, 'aria-labelledby': `${id}-heading` }, h('h2', { id: `${id}-heading`, tabindex: -1 }, title), ...children);
}

function para(...c: Child[]): HTMLElement {
  return h('p', {}, ...c);
}

// ------------------------------------------------------------------------------------------------ sections

function header(s: PanelState): HTMLElement {
  const m = s.model;
  const settings = m
    ? h('p', { id: 'settings', class: 'settings' },
        'Settings: ',
        h('span', {}, 'k = ', numEl(m.settings.k)), ', ',
        h('span', {}, 'α = ', numEl(m.settings.alpha)), ', ',
        h('span', {}, 'ε = ', numEl(m.settings.epsilon)), ', ',
        h('span', {}, 'λ = ', numEl(m.settings.lambda)), ', ',
        h('span', {}, 'η = ', numEl(m.settings.learningRate)), ', ',
        h('span', {}, numEl(m.settings.epochs), ' epochs'), ', ',
        m.settings.trainer === 'gramian'
          ? h('span', {}, 'every unused cell counted')
          : h('span', {}, numEl(m.settings.negatives), ' negatives per observed cell'))
    : null;
  return h('header', {},
    h('h1', {}, 'Inside the model'),
    para('Latent learns a vector for every item and for every working session. Items used in the same sessions get ' +
      'similar vectors; an item is recommended when its vector points the same way as your current session\'s.'),
    s.message ? h('p', { id: 'status', class: 'status', role: 'status' }, s.message) : null,
    settings);
}

function modelSection(m: ModelView | null): HTMLElement {
  const st = m?.settings;
  // The full implicit loss (every cell counted, each vector's penalty once, no bias), or the sampled trainer's.
  const full = st !== undefined && st.trainer !== 'sampled';
  return section('model', 'The model',
    para('Each session u has a vector x', h('sub', {}, 'u'), ', each item i a vector y', h('sub', {}, 'i'),
      ' and a bias b', h('sub', {}, 'i'), ', all with k numbers ("factors"). The score is their dot product plus the bias ' +
      '(μ is 0 for implicit feedback: it would not change the order).' +
      (full ? ' On the loss over every cell, as in Hu, Koren & Volinsky\'s model, there is no bias: b stays 0.' : '')),
    scoreEquation(),
    para('What you did with an item in a session (opens, edits, time) is the raw signal r. It becomes a preference p ' +
      '(did you use it at all) and a confidence c (how sure we are), so heavy use counts more without dominating:'),
    confidenceEquation(null, null),
    st ? confidenceEquation(st.alpha, st.epsilon) : null,
    st?.trainer === 'sampled'
      ? para('Training minimizes the confidence-weighted squared error over the observed cells and a few sampled unused ' +
        'ones (p = 0, c = 1), plus a penalty λ that keeps vectors small:')
      : para('Training minimizes the confidence-weighted squared error over every cell: the observed ones, and every ' +
        'item a session did not use (p = 0, c = 1), plus a penalty λ that keeps vectors small. The unused cells are ' +
        'not visited one by one: their sum for a session is x', h('sub', {}, 'u'), '·(YᵀY)x', h('sub', {}, 'u'),
        ', with the k × k matrix YᵀY computed once per pass over the sessions (epoch) and held fixed during it:'),
    lossEquation(null, full),
    st ? lossEquation(st.lambda, full) : null,
    para('Stochastic gradient descent visits one cell at a time and moves both vectors a step η against the ' +
      'gradient; both updates use the values from before the step' +
      (st?.trainer === 'sampled' ? ':' : ' (Latent\'s trainer takes this step for a whole session at once, with a ' +
        'rate that adapts per vector):')),
    ...updateEquations(null, null, true),
    st ? h('div', { class: 'now', 'aria-label': 'with the current settings' }, ...nowUpdate(m)) : null);
}

/**
 * The update with the model's numbers, as the worked update below takes it: on the full implicit loss a cell's share of
 * each vector's penalty, and no bias.
 */
function nowUpdate(m: ModelView | null): Child[] {
  const st = m?.settings;
  if (!st) return [];
  const w = m.worked;
  if (!w || st.trainer === 'sampled') return [para('With your settings:'), ...updateEquations(st.learningRate, st.lambda, true)];
  return [
    para(`With your settings, per cell: the loss counts each vector's penalty λ = ${fmt(st.lambda)} once, over all of its cells, so a ` +
      'step on one cell takes its share (x over every item, y over every session); this trainer has no bias, so b stays 0:'),
    ...updateEquations(w.learningRate, w.lambda, w.updateBias, w.lambdaItem),
  ];
}

function vectorTable(w: WorkedUpdateView, s: StepView): HTMLElement {
  const rows = w.dims.map((d, f) =>
    h('tr', {},
      h('th', { scope: 'row' }, d),
      h('td', {}, numEl(s.xBefore[f])), h('td', {}, numEl(s.xAfter[f])), h('td', { class: 'delta' }, numEl(s.xAfter[f] - s.xBefore[f])),
      h('td', {}, numEl(s.yBefore[f])), h('td', {}, numEl(s.yAfter[f])), h('td', { class: 'delta' }, numEl(s.yAfter[f] - s.yBefore[f]))));
  return h('div', { class: 'scroll' }, h('table', { class: 'vectors', id: 'vectors' },
    h('caption', {}, 'Vectors before and after this step'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'factor'),
      h('th', { scope: 'col' }, 'x before'), h('th', { scope: 'col' }, 'x after'), h('th', { scope: 'col' }, 'Δx'),
      h('th', { scope: 'col' }, 'y before'), h('th', { scope: 'col' }, 'y after'), h('th', { scope: 'col' }, 'Δy'))),
    h('tbody', {}, ...rows)));
}

function toyMatrix(s: PanelState, step: StepView): HTMLElement {
  const t = s.toy;
  return h('div', { class: 'scroll' }, h('table', { class: 'ratings', id: 'toy-ratings' },
    h('caption', {}, 'Ratings (? = not rated: never treated as 0)'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'user'), ...t.movies.map((m) => h('th', { scope: 'col' }, m)))),
    h('tbody', {}, ...t.ratings.map((r, u) => h('tr', {}, h('th', { scope: 'row' }, t.users[u]),
      ...r.map((v, i) => {
        const cur = t.users[u] === step.row && t.movies[i] === step.col;
        return h('td', { class: cur ? 'current' : undefined, 'aria-current': cur ? 'true' : undefined }, v === null ? '?' : String(v));
      }))))));
}

function workedSection(s: PanelState): HTMLElement {
  const haveModel = s.model?.worked != null;
  const mode: Mode = ui.mode === 'model' && haveModel ? 'model' : 'toy';
  const w = mode === 'model' ? (s.model?.worked as WorkedUpdateView) : s.toy.update;
  const n = w.steps.length;
  const i = Math.min(ui.step, n - 1);
  const step = w.steps[i];
  const isToy = mode === 'toy';
  const cellLine = isToy
    ? para(h('strong', {}, step.row), ' rated ', h('strong', {}, step.col), ' ', numEl(step.raw ?? step.target, { id: 'w-raw' }), '.')
    : step.raw === null
      ? para('Cell (', h('strong', {}, step.row), ', ', itemButton(step.col), '): not used in this session, trained toward p = 0 with c = 1.')
      : para('Cell (', h('strong', {}, step.row), ', ', itemButton(step.col), '): raw signal r = ', numEl(step.raw, { id: 'w-raw' }), '.');
  const pred = isToy
    ? math('w-prediction', 'prediction', hat(mi('r')), mo('='), sub(mi('w'), 'u'), mo('·'), sub(mi('h'), 'i'), mo('='), mn(step.prediction))
    : math('w-prediction', 'prediction', hat(mi('r')), mo('='), mi('μ'), mo('+'), mi('b'), mo('+'), mi('x'), mo('·'), mi('y'), mo('='),
        mnSigned(step.mu), mo('+'), mnSigned(step.biasBefore), mo('+'), mnSigned(step.dot), mo('='), mn(step.prediction));
  const err = math('w-error', 'error', mi('e'), mo('='), mi(isToy ? 'r' : 'p'), mo('−'), hat(mi('r')), mo('='), mn(step.target), mo('−'), mnSigned(step.prediction), mo('='), mn(step.error));
  const conf = isToy
    ? null
    : math('w-confidence', 'confidence', mi('c'), mo('='), mn(step.confidence), mo(','), mi('c'), mo('⁢'), mi('e'), mo('='), mn(step.confidence * step.error));
  const controls = h('div', { class: 'controls', role: 'group', 'aria-label': 'Replay SGD steps (arrow keys step, Home and End jump)' },
    h('button', { type: 'button', 'data-action': 'step-first', title: 'First step (Home)', 'aria-keyshortcuts': 'Home' }, '« First'),
    h('button', { type: 'button', 'data-action': 'step-prev', title: 'Previous step (←)', 'aria-keyshortcuts': 'ArrowLeft' }, '◀ Back'),
    h('span', { id: 'step-label', class: 'step', role: 'status', 'aria-live': 'polite' }, `Step ${i + 1} of ${n}`),
    h('button', { type: 'button', 'data-action': 'step-next', id: 'step-next', title: 'Next step (→)', 'aria-keyshortcuts': 'ArrowRight' }, 'Step ▶'));
  const prev = controls.querySelector('[data-action="step-prev"]') as HTMLButtonElement;
  const first = controls.querySelector('[data-action="step-first"]') as HTMLButtonElement;
  const next = controls.querySelector('[data-action="step-next"]') as HTMLButtonElement;
  prev.disabled = first.disabled = i === 0;
  next.disabled = i === n - 1;
  const modeButtons = h('div', { class: 'modes', role: 'group', 'aria-label': 'Which data' },
    h('button', { type: 'button', 'data-action': 'mode', 'data-mode': 'model', 'aria-pressed': String(mode === 'model'), id: 'mode-model' }, 'Your model'),
    h('button', { type: 'button', 'data-action': 'mode', 'data-mode': 'toy', 'aria-pressed': String(mode === 'toy'), id: 'mode-toy' }, 'Lecture example'));
  (modeButtons.querySelector('#mode-model') as HTMLButtonElement).disabled = !haveModel;
  return section('worked', 'A worked update, with real numbers',
    modeButtons,
    h('h3', { id: 'worked-title' }, w.title),
    para(w.note),
    isToy ? h('div', { class: 'eqs' }, ...lectureEquations(w.learningRate)) : null,
    isToy ? toyMatrix(s, step) : null,
    controls,
    h('div', { class: 'step-body', 'data-step': i },
      cellLine, pred, err, conf,
      vectorTable(w, step),
      w.updateBias ? para('Item bias b: ', numEl(step.biasBefore, { id: 'w-bias-before' }), ' → ', numEl(step.biasAfter, { id: 'w-bias-after' }), '.') : null,
      para('This cell\'s ', isToy ? 'squared error e²' : 'weighted squared error c e²', ' goes from ', numEl(step.lossBefore, { id: 'w-loss-before' }), ' to ',
        numEl(step.lossAfter, { id: 'w-loss-after' }), '.')));
}

function cellStrength(td: HTMLElement, v: number, max: number): void {
  td.classList.add(v >= 0 ? 'pos' : 'neg');
  // CSSOM custom property (allowed by our CSP, unlike a style attribute): the colour's strength.
  td.style.setProperty('--a', `${Math.round((Math.min(1, Math.abs(v) / (max || 1))) * 85)}%`);
}

function factorsSection(m: ModelView): HTMLElement {
  const hm = m.heatmap;
  const max = hm.values.reduce((a, r) => r.reduce((b, v) => Math.max(b, Math.abs(v)), a), 0);
  const table = h('table', { class: 'heat', id: 'heatmap' },
    h('caption', {}, 'Item factors for the items nearest your work (blue positive, red negative)'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'item'),
      ...m.factors.map((f) => h('th', { scope: 'col', title: m.factorNames[f.factor] ?? '', 'data-factor': f.factor }, `f${f.factor + 1}`)))),
    h('tbody', {}, ...hm.items.map((it, r) => h('tr', {},
      h('th', { scope: 'row' }, itemButton(it), whyButton(it)),
      ...hm.values[r].map((v) => {
        const td = h('td', { 'data-value': String(v), title: String(v) }, rounded(v, 2));
        cellStrength(td, v, max);
        return td;
      })))));
  const list = h('ol', { class: 'factors', id: 'factor-list' }, ...m.factors.map((f) =>
    h('li', { 'data-factor': f.factor },
      h('details', {},
        h('summary', {}, h('strong', {}, `f${f.factor + 1}`), ': ', h('span', { class: 'label' }, f.label),
          f.high.items.length > 0 && f.low.items.length > 0 ? h('span', { class: 'muted' }, ' versus ', f.low.label) : null),
        h('div', { class: 'ends' },
          h('div', {}, h('h3', { class: 'end' }, 'Strongest +'), h('ul', {}, ...f.high.items.map((v) => h('li', {}, itemButton(v.item), ' ', numEl(v.value))))),
          h('div', {}, h('h3', { class: 'end' }, 'Strongest −'), h('ul', {}, ...f.low.items.map((v) => h('li', {}, itemButton(v.item), ' ', numEl(v.value))))))))));
  return section('factors', 'The factors',
    para('Nobody names the factors: training finds k directions that explain which items are used together. Each end ' +
      'of a direction is labelled from its five strongest items: a folder or file type they share, if it is at least ' +
      'twice as common among them as among all files, else the two strongest by name ("led by ...").'),
    h('div', { class: 'scroll' }, table),
    list);
}

function mapSection(m: ModelView): HTMLElement {
  const W = 360;
  const H = 240;
  const pad = 14;
  const pts = m.map.points;
  const xs = pts.map((p) => p.x).concat(m.map.session ? [m.map.session.x] : []);
  const ys = pts.map((p) => p.y).concat(m.map.session ? [m.map.session.y] : []);
  // The scale fits the middle of the cloud, with the session and this session's items: a few far items would squeeze
  // the rest into a line. Those beyond it sit on the frame, hollow, and say so; the table has their coordinates.
  const mine = pts.filter((p) => p.inSession);
  const [x0, x1] = middleSpan(xs, mine.map((p) => p.x).concat(m.map.session ? [m.map.session.x] : []));
  const [y0, y1] = middleSpan(ys, mine.map((p) => p.y).concat(m.map.session ? [m.map.session.y] : []));
  const sx = (x: number): number => pad + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * pad);
  const sy = (y: number): number => H - pad - ((y - y0) / (y1 - y0 || 1)) * (H - 2 * pad);
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
  const dots = pts.map((p) => {
    const off = p.x < x0 || p.x > x1 || p.y < y0 || p.y > y1;
    const cls = `pt${p.inSession ? ' in-session' : ''}${off ? ' off-scale' : ''}`;
    return svg('circle', { cx: clamp(sx(p.x), pad, W - pad).toFixed(1), cy: clamp(sy(p.y), pad, H - pad).toFixed(1), r: p.inSession ? 4.5 : 3, class: cls, 'data-action': 'open', 'data-item': p.item },
      svg('title', {}, `${itemName(p.item)} (${parseItemKey(p.item).kind})${off ? ', far off: drawn on the edge' : ''}`));
  });
  const s = m.map.session;
  const marker = s
    ? svg('g', { class: 'session-marker', id: 'map-session' },
        svg('path', { d: `M${sx(s.x) - 6},${sy(s.y)} h12 M${sx(s.x)},${sy(s.y) - 6} v12` }),
        // On the side with room: at the right or top edge the label would be cut off.
        svg('text', {
          x: (sx(s.x) + (sx(s.x) > W / 2 ? -8 : 8)).toFixed(1),
          y: (sy(s.y) + (sy(s.y) < 30 ? 18 : -8)).toFixed(1),
          'text-anchor': sx(s.x) > W / 2 ? 'end' : 'start',
        }, 'this session'))
    : null;
  const pct = (v: number | undefined): string => `${Math.round((v ?? 0) * 100)}%`;
  const where = s ? `; this session is at (${fmt(s.x, 2)}, ${fmt(s.y, 2)})` : '';
  // The picture for the eye; the same numbers as text: a summary for screen readers (the svg's name) and a table
  // with every item's coordinates, whose buttons also open the items from the keyboard.
  const table = h('table', { class: 'coords', id: 'map-table' },
    h('caption', {}, `The ${pts.length} items on the map, with their coordinates`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'item'), h('th', { scope: 'col' }, 'component 1'), h('th', { scope: 'col' }, 'component 2'), h('th', { scope: 'col' }, 'in this session'))),
    h('tbody', {}, ...pts.map((p) => h('tr', {}, h('th', { scope: 'row' }, itemButton(p.item)), h('td', {}, numEl(p.x)), h('td', {}, numEl(p.y)), h('td', {}, p.inSession ? 'yes' : 'no')))),
    s ? h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'this session'), h('td', {}, numEl(s.x)), h('td', {}, numEl(s.y)), h('td', {}, ''))) : null);
  return section('map', 'Map of items',
    para(`The first two principal components of the item vectors (${pct(m.map.explained[0])} and ${pct(m.map.explained[1])} of their variance). ` +
      'Items close together are used together. The cross marks this session: the confidence-weighted centre of its items. Click a dot to open it.'),
    h('figure', {},
      svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', id: 'map-chart', role: 'img',
        'aria-label': `Map of ${pts.length} items on the first two principal components (${pct(m.map.explained[0])} and ${pct(m.map.explained[1])} of the variance)${where}. Their coordinates are in the table below.` },
        svg('rect', { x: 0.5, y: 0.5, width: W - 1, height: H - 1, class: 'frame' }), ...dots, marker),
      h('figcaption', { class: 'muted' }, `${pts.length} items${s ? ' and this session' : ''}; every coordinate is in the table below.`)),
    h('details', {}, h('summary', {}, `The ${pts.length} items on the map, with their coordinates`), h('div', { class: 'scroll' }, table)));
}

/**
 * The span the map draws: every value of `all` but the far ones (beyond 3 interquartile ranges of the middle half,
 * Tukey's far-out fences), widened to hold each of `keep`, plus a 5% margin.
 */
function middleSpan(all: readonly number[], keep: readonly number[]): [number, number] {
  const sorted = [...all].sort((a, b) => a - b);
  if (sorted.length === 0) return [0, 1];
  const at = (q: number): number => sorted[Math.round(q * (sorted.length - 1))];
  const q1 = at(0.25);
  const q3 = at(0.75);
  const inside = sorted.filter((v) => v >= q1 - 3 * (q3 - q1) && v <= q3 + 3 * (q3 - q1));
  let lo = inside[0];
  let hi = inside[inside.length - 1];
  for (const v of keep) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const margin = (hi - lo) * 0.05;
  return [lo - margin, hi + margin];
}

function trainingSection(m: ModelView): HTMLElement | null {
  const t = m.training;
  if (!t) return null;
  const W = 360;
  const H = 160;
  const pad = { l: 48, r: 10, t: 10, b: 26 };
  const L = t.losses;
  let chart: Child = para('No per-epoch losses were reported for this run.');
  if (L.length === 1) chart = para('Final loss (epoch ', numEl(L[0].epoch), '): ', numEl(L[0].loss, { id: 'final-loss' }), '. Per-epoch losses were not reported for this run.');
  if (L.length > 1) {
    const e0 = Math.min(...L.map((l) => l.epoch));
    const e1 = Math.max(...L.map((l) => l.epoch));
    const v0 = Math.min(...L.map((l) => l.loss));
    const v1 = Math.max(...L.map((l) => l.loss));
    const sx = (e: number): number => pad.l + ((e - e0) / (e1 - e0 || 1)) * (W - pad.l - pad.r);
    const sy = (v: number): number => H - pad.b - ((v - v0) / (v1 - v0 || 1)) * (H - pad.t - pad.b);
    const first = L[0];
    const last = L[L.length - 1];
    const lowest = L.reduce((a, b) => (b.loss < a.loss ? b : a));
    chart = h('figure', {}, svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', id: 'loss-chart', role: 'img',
      'aria-label': `Loss per epoch, from ${fmt(first.loss)} at epoch ${first.epoch} to ${fmt(last.loss)} at epoch ${last.epoch}, lowest ${fmt(lowest.loss)} at epoch ${lowest.epoch}. Every epoch's loss is in the table below.` },
      svg('line', { x1: pad.l, y1: H - pad.b, x2: W - pad.r, y2: H - pad.b, class: 'axis' }),
      svg('line', { x1: pad.l, y1: pad.t, x2: pad.l, y2: H - pad.b, class: 'axis' }),
      svg('text', { x: pad.l - 4, y: sy(v1) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v1, 3)),
      svg('text', { x: pad.l - 4, y: sy(v0) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v0, 3)),
      svg('text', { x: sx(e0), y: H - 8, 'text-anchor': 'middle', class: 'tick' }, String(e0)),
      svg('text', { x: sx(e1), y: H - 8, 'text-anchor': 'middle', class: 'tick' }, String(e1)),
      svg('text', { x: (pad.l + W) / 2, y: H - 8, 'text-anchor': 'middle', class: 'tick' }, 'epoch'),
      svg('polyline', { points: L.map((l) => `${sx(l.epoch).toFixed(1)},${sy(l.loss).toFixed(1)}`).join(' '), class: 'line' }),
      ...L.map((l) => svg('circle', { cx: sx(l.epoch).toFixed(1), cy: sy(l.loss).toFixed(1), r: 2.5, class: 'dot' }, svg('title', {}, `epoch ${l.epoch}: loss ${fmt(l.loss)}`)))),
      h('figcaption', {}, h('details', {}, h('summary', {}, `The loss of each of the ${L.length} epochs`),
        h('div', { class: 'scroll' }, h('table', { class: 'coords', id: 'loss-table' },
          h('caption', {}, 'Training loss per epoch'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'epoch'), h('th', { scope: 'col' }, 'loss'))),
          h('tbody', {}, ...L.map((l) => h('tr', {}, h('th', { scope: 'row' }, String(l.epoch)), h('td', {}, numEl(l.loss))))))))));
  }
  const trained = new Date(t.trainedAt * 1000);
  return section('training', 'Training',
    chart,
    h('dl', { class: 'facts' },
      h('dt', {}, 'Algorithm'), h('dd', {}, t.algorithm),
      h('dt', {}, 'Data'), h('dd', {}, numEl(t.interactions), ' interactions in ', numEl(t.sessions), ' sessions over ', numEl(t.items), ' items'),
      h('dt', {}, 'Time'), h('dd', {}, numEl(Math.round(t.elapsedMs)), ' ms'),
      h('dt', {}, 'Newest data'), h('dd', {}, Number.isNaN(trained.getTime()) ? '?' : trained.toLocaleString()),
      h('dt', {}, `Held-out hit rate @${t.hitRate.k}`),
      h('dd', {},
        t.hitRate.value === null
          ? h('span', { id: 'hit-rate', 'data-value': 'null' }, 'not available')
          : h('span', {}, numEl(t.hitRate.value, { id: 'hit-rate' }), ' on ', numEl(t.hitRate.cases, { id: 'hit-rate-cases' }), ' cases'),
        h('br', {}), h('span', { class: 'muted', id: 'hit-rate-note' }, t.hitRate.note))));
}

function whySection(m: ModelView): HTMLElement {
  const w = m.why;
  if (!w) {
    return section('why', 'Why this recommendation',
      para('Choose "Why this?" on a recommendation, or the ? next to an item above, to split its score into its parts.'));
  }
  if (w.problem !== null) return section('why', 'Why this recommendation', para(itemButton(w.item), ': ', w.problem));
  const order = w.perFactor.map((v, f) => ({ f, v })).sort((a, b) => Math.abs(b.v) - Math.abs(a.v));
  const shown = order.slice(0, 8);
  const rest = order.slice(8).reduce((s, x) => s + x.v, 0);
  const max = Math.max(Math.abs(w.bias), ...shown.map((x) => Math.abs(x.v)), Math.abs(rest), 1e-12);
  const bar = (label: Child, v: number, attrs: Record<string, string> = {}): HTMLElement => {
    const b = h('span', { class: `bar ${v >= 0 ? 'pos' : 'neg'}` });
    b.style.setProperty('--w', `${((Math.abs(v) / max) * 100).toFixed(1)}%`);
    return h('li', attrs, h('span', { class: 'bar-label' }, label), h('span', { class: 'bar-track', 'aria-hidden': 'true' }, b), numEl(v));
  };
  return section('why', 'Why this recommendation',
    para(itemButton(w.item), ' scores ', numEl(w.total, { id: 'why-total' }), ' for this session: its bias plus, for each factor, ' +
      'how much the session and the item agree on it (x', h('sub', {}, 'f'), ' · y', h('sub', {}, 'f'), ').'),
    h('ul', { class: 'bars', id: 'why-bars' },
      bar('bias b', w.bias, { id: 'why-bias' }),
      ...shown.map((x) => bar(w.factorNames[x.f] ?? `f${x.f + 1}`, x.v, { 'data-factor': String(x.f) })),
      order.length > shown.length ? bar(`${order.length - shown.length} other factors`, rest) : null),
    w.coUsed.length > 0
      ? h('div', {}, h('h3', {}, 'Used together with'),
          h('ul', { id: 'why-coused' }, ...w.coUsed.map((c) => h('li', {}, itemButton(c.item), c.inSession ? ' (in this session)' : '', ' weight ', numEl(c.similarity)))))
      : null,
    w.score ? rankingScore(w.score, w.shares) : null);
}

const pct = (v: number): string => `${Math.round(v * 100)}%`;

/** The ranking's score as the sum of its parts (they add up to the total shown), and what each part carries today. */
function rankingScore(sc: NonNullable<WhyView['score']>, shares: WhyView['shares']): HTMLElement {
  const rows: [Child, number, string][] = [
    ['the factor model above, scaled to the ranking', sc.factors, 'why-part-factors'],
    ...sc.coUse.map((c): [Child, number, string] => [h('span', {}, 'used with ', itemButton(c.item), ' in your sessions'), c.value, '']),
    ['recent use (decayed frecency)', sc.prior, 'why-part-prior'],
    ['scaling offset (the same for every item)', sc.offset, 'why-part-offset'],
  ];
  return h('div', {},
    h('h3', {}, 'Its place in the ranking'),
    para('The ranking adds three things: the factor model\'s score, how often this item was used with the items of ' +
      'your session (an item x item model, in which recent sessions count more: a session weighs half as much as one ' +
      `${EASE_GRAM_HALF_LIFE_SESSIONS.toLocaleString('en-US')} sessions newer), and how recently it was used. Its ranking score is `,
      numEl(sc.total, { id: 'why-score-total' }), ', the sum of:'),
    h('table', { class: 'terms', id: 'why-terms' },
      h('caption', {}, 'Parts of the ranking score'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'part'), h('th', { scope: 'col' }, 'value'))),
      h('tbody', {}, ...rows.map(([label, v, id]) => h('tr', id ? { id } : {}, h('th', { scope: 'row' }, label), h('td', {}, numEl(v))))),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'total'), h('td', {}, numEl(sc.total))))),
    shares && shares.over > 0
      ? h('p', { id: 'why-shares' }, `In today's top ${shares.over} for this session the factors carry ${pct(shares.factors)} of the ` +
          `scores, use together ${pct(shares.itemItem)}, recent use ${pct(shares.prior)}.`)
      : null);
}

// ------------------------------------------------------------------------------------------------ rendering

/**
 * A selector that finds the focused control again after a render (which rebuilds the page): by id, else by what it
 * does (action, mode, item). undefined when nothing inside the page has focus.
 */
function focusSelector(): string | undefined {
  const el = document.activeElement;
  if (!(el instanceof HTMLElement) || el === document.body || !app.contains(el)) return undefined;
  if (el.id) return `#${CSS.escape(el.id)}`;
  const d = el.dataset;
  if (!d.action) return undefined;
  let sel = `[data-action="${CSS.escape(d.action)}"]`;
  if (d.mode) sel += `[data-mode="${CSS.escape(d.mode)}"]`;
  if (d.item) sel += `[data-item="${CSS.escape(d.item)}"]`;
  return sel;
}

function render(): void {
  if (!state) return;
  const s = state;
  const m = s.model;
  const focusedAction = (document.activeElement as HTMLElement | null)?.dataset?.action;
  const focused = focusSelector();
  // What the reader opened stays open: a step, a new "why" or new numbers rebuild every section.
  const opened = new Set([...app.querySelectorAll('details[open] > summary')].map((el) => el.textContent ?? ''));
  const parts: (HTMLElement | null)[] = [
    header(s),
    h('nav', { 'aria-label': 'Sections' }, h('ul', {}, ...[
      ['model', 'Model'], ['worked', 'Worked update'], ...(m ? [['factors', 'Factors'], ['map', 'Map'], ['training', 'Training'], ['why', 'Why this']] : []),
    ].map(([id, t]) => h('li', {}, h('button', { type: 'button', 'data-action': 'goto', 'data-item': id, class: 'link' }, t))))),
    modelSection(m),
    workedSection(s),
    m ? factorsSection(m) : null,
    m ? mapSection(m) : null,
    m ? trainingSection(m) : null,
    m ? whySection(m) : null,
  ];
  app.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  for (const d of app.querySelectorAll('details')) if (opened.has(d.querySelector(':scope > summary')?.textContent ?? '\u0000')) d.open = true;
  app.removeAttribute('aria-busy');
  // Keep keyboard focus where it was: on the same control (a mode button, an item, a heading), or for a step control
  // that is now disabled (the last step reached), on another step control.
  const again = focused ? app.querySelector<HTMLElement>(focused) : null;
  if (again && !(again as HTMLButtonElement).disabled) again.focus({ preventScroll: true });
  else if (focusedAction?.startsWith('step')) {
    // "Step" disabled at the last step: "Back"; "Back" or "First" disabled at the first: "Step".
    const near = focusedAction === 'step-next' ? 'step-prev' : 'step-next';
    app.querySelector<HTMLButtonElement>(`[data-action="${near}"]:not([disabled])`)?.focus({ preventScroll: true });
  }
  save();
}

function currentSteps(): number {
  if (!state) return 0;
  const w = ui.mode === 'model' && state.model?.worked ? state.model.worked : state.toy.update;
  return w.steps.length;
}

function setStep(i: number): void {
  ui = { ...ui, step: Math.max(0, Math.min(currentSteps() - 1, i)) };
  render();
}

app.addEventListener('click', (ev) => {
  const t = (ev.target as Element).closest<HTMLElement | SVGElement>('[data-action]');
  if (!t) return;
  const action = t.dataset.action;
  const item = t.dataset.item;
  switch (action) {
    case 'open':
      if (item) post({ type: 'open', item });
      return;
    case 'why':
      if (item) post({ type: 'why', item });
      return;
    case 'goto': {
      // Focus moves with the view (to the section's heading), so Tab continues from there. Smooth unless reduced
      // motion is asked for (main.css: scroll-behavior).
      const heading = item ? document.getElementById(`${item}-heading`) : null;
      heading?.focus({ preventScroll: true });
      heading?.closest('section')?.scrollIntoView({ block: 'start' });
      return;
    }
    case 'mode':
      ui = { mode: t.dataset.mode === 'toy' ? 'toy' : 'model', step: 0 };
      render();
      return;
    case 'step-first':
      setStep(0);
      return;
    case 'step-prev':
      setStep(ui.step - 1);
      return;
    case 'step-next':
      setStep(ui.step + 1);
      return;
  }
});

// Arrow keys step through the replay while focus is inside the worked update; Home and End jump to the ends.
app.addEventListener('keydown', (ev) => {
  if (!(ev.target instanceof Element) || !ev.target.closest('#worked') || ev.altKey || ev.ctrlKey || ev.metaKey) return;
  if (ev.key === 'ArrowRight') setStep(ui.step + 1);
  else if (ev.key === 'ArrowLeft') setStep(ui.step - 1);
  else if (ev.key === 'Home') setStep(0);
  else if (ev.key === 'End') setStep(currentSteps() - 1);
  else return;
  ev.preventDefault();
});

window.addEventListener('message', (ev: MessageEvent) => {
  let m;
  try {
    m = parseHostMessage(ev.data);
  } catch (e) {
    console.error('Latent: ignored an invalid message from the host:', e instanceof Error ? e.message : e);
    return;
  }
  const firstModel = !state?.model && m.state.model;
  state = m.state;
  if (firstModel && !m.state.model?.worked) ui = { mode: 'toy', step: ui.step };
  // A new "why" scrolls to its explanation.
  const scrollWhy = m.state.model?.why && m.state.model.why.item !== (document.querySelector('#why [data-item]') as HTMLElement | null)?.dataset.item;
  render();
  if (scrollWhy) {
    // Keyboard and screen reader users land on the explanation they asked for, not only the eye.
    document.getElementById('why-heading')?.focus({ preventScroll: true });
    document.getElementById('why')?.scrollIntoView({ block: 'start' });
  }
});

restore();
post({ type: 'ready' });
