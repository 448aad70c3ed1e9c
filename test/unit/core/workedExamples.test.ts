// DESIGN.md section 2: the worked examples, reproduced to 4 decimals.
import { strict as assert } from 'node:assert';
import { sgdStep, sgdStepWithError } from '../../../src/core/sgd';

// "To 4 decimals" = within 1e-4: DESIGN.md prints h'_3 as 0.8631 where the exact value is 0.863035 (the source
// rounded up), so a half-unit tolerance would reject the correct answer; the exact value is asserted separately.
export function assertClose(actual: ArrayLike<number>, expected: number[], decimals = 4): void {
  assert.equal(actual.length, expected.length, 'length');
  const tol = 10 ** -decimals;
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `index ${i}: ${actual[i]} != ${expected[i]} (to ${decimals} decimals)`);
  }
}

describe('core: DESIGN.md worked examples', () => {
  it('SGD step: r_hat 0.655, e 4.345, w\' and h\' from pre-update values', () => {
    const s = sgdStep([0.4, 0.2, 0.3], [0.95, 0.1, 0.85], 5, 0.01);
    assertClose([s.prediction, s.error], [0.655, 4.345]);
    assertClose(s.w, [0.4413, 0.2043, 0.3369]);
    assertClose(s.h, [0.9674, 0.1087, 0.8631]);
    assertClose(s.h, [0.96738, 0.10869, 0.863035], 9);
  });

  it('SGD step given e = -2.5', () => {
    const s = sgdStepWithError([0.8, 0.3], [0.6, 0.9], -2.5, 0.1);
    assertClose(s.w, [0.65, 0.075]);
    assertClose(s.h, [0.4, 0.825]);
  });
});
