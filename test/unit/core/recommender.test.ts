import * as assert from 'node:assert/strict';
import { LatentInputError, ModelFormatError } from '../../../src/core/errors';
import { syntheticInteractions } from '../../../src/bench/synthetic';
import { groupSessions, splitProtocol } from '../../../src/core/evalProtocol';
import { asColumns, type InteractionColumns } from '../../../src/core/interaction';
import { VALIDATION_OFF_REASON, validationHistory, VALIDATION_MAX_SESSIONS } from '../../../src/core/recommenderFit';
import {
  BLEND_MIN_CASES,
  DEFAULT_RECOMMENDER_CONFIG,
  HELD_OUT_K,
  deserializeRecommender,
  fitRecommender,
  priorForNewItem,
  recommend,
  serializeRecommender,
} from '../../../src/core/recommender';
import { legacyModelFile } from './helpers';
import { TESTS, twoAreas, UI } from './toyData';

const mfOnly = { coocWeight: 0, priorWeight: 0, epochs: 40, factors: 8 };

describe('shipped ranker (recommender.ts)', () => {
  it('folding in the context changes the ranking toward the context area (MF alone)', () => {
    const model = fitRecommender(twoAreas(), mfOnly);
    assert.equal(model.mode, 'mf');
    const ui = recommend(model, [{ item: UI[0], weight: 1 }], { n: 3, exclude: new Set([UI[0]]) }).map((r) => r.item);
    const tests = recommend(model, [{ item: TESTS[0], weight: 1 }], { n: 3, exclude: new Set([TESTS[0]]) }).map((r) => r.item);
    assert.deepEqual([...ui].sort(), UI.slice(1));
    assert.deepEqual([...tests].sort(), TESTS.slice(1));
  });

  it('leaves out exactly the excluded items (a context item closed earlier may come back) and explains each result', () => {
    const model = fitRecommender(twoAreas());
    // UI[0] was used earlier in this session and is closed now; UI[1] is open (the caller excludes open items).
    const closed = recommend(model, [{ item: UI[0], weight: 2 }], { n: 10, exclude: new Set([UI[1]]) });
    assert.equal(closed.length, 7);
    assert.ok(!closed.some((r) => r.item === UI[1]), 'excluded item left out');
    assert.ok(closed.some((r) => r.item === UI[0]), 'a context item that is not excluded is a fine recommendation');
    const recs = recommend(model, [{ item: UI[0], weight: 2 }], { n: 10, exclude: new Set([UI[0], UI[1]]) });
    assert.equal(recs.length, 6);
    assert.ok(!recs.some((r) => r.item === UI[0] || r.item === UI[1]));
    // the items outside the context keep their scores and order: the context only adds itself to the list
    assert.deepEqual(
      closed.filter((r) => r.item !== UI[0]).map((r) => [r.item, r.score]),
      recs.map((r) => [r.item, r.score]),
    );
    for (let i = 1; i < recs.length; i++) assert.ok(recs[i - 1].score >= recs[i].score);
    assert.equal(recs[0].explanation.contributions.length, model.mf.k);
    // the contributions plus the bias are the MF score
    const sum = recs[0].explanation.contributions.reduce((a, b) => a + b, 0) + recs[0].explanation.bias;
    assert.ok(Math.abs(sum - recs[0].mfScore) < 1e-4);
    assert.equal(recs[0].explanation.coUsed[0], UI[0]);
  });

  it('gives a file with no history a prior from its folder and ranks it in its area', () => {
    const model = fitRecommender(twoAreas(), mfOnly);
    const p = priorForNewItem(model, 'file:src/ui/new.ts');
    assert.ok(p);
    assert.deepEqual(p.from.map((i) => model.items[i]).sort(), [...UI].sort());
    assert.equal(priorForNewItem(model, 'file:docs/x.rb'), undefined);
    const recs = recommend(model, [{ item: UI[0], weight: 1 }], { n: 4, candidates: ['file:src/ui/new.ts'] });
    const at = recs.findIndex((r) => r.item === 'file:src/ui/new.ts');
    assert.ok(at > 0, 'the new file is among the top 4 for a UI context');
    // it ranks right behind its best neighbour, with that neighbour's score
    assert.equal(recs[at].source, 'new');
    assert.ok(recs[at - 1].item.startsWith('file:src/ui/'));
    assert.equal(recs[at].score, recs[at - 1].score);
    // an unknown context file pulls in its folder's area too
    const viaNew = recommend(model, [{ item: 'file:test/new.ts', weight: 1 }], { n: 4, exclude: new Set(['file:test/new.ts']) }).map((r) => r.item);
    assert.deepEqual([...viaNew].sort(), [...TESTS].sort());
  });

  it('falls back to frecency with too little history and says so', () => {
    const few = twoAreas(4);
    const model = fitRecommender(few);
    assert.equal(model.mode, 'frecency');
    const recs = recommend(model, [], { n: 8 });
    assert.ok(recs.every((r) => r.source === 'frecency'));
    // the most recent session (s3: tests) ranks first
    assert.ok(recs[0].item.startsWith('file:test/'));
    for (let i = 1; i < recs.length; i++) assert.ok(recs[i - 1].priorScore >= recs[i].priorScore);
  });

  it('round-trips through serialization with identical recommendations', () => {
    const model = fitRecommender(twoAreas());
    const back = deserializeRecommender(serializeRecommender(model));
    assert.deepEqual(back.items, model.items);
    assert.deepEqual(back.config, model.config);
    const ctx = [{ item: TESTS[2], weight: 1 }];
    assert.deepEqual(recommend(back, ctx, { n: 5 }), recommend(model, ctx, { n: 5 }));
    assert.throws(() => deserializeRecommender('{"format":"latent-recommender","version":2}'), ModelFormatError);
    const broken = JSON.parse(serializeRecommender(model)) as Record<string, unknown>;
    broken.items = (broken.items as string[]).slice(1);
    assert.throws(() => deserializeRecommender(JSON.stringify(broken)), ModelFormatError);
    assert.throws(() => deserializeRecommender('not json'), ModelFormatError);
  });

  it('measures the configured blend on the newest 20% of its own sessions (none when too few), and keeps it', () => {
    const small = fitRecommender(twoAreas(20), { coocWeight: 0.7, autoBlend: true });
    assert.equal(small.stats.blendCases, 0);
    assert.equal(small.config.coocWeight, 0.7);
    const big = fitRecommender(twoAreas(200), { coocWeight: 0.7, priorWeight: 0.3, priorHalfLifeDays: 9, autoBlend: true });
    // 40 validation sessions x 3 items, leave-one-out: 120 cases
    assert.equal(big.stats.blendCases, 120);
    assert.deepEqual([big.config.coocWeight, big.config.priorWeight, big.config.priorHalfLifeDays], [0.7, 0.3, 9]);
    // areas are perfectly separated, so the blend ranks the held-out area item within the top 3 of 7
    assert.ok(big.stats.blendNdcg >= 0.5, `validation NDCG ${big.stats.blendNdcg}`);
    assert.equal(big.training.heldOut.value, 1, 'every held-out item in the top 10 of 7');
    // By default too the ridge is chosen and the blend stays.
    const d = DEFAULT_RECOMMENDER_CONFIG;
    const byDefault = fitRecommender(twoAreas(200));
    assert.equal(byDefault.stats.blendCases, 120);
    assert.deepEqual([byDefault.config.coocWeight, byDefault.config.priorWeight, byDefault.config.priorHalfLifeDays], [d.coocWeight, d.priorWeight, d.priorHalfLifeDays]);
    const off = fitRecommender(twoAreas(200), { autoBlend: false });
    assert.equal(off.stats.blendCases, 0);
    assert.deepEqual(
      [off.config.easeLambda, off.config.coocWeight, off.config.priorWeight, off.config.priorHalfLifeDays],
      [d.easeLambda, d.coocWeight, d.priorWeight, d.priorHalfLifeDays],
    );
  });

  it('on a history past VALIDATION_MAX_SESSIONS the validation reads the newest sessions only', function () {
    this.timeout(60_000);
    // 63,000 sessions, the oldest 500 outside the window of 62,500: its split trains on sessions 500..50,499 and
    // validates on the 12,500 after. The oldest 400 are the only sessions with old-a and old-b before the 100
    // validation sessions that use them again; 100 more use x1 and x2. The whole history's split (50,400 train
    // sessions) validates on both and on the 100 pairs before them: 600 cases. The window never saw old-a or old-b
    // before: 200.
    const data: Array<{ session: string; item: string; time: number; weight: number }> = [];
    const add = (s: number, items: string[]): void => items.forEach((item, j) => data.push({ session: `s${s}`, item, time: 1_700_000_000 + s * 600 + j, weight: 1 }));
    let s = 0;
    for (; s < 400; s++) add(s, ['old-a', 'old-b']);
    for (; s < 50_500; s++) add(s, [`x${s % 100}`, `x${(s * 7 + 1) % 100}`]);
    for (let v = 0; v < 12_500; v++, s++) add(s, v < 100 ? ['old-a', 'old-b'] : v < 200 ? ['x1', 'x2'] : [`x${v % 100}`]);
    assert.equal(VALIDATION_MAX_SESSIONS, 62_500);
    assert.equal(splitProtocol(data).cases.length, 600);
    const window = validationHistory(data);
    assert.equal(groupSessions(window).length, VALIDATION_MAX_SESSIONS);
    assert.equal(groupSessions(window)[0].id, 's500');
    const m = fitRecommender(data, { factors: 4, epochs: 2, autoBlend: true });
    assert.equal(m.stats.blendCases, 200);
    // As columns (the worker's form) the same window, its tables cut to the names it uses.
    const columns = asColumns(data);
    const cut = validationHistory(columns) as InteractionColumns;
    assert.equal(cut.sessions.length, VALIDATION_MAX_SESSIONS);
    assert.equal(new Set(cut.item).size, cut.items.length, 'every name in the item table is used');
    assert.deepEqual(groupSessions(cut).slice(0, 3), groupSessions(window).slice(0, 3));
    assert.equal(fitRecommender(columns, { factors: 4, epochs: 2, autoBlend: true }).stats.blendCases, 200);
  });

  it('reports progress 1..epochs once, whether or not a validation fit runs first', () => {
    for (const sessions of [20, 200]) {
      const seen: number[] = [];
      const m = fitRecommender(twoAreas(sessions), { epochs: 8, autoBlend: true }, { onEpoch: (e) => seen.push(e.epoch) });
      assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8], `${sessions} sessions (blend cases ${m.stats.blendCases})`);
    }
  });

  it('is deterministic for a seed', () => {
    const a = fitRecommender(twoAreas());
    const b = fitRecommender(twoAreas());
    assert.deepEqual(a.mf.itemFactors, b.mf.itemFactors);
  });

  it('rejects bad input with typed errors', () => {
    assert.throws(() => fitRecommender([]), LatentInputError);
    assert.throws(() => fitRecommender([{ session: 's', item: 'i', time: 1, weight: NaN }]), LatentInputError);
    assert.throws(() => fitRecommender([{ session: 's', item: 'i', time: 1, weight: 0 }]), LatentInputError);
    assert.throws(() => fitRecommender(twoAreas(), { factors: 0 }), LatentInputError);
    assert.throws(() => fitRecommender(twoAreas(), { nonsense: 1 } as unknown as typeof DEFAULT_RECOMMENDER_CONFIG), LatentInputError);
    const model = fitRecommender(twoAreas());
    assert.throws(() => recommend(model, [{ item: UI[0], weight: -1 }], { n: 3 }), LatentInputError);
  });

  describe('the training record (per-epoch losses, held-out hit rate)', () => {
    // Enough sessions and items (> HELD_OUT_K, so a miss is possible) for a validation split.
    const data = syntheticInteractions({ interactions: 3000, items: 120, seed: 'held-out' });
    const model = fitRecommender(data, { epochs: 12, autoBlend: true });

    it('keeps the loss of every epoch run, the last one the final loss', () => {
      assert.equal(model.training.losses.length, model.stats.epochs);
      assert.equal(model.stats.epochs, 12);
      assert.ok(model.training.losses.every(Number.isFinite));
      assert.equal(model.training.losses[11], model.stats.finalLoss);
      // stopped after 3 epochs of the final fit (no validation on this small history): 3 losses
      let epochs = 0;
      const stopped = fitRecommender(twoAreas(20), { epochs: 12 }, { onEpoch: () => epochs++, shouldStop: () => epochs >= 3 });
      assert.equal(stopped.stats.epochs, 3);
      assert.equal(stopped.training.losses.length, 3);
    });

    it('reports HR@10 of the validation fit on the newest 20%, equal to ranking those cases with recommend()', () => {
      const h = model.training.heldOut;
      assert.equal(h.k, HELD_OUT_K);
      assert.ok(h.value !== null, h.reason);
      assert.ok(h.value >= 0 && h.value <= 1);
      assert.equal(h.cases, model.stats.blendCases);
      assert.ok(h.cases >= BLEND_MIN_CASES);
      assert.ok(h.value >= model.stats.blendNdcg, 'HR@10 >= NDCG@10 on the same cases');
      // Independently: the same fit on the older 80% with the chosen blend, ranking each case through recommend().
      const split = splitProtocol(data);
      const inner = fitRecommender(split.trainInteractions, { ...model.config, autoBlend: false, minSessions: 0 });
      const cases = split.cases.slice(-500);
      let hits = 0;
      for (const c of cases) {
        const recs = recommend(inner, c.context.map((item) => ({ item, weight: 1 })), { n: HELD_OUT_K, exclude: new Set(c.context) });
        if (recs.some((r) => r.item === c.target)) hits++;
      }
      assert.equal(h.cases, cases.length);
      assert.ok(Math.abs(h.value - hits / cases.length) < 1e-12, `${h.value} vs ${hits}/${cases.length}`);
      assert.ok(h.value < 1, 'with 120 items a miss happens: the figure is not trivially 1');
    });

    it('says why there is no hit rate instead of making one up', () => {
      const small = fitRecommender(twoAreas(20), { autoBlend: true }).training.heldOut;
      assert.equal(small.value, null);
      assert.match(small.reason ?? '', /give \d+ validation cases?, 30 needed/);
      assert.ok(small.cases < BLEND_MIN_CASES);
      const off = fitRecommender(data, { epochs: 2, autoBlend: false }).training.heldOut;
      assert.equal(off.value, null);
      assert.equal(off.reason, VALIDATION_OFF_REASON);
      const frecency = fitRecommender(twoAreas(4), { autoBlend: true }).training.heldOut;
      assert.equal(frecency.value, null);
      assert.match(frecency.reason ?? '', /recent use|fewer than 2 sessions|validation case/);
      const one = fitRecommender([{ session: 's', item: 'file:a', time: 1, weight: 1 }]).training.heldOut;
      assert.equal(one.value, null);
      assert.match(one.reason ?? '', /.+/);
    });

    it('survives serialization; a bad record is a ModelFormatError; a version 1 file still loads, honestly empty', () => {
      const back = deserializeRecommender(serializeRecommender(model));
      assert.equal(back.version, 3);
      assert.deepEqual(back.training, model.training);
      const small = fitRecommender(twoAreas(20), { autoBlend: true });
      assert.deepEqual(deserializeRecommender(serializeRecommender(small)).training, small.training);
      const mutate = (f: (t: { losses: unknown[]; heldOut: Record<string, unknown> }) => void): string => {
        const o = JSON.parse(serializeRecommender(model)) as { training: { losses: unknown[]; heldOut: Record<string, unknown> } };
        f(o.training);
        return JSON.stringify(o);
      };
      for (const bad of [
        mutate((t) => t.losses.pop()),
        mutate((t) => (t.losses[0] = null)),
        mutate((t) => (t.losses[0] = 'x')),
        mutate((t) => (t.heldOut.value = 1.01)),
        mutate((t) => (t.heldOut.value = -0.1)),
        mutate((t) => (t.heldOut.value = null)),
        mutate((t) => (t.heldOut.cases = 0)),
        mutate((t) => (t.heldOut.k = 0)),
        mutate((t) => delete (t as { heldOut?: unknown }).heldOut),
      ]) {
        assert.throws(() => deserializeRecommender(bad), ModelFormatError, bad.slice(-200));
      }
      const noRecord = JSON.parse(serializeRecommender(model)) as Record<string, unknown>;
      delete noRecord.training;
      assert.throws(() => deserializeRecommender(JSON.stringify(noRecord)), ModelFormatError, 'version 3 needs its record');
      const sessions = Float32Array.from({ length: 3 * model.mf.k }, (_, t) => Math.sin(t + 1));
      const v1 = deserializeRecommender(legacyModelFile(model, sessions, 1));
      assert.deepEqual(v1.training.losses, []);
      assert.equal(v1.training.heldOut.value, null);
      assert.match(v1.training.heldOut.reason ?? '', /earlier version/);
      assert.deepEqual(v1.mf.itemFactors, model.mf.itemFactors);
      noRecord.version = 4;
      assert.throws(() => deserializeRecommender(JSON.stringify(noRecord)), /unsupported version 4/);
    });

    it('keeps the sessions\' Gramian, not their vectors: the file grows with items, not sessions; older files convert', () => {
      const k = model.mf.k;
      const g = model.mf.sessionGram;
      assert.equal(g.length, k * k);
      assert.ok(model.mf.nSessions > 0);
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) assert.equal(g[a * k + b], g[b * k + a]);
      const back = deserializeRecommender(serializeRecommender(model));
      assert.deepEqual(back.mf.sessionGram, g, 'float64 exactly');
      assert.equal(back.mf.nSessions, model.mf.nSessions);
      // Ten times the sessions over the same items: the file grows by far less than their vectors would take.
      const few = fitRecommender(syntheticInteractions({ interactions: 2_000, items: 50, seed: 'size' }), { epochs: 2 });
      const many = fitRecommender(syntheticInteractions({ interactions: 20_000, items: 50, seed: 'size' }), { epochs: 2 });
      assert.ok(many.mf.nSessions >= 5 * few.mf.nSessions, `${many.mf.nSessions} vs ${few.mf.nSessions} sessions`);
      const grown = serializeRecommender(many).length - serializeRecommender(few).length;
      const vectors = ((many.mf.nSessions - few.mf.nSessions) * k * 4 * 4) / 3; // base64 of their float32s
      assert.ok(grown < vectors / 10, `the file grew by ${grown} characters; the added session vectors are ${vectors}`);
      // A version 2 file (every session's vector): the Gramian is computed from them, the row's vector read from them.
      const sessions = Float32Array.from({ length: 4 * k }, (_, t) => Math.cos(t) / (1 + (t % 7)));
      const v2 = deserializeRecommender(legacyModelFile(model, sessions, 2));
      assert.equal(v2.mf.nSessions, 4);
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) {
          let want = 0;
          for (let u = 0; u < 4; u++) want += sessions[u * k + a] * sessions[u * k + b];
          assert.ok(Math.abs(v2.mf.sessionGram[a * k + b] - want) < 1e-9);
        }
      }
      const row = v2.training.lastRow;
      assert.ok(row && model.training.lastRow);
      assert.deepEqual(row.x, Array.from(sessions.subarray(row.row * k, (row.row + 1) * k)));
      assert.deepEqual(deserializeRecommender(serializeRecommender(v2)), v2, 'and it is saved again in this version');
      // A version 3 row without its vector, or a Gramian of the wrong size, is refused.
      const o = JSON.parse(serializeRecommender(model)) as { training: { lastRow: { x?: number[] } }; mf: { sessionGram: number[] } };
      delete o.training.lastRow.x;
      assert.throws(() => deserializeRecommender(JSON.stringify(o)), /training row "x"/);
      const p = JSON.parse(serializeRecommender(model)) as { mf: { sessionGram: number[] } };
      p.mf.sessionGram.pop();
      assert.throws(() => deserializeRecommender(JSON.stringify(p)), /sessionGram/);
    });
  });
});
