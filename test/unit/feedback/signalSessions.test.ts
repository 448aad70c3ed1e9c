// Signal weights (DESIGN.md section 3) and sessionization by inactivity gap.
import { strict as assert } from 'node:assert';
import { LatentInputError } from '../../../src/core/errors';
import { FeedbackEvent, dismissedItems, signalWeight, toEvent } from '../../../src/feedback/signal';
import { LIVE_SESSION_MAX_EVENTS, LiveSession, openSession, sessionize, sessionizeColumns, type SessionColumns } from '../../../src/feedback/sessions';
import { StoredEvents } from '../../../src/feedback/storedEvents';
import { asInteractions } from '../../../src/core/interaction';
import { makeRng } from '../../../src/core/random';

const MIN = 60_000;
const ev = (t: number, item: string, kind: FeedbackEvent['kind'] = 'open', amount = 1, w?: string): FeedbackEvent =>
  w === undefined ? { t, item, kind, amount } : { t, item, kind, amount, w };

describe('feedback: signal weights', () => {
  it('Mylyn-like: open 1, edit 0.7 per coalesced edit, 0.5 per focused minute, snippet 1, extension 0.3', () => {
    assert.equal(signalWeight(ev(0, 'file:a', 'open')), 1);
    assert.ok(Math.abs(signalWeight(ev(0, 'file:a', 'edit', 3)) - 2.1) < 1e-12);
    assert.ok(Math.abs(signalWeight(ev(0, 'file:a', 'dwell', 120)) - 1) < 1e-12);
    assert.equal(signalWeight(ev(0, 'snippet:user/log', 'snippet')), 1);
    assert.ok(Math.abs(signalWeight(ev(0, 'extension:a.b', 'extension', 2)) - 0.6) < 1e-12);
    assert.equal(signalWeight(ev(0, 'file:a', 'dismiss')), 0);
  });

  it('rejects malformed events with a typed error', () => {
    assert.throws(() => signalWeight(ev(NaN, 'file:a')), LatentInputError);
    assert.throws(() => signalWeight(ev(0, 'a.ts')), LatentInputError);
    assert.throws(() => signalWeight(ev(0, 'file:a', 'dwell', -1)), LatentInputError);
    assert.throws(() => signalWeight({ t: 0, item: 'file:a', kind: 'look' as never, amount: 1 }), LatentInputError);
    // one absurd amount would overflow the float32 matrix and fail every retrain; a key must stay in the workspace
    assert.throws(() => signalWeight(ev(0, 'file:a', 'dwell', 1e39)), /from 0 to/);
    assert.equal(toEvent({ t: 1, item: 'file:a', kind: 'dwell', amount: 1e39 }), undefined, 'read back: not an event');
    assert.throws(() => signalWeight(ev(0, 'file:../../../../etc/passwd')), LatentInputError);
    assert.equal(toEvent({ t: 1, item: 'file:../x', kind: 'open', amount: 1 }), undefined);
  });

  it('collects dismissed items', () => {
    assert.deepEqual([...dismissedItems([ev(0, 'file:a'), ev(1, 'file:b', 'dismiss')])], ['file:b']);
  });

  it('a dismissal taken back (amount 0) ends it; the newest one of an item decides, by time whatever the order', () => {
    const taken = (t: number, item: string) => ev(t, item, 'dismiss', 0);
    assert.deepEqual([...dismissedItems([ev(1, 'file:a', 'dismiss'), taken(2, 'file:a')])], []);
    assert.deepEqual([...dismissedItems([taken(2, 'file:a'), ev(1, 'file:a', 'dismiss')])], [], 'older, though read later');
    assert.deepEqual([...dismissedItems([ev(1, 'file:a', 'dismiss'), taken(2, 'file:a'), ev(3, 'file:a', 'dismiss')])], ['file:a']);
    assert.deepEqual([...dismissedItems([taken(1, 'file:b'), ev(1, 'file:a', 'dismiss')])], ['file:a'], 'taking back what was never said is nothing');
    // A positive signal after a dismissal does not take it back.
    assert.deepEqual([...dismissedItems([ev(1, 'file:a', 'dismiss'), ev(2, 'file:a', 'open')])], ['file:a']);
  });
});

describe('feedback: sessionize', () => {
  it('splits on the inactivity gap and sums weights per (session, item)', () => {
    const events = [
      ev(0, 'file:a'),
      ev(5 * MIN, 'file:a', 'edit', 1),
      ev(10 * MIN, 'file:b', 'dwell', 60),
      ev(50 * MIN, 'file:c'), // 40 min after the last event: new session
    ];
    const rows = sessionize(events, 30 * MIN);
    assert.equal(rows.length, 3);
    const [a, b, c] = rows;
    assert.equal(a.session, b.session);
    assert.notEqual(a.session, c.session);
    assert.ok(Math.abs(a.weight - 1.7) < 1e-12);
    assert.equal(a.time, 300); // last event of the item, unix seconds
    assert.ok(Math.abs(b.weight - 0.5) < 1e-12);
    assert.equal(c.item, 'file:c');
  });

  it('keeps windows apart, orders by time, and leaves dismissals out', () => {
    const events = [ev(2000, 'file:b', 'open', 1, 'w2'), ev(1000, 'file:a', 'open', 1, 'w1'), ev(3000, 'file:x', 'dismiss', 1, 'w1')];
    const rows = sessionize(events, 30 * MIN);
    assert.deepEqual(rows.map((r) => [r.session, r.item]), [['w2@2000', 'file:b'], ['w1@1000', 'file:a']]);
  });

  it('a gap is measured between consecutive events, not from the session start', () => {
    const events = [0, 20, 40, 60, 80].map((m) => ev(m * MIN, 'file:a'));
    assert.equal(new Set(sessionize(events, 30 * MIN).map((r) => r.session)).size, 1);
  });

  it('sessionizeColumns gives sessionize\'s interactions, in its order, as columns', () => {
    const rng = makeRng(11);
    const items = ['file:a', 'file:src/<b>.ts', 'file:ü "c".ts', 'snippet:user/log', 'extension:a.b'];
    const kinds: FeedbackEvent['kind'][] = ['open', 'edit', 'dwell', 'dismiss', 'snippet', 'extension'];
    const windows = [undefined, '', 'w', 'w1'];
    for (let run = 0; run < 30; run++) {
      const events: FeedbackEvent[] = [];
      let clock = 0;
      for (let i = 0; i < 80; i++) {
        // gaps around the threshold, equal times; events out of order in even runs, in time order (as a store appends
        // them) in odd ones
        clock += rng() < 0.2 ? 30 * MIN + (rng() < 0.5 ? 0 : 1) : Math.floor(rng() * 3) * MIN;
        const t = run % 2 === 1 ? clock : Math.max(0, clock - (rng() < 0.2 ? Math.floor(rng() * 50) * MIN : 0));
        events.push(ev(t, items[Math.floor(rng() * items.length)], kinds[Math.floor(rng() * kinds.length)], 1 + Math.floor(rng() * 90), windows[Math.floor(rng() * windows.length)]));
      }
      const stored = StoredEvents.fromEvents(events);
      const cols = sessionizeColumns(stored, 30 * MIN);
      assert.deepEqual(asInteractions(cols), sessionize(events, 30 * MIN), `run ${run}`);
      // ('' and 'w' name their sessions alike: one table entry each id)
      assert.equal(new Set(cols.sessions).size, cols.sessions.length, `run ${run}: a session id twice in the table`);
    }
  });

  it('sessionizeColumns checks every event it reads as sessionize does, each item key once', () => {
    const cols = (item: string, kind: number, amount = 1, t = 0, unused = 'file:ok'): SessionColumns => ({
      items: [unused, item],
      windows: [],
      t: Float64Array.of(t),
      amount: Float64Array.of(amount),
      item: Int32Array.of(1),
      window: Int32Array.of(-1),
      kind: Uint8Array.of(kind),
    });
    const same = (c: SessionColumns, e: FeedbackEvent): void => {
      const want = ((): string => {
        try {
          sessionize([e], 30 * MIN);
        } catch (err) {
          return (err as Error).message;
        }
        return 'no error';
      })();
      assert.notEqual(want, 'no error');
      assert.throws(() => sessionizeColumns(c, 30 * MIN), (err: Error) => err instanceof LatentInputError && err.message === want);
    };
    same(cols('file:../../etc/passwd', 0), ev(0, 'file:../../etc/passwd'));
    same(cols('file:a', 1, -1), ev(0, 'file:a', 'dwell', -1));
    same(cols('file:a', 0, 1, NaN), ev(NaN, 'file:a'));
    // a rename's old key does not travel with the columns: refused, as sessionize refuses a rename without one
    same(cols('file:a', 6), ev(0, 'file:a', 'rename'));
    // a bad key no event uses is not read
    assert.equal(sessionizeColumns(cols('file:a', 0, 1, 0, 'file:../x'), 30 * MIN).time.length, 1);
  });

  it('rejects a non-positive gap', () => {
    assert.throws(() => sessionize([], 0), LatentInputError);
  });

  it('openSession returns only the session still open at now', () => {
    const events = [ev(0, 'file:old'), ev(60 * MIN, 'file:a'), ev(70 * MIN, 'file:a', 'edit'), ev(80 * MIN, 'file:b')];
    const cur = openSession(events, 30 * MIN, 90 * MIN);
    assert.deepEqual([...cur.keys()].sort(), ['file:a', 'file:b']);
    assert.ok(Math.abs((cur.get('file:a') ?? 0) - 1.7) < 1e-12);
    assert.equal(openSession(events, 30 * MIN, 200 * MIN).size, 0);
  });

  it('LiveSession agrees with openSession over every prefix of out-of-order streams', () => {
    const rng = makeRng(7);
    const items = ['file:a', 'file:b', 'file:c', 'file:d', 'file:e'];
    const kinds: FeedbackEvent['kind'][] = ['open', 'edit', 'dwell', 'dismiss'];
    for (let run = 0; run < 40; run++) {
      const gap = 30 * MIN;
      const live = new LiveSession(gap);
      const seen: FeedbackEvent[] = [];
      let clock = 0;
      for (let i = 0; i < 60; i++) {
        clock += rng() < 0.15 ? 40 * MIN : rng() * 10 * MIN;
        // a third of the events arrive late, some of them hours late
        const late = rng() < 0.33 ? rng() * (rng() < 0.5 ? 20 * MIN : 4 * 60 * MIN) : 0;
        const e = ev(Math.max(0, Math.round(clock - late)), items[Math.floor(rng() * items.length)], kinds[Math.floor(rng() * kinds.length)], 30);
        seen.push(e);
        live.add(e.t, e.item, signalWeight(e));
        const newest = Math.max(...seen.map((x) => x.t));
        const want = openSession(seen, gap, newest);
        const got = new Map(live.items(newest).map((c) => [c.item, c.weight]));
        assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `run ${run} event ${i}`);
        for (const [k, v] of want) assert.ok(Math.abs((got.get(k) ?? NaN) - v) < 1e-9, `run ${run} event ${i} ${k}`);
      }
      assert.deepEqual(live.items(Math.max(...seen.map((x) => x.t)) + gap + 1), []);
    }
  });

  it('LiveSession re-cuts on a new gap setting and stays bounded', () => {
    const live = new LiveSession(30 * MIN);
    live.add(0, 'file:a', 1);
    live.add(20 * MIN, 'file:b', 1);
    assert.equal(live.items(20 * MIN).length, 2);
    live.setGap(10 * MIN);
    assert.deepEqual(live.items(20 * MIN).map((c) => c.item), ['file:b']);
    live.setGap(30 * MIN);
    assert.equal(live.items(20 * MIN).length, 2);
    assert.throws(() => live.setGap(0), LatentInputError);
    for (let i = 0; i < LIVE_SESSION_MAX_EVENTS * 2; i++) live.add(20 * MIN + i * 1000, 'file:c', 1);
    const c = live.items(20 * MIN + LIVE_SESSION_MAX_EVENTS * 2000).find((x) => x.item === 'file:c');
    assert.equal(c?.weight, LIVE_SESSION_MAX_EVENTS * 2, 'events trimmed from memory keep their weight');
  });
});
