import * as assert from 'node:assert/strict';
import { ScoreBuffers } from '../../../../src/core/scoreBuffers';
import { confidence } from '../../../../src/core/confidence';
import type { Interaction } from '../../../../src/core/interaction';
import { syntheticInteractions } from '../../../../src/bench/synthetic';
import { deserializeRecommender, fitRecommender, scoreItems, serializeRecommender, type RecommenderModel } from '../../../../src/core/recommender';
import { buildPanelState, lastTrainingRow, sessionLabel, toyView } from '../../../../src/views/factorsPanel/state';
import { legacyModelFile } from '../../core/helpers';
import { checkPanelState, parseHostMessage } from '../../../../src/views/factorsPanel/protocol';
import { FactorLabels } from '../../../../src/views/recommendations/whyText';

const HOSTILE = 'file:<img src=x onerror=alert(1)>.ts';
const close = (a: number, b: number, tol: number): void => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);

/** Two areas of work (ui/ and build/), one hostile file name used with the ui files. */
function sessions(): Interaction[] {
  const ui = ['file:ui/a.ts', 'file:ui/b.ts', 'file:ui/c.ts', HOSTILE];
  const build = ['file:build/x.mjs', 'file:build/y.mjs', 'file:build/z.mjs'];
  const out: Interaction[] = [];
  for (let s = 0; s < 30; s++) {
    const group = s % 2 === 0 ? ui : build;
    group.forEach((item, j) => {
      if ((s + j) % 4 !== 3) out.push({ session: `s${s}`, item, time: 1_700_000_000 + s * 3600 + j, weight: 1 + j });
    });
  }
  return out;
}

describe('factorsPanelState', () => {
  let data: Interaction[];
  let model: RecommenderModel;
  before(() => {
    data = sessions();
    model = fitRecommender(data, { factors: 4, epochs: 20, minSessions: 2, seed: 7 });
  });

  it('the toy view replays the lecture step first', () => {
    const t = toyView();
    const s = t.update.steps[0];
    assert.equal(s.row, 'Alice');
    assert.equal(s.col, 'Sholay');
    assert.ok(Math.abs(s.prediction - 0.655) < 1e-12);
    assert.ok(Math.abs(s.error - 4.345) < 1e-12);
    assert.deepEqual(t.update.dims, ['Bollywood', 'Sci-Fi', 'Drama']);
    assert.equal(t.ratings[1][0], null);
  });

  it('without a model: the toy only, with a message, and a valid state', () => {
    const st = buildPanelState({ model: undefined, context: [], message: 'Not enough data yet' });
    assert.equal(st.model, null);
    assert.equal(st.message, 'Not enough data yet');
    assert.deepEqual(checkPanelState(JSON.parse(JSON.stringify(st)), 'state'), st);
  });

  it('the worked update starts from the real training row: its prediction is the model\'s', () => {
    const row = lastTrainingRow(model);
    assert.ok(row, 'the model records its newest training row');
    const st = buildPanelState({ model, context: [] });
    const w = st.model?.worked;
    assert.ok(w);
    const first = w.steps[0];
    const i = model.items.indexOf(first.col);
    const { k, itemFactors: Q, itemBias } = model.mf;
    let expected = itemBias[i];
    for (let f = 0; f < k; f++) expected += row.x[f] * Q[i * k + f];
    assert.deepEqual(first.xBefore, row.x);
    assert.ok(Math.abs(first.prediction - expected) < 1e-5, `${first.prediction} vs ${expected}`);
    assert.ok(first.raw !== null && Math.abs(first.confidence - confidence(first.raw, model.config.alpha, model.config.epsilon)) < 1e-12);
    assert.equal(first.target, 1);
    // The last steps are unobserved items pushed toward 0 with confidence 1.
    const last = w.steps[w.steps.length - 1];
    assert.equal(last.raw, null);
    assert.equal(last.target, 0);
    assert.equal(last.confidence, 1);
    // Successive steps carry the session vector forward.
    assert.deepEqual(w.steps[1].xBefore, first.xAfter);
    assert.equal(w.learningRate, model.config.learningRate);
  });

  it('on the full implicit loss each step takes its cell\'s share of each penalty, and no bias (the trainer has none)', () => {
    assert.equal(model.config.trainer, 'gramian');
    const w = buildPanelState({ model, context: [] }).model?.worked;
    assert.ok(w);
    const lx = model.config.lambda / model.items.length;
    const ly = model.config.lambda / model.mf.nSessions;
    close(w.lambda, lx, 1e-15);
    close(w.lambdaItem, ly, 1e-15);
    assert.equal(w.updateBias, false);
    const s = w.steps[0];
    const g = s.confidence * s.error;
    s.xAfter.forEach((v, f) => close(v, s.xBefore[f] + w.learningRate * (g * s.yBefore[f] - lx * s.xBefore[f]), 1e-12));
    s.yAfter.forEach((v, f) => close(v, s.yBefore[f] + w.learningRate * (g * s.xBefore[f] - ly * s.yBefore[f]), 1e-12));
    assert.equal(s.biasAfter, s.biasBefore);
    assert.match(w.note, new RegExp(`λ / ${model.items.length} items`));
  });

  it('the recorded training row survives a save and reload; a model saved without one explains with the session', () => {
    const reloaded = deserializeRecommender(serializeRecommender(model));
    assert.deepEqual(reloaded.training.lastRow, model.training.lastRow);
    assert.deepEqual(buildPanelState({ model: reloaded, context: [] }).model?.worked, buildPanelState({ model, context: [] }).model?.worked);
    const older = { ...model, training: { losses: model.training.losses, heldOut: model.training.heldOut } };
    assert.equal(lastTrainingRow(older), undefined);
    assert.equal(buildPanelState({ model: older, context: [] }).model?.worked, null, 'no row and no session: no worked update');
    const withSession = buildPanelState({ model: older, context: [{ item: model.items[0], weight: 1 }] }).model?.worked;
    assert.ok(withSession?.title.includes('current session'));
  });

  it('with a session: map position, why-this split that adds up to the MF score, hostile names kept verbatim', () => {
    const context = [
      { item: 'file:ui/a.ts', weight: 2 },
      { item: 'file:ui/b.ts', weight: 1 },
    ];
    const st = buildPanelState({ model, context, why: HOSTILE });
    const m = st.model;
    assert.ok(m);
    assert.deepEqual(checkPanelState(JSON.parse(JSON.stringify(st)), 'state'), st);
    assert.deepEqual(parseHostMessage(JSON.parse(JSON.stringify({ type: 'state', state: st }))), { type: 'state', state: st });
    // Session items head the heatmap; everything has k values.
    assert.deepEqual(m.heatmap.items.slice(0, 2), ['file:ui/a.ts', 'file:ui/b.ts']);
    assert.ok(m.heatmap.values.every((r) => r.length === 4));
    assert.ok(m.map.session);
    assert.equal(m.map.points.filter((p) => p.inSession).length, 2);
    // Why: mu + bias + sum of per-factor terms equals the ranker's MF score for that item.
    const why = m.why;
    assert.ok(why && why.problem === null);
    assert.equal(why.item, HOSTILE);
    const s = scoreItems(model, context);
    const i = model.items.indexOf(HOSTILE);
    const sum = why.mu + why.bias + why.perFactor.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - s.mf[i]) < 1e-5);
    assert.ok(Math.abs(why.total - s.mf[i]) < 1e-5);
    assert.ok(why.coUsed.some((c) => c.item.startsWith('file:ui/')), 'co-used with the ui files');
    // Each factor is named by the end the item sits at: a contribution from two negative values is the low end's.
    const y = model.mf.itemFactors.slice(i * model.mf.k, (i + 1) * model.mf.k);
    assert.deepEqual(why.factorNames, m.factors.map((f) => `f${f.factor + 1}: ${(y[f.factor] < 0 ? f.low : f.high).label}`));
    assert.ok(y.some((v) => v < 0), 'the fixture has a factor where the item is at the low end');
    // The tree's why lines name each end as the panel does (the same five items, the same rules).
    const tree = new FactorLabels(model);
    for (const f of m.factors) {
      if (f.high.items.length > 0) assert.equal(tree.label(f.factor), f.high.label, `f${f.factor + 1} +`);
      if (f.low.items.length > 0) assert.equal(tree.label(f.factor, true), f.low.label, `f${f.factor + 1} -`);
    }
    // The heat map's column titles name both ends, as the factor list does.
    for (const f of m.factors) if (f.high.items.length > 0 && f.low.items.length > 0) assert.equal(m.factorNames[f.factor], `f${f.factor + 1}: ${f.high.label} versus ${f.low.label}`);
    // Marked when they are this session's, and listed before the others whatever their weights.
    for (const c of why.coUsed) assert.equal(c.inSession, context.some((x) => x.item === c.item), c.item);
    const firstOther = why.coUsed.findIndex((c) => !c.inSession);
    assert.ok(firstOther < 0 || why.coUsed.slice(firstOther).every((c) => !c.inSession), 'session items first');
    // The ranking score: its parts add up to the ranker's blended score for that item, and the factor part is the
    // MF score above, scaled.
    assert.ok(why.score && why.shares);
    const parts = why.score.factors + why.score.coUse.reduce((a, c) => a + c.value, 0) + why.score.prior + why.score.offset;
    assert.ok(Math.abs(parts - why.score.total) < 1e-9);
    assert.ok(Math.abs(why.score.total - s.score[i]) < 1e-9, `${why.score.total} vs ${s.score[i]}`);
    assert.ok(why.score.coUse.every((c) => context.some((x) => x.item === c.item)), 'co-use terms name session items');
    assert.ok(Math.abs(why.shares.factors + why.shares.itemItem + why.shares.prior - 1) < 1e-9);
    assert.ok(m.map.points.some((p) => p.item === HOSTILE));
    // The worked update replays the newest training row the model recorded, whatever the current session is.
    const row = model.training.lastRow;
    assert.ok(row && m.worked?.title.includes(sessionLabel(row.session)), `${m.worked?.title} names ${row?.session}`);
    assert.equal(m.worked?.steps[0].col, model.items[row.cells[0].item]);
  });

  it('the same state with reused score buffers as with fresh arrays, build after build, whatever the previous session', () => {
    const buffers = new ScoreBuffers();
    const sessions = [
      [{ item: 'file:ui/a.ts', weight: 2 }],
      [{ item: 'file:build/x.mjs', weight: 1 }, { item: 'file:build/y.mjs', weight: 3 }],
      [{ item: 'file:ui/b.ts', weight: 1 }, { item: 'file:build/z.mjs', weight: 1 }],
    ];
    for (const context of [...sessions, ...sessions]) {
      const why = context[0].item === 'file:ui/a.ts' ? 'file:ui/c.ts' : 'file:build/z.mjs';
      assert.deepEqual(buildPanelState({ model, context, why }, buffers), buildPanelState({ model, context, why }));
    }
  });

  it('names a training session in words: a commit by its short hash, a recorded one as yours, both with their time', () => {
    const t = new Date(2026, 11, 6, 9, 5).getTime();
    assert.equal(sessionLabel(`git:093e766c51721895b0fca3c77164eb313f14c00f@${t}`), 'commit 093e766 of 2026-12-06 09:05');
    assert.equal(sessionLabel(`w4f2a@${t}`), 'your session of 2026-12-06 09:05');
    assert.equal(sessionLabel(`@${t}`), `session @${t}`);
    assert.equal(sessionLabel('s1'), 'session s1');
    assert.equal(sessionLabel('w@NaN'), 'session w@NaN');
  });

  it('names no item latent.exclude covers now, anywhere in the state (factors, heat map, map, worked update, why)', () => {
    const hidden = (item: string): boolean => item.startsWith('file:ui/');
    const context = [{ item: 'file:ui/a.ts', weight: 2 }, { item: 'file:build/x.mjs', weight: 1 }];
    const open = JSON.stringify(buildPanelState({ model, context, why: 'file:build/y.mjs' }));
    assert.ok(open.includes('ui/a.ts'), 'without the predicate the ui files are named');
    const st = buildPanelState({ model, context, why: 'file:build/y.mjs', excluded: hidden });
    assert.ok(!JSON.stringify(st.model).includes('ui/'), JSON.stringify(st.model).match(/.{40}ui\/.{20}/)?.[0]);
    assert.ok((st.model?.map.points.length ?? 0) > 0 && (st.model?.heatmap.items.length ?? 0) > 0, 'the others still show');
    // The tree's why lines (and the quick pick's) name each end as the panel does, so no excluded file either.
    // (An end is named by a folder, "ui/", or by its strongest files, "led by a.ts and b.ts".)
    const namesHidden = (label: string): boolean => /ui\/|\b[abc]\.ts\b/.test(label);
    const tree = new FactorLabels(model, hidden);
    let named = 0;
    for (const f of st.model?.factors ?? []) {
      for (const [end, low] of [[f.high, false], [f.low, true]] as const) {
        assert.ok(!namesHidden(tree.label(f.factor, low)), tree.label(f.factor, low));
        if (end.items.length > 0) assert.equal(tree.label(f.factor, low), end.label, `f${f.factor + 1} ${low ? '-' : '+'}`);
        named++;
      }
    }
    assert.ok(named > 0);
    assert.ok(
      (st.model?.factors ?? []).some((f) => namesHidden(new FactorLabels(model).label(f.factor)) || namesHidden(new FactorLabels(model).label(f.factor, true))),
      'without the predicate some end is named from ui/ files',
    );
    const asked = buildPanelState({ model, context, why: 'file:ui/b.ts', excluded: hidden });
    assert.match(asked.model?.why?.problem ?? '', /excluded/);
  });

  it('the worked update\'s unobserved items are the training row\'s best not excluded, refresh after refresh', () => {
    const big = fitRecommender(syntheticInteractions({ interactions: 3000, items: 120, seed: 'worked' }), { epochs: 5, seed: 3 });
    const row = lastTrainingRow(big);
    assert.ok(row);
    const { k, itemFactors: Q, itemBias } = big.mf;
    const observed = new Set(row.cells.map((c) => c.item));
    // By a full sort: score descending, index ascending.
    const ranked = big.items
      .map((_, i) => ({ i, v: itemBias[i] + row.x.reduce((a, x, f) => a + x * Q[i * k + f], 0) }))
      .filter((e) => !observed.has(e.i))
      .sort((a, b) => b.v - a.v || a.i - b.i)
      .map((e) => big.items[e.i]);
    const negatives = (excluded?: (item: string) => boolean): string[] =>
      (buildPanelState({ model: big, context: [], ...(excluded ? { excluded } : {}) }).model?.worked?.steps ?? []).filter((s) => s.raw === null).map((s) => s.col);
    assert.deepEqual(negatives(), ranked.slice(0, 2));
    assert.deepEqual(negatives(), ranked.slice(0, 2), 'the same on the next refresh');
    // The best one excluded (a spare takes its place), then the best twelve (more than the spares: scored again).
    for (const hiddenCount of [1, 12]) {
      const hidden = new Set(ranked.slice(0, hiddenCount));
      assert.deepEqual(negatives((item) => hidden.has(item)), ranked.slice(hiddenCount, hiddenCount + 2), `${hiddenCount} excluded`);
    }
  });

  it('names each end from five files when excluded ones were among its strongest, as the tree does', () => {
    // Twelve source files and four secrets used with them, more heavily: the secrets are among many ends' strongest
    // five (3-6 of the 12 ends for every seed from 1 to 12; weighing the same as the sources, none for some seeds).
    const src = Array.from({ length: 12 }, (_, j) => `file:src/m${j}.ts`);
    const secret = Array.from({ length: 4 }, (_, j) => `file:secret/k${j}.env`);
    const data: Interaction[] = [];
    for (let s = 0; s < 60; s++) {
      const items = [...src.filter((_, j) => (j + s) % 3 !== 0), ...secret.filter((_, j) => (j + s) % 2 === 0)];
      items.forEach((item, j) => data.push({ session: `s${s}`, item, time: 1_700_000_000 + s * 3600 + j, weight: (secret.includes(item) ? 3 : 1) + ((j * 7 + s) % 3) }));
    }
    const big = fitRecommender(data, { factors: 6, epochs: 20, minSessions: 2, seed: 11 });
    const hidden = (item: string): boolean => item.startsWith('file:secret/');
    const st = buildPanelState({ model: big, context: [], excluded: hidden });
    const tree = new FactorLabels(big, hidden);
    const k = big.mf.k;
    // An end's strongest items by a full sort, to check against (positive values at the high end, negative at the low).
    const strongest = (f: number, sign: number): string[] =>
      big.items
        .map((item, i) => ({ item, v: sign * big.mf.itemFactors[i * k + f] }))
        .filter((x) => x.v > 0)
        .sort((a, b) => b.v - a.v)
        .map((x) => x.item);
    let hadHidden = 0;
    for (const f of st.model?.factors ?? []) {
      for (const [end, sign] of [[f.high, 1], [f.low, -1]] as const) {
        const all = strongest(f.factor, sign);
        if (all.slice(0, 5).some(hidden)) hadHidden++;
        const expected = all.slice(0, 10).filter((x) => !hidden(x)).slice(0, 5);
        assert.deepEqual(end.items.map((v) => v.item), expected, `f${f.factor + 1} ${sign > 0 ? '+' : '-'}`);
        if (end.items.length > 0) assert.equal(tree.label(f.factor, sign < 0), end.label);
      }
    }
    assert.ok(hadHidden > 0, 'some end had a secret among its five strongest');
    // Nothing excluded: the same five as the full sort's first, whatever was read beyond them.
    const open = buildPanelState({ model: big, context: [] });
    for (const f of open.model?.factors ?? []) assert.deepEqual(f.high.items.map((v) => v.item), strongest(f.factor, 1).slice(0, 5));
  });

  it('explains an unknown item with a problem instead of numbers', () => {
    const st = buildPanelState({ model, context: [{ item: 'file:ui/a.ts', weight: 1 }], why: 'file:new/thing.ts' });
    assert.match(st.model?.why?.problem ?? '', /no history/);
  });

  it('labels factors from their strongest items', () => {
    const st = buildPanelState({ model, context: [] });
    const labels = (st.model?.factors ?? []).flatMap((f) => [f.high.label, f.low.label]);
    assert.ok(labels.some((l) => l.includes('ui/') || l.includes('build/')), labels.join(' | '));
    assert.equal(st.model?.settings.k, 4);
  });

  it('training: one loss point per epoch from the model, and its held-out hit rate or why there is none', () => {
    const st = buildPanelState({ model, context: [] });
    const t = st.model?.training;
    assert.ok(t);
    assert.deepEqual(t.losses, model.training.losses.map((loss, i) => ({ epoch: i + 1, loss })));
    assert.equal(t.losses.length, model.stats.epochs);
    // 30 sessions: too few validation cases, so no figure; the note is the model's reason, then the blend in use
    assert.equal(t.hitRate.value, null);
    const blendInUse = (m: RecommenderModel): string =>
      `factors x ${m.config.mfWeight}, item x item x ${m.config.coocWeight}, recent use x ${m.config.priorWeight} (half-life ${m.config.priorHalfLifeDays} days)`;
    assert.ok(t.hitRate.note.startsWith(model.training.heldOut.reason ?? '?'), t.hitRate.note);
    assert.ok(t.hitRate.note.includes(blendInUse(model)), t.hitRate.note);
    assert.deepEqual(checkPanelState(JSON.parse(JSON.stringify(st)), 'state'), st);

    // A larger history has held-out cases: how they ranked.
    const big = fitRecommender(syntheticInteractions({ interactions: 2000, items: 80, seed: 'panel' }), { epochs: 5, autoBlend: true });
    const bt = buildPanelState({ model: big, context: [] }).model?.training;
    assert.ok(bt && big.training.heldOut.value !== null);
    assert.equal(bt.hitRate.value, big.training.heldOut.value);
    assert.equal(bt.hitRate.cases, big.training.heldOut.cases);
    assert.match(bt.hitRate.note, new RegExp(`^Share of ${bt.hitRate.cases} left-out files ranked in the top 10`));
    // The blend in use, with the model's own weights.
    const c = big.config;
    assert.ok(bt.hitRate.note.endsWith(` The blend in use: factors x ${c.mfWeight}, item x item x ${c.coocWeight}, recent use x ${c.priorWeight} (half-life ${c.priorHalfLifeDays} days).`), bt.hitRate.note);
    assert.equal(bt.losses.length, 5);

    // A model file from before losses were recorded: its final loss only, and the hit rate says why it is missing.
    const v1 = legacyModelFile(model, new Float32Array(model.mf.k), 1);
    const old = buildPanelState({ model: deserializeRecommender(v1), context: [] }).model?.training;
    assert.deepEqual(old?.losses, [{ epoch: model.stats.epochs, loss: model.stats.finalLoss }]);
    assert.equal(old?.hitRate.value, null);
    assert.match(old?.hitRate.note ?? '', /earlier version/);
  });
});
