// Retraining that follows what changed (recommenderUpdate.ts): when it updates and when it fits from scratch, what an
// update keeps and learns, that it is deterministic and survives the file format, and that it ranks about as well as
// a full fit on the sessions that came after it.
import { strict as assert } from 'node:assert';
import { syntheticInteractions } from '../../../src/bench/synthetic';
import { groupSessions } from '../../../src/core/evalProtocol';
import { asColumns, type Interaction, type InteractionColumns } from '../../../src/core/interaction';
import { deserializeRecommender, fitRecommender, scoreItems, serializeRecommender, type RecommenderModel } from '../../../src/core/recommender';
import {
  EASE_KEPT_DRIFT,
  foldInNewItemsSteps,
  fullLineage,
  KEEP_VALIDATION_MIN_INTERACTIONS,
  keptMissing,
  keptSettingsNote,
  keptValidation,
  freshRateFloor,
  planRetrain,
  retrainRecommenderSteps,
  REVALIDATE_AFTER_KEPT_FITS,
  REVALIDATE_GROWTH,
  UPDATE_LIMITS,
  updateRecommenderSteps,
  type RetrainMemory,
  type RetrainPlan,
} from '../../../src/core/recommenderUpdate';
import { fitRecommenderWithInverseSteps } from '../../../src/core/recommenderFit';
import { confidence } from '../../../src/core/confidence';
import { fitEaseInverseSteps, mostVoted } from '../../../src/core/ease';
import { easeGramWeights, easeKeepWeights } from '../../../src/core/easeSessionWeights';
import { easeNeighboursSteps } from '../../../src/core/easeLive';
import { indexHistory } from '../../../src/core/historyIndex';
import { listCount, weightedCounts } from '../../../src/core/itemLists';
import { foldIn, gramian } from '../../../src/core/foldIn';
import { DEFAULT_RECOMMENDER_CONFIG } from '../../../src/core/recommenderConfig';
import { makeRng, normalInit } from '../../../src/core/random';
import { CsrMatrix } from '../../../src/core/sparse';
import { finishSteps } from '../../../src/core/train';
import { parseModelShape } from '../../../src/training/messages';

// autoBlend (the default, said here as the tests rely on it) gives the models the held-out rate.
const config = { epochs: 10, seed: 3, autoBlend: true };
const all = syntheticInteractions({ interactions: 6000, items: 200, seed: 'update' });
const sessions = groupSessions(all);

/** The interactions of the first `n` sessions (time order). */
function firstSessions(n: number): Interaction[] {
  const ids = new Set(sessions.slice(0, n).map((s) => s.id));
  return all.filter((x) => ids.has(x.session));
}

const base = firstSessions(800);
const grown = firstSessions(830);
let fitted: RecommenderModel;
before(() => {
  fitted = { ...fitRecommender(base, config), lineage: undefined };
  fitted = { ...fitted, lineage: fullLineage(fitted) };
});

describe('planRetrain: a full fit only when drift calls for it', () => {
  it('fits from scratch without a model, and updates a model on a few new sessions', () => {
    assert.equal(planRetrain(undefined, base).kind, 'full');
    assert.equal(planRetrain(fitted, grown).kind, 'update');
  });

  it('fits from scratch when a setting the fit fixed changed, not when it is restated', () => {
    assert.equal(planRetrain(fitted, grown, { factors: fitted.config.factors }).kind, 'update');
    const p = planRetrain(fitted, grown, { factors: fitted.config.factors * 2 });
    assert.equal(p.kind, 'full');
    assert.match(p.reason, /factors/);
  });

  it('fits from scratch when the history grew by more than a quarter', () => {
    const p = planRetrain(fitted, firstSessions(Math.ceil(800 * (1 + UPDATE_LIMITS.growth)) + 10));
    assert.equal(p.kind, 'full');
    assert.match(p.reason, /grew/);
  });

  it('fits from scratch when an item of the model left the history (its vector would linger)', () => {
    const gone = fitted.items[0];
    const p = planRetrain(fitted, grown.filter((x) => x.item !== gone));
    assert.equal(p.kind, 'full');
    assert.match(p.reason, /left the history/);
  });

  it('fits from scratch when the new sessions rank clearly worse than validated, after enough of them', () => {
    const held = fitted.training.heldOut.value;
    assert.ok(held !== null && held > 0, 'the fit measured a held-out rate');
    const cases = UPDATE_LIMITS.minFreshCases;
    const poor = { ...fitted, lineage: { ...fullLineage(fitted), freshCases: cases, freshHits: Math.floor(cases * held * UPDATE_LIMITS.hitRateFloor * 0.5) } };
    assert.equal(planRetrain(poor, grown).kind, 'full');
    const fine = { ...fitted, lineage: { ...fullLineage(fitted), freshCases: cases, freshHits: Math.ceil(cases * held) } };
    assert.equal(planRetrain(fine, grown).kind, 'update');
    const few = { ...poor, lineage: { ...poor.lineage, freshCases: cases - 1, freshHits: 0 } };
    assert.equal(planRetrain(few, grown).kind, 'update', 'too few fresh cases to judge');
  });

  it('takes a fresh rate just under the floor for noise: the floor less one standard error of the fresh cases', () => {
    const floor = UPDATE_LIMITS.hitRateFloor * 0.158;
    // 55 cases: the margin is sqrt(p (1 - p) / n) at the floor, about 0.044
    assert.ok(Math.abs(freshRateFloor(0.158, 55) - (floor - Math.sqrt((floor * (1 - floor)) / 55))) < 1e-15);
    const at = (held: number, cases: number, hits: number): RecommenderModel => ({
      ...fitted,
      training: { ...fitted.training, heldOut: { k: fitted.training.heldOut.k, cases: fitted.training.heldOut.cases, value: held } },
      lineage: { ...fullLineage(fitted), freshCases: cases, freshHits: hits },
    });
    // 0.118 (6.5 of 55) against a floor of 0.1185: noise, an update; 1 of 55: clearly worse, a full fit.
    assert.equal(planRetrain(at(0.158, 55, 6.5), grown).kind, 'update');
    assert.equal(planRetrain(at(0.158, 55, 1), grown).kind, 'full');
    // The margin shrinks as cases add up: 0.11 is noise on 55 cases, clearly worse on 20,000.
    assert.equal(planRetrain(at(0.158, 55, 6.05), grown).kind, 'update');
    assert.ok(freshRateFloor(0.158, 20_000) > 0.11);
    assert.equal(planRetrain(at(0.158, 20_000, 2_200), grown).kind, 'full');
  });

  it('fits from scratch after UPDATE_LIMITS.updates updates in a row', () => {
    const many = { ...fitted, lineage: { ...fullLineage(fitted), updates: UPDATE_LIMITS.updates } };
    assert.equal(planRetrain(many, grown).kind, 'full');
  });
});

describe('updateRecommender: a warm start on what changed', () => {
  const newItem = 'brand/new.ts';
  // Two new sessions that use a new file with known ones.
  const t = Math.max(...base.map((x) => x.time));
  const fresh: Interaction[] = [
    { session: 'n1', item: newItem, time: t + 100, weight: 3 },
    { session: 'n1', item: base[0].item, time: t + 110, weight: 1 },
    { session: 'n2', item: newItem, time: t + 200, weight: 2 },
    { session: 'n2', item: base[1].item, time: t + 210, weight: 1 },
    // a session of known files only: a case the saved model is judged on before learning from it
    { session: 'n3', item: base[0].item, time: t + 300, weight: 1 },
    { session: 'n3', item: base[1].item, time: t + 310, weight: 1 },
  ];
  let updated: RecommenderModel;
  before(() => {
    updated = finishSteps(updateRecommenderSteps(fitted, base.concat(fresh)));
  });

  it('keeps every item at its index and appends new ones, with a learned vector and a prior', () => {
    assert.deepEqual(updated.items.slice(0, fitted.items.length), fitted.items);
    assert.equal(updated.items[fitted.items.length], newItem);
    const k = updated.mf.k;
    const v = updated.mf.itemFactors.subarray(fitted.items.length * k, (fitted.items.length + 1) * k);
    assert.ok(Math.hypot(...v) > 0.05, `the new item learned a vector (norm ${Math.hypot(...v)})`);
    assert.ok(updated.prior[fitted.items.length] > 0);
    // The item x item table has a row for the new item, with the files it was used with.
    const nb = updated.neighbours;
    assert.equal(nb.indptr.length, updated.items.length + 1);
    const row = Array.from(nb.indices.subarray(nb.indptr[fitted.items.length], nb.indptr[fitted.items.length + 1]));
    assert.ok(row.includes(0) && row.includes(updated.items.indexOf(base[1].item)), 'its companions are its neighbours');
  });

  it('solves EASE again when the kept P cannot follow a session that went on (taking its older items back would leave P indefinite)', () => {
    const memory: RetrainMemory = {};
    const first = finishSteps(retrainRecommenderSteps(undefined, base, config, undefined, memory));
    // base's newest session goes on after the model: its older item set is taken back, then the whole set added.
    const went = [...fresh, { session: sessions[799].id, item: base[2].item, time: t + 400, weight: 1 }];
    const kept = memory.current?.ease;
    assert.ok(kept, 'the full fit left P in memory');
    // P claims a session counts far more than the fit counted it: the take-back fails (1 - w x'Px <= 0).
    kept.sessionWeight = 1e6;
    const next = finishSteps(retrainRecommenderSteps(first.model, base.concat(went), config, undefined, memory));
    assert.equal(next.plan.kind, 'update');
    const solved = finishSteps(updateRecommenderSteps(first.model, base.concat(went)));
    assert.deepEqual(Array.from(next.model.neighbours.values), Array.from(solved.neighbours.values));
    assert.deepEqual(Array.from(next.model.neighbours.indices), Array.from(solved.neighbours.indices));
  });

  it('updates EASE exactly when it kept P from the previous retrain: the table a solve on everything gives', () => {
    const memory = {};
    const first = finishSteps(retrainRecommenderSteps(undefined, base, config, undefined, memory));
    assert.equal(first.plan.kind, 'full');
    const next = finishSteps(retrainRecommenderSteps(first.model, base.concat(fresh), config, undefined, memory));
    assert.equal(next.plan.kind, 'update');
    // The solve on the whole history, each session counting what it counts in the fit's X^T X and the new ones what
    // the newest did: the same table up to rounding.
    const h = indexHistory(next.model.items, asColumns(base.concat(fresh)));
    const fitted = easeGramWeights(listCount(h.lists) - 3);
    const weights = Float64Array.from([...fitted, ...new Array<number>(3).fill(fitted[fitted.length - 1])]);
    const cfg = next.model.config;
    const inverse = finishSteps(fitEaseInverseSteps(h.lists, h.items.length, cfg.easeLambda, cfg.easeMaxItems, { gram: weights }));
    assert.ok(inverse.kept.length === h.items.length, 'every item kept: the kept set does not depend on the votes');
    const a = next.model.neighbours;
    const b = finishSteps(easeNeighboursSteps({ kept: Array.from(inverse.kept), P: inverse.P }, h.items.length, cfg.neighbours));
    // Without the memory the update solves EASE on the whole history again, each session at its weight now: near it.
    const solved = finishSteps(updateRecommenderSteps(first.model, base.concat(fresh)));
    let near = 0;
    for (let t = 0; t < a.values.length; t++) if (a.indices[t] === solved.neighbours.indices[t] && Math.abs(a.values[t] - solved.neighbours.values[t]) < 1e-2) near++;
    assert.ok(near >= a.values.length * 0.95, `${near} of ${a.values.length} weights near the solve with the weights of now`);
    assert.deepEqual(Array.from(a.indptr), Array.from(b.indptr));
    let same = 0;
    for (let t = 0; t < a.indices.length; t++) if (a.indices[t] === b.indices[t]) same++;
    assert.ok(same >= a.indices.length * 0.99, `${same} of ${a.indices.length} neighbours agree`);
    for (let t = 0; t < a.values.length; t++) if (a.indices[t] === b.indices[t]) assert.ok(Math.abs(a.values[t] - b.values[t]) < 1e-5);
  });

  it('at the item cap, solves EASE again once the items a full fit would keep drifted from the kept ones', () => {
    const capped = { ...config, easeMaxItems: 40 };
    const memory: RetrainMemory = {};
    const first = finishSteps(retrainRecommenderSteps(undefined, base, capped, undefined, memory));
    const keptBefore = new Set(memory.current?.ease?.kept);
    assert.equal(keptBefore.size, 40);
    // Work comes back to 8 files EASE did not keep: 60 sessions after the model, each with all 8 (the kept ones' last
    // has about 23 votes: these are clear of EASE_KEPT_DRIFT_MARGIN times that).
    const back = first.model.items.map((_, i) => i).filter((i) => !keptBefore.has(i)).slice(0, 8).map((i) => first.model.items[i]);
    const t0 = Math.max(...base.map((x) => x.time)) + 3600;
    const returning = Array.from({ length: 60 }, (_, s) => back.map((item) => ({ session: `back-${s}`, item, time: t0 + s * 7200, weight: 1 }))).flat();
    const votesOf = (data: readonly Interaction[], items: string[]): Float64Array => {
      const h = indexHistory(items, asColumns(data));
      return weightedCounts(h.lists, h.items.length, easeKeepWeights(h.start, Math.max(...data.map((x) => x.time))));
    };
    const history = base.concat(returning);
    const votes = votesOf(history, first.model.items);
    const wanted = mostVoted(votes, 40);
    const previousKept = { position: new Map([...keptBefore].map((i, p) => [i, p])) };
    assert.ok(keptMissing(previousKept, votes, 40) > EASE_KEPT_DRIFT * 40, 'the returning files are among what a full fit keeps');
    const next = finishSteps(retrainRecommenderSteps(first.model, history, capped, undefined, memory));
    assert.equal(next.plan.kind, 'update');
    assert.deepEqual([...(memory.current?.ease?.kept ?? [])].sort((a, b) => a - b), Array.from(wanted).sort((a, b) => a - b));
    // A few sessions on files it keeps: the kept set stays, and the update takes them in place.
    const memory2: RetrainMemory = {};
    const again = finishSteps(retrainRecommenderSteps(undefined, base, capped, undefined, memory2));
    const keptFiles = [...keptBefore].slice(0, 3).map((i) => again.model.items[i]);
    const few = keptFiles.map((item) => ({ session: 'few', item, time: t0, weight: 1 }));
    const same = finishSteps(retrainRecommenderSteps(again.model, base.concat(few), capped, undefined, memory2));
    assert.equal(same.plan.kind, 'update');
    assert.deepEqual([...(memory2.current?.ease?.kept ?? [])].sort((a, b) => a - b), [...keptBefore].sort((a, b) => a - b));
  });

  it('adds the new sessions to the saved ones, counts the update, and records the fresh hit rate', () => {
    assert.equal(updated.mf.nSessions, fitted.mf.nSessions + 3);
    // The sessions' Gramian gains the three new session vectors' outer products, the newest (lastRow.x) among them:
    // D = G' - G is symmetric PSD with trace sum ||x||^2 >= ||x_newest||^2, and D - x x^T stays PSD (x^T D x >= ||x||^4).
    const k = updated.mf.k;
    const D = updated.mf.sessionGram.map((g, q) => g - fitted.mf.sessionGram[q]);
    const x = updated.training.lastRow?.x ?? [];
    assert.equal(updated.training.lastRow?.session, 'n3');
    assert.equal(x.length, k);
    let trace = 0;
    let xDx = 0;
    let xx = 0;
    for (let a = 0; a < k; a++) {
      trace += D[a * k + a];
      xx += x[a] * x[a];
      for (let b = 0; b < k; b++) {
        assert.ok(Math.abs(D[a * k + b] - D[b * k + a]) < 1e-9);
        xDx += x[a] * D[a * k + b] * x[b];
      }
    }
    assert.ok(xx > 0, 'the newest session learned a vector');
    assert.ok(trace >= xx - 1e-9, `trace ${trace} vs ||x||^2 ${xx}`);
    assert.ok(xDx >= xx * xx - 1e-9, `x^T D x ${xDx} vs ||x||^4 ${xx * xx}`);
    assert.equal(updated.stats.interactions, base.length + fresh.length);
    assert.equal(updated.lineage?.updates, 1);
    assert.equal(updated.lineage?.fullInteractions, base.length);
    assert.ok((updated.lineage?.freshCases ?? 0) > 0, 'the fresh sessions were ranked before learning from them');
    assert.equal(updated.lineage?.freshCases, 2);
    assert.equal(updated.training.lastRow?.session, 'n3');
    assert.equal(updated.stats.epochs, updated.training.losses.length);
  });

  it('learns the new file from its two sessions: it ranks in the top quarter next to a file it was used with', () => {
    const s = scoreItems(updated, [{ item: base[0].item, weight: 1 }], { exclude: new Set([base[0].item]) });
    const order = [...s.score.keys()].filter((j) => s.candidate[j]).sort((a, b) => s.score[b] - s.score[a]);
    const rank = order.indexOf(fitted.items.length);
    assert.ok(rank >= 0 && rank < updated.items.length / 4, `the new file ranks ${rank + 1} of ${order.length}`);
    assert.ok(s.mf[fitted.items.length] > 0, 'by its factors, not by recent use alone');
  });

  it('starts each new item at its exact solve given the rows: the fold-in of its sessions, every session in the Gramian', () => {
    // 6 rows x 5 items, items 3 and 4 new; the rows' vectors and the outside sessions' Gramian made up.
    const k = 4;
    const cfg = { ...DEFAULT_RECOMMENDER_CONFIG, factors: k };
    const cells: Array<[number, number, number]> = [[0, 0, 1], [0, 3, 2], [1, 1, 1], [2, 3, 5], [2, 4, 1], [3, 2, 1], [4, 4, 3], [5, 0, 1], [5, 3, 1]];
    const m = CsrMatrix.fromTriples(6, 5, cells.map((c) => c[0]), cells.map((c) => c[1]), cells.map((c) => c[2]));
    const X = Float32Array.from(normalInit(6 * k, 0.5, makeRng('rows')));
    const outside = gramian(Float32Array.from(normalInit(10 * k, 0.3, makeRng('outside'))), k);
    const got = finishSteps(foldInNewItemsSteps(m, X, 3, cfg, outside));
    assert.equal(got.length, 2 * k);
    const gram = gramian(X, k).map((g, q) => g + outside[q]);
    for (const item of [3, 4]) {
      const rows = cells.filter((c) => c[1] === item);
      const want = foldIn(X, k, rows.map((c) => c[0]), rows.map((c) => confidence(c[2], cfg.alpha, cfg.epsilon)), cfg.lambda, { gram });
      const v = got.subarray((item - 3) * k, (item - 2) * k);
      want.forEach((w, a) => assert.ok(Math.abs(v[a] - w) < 1e-5, `item ${item}, factor ${a}: ${v[a]} vs ${w}`));
    }
  });

  it('keeps the configured blend, and a changed blend setting calls for a full fit', () => {
    const blend = (m: RecommenderModel): number[] => [m.config.coocWeight, m.config.priorWeight, m.config.priorHalfLifeDays];
    assert.deepEqual(blend(updated), blend(fitted));
    assert.equal(planRetrain(fitted, base.concat(fresh)).kind, 'update');
    for (const change of [{ coocWeight: fitted.config.coocWeight + 1 }, { priorWeight: fitted.config.priorWeight + 0.5 }, { priorHalfLifeDays: 3 }]) {
      const plan = planRetrain(fitted, base.concat(fresh), { ...config, ...change });
      assert.equal(plan.kind, 'full', JSON.stringify(change));
    }
  });

  it('without autoBlend, updates keep the configured blend, and no hit-rate drop is looked for', () => {
    const fixed = finishSteps(retrainRecommenderSteps(undefined, base, { epochs: 10, seed: 3, autoBlend: false })).model;
    const d = DEFAULT_RECOMMENDER_CONFIG;
    assert.equal(fixed.training.heldOut.value, null);
    const next = finishSteps(retrainRecommenderSteps(fixed, grown, {})).model;
    assert.equal(next.lineage?.updates, 1, 'an update, not a full fit');
    // However badly the fresh sessions ranked, there is no validated rate to fall below.
    const poor = { ...next, lineage: { ...(next.lineage as NonNullable<RecommenderModel['lineage']>), freshCases: 1000, freshHits: 0 } };
    assert.equal(planRetrain(poor, firstSessions(835)).kind, 'update');
    for (const m of [fixed, next]) {
      assert.deepEqual([m.config.easeLambda, m.config.coocWeight, m.config.priorWeight, m.config.priorHalfLifeDays], [d.easeLambda, d.coocWeight, d.priorWeight, d.priorHalfLifeDays]);
    }
  });

  it('is deterministic, and survives the file format and the worker message check', () => {
    // fitMs is the one field that is a clock reading.
    const timeless = (m: RecommenderModel): string => serializeRecommender({ ...m, stats: { ...m.stats, fitMs: 0 } });
    const again = finishSteps(updateRecommenderSteps(fitted, base.concat(fresh)));
    assert.equal(timeless(again), timeless(updated));
    const text = serializeRecommender(updated);
    const back = deserializeRecommender(text);
    assert.deepEqual(back.lineage, updated.lineage);
    assert.equal(serializeRecommender(back), text);
    parseModelShape(updated);
    assert.throws(() => parseModelShape({ ...updated, lineage: { ...updated.lineage, updates: -1 } }), /lineage/);
    assert.throws(() => deserializeRecommender(text.replace('"freshCases":', '"freshCases":-')), /lineage/);
    // A file saved while updates could move the blend holds its evidence in the lineage: read, and left out.
    const evidence = { combos: [{ coocWeight: 1, priorWeight: 0.2 }, { coocWeight: 2, priorWeight: 0 }], totals: [3.5, 4.25], cases: 9 };
    const older = text.replace('"freshCases":', `"blendEvidence":${JSON.stringify(evidence)},"freshCases":`);
    assert.notEqual(older, text);
    assert.deepEqual(deserializeRecommender(older).lineage, updated.lineage);
    // Between the threads it is a field no model has.
    assert.throws(() => parseModelShape({ ...updated, lineage: { ...updated.lineage, blendEvidence: evidence } }), /blendEvidence/);
  });

  it('reads columns as it reads objects: the same full fit (its validation included) and update, tables in any order', () => {
    const timeless = (m: RecommenderModel): string => serializeRecommender({ ...m, stats: { ...m.stats, fitMs: 0 } });
    // The tables as a store's can be: not in order of first appearance, with names no row uses.
    const scrambled = (data: readonly Interaction[]): InteractionColumns => {
      const c = asColumns(data);
      const sessions = ['unused session', ...c.sessions].reverse();
      const items = [...c.items, 'file:unused.ts'].reverse();
      const at = (table: string[]): Map<string, number> => new Map(table.map((name, i) => [name, i]));
      const s = at(sessions);
      const it = at(items);
      return { ...c, sessions, items, session: c.session.map((i) => s.get(c.sessions[i]) as number), item: c.item.map((i) => it.get(c.items[i]) as number) };
    };
    assert.ok(fitted.stats.blendCases > 0, 'the fit validated on a held-out split');
    const fromColumns = finishSteps(retrainRecommenderSteps(undefined, scrambled(base), config)).model;
    const fromObjects = finishSteps(retrainRecommenderSteps(undefined, base, config)).model;
    assert.equal(timeless(fromColumns), timeless(fromObjects));
    assert.equal(timeless({ ...fromObjects, lineage: fullLineage(fromObjects) }), timeless(fitted));
    const again = finishSteps(updateRecommenderSteps(fitted, scrambled(base.concat(fresh))));
    assert.equal(timeless(again), timeless(updated));
  });
});

describe('warm-started and full retrains agree', () => {
  it('rank the next sessions within 0.05 HR@10 of each other, updated 5 times in a row', () => {
    // 800 sessions fitted, 5 updates of 10 sessions each, then the next 150 sessions ranked leave-one-out.
    let model = fitted;
    for (let u = 1; u <= 5; u++) {
      const r = finishSteps(retrainRecommenderSteps(model, firstSessions(800 + 10 * u), config));
      assert.equal(r.plan.kind, 'update', r.plan.reason);
      model = r.model;
    }
    const full = fitRecommender(firstSessions(850), config);
    const hr = (m: RecommenderModel): number => {
      let hits = 0;
      let n = 0;
      for (const s of sessions.slice(850, 1000)) {
        const known = s.items.filter((it) => m.items.includes(it));
        for (const target of known) {
          const context = known.filter((it) => it !== target);
          if (context.length === 0) continue;
          const sc = scoreItems(m, context.map((item) => ({ item, weight: 1 })), { exclude: new Set(context) });
          const ti = m.items.indexOf(target);
          let above = 0;
          for (let j = 0; j < m.items.length; j++) if (sc.candidate[j] && j !== ti && sc.score[j] > sc.score[ti]) above++;
          n++;
          if (above < 10) hits++;
        }
      }
      return hits / n;
    };
    const a = hr(model);
    const b = hr(full);
    assert.ok(Math.abs(a - b) < 0.05, `updated ${a.toFixed(3)} vs full ${b.toFixed(3)}`);
  });
});

describe('a full fit for drift keeps a large history\'s validated settings', () => {
  let validated: RecommenderModel;
  before(() => {
    // A full fit as retrains make it (its lineage carries the blend evidence and what it was validated on).
    validated = finishSteps(retrainRecommenderSteps(undefined, base, config)).model;
  });
  /** `validated` as if its settings had been validated on `n` interactions and `updates` updates had followed. */
  const standing = (n: number, updates = 0): RecommenderModel => ({ ...validated, lineage: { ...(validated.lineage ?? fullLineage(validated)), validatedInteractions: n, updates } });

  it('marks the full fits for drift as keeping the choice, not the first, an asked-for one, a changed setting or a fresh-rate drop', () => {
    assert.equal(validated.lineage?.validatedInteractions, base.length, 'a validating fit records what it validated on');
    const keeps = (p: RetrainPlan): boolean | undefined => (p.kind === 'full' ? p.keepsChoice === true : undefined);
    assert.equal(keeps(planRetrain(validated, firstSessions(Math.ceil(800 * (1 + UPDATE_LIMITS.growth)) + 10))), true, 'growth');
    assert.equal(keeps(planRetrain(standing(base.length, UPDATE_LIMITS.updates), grown)), true, 'updates in a row');
    assert.equal(keeps(planRetrain(validated, grown.filter((x) => x.item !== validated.items[0]))), true, 'an item gone');
    const held = validated.training.heldOut.value as number;
    const poor = { ...validated, lineage: { ...fullLineage(validated), freshCases: 100, freshHits: Math.floor(100 * held * UPDATE_LIMITS.hitRateFloor * 0.5) } };
    for (const p of [planRetrain(undefined, base), planRetrain(validated, grown, {}, true), planRetrain(validated, grown, { factors: validated.config.factors * 2 }), planRetrain(poor, grown)]) {
      assert.equal(keeps(p), false, p.reason);
    }
  });

  it('keeps it from KEEP_VALIDATION_MIN_INTERACTIONS up to REVALIDATE_GROWTH times that, with its held-out rate', () => {
    const plan = { kind: 'full' as const, reason: 'drift', keepsChoice: true as const };
    const n = KEEP_VALIDATION_MIN_INTERACTIONS;
    const kept = keptValidation(standing(n), plan, REVALIDATE_GROWTH * n - 1);
    assert.ok(kept, 'kept under twice the history');
    assert.equal(kept.interactions, n);
    assert.deepEqual(kept.outcome.chosen, { easeLambda: validated.config.easeLambda });
    assert.equal(kept.outcome.blend?.cases, validated.training.heldOut.cases);
    assert.equal(kept.outcome.blend?.hitRate, validated.training.heldOut.value);
    assert.equal(kept.keptFits, 1);
    assert.equal(keptValidation(standing(n), plan, REVALIDATE_GROWTH * n), undefined, 'chosen again once the history doubled');
    const keptBy = (fits: number): RecommenderModel => ({ ...standing(n), lineage: { ...(standing(n).lineage as NonNullable<RecommenderModel['lineage']>), keptFits: fits } });
    assert.equal(keptValidation(keptBy(REVALIDATE_AFTER_KEPT_FITS - 1), plan, n)?.keptFits, REVALIDATE_AFTER_KEPT_FITS);
    assert.equal(keptValidation(keptBy(REVALIDATE_AFTER_KEPT_FITS), plan, n), undefined, 'chosen again after REVALIDATE_AFTER_KEPT_FITS full fits kept it');
    assert.equal(keptValidation(standing(n - 1), plan, n), undefined, 'chosen again on a small history');
    assert.equal(keptValidation(standing(n), { kind: 'full', reason: 'asked' }, n), undefined);
    assert.equal(keptValidation({ ...standing(n), config: { ...validated.config, autoBlend: false } }, plan, n), undefined);
  });

  it('a retrain that keeps it trains once, on those settings, and passes them on; one past the bound chooses again', () => {
    const n = KEEP_VALIDATION_MIN_INTERACTIONS;
    // A fit collects its garbage once its validation is done (FitHooks.collect): asked only when it validated.
    const asked: string[] = [];
    const collect = (): void => void asked.push('collect');
    let epochs = 0;
    const r = finishSteps(retrainRecommenderSteps(standing(n, UPDATE_LIMITS.updates), grown, config, { collect, onEpoch: () => epochs++ }));
    assert.equal(r.plan.kind, 'full');
    assert.deepEqual(asked, [], 'no validation ran');
    assert.equal(epochs, config.epochs, 'the factor model trained once (a validating fit trains the blend model too)');
    for (const key of ['easeLambda', 'coocWeight', 'priorWeight', 'priorHalfLifeDays'] as const) assert.equal(r.model.config[key], validated.config[key], key);
    assert.deepEqual(r.model.training.heldOut, validated.training.heldOut);
    assert.equal(r.model.lineage?.validatedInteractions, n);
    assert.equal(r.model.lineage?.keptFits, 1);
    assert.equal(r.model.stats.interactions, grown.length);
    // The same model as a fit told those settings and not validating at all.
    const plain = finishSteps(fitRecommenderWithInverseSteps(grown, { ...config, autoBlend: false, easeLambda: validated.config.easeLambda, coocWeight: validated.config.coocWeight, priorWeight: validated.config.priorWeight, priorHalfLifeDays: validated.config.priorHalfLifeDays })).model;
    assert.deepEqual(r.model.mf.itemFactors, plain.mf.itemFactors);
    assert.deepEqual(r.model.neighbours, plain.neighbours);

    // The output channel says so (and nothing after a fit that chose again, or after an update).
    assert.match(keptSettingsNote(r.model) ?? '', new RegExp(`validated on ${n} interactions.*after ${REVALIDATE_AFTER_KEPT_FITS - 1} more`));
    assert.equal(keptSettingsNote(validated), undefined);
    assert.equal(keptSettingsNote({ ...r.model, lineage: { ...(r.model.lineage as NonNullable<RecommenderModel['lineage']>), updates: 1 } }), undefined);

    epochs = 0;
    const again = finishSteps(retrainRecommenderSteps(standing(n - 1, UPDATE_LIMITS.updates), grown, config, { collect, onEpoch: () => epochs++ }));
    assert.deepEqual(asked, ['collect'], 'a validation ran');
    assert.equal(again.model.lineage?.validatedInteractions, grown.length);
    assert.equal(again.model.lineage?.keptFits, undefined);
  });

  it('the file format keeps what the settings were validated on, and refuses a negative count', () => {
    const m = { ...standing(123_456), lineage: { ...(standing(123_456).lineage as NonNullable<RecommenderModel['lineage']>), keptFits: 3 } };
    const back = deserializeRecommender(serializeRecommender(m));
    assert.equal(back.lineage?.validatedInteractions, 123_456);
    assert.equal(back.lineage?.keptFits, 3);
    assert.equal(parseModelShape(structuredClone(m)).lineage?.validatedInteractions, 123_456);
    const bad = JSON.parse(serializeRecommender(m)) as { lineage: { validatedInteractions: number } };
    bad.lineage.validatedInteractions = -1;
    assert.throws(() => deserializeRecommender(JSON.stringify(bad)), /validatedInteractions/);
  });
});
