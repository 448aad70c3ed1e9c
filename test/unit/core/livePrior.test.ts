// The recent-use prior with the sessions recorded since training (livePrior.ts), in the ranking and in the replay.
import { strict as assert } from 'node:assert';
import { syntheticInteractions } from '../../../src/bench/synthetic';
import { asColumns, type Interaction } from '../../../src/core/interaction';
import { indexHistory } from '../../../src/core/historyIndex';
import { livePriorInto } from '../../../src/core/livePrior';
import { deserializeRecommender, fitRecommender, scoreItems, serializeRecommender, type RecentSession, type RecommenderModel } from '../../../src/core/recommender';
import { recentUsePrior } from '../../../src/core/recommenderFit';
import { scoreBreakdown } from '../../../src/core/scoreBreakdown';
import { refittedReplayMethod, runReplay } from '../../../src/core/replay';
import type { EvalMethod, Ranker } from '../../../src/core/evalProtocol';

const history = syntheticInteractions({ interactions: 3000, items: 60, seed: 'live-prior' });
// genericShare 0.05 makes several items generic, so their discount is exercised too.
const model = fitRecommender(history, { epochs: 2, autoBlend: false, genericShare: 0.05 });
const DAY = 86_400;
// Three later sessions on known items, hours and days after the model's newest interaction.
const later: RecentSession[] = [
  { start: model.trainedAt + 3600, items: [model.items[5], model.items[7], model.items[5]] },
  { start: model.trainedAt + 2 * DAY, items: [model.items[7], model.items[11]] },
  { start: model.trainedAt + 3 * DAY, items: [model.items[11], model.items[model.generic[0]]] },
];
const index = new Map(model.items.map((it, i) => [it, i]));

/** The model's discount per item: 1, or what a generic item keeps. */
function discountOf(m: RecommenderModel): Float32Array {
  const d = new Float32Array(m.items.length).fill(1);
  m.generic.forEach((g, t) => (d[g] = m.priorBasis?.genericKeep[t] ?? 1));
  return d;
}

describe('live recent-use prior (sessions since training)', () => {
  it('the model keeps what it needs: the scale and every generic item share, which survive saving', () => {
    assert.ok(model.generic.length >= 2, 'several generic items');
    const basis = model.priorBasis;
    assert.ok(basis && basis.scale > 0 && basis.genericKeep.length === model.generic.length);
    assert.ok(basis.genericKeep.every((k) => k > 0 && k < 1));
    const back = deserializeRecommender(serializeRecommender(model));
    assert.equal(back.priorBasis?.scale, basis.scale);
    assert.deepEqual([...(back.priorBasis?.genericKeep ?? [])], [...basis.genericKeep]);
  });

  it('equals the prior a fit would make of the history plus the later sessions (same discounts)', () => {
    const rows: Interaction[] = [...history];
    later.forEach((s, n) => s.items.forEach((item) => rows.push({ session: `later${n}`, item, time: s.start, weight: 1 })));
    const h = indexHistory(model.items, asColumns(rows));
    const expected = recentUsePrior(h.lists, h.start, model.items.length, h.trainedAt, model.config.priorHalfLifeDays, discountOf(model)).prior;
    const out = new Float64Array(model.items.length);
    assert.equal(livePriorInto(model, later, index, out), true);
    for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i] - expected[i]) < 1e-5, `item ${i}: ${out[i]} vs ${expected[i]}`);
    // The newest session's items lead: item 11 was used in the two newest sessions.
    assert.ok(out[11] > model.prior[11]);
  });

  it('without later sessions, or for a model saved before it kept the basis, the prior is the model\'s', () => {
    const out = new Float64Array(model.items.length).fill(-1);
    assert.equal(livePriorInto(model, [], index, out), false);
    const { priorBasis: _dropped, ...old } = model;
    assert.equal(livePriorInto(old, later, index, out), false);
    assert.ok(out.every((v) => v === -1), 'untouched');
    const ctx = [{ item: model.items[1], weight: 1 }];
    assert.deepEqual([...scoreItems(old, ctx, { recentSessions: later }).prior], [...scoreItems(old, ctx).prior]);
  });

  it('ranks with it: the scores take the live prior, and every explanation still sums to its score', () => {
    const context = [{ item: model.items[2], weight: 1 }];
    const without = scoreItems(model, context);
    const priorBefore = without.prior[11];
    const withIt = scoreItems(model, context, { recentSessions: later });
    assert.ok(withIt.prior[11] > priorBefore, 'a file used since training gains recent use');
    assert.ok(withIt.prior[11] > 0 && model.config.priorWeight > 0);
    for (let i = 0; i < model.items.length; i++) {
      const b = scoreBreakdown(model, withIt, i);
      const sum = b.terms.reduce((a, t) => a + t.value, 0);
      assert.ok(Math.abs(b.total - withIt.score[i]) < 1e-9 && Math.abs(sum - b.total) < 1e-9, `item ${i}`);
    }
  });

  it('replay: a ranker hears of each session only after it was scored, and only between refits', () => {
    const rows: Interaction[] = [];
    for (let s = 0; s < 40; s++) for (const it of [`i${s % 5}`, `i${(s + 2) % 5}`]) rows.push({ session: `s${s}`, item: it, time: 100 + s, weight: 1 });
    let observed = 0;
    let scoredAfterObserve = 0;
    const spy: EvalMethod = {
      name: 'spy',
      fit(): Ranker {
        const heard: number[] = [];
        return {
          observe: (session) => {
            heard.push(...session.map((x) => x.time));
            observed++;
          },
          score: (_c, now) => {
            assert.ok(heard.every((t) => t < now), 'heard of the session it scores, or a later one');
            if (heard.length > 0) scoredAfterObserve++;
            return new Float64Array(5);
          },
        };
      },
    };
    runReplay(rows, (items) => [refittedReplayMethod(spy, items, (e) => e >= 6)]);
    assert.ok(observed > 0 && scoredAfterObserve > 0);
  });
});
