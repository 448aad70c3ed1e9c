import { strict as assert } from 'node:assert';
import { allFinite } from '../../../src/core/validate';

describe('core: allFinite', () => {
  it('refuses NaN and either infinity wherever they are, accepts finite values (extremes, -0) and nothing', () => {
    assert.equal(allFinite(new Float64Array(0)), true);
    assert.equal(allFinite(Float64Array.of(0, -0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE)), true);
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const at of [0, 2, 4]) {
        const a = new Float64Array(5).fill(1.5);
        a[at] = bad;
        assert.equal(allFinite(a), false, `${bad} at ${at}`);
        assert.equal(allFinite(Array.from(a)), false, `${bad} at ${at} in an array`);
      }
    }
  });
});
