// The rank a held-out target gets (targetRank.ts), counted as a full fit's held-out rate and an update's fresh rate
// count it: hand-made scores, with ties and items that may not be recommended.
import { strict as assert } from 'node:assert';
import { targetRank } from '../../../src/core/targetRank';

describe('targetRank', () => {
  const scored = (score: number[], candidate = score.map(() => 1)): { score: Float64Array; candidate: Uint8Array } => ({
    score: Float64Array.from(score),
    candidate: Uint8Array.from(candidate),
  });

  it('counts the candidates scored above the target, and ties with a lower index, as ranking orders them', () => {
    const s = scored([0.9, 0.5, 0.5, 0.7, 0.5, 0.1]);
    assert.equal(targetRank(s, 6, 0), 0);
    assert.equal(targetRank(s, 6, 3), 1);
    // 0.5 at 1, 2 and 4: item 1 ranks before 2 before 4, behind 0 and 3.
    assert.deepEqual([1, 2, 4].map((t) => targetRank(s, 6, t)), [2, 3, 4]);
    assert.equal(targetRank(s, 6, 5), 5);
  });

  it('skips items that may not be recommended (the context) and items past nItems', () => {
    const s = scored([0.9, 0.8, 0.7, 0.95], [0, 1, 1, 1]);
    assert.equal(targetRank(s, 3, 2), 1, 'item 0 is the context, item 3 a new candidate outside the model');
    assert.equal(targetRank(s, 4, 2), 2);
  });

  it('stops counting at the limit: only the top counts', () => {
    const s = scored([5, 4, 3, 2, 1, 0]);
    assert.equal(targetRank(s, 6, 5, 3), 3);
    assert.equal(targetRank(s, 6, 5), 5);
  });
});
