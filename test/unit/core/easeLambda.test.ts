// EASE's ridge choice (chooseEaseLambda): the best NDCG@10 of its grid on the validation split of the training part,
// and past the grid's edge while that improves (EASE's best ridge grows with the history's counts). Checked against
// one-lambda choices on the same split, which score each lambda alone.
import { strict as assert } from 'node:assert';
import { chooseEaseLambda, EASE_LAMBDA_EDGE_STEPS } from '../../../src/core/ease';
import { syntheticHistory } from '../../../src/eval/synthetic';

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
