// The tree re-renders at once when its rows change, and when only the numbers in tooltips and screen-reader labels
// moved (every dwell tick moves the scores), at most once per quiet period, with the latest numbers. A re-render
// drops the commands of the rows on screen, so each one saved is a click that cannot fail.
import * as assert from 'node:assert/strict';
import { RefreshGate, type TreeSnapshot } from '../../../../src/views/recommendations/refreshGate';

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('RefreshGate (when the tree re-renders)', () => {
  let renders: number;
  let gate: RefreshGate;
  let now: TreeSnapshot;
  const snap = (): TreeSnapshot => now;
  beforeEach(() => {
    renders = 0;
    gate = new RefreshGate(() => renders++, 60);
    now = { rows: 'file:a\tfile:b', detail: 'score 1.00' };
  });
  afterEach(() => gate.dispose());

  it('re-renders at once when the rows change, and not at all when nothing changed', async () => {
    gate.update(snap);
    assert.equal(renders, 1);
    for (let i = 0; i < 5; i++) gate.update(snap);
    assert.equal(renders, 1, 'the same rows and numbers: no re-render');
    now = { rows: 'file:b\tfile:a', detail: 'score 1.00' };
    gate.update(snap);
    assert.equal(renders, 2, 'a new order shows at once');
    await wait(100);
    assert.equal(renders, 2, 'nothing left pending');
  });

  it('renders a burst of numbers-only changes once, after the quiet period, with the latest numbers', async () => {
    gate.update(snap);
    const shown: string[] = [];
    gate = new RefreshGate(() => shown.push(now.detail), 60);
    gate.update(snap);
    for (let i = 1; i <= 10; i++) {
      now = { rows: now.rows, detail: `score 1.${i}` };
      gate.update(snap);
    }
    assert.deepEqual(shown, ['score 1.00'], 'score moves alone do not re-render at once');
    await wait(120);
    assert.deepEqual(shown, ['score 1.00', 'score 1.10'], 'one re-render with the latest numbers');
    gate.update(snap);
    await wait(100);
    assert.equal(shown.length, 2, 'caught up: nothing more to render');
  });

  it('a rows change while numbers wait renders at once and cancels the wait; dispose cancels it too', async () => {
    gate.update(snap);
    now = { rows: now.rows, detail: 'score 2.00' };
    gate.update(snap);
    now = { rows: 'file:c', detail: 'score 3.00' };
    gate.update(snap);
    assert.equal(renders, 2);
    await wait(100);
    assert.equal(renders, 2, 'the pending numbers render was folded into the rows render');
    now = { rows: 'file:c', detail: 'score 4.00' };
    gate.update(snap);
    gate.dispose();
    await wait(100);
    assert.equal(renders, 2, 'nothing renders after dispose');
    gate.force(now);
    assert.equal(renders, 3, 'force renders whatever changed');
  });
});
