// Focused dwell (nothing over lunch, nothing while unfocused) and edit coalescing.
import { strict as assert } from 'node:assert';
import { LatentInputError } from '../../../src/core/errors';
import { DwellClock, EditCoalescer } from '../../../src/feedback/attention';

const S = 1000;

describe('feedback: focused dwell', () => {
  it('counts time between activities while focused', () => {
    const c = new DwellClock(60 * S, 0);
    c.activity(0);
    c.activity(20 * S);
    assert.equal(c.take(30 * S), 30);
  });

  it('a file left open over lunch earns at most the idle time', () => {
    const c = new DwellClock(60 * S, 0);
    c.activity(0);
    assert.equal(c.take(60 * 60 * S), 60);
    assert.equal(c.lastCredited, 60 * S, 'the counted time ended at the idle limit, not at lunch time');
    assert.equal(c.take(2 * 60 * 60 * S), 0);
    c.activity(2 * 60 * 60 * S); // back from lunch: counting resumes from now, not from before
    assert.equal(c.take(2 * 60 * 60 * S + 10 * S), 10);
  });

  it('nothing counts while the window is unfocused; regaining focus counts as activity', () => {
    const c = new DwellClock(60 * S, 0);
    c.activity(0);
    c.setFocused(false, 10 * S);
    assert.equal(c.isFocused, false);
    assert.equal(c.take(50 * S), 10);
    c.setFocused(true, 500 * S);
    assert.equal(c.take(530 * S), 30);
  });

  it('keeps fractions of a second for the next take; reset drops them', () => {
    const c = new DwellClock(60 * S, 0);
    c.activity(0);
    assert.equal(c.take(1500), 1);
    assert.equal(c.take(2600), 1); // 0.5 + 1.1
    c.reset(2900);
    assert.equal(c.take(3000), 0);
  });

  it('no activity yet means nothing to count', () => {
    assert.equal(new DwellClock(60 * S, 0).take(10 * S), 0);
  });

  it('a shorter idle setting applies from now on', () => {
    const c = new DwellClock(60 * S, 0);
    c.activity(0);
    c.setIdleMs(5 * S, 1 * S);
    assert.equal(c.take(100 * S), 5);
  });

  it('rejects a non-positive idle time', () => {
    assert.throws(() => new DwellClock(0, 0), LatentInputError);
  });
});

describe('feedback: edit coalescing', () => {
  it('one edit per item per window; another item starts a new edit', () => {
    const e = new EditCoalescer(30 * S);
    const seen = [0, 1, 2, 29, 31, 45, 62].map((s) => e.shouldRecord('file:a', s * S));
    assert.deepEqual(seen, [true, false, false, false, true, false, true]);
    assert.equal(e.shouldRecord('file:b', 63 * S), true);
    assert.equal(e.shouldRecord('file:a', 64 * S), true);
  });
});
