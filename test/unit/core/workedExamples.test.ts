// DESIGN.md section 2: the worked examples, reproduced to 4 decimals.
import { strict as assert } from 'node:assert';
import { alsSolveRow } from '../../../src/core/als';
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

describe('core: DESIGN.md least-squares examples', () => {
  it('ALS user update without regularization: w_1 = [4.5946, 1.3514]', () => {
    // H0 is r x M = [[1.0, 0.5, 0.2], [0.3, 1.2, 0.8]]; item factor rows are its columns.
    const items = Float32Array.from([1.0, 0.3, 0.5, 1.2, 0.2, 0.8]);
    const w1 = alsSolveRow(items, 2, [0, 2], [5, 2], 0);
    assertClose(w1, [4.5946, 1.3514]);
    // Exactly X_1^-1 y_1 (X_1 square): X_1 w_1 reproduces y_1.
    assertClose([1.0 * w1[0] + 0.3 * w1[1], 0.2 * w1[0] + 0.8 * w1[1]], [5, 2], 5);
  });

  it("Alice's least-squares preferences satisfy the normal equations X^T X w = X^T y", () => {
    const X = [
      [0.95, 0.1, 0.85], // Sholay
      [1.0, 0.2, 0.9], // Swades
      [0.05, 0.8, 0.3], // Batman
      [0.05, 0.95, 0.7], // Interstellar
      [0.05, 0.15, 0.95], // Shawshank
    ];
    const y = [5, 4, 2, 3, 2];
    const w = alsSolveRow(Float32Array.from(X.flat()), 3, [0, 1, 2, 3, 4], y, 0);
    for (let a = 0; a < 3; a++) {
      let lhs = 0;
      let rhs = 0;
      for (let t = 0; t < 5; t++) {
        let xw = 0;
        for (let c = 0; c < 3; c++) xw += X[t][c] * w[c];
        lhs += X[t][a] * xw;
        rhs += X[t][a] * y[t];
      }
      assert.ok(Math.abs(lhs - rhs) < 1e-4, `normal equation ${a}: ${lhs} vs ${rhs}`);
    }
    // The residual is not zero (5 equations, 3 unknowns), so this is a genuine least-squares fit.
    let sse = 0;
    for (let t = 0; t < 5; t++) sse += (X[t][0] * w[0] + X[t][1] * w[1] + X[t][2] * w[2] - y[t]) ** 2;
    assert.ok(sse > 1e-3);
  });
});
