import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { syntheticInteractions } from '../../../src/bench/synthetic';
import { asColumns, type Interaction } from '../../../src/core/interaction';
import { serializeRecommender, type RecommenderModel } from '../../../src/core/recommender';
import { fitRecommenderWithInverseSteps, VALIDATION_MAX_SESSIONS, type FitHooks } from '../../../src/core/recommenderFit';
import { finishSteps } from '../../../src/core/train';
import { parseFromValidation, ValidationThread } from '../../../src/training/validationThread';

// The real worker entry (compiled next to this file's output), which is also the validation thread's.
const WORKER = path.resolve(__dirname, '../../../src/training/worker.js');
const FIXTURES = path.resolve(__dirname, 'fixtures');

// Enough sessions for a validation split with a blend to choose (at least BLEND_MIN_CASES cases).
const data = asColumns(syntheticInteractions({ interactions: 12_000, items: 150, seed: 'validation-thread' }));
const fit = (hooks: FitHooks): RecommenderModel => finishSteps(fitRecommenderWithInverseSteps(data, { epochs: 4, autoBlend: true }, hooks, false)).model;
/** The model as saved, but for the time the fit took. */
const saved = (m: RecommenderModel): string => serializeRecommender({ ...m, stats: { ...m.stats, fitMs: 0 } });
const inline = fit({});

describe('ValidationThread: a full fit validating on a second thread', function () {
  this.timeout(60_000);

  it('gives the model a fit validating on its own thread gives, to the last digit', () => {
    assert.ok(inline.stats.blendCases > 0, 'the history is large enough to choose a blend on');
    const thread = new ValidationThread({ script: WORKER, minInteractions: 0 });
    const model = fit({ validateElsewhere: thread });
    assert.equal(thread.failure, undefined);
    assert.equal(saved(model), saved(inline));
    assert.equal(thread.start(data, inline.config), false, 'one validation per thread object');
  });

  it('past VALIDATION_MAX_SESSIONS the thread is handed the newest sessions only, with the same model as inline', () => {
    // 64,000 sessions of two items each: the window leaves the oldest 1,500 out of the validation.
    const rows: Interaction[] = [];
    for (let s = 0; s < VALIDATION_MAX_SESSIONS + 1_500; s++) {
      for (const item of [`i${s % 200}`, `i${(s * 7 + 3) % 200}`]) rows.push({ session: `s${s}`, item, time: 1_700_000_000 + s * 600, weight: 1 });
    }
    const big = asColumns(rows);
    const fitBig = (hooks: FitHooks): RecommenderModel => finishSteps(fitRecommenderWithInverseSteps(big, { factors: 4, epochs: 2, autoBlend: true }, hooks, false)).model;
    const alone = fitBig({});
    assert.ok(alone.stats.blendCases > 0);
    const thread = new ValidationThread({ script: WORKER, minInteractions: 0 });
    const model = fitBig({ validateElsewhere: thread });
    assert.deepEqual(thread.report(), { thread: true });
    assert.equal(saved(model), saved(alone));
  });

  it('stays out of small fits: below minInteractions the fit validates itself', () => {
    const thread = new ValidationThread({ script: WORKER, minInteractions: data.time.length + 1 });
    assert.equal(thread.start(data, inline.config), false);
    assert.equal(saved(fit({ validateElsewhere: thread })), saved(inline));
  });

  it('a thread that answers nonsense is stopped and the fit validates itself, with the same model', () => {
    const thread = new ValidationThread({ script: path.join(FIXTURES, 'badValidationThread.js'), minInteractions: 0 });
    const model = fit({ validateElsewhere: thread });
    assert.match(thread.failure ?? '', /lambda: expected a finite number/);
    assert.equal(saved(model), saved(inline));
  });

  it('a thread that says nothing is given up on after silentMs, and the fit validates itself', () => {
    let waits = 0;
    const thread = new ValidationThread({ script: path.join(FIXTURES, 'silentValidationThread.js'), minInteractions: 0, silentMs: 300, onWait: () => waits++ });
    const model = fit({ validateElsewhere: thread });
    assert.match(thread.failure ?? '', /said nothing/);
    assert.ok(waits >= 1, 'the waiting fit let its worker say it is alive');
    assert.equal(saved(model), saved(inline));
  });

  it('a script that cannot start leaves the fit to validate itself', () => {
    const thread = new ValidationThread({ script: path.join(FIXTURES, 'no-such-thread.js'), minInteractions: 0, silentMs: 2000 });
    assert.equal(saved(fit({ validateElsewhere: thread })), saved(inline));
    assert.ok(thread.failure !== undefined);
  });

  it('checks every message: numbers where numbers go, no unknown fields or types', () => {
    assert.deepEqual(parseFromValidation({ type: 'lambda', lambda: 20 }), { type: 'lambda', lambda: 20 });
    assert.throws(() => parseFromValidation({ type: 'lambda', lambda: Number.NaN }), /finite/);
    assert.throws(() => parseFromValidation({ type: 'lambda', lambda: -1 }), /> 0/);
    const outcome = { chosen: { easeLambda: 10 }, cases: 40 };
    assert.deepEqual(parseFromValidation({ type: 'outcome', outcome }), { type: 'outcome', outcome });
    const blend = { cases: 40, ndcg: 0.4, hitRate: 0.6 };
    assert.deepEqual(parseFromValidation({ type: 'outcome', outcome: { ...outcome, blend } }), { type: 'outcome', outcome: { ...outcome, blend } });
    assert.throws(() => parseFromValidation({ type: 'outcome', outcome: { ...outcome, extra: 1 } }), /unexpected field 'extra'/);
    assert.throws(() => parseFromValidation({ type: 'outcome', outcome: { ...outcome, blend: { ...blend, hitRate: '0.6' } } }), /hitRate/);
    // The blend is not the validation's to choose: an outcome naming weights is refused.
    assert.throws(() => parseFromValidation({ type: 'outcome', outcome: { ...outcome, chosen: { ...outcome.chosen, priorWeight: 0.2 } } }), /unexpected field 'priorWeight'/);
    assert.throws(() => parseFromValidation({ type: 'done' }), /unknown type/);
    assert.throws(() => parseFromValidation(null), /an object/);
  });
});
