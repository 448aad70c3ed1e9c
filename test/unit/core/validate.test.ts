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
      // Longer arrays are summed a block at a time: a bad entry at either end of a block, or in the tail after them.
      for (const at of [0, 3, 1023, 1024, 2047, 3071, 3072, 3074]) {
        const a = new Float64Array(3075).fill(-Number.MAX_VALUE);
        a[at] = bad;
        assert.equal(allFinite(a), false, `${bad} at ${at} of ${a.length}`);
        const f = new Float32Array(3075).fill(-3e38);
        f[at] = bad;
        assert.equal(allFinite(f), false, `${bad} at ${at} of ${f.length} (float32)`);
      }
    }
    const long = Float64Array.from({ length: 5000 }, (_, i) => (i % 2 ? -1 : 1) * (i % 7 ? Number.MAX_VALUE : 0));
    assert.equal(allFinite(long), true, 'extremes and zeros over several blocks');
    assert.equal(allFinite(new Float32Array(3075).fill(-3e38)), true);
  });
});
