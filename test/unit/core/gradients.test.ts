// Finite-difference checks of every objective's analytic gradient, and that the trainers' steps follow them.
import { strict as assert } from 'node:assert';
import { explicitLoss, hkvLoss, implicitSampledLoss, zeroGradient, type Gradient } from '../../../src/core/losses';
import { initModel, type MfModel } from '../../../src/core/model';
import { makeRng } from '../../../src/core/random';
import { trainSgd, trainSgdImplicit } from '../../../src/core/sgd';
import { CsrMatrix } from '../../../src/core/sparse';
import { randomSparse } from './helpers';

type Part = 'userFactors' | 'itemFactors' | 'userBias' | 'itemBias';
const PARTS: Part[] = ['userFactors', 'itemFactors', 'userBias', 'itemBias'];

/** Central differences on every parameter; parameters are float32, so h is large enough to dominate rounding. */
function checkGradient(model: MfModel, lossOf: (g?: Gradient) => number, parts: Part[] = PARTS): number {
  const g = zeroGradient(model);
  lossOf(g);
  let checked = 0;
  for (const part of parts) {
    const arr = model[part];
    for (let t = 0; t < arr.length; t++) {
      const x = arr[t];
      const h = 1e-2;
      arr[t] = x + h;
      const up = lossOf();
      arr[t] = x - h;
      const down = lossOf();
      arr[t] = x;
      const hp = Math.fround(x + h) - x;
      const hm = x - Math.fround(x - h);
      const fd = (up - down) / (hp + hm);
      const an = g[part][t];
      assert.ok(Math.abs(fd - an) <= 2e-3 * Math.max(1, Math.abs(fd)), `${part}[${t}]: analytic ${an} vs finite difference ${fd}`);
      checked++;
    }
  }
  return checked;
}

function randomModel(kind: 'explicit' | 'implicit', m: CsrMatrix, k: number, seed: string): MfModel {
  const model = initModel(kind, m.nRows, m.nCols, k, makeRng(seed), 0.5);
  const rng = makeRng(seed + 'b');
  if (kind === 'explicit') {
    model.mu = 3;
    for (let t = 0; t < model.userBias.length; t++) model.userBias[t] = rng() - 0.5;
  }
  for (let t = 0; t < model.itemBias.length; t++) model.itemBias[t] = rng() - 0.5;
  return model;
}

describe('core: gradients match finite differences', () => {
  const x = randomSparse(6, 7, 0.5, 'grad');

  it('explicit per-visit objective (SGD)', () => {
    const m = randomModel('explicit', x, 3, 'g1');
    assert.ok(checkGradient(m, (g) => explicitLoss(m, x, 0.3, 'perVisit', g)) > 40);
  });

  it('explicit global objective (batch GD, ALS)', () => {
    const m = randomModel('explicit', x, 3, 'g2');
    checkGradient(m, (g) => explicitLoss(m, x, 0.3, 'global', g));
  });

  it('implicit objective with sampled negatives', () => {
    const signal = randomSparse(6, 7, 0.4, 'imp', 0, 20);
    const m = randomModel('implicit', signal, 3, 'g3');
    const neg = { users: [0, 1, 2, 5], items: [6, 0, 3, 3] };
    checkGradient(m, (g) => implicitSampledLoss(m, signal, neg, 2, 0.5, 0.2, g), ['userFactors', 'itemFactors', 'itemBias']);
  });

  it('Hu-Koren-Volinsky objective over all cells (implicit ALS)', () => {
    const signal = randomSparse(5, 6, 0.4, 'hkv', 0, 20);
    const m = randomModel('implicit', signal, 3, 'g4');
    m.itemBias.fill(0);
    checkGradient(m, (g) => hkvLoss(m, signal, 2, 0.5, 0.2, g), ['userFactors', 'itemFactors']);
  });

  it('the explicit SGD kernel takes exactly -lr * gradient of the visited cell (WebAssembly and JS kernels)', () => {
    const one = CsrMatrix.fromTriples(2, 3, [1], [2], [4.5]);
    for (const kernel of ['auto', 'js'] as const) {
      const p = { k: 4, epochs: 1, learningRate: 0.1, lambda: 0.05, seed: 's1', initStd: 0.3, kernel };
      const before = initModel('explicit', 2, 3, 4, makeRng('s1'), 0.3);
      before.mu = 4.5; // trainer fixes mu at the mean of the (single) cell
      const g = zeroGradient(before);
      explicitLoss(before, one, p.lambda, 'perVisit', g);
      const after = trainSgd(one, p);
      for (const part of PARTS) {
        for (let t = 0; t < before[part].length; t++) {
          const expected = before[part][t] - p.learningRate * g[part][t];
          assert.ok(Math.abs(after[part][t] - expected) < 1e-6, `${kernel} ${part}[${t}]`);
        }
      }
    }
  });

  it('the implicit SGD kernel (undamped, no negatives) follows the weighted gradient', () => {
    const one = CsrMatrix.fromTriples(2, 3, [0], [1], [3]);
    const p = { k: 3, epochs: 1, learningRate: 0.05, lambda: 0.1, seed: 's2', initStd: 0.3, alpha: 2, epsilon: 1, negatives: 0, damped: false };
    const before = initModel('implicit', 2, 3, 3, makeRng('s2'), 0.3);
    const g = zeroGradient(before);
    implicitSampledLoss(before, one, { users: [], items: [] }, p.alpha, p.epsilon, p.lambda, g);
    const after = trainSgdImplicit(one, p);
    for (const part of ['userFactors', 'itemFactors', 'itemBias'] as const) {
      for (let t = 0; t < before[part].length; t++) {
        const expected = before[part][t] - p.learningRate * g[part][t];
        assert.ok(Math.abs(after[part][t] - expected) < 1e-6, `${part}[${t}]`);
      }
    }
  });
});
