import { strict as assert } from 'node:assert';
import { RecentSessions } from '../../../src/feedback/recentSessions';
import type { FeedbackEvent } from '../../../src/feedback/signal';

const MIN = 60_000;
const open = (t: number, name: string): FeedbackEvent => ({ t, item: `file:${name}`, kind: 'open', amount: 1 });

describe('RecentSessions (the sessions since the model, for the live prior)', () => {
  it('cuts sessions at the inactivity gap and reports only those that ended', () => {
    const r = new RecentSessions(() => 30 * MIN);
    r.add(open(0, 'a'));
    r.add(open(10 * MIN, 'b'));
    r.add(open(10 * MIN, 'a'));
    r.add(open(60 * MIN, 'c')); // a new session: the first one ended
    assert.deepEqual(r.closedSince(-1, 61 * MIN), [{ start: 0, items: ['file:a', 'file:b'] }]);
    // Quiet for longer than the gap: the last one ended too.
    assert.deepEqual(r.closedSince(-1, 100 * MIN), [
      { start: 0, items: ['file:a', 'file:b'] },
      { start: 3600, items: ['file:c'] },
    ]);
  });

  it('forgets sessions that began before the model\'s newest interaction (they are in the model)', () => {
    const r = new RecentSessions(() => 30 * MIN);
    r.add(open(0, 'a'));
    r.add(open(60 * MIN, 'b'));
    r.add(open(120 * MIN, 'c'));
    assert.deepEqual(
      r.closedSince(3600 - 1, 200 * MIN).map((s) => s.items),
      [['file:b'], ['file:c']],
    );
    assert.deepEqual(
      r.closedSince(3600, 200 * MIN).map((s) => s.items),
      [['file:c']],
    );
  });

  it('counts positive signals only (a dismissal is not use), keeps a bounded list, and Reset empties it', () => {
    const r = new RecentSessions(() => MIN);
    r.add({ t: 0, item: 'file:x', kind: 'dismiss', amount: 1 });
    assert.deepEqual(r.closedSince(-1, 10 * MIN), []);
    for (let s = 0; s < RecentSessions.MAX + 10; s++) r.add(open(s * 10 * MIN, `f${s}`));
    const all = r.closedSince(-1, 1e12);
    assert.equal(all.length, RecentSessions.MAX);
    assert.deepEqual(all[all.length - 1].items, [`file:f${RecentSessions.MAX + 9}`]);
    r.clear();
    assert.deepEqual(r.closedSince(-1, 1e12), []);
  });
});
