// Issue 9 part 4: an item that goes with everything needs more evidence than its recent use.
import { strict as assert } from 'node:assert';
import { recentUsePrior } from '../../../src/core/recommenderFit';

describe('recent-use prior: generic items keep less of it', () => {
  // 8 sessions on the same day: the manifest is in all of them, a.ts in 4, b.ts in 1.
  const at = 1_000_000;
  const sessions = Array.from({ length: 8 }, (_, s) => ({
    time: at,
    items: ['package.json', ...(s < 4 ? ['a.ts'] : []), ...(s === 0 ? ['b.ts'] : [])],
  }));
  const index = new Map([
    ['package.json', 0],
    ['a.ts', 1],
    ['b.ts', 2],
  ]);

  it('off (genericShare 1): frecency scaled by the largest, the manifest first', () => {
    const p = recentUsePrior(sessions, index, at, 30, 1);
    assert.equal(p[0], 1);
    assert.ok(Math.abs(p[1] - 0.5) < 1e-6 && Math.abs(p[2] - 0.125) < 1e-6, String([...p]));
  });

  it('genericShare 0.25: an item in share s > 0.25 of sessions keeps 0.25 / s; the scale is the one before', () => {
    const p = recentUsePrior(sessions, index, at, 30, 0.25);
    // manifest: share 1 -> x 0.25; a.ts: share 0.5 -> 0.5 x 0.5; b.ts: share 0.125, untouched. Not rescaled to 1.
    assert.ok(Math.abs(p[0] - 0.25) < 1e-6, String(p[0]));
    assert.ok(Math.abs(p[1] - 0.25) < 1e-6, String(p[1]));
    assert.ok(Math.abs(p[2] - 0.125) < 1e-6, String(p[2]));
  });
});
