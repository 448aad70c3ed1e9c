// EASE's ridge choice (chooseEaseLambda): the best NDCG@10 of its grid on the validation split of the training part,
// and past the grid's edge while that improves (EASE's best ridge grows with the history's counts). Checked against
// one-lambda choices on the same split, which score each lambda alone.
import { strict as assert } from 'node:assert';
import { chooseEaseLambda, EASE_LAMBDA_EDGE_STEPS, easeKeptScores, easeScores, type EaseModel } from '../../../src/core/ease';
import { TiesCounter } from '../../../src/core/evalProtocol';
import { makeRng } from '../../../src/core/random';
import { syntheticHistory } from '../../../src/eval/synthetic';

describe('TiesCounter.tiesOfPlaced over easeKeptScores: the ridge choice counting only the kept items', () => {
  it("counts as tiesOf does over every item's easeScores: negative weights, ties at zero, a context repeating items or holding the target", () => {
    const rng = makeRng('ties');
    const n = 300;
    const counter = new TiesCounter(n);
    for (let round = 0; round < 40; round++) {
      const m = 1 + Math.floor(rng() * 40);
      const kept = Int32Array.from(Array.from({ length: n }, (_, i) => i).sort(() => rng() - 0.5).slice(0, m));
      const position = new Int32Array(n).fill(-1);
      kept.forEach((i, p) => (position[i] = p));
      // Weights on a coarse grid, some zero, many equal: ties among kept items and with the items outside.
      const B = Float32Array.from({ length: m * m }, () => Math.round((rng() - 0.4) * 4) / 4);
      const model: EaseModel = { kept, position, B, lambda: 1 };
      const scores = new Float64Array(m);
      for (let c = 0; c < 20; c++) {
        const pick = (): number => (rng() < 0.7 ? kept[Math.floor(rng() * m)] : Math.floor(rng() * n));
        const context = Array.from({ length: 1 + Math.floor(rng() * 5) }, pick);
        const target = rng() < 0.2 ? context[0] : pick();
        if (rng() < 0.2) context.push(context[0]);
        const all = easeScores(model, context, n);
        const placed = easeKeptScores(model, context, scores);
        assert.ok(kept.every((i, p) => all[i] === placed[p]), 'the kept items score bit for bit as in easeScores');
        const want = counter.tiesOf(all, target, context);
        assert.deepEqual(counter.tiesOfPlaced(placed, position, target, context), want, `round ${round}, case ${c}`);
        assert.deepEqual(counter.tiesOf(all, target, context), want, 'and tiesOf after it counts the same (its scratch left clean)');
      }
    }
  });
});

describe('EASE lambda choice', () => {
  const history = syntheticHistory({ sessions: 600 });
  const alone = (lambda: number): number => chooseEaseLambda(history, [lambda]).ndcg;

  it('keeps the best lambda of its grid when it lies inside the grid', () => {
    const c = chooseEaseLambda(history, [0.01, 0.02, 0.04]);
    assert.equal(c.lambda, 0.02);
    assert.ok(c.cases > 0);
    assert.equal(c.ndcg, alone(0.02));
    assert.ok(c.ndcg > alone(0.01) && c.ndcg > alone(0.04));
  });

  it('goes on past the top edge by the edge ratio while each step improves, at most EASE_LAMBDA_EDGE_STEPS steps', () => {
    const c = chooseEaseLambda(history, [1, 2]);
    const steps = Array.from({ length: EASE_LAMBDA_EDGE_STEPS + 1 }, (_, s) => 2 * 2 ** s);
    // on this history every step up to the cap improves (and the one after it too: the cap stops it)
    for (let s = 1; s < steps.length; s++) assert.ok(alone(steps[s]) > alone(steps[s - 1]), `lambda ${steps[s]}`);
    assert.ok(alone(2 * steps[steps.length - 1]) > alone(steps[steps.length - 1]));
    assert.equal(c.lambda, steps[steps.length - 1]);
    assert.equal(c.ndcg, alone(c.lambda));
  });

  it('stops at the first step past the edge that does not improve', () => {
    const c = chooseEaseLambda(history, [1e4, 2e4]);
    assert.equal(c.lambda, 8e4);
    assert.ok(alone(8e4) > alone(4e4) && alone(4e4) > alone(2e4));
    assert.ok(!(alone(1.6e5) > alone(8e4)));
  });

  it('goes down past the bottom edge the same way', () => {
    // 0.03 is the better end of [0.03, 0.04]: the step below by the edge's ratio (0.75) improves, the next does not
    const c = chooseEaseLambda(history, [0.03, 0.04]);
    assert.ok(alone(0.03) > alone(0.04));
    assert.ok(Math.abs(c.lambda - 0.0225) < 1e-12, `chose ${c.lambda}`);
    assert.equal(c.ndcg, alone(c.lambda));
    assert.ok(c.ndcg > alone(0.03) && !(alone(c.lambda * 0.75) > c.ndcg));
  });
});
