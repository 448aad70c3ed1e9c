import * as assert from 'node:assert/strict';
import { makeRng } from '../../../../src/core/random';
import { finishSteps } from '../../../../src/core/train';
import { FileLife } from '../../../../src/feedback/fileChanges';
import { sessionize } from '../../../../src/feedback/sessions';
import { MAX_AMOUNT, checkEvent, isFileChange, type FeedbackEvent, type SignalKind } from '../../../../src/feedback/signal';
import { aggregateOldSessionsSteps } from '../../../../src/feedback/store/aggregation';
import { useStores } from './helpers';

const GAP = 30 * 60_000;
const MIN = 60_000;

const aggregate = (events: FeedbackEvent[], before: number, gap = GAP) => finishSteps(aggregateOldSessionsSteps(events, before, gap));

/** What training reads: per session (in order of their end), the cells (item, time, weight) sorted by item. */
function rows(events: readonly FeedbackEvent[], gap = GAP): string[] {
  const cells = sessionize(events.filter((e) => !isFileChange(e.kind)), gap);
  const bySession = new Map<string, { end: number; cells: string[] }>();
  for (const c of cells) {
    let s = bySession.get(c.session);
    if (!s) bySession.set(c.session, (s = { end: -Infinity, cells: [] }));
    s.end = Math.max(s.end, c.time);
    s.cells.push(`${c.item}@${c.time}=${c.weight.toFixed(9)}`);
  }
  return [...bySession.entries()]
    .sort((a, b) => a[1].end - b[1].end || a[0].localeCompare(b[0]))
    .map(([id, s]) => `${id.split('@')[0]}: ${s.cells.sort().join(' ')}`);
}

function randomHistory(seed: string, n: number): FeedbackEvent[] {
  const rng = makeRng(seed);
  const kinds: SignalKind[] = ['open', 'dwell', 'dwell', 'edit', 'snippet', 'extension', 'dismiss'];
  const items = ['file:a.ts', 'file:b.ts', 'file:src/c.ts', 'snippet:s', 'extension:x'];
  const events: FeedbackEvent[] = [];
  let t = 1_000_000;
  for (let i = 0; i < n; i++) {
    // Mostly short steps, some near the gap (a session held together by one event), some long breaks.
    const r = rng();
    t += r < 0.94 ? Math.floor(rng() * 5 * MIN) : r < 0.99 ? GAP - MIN + Math.floor(rng() * 2 * MIN) : GAP * (1 + Math.floor(rng() * 20));
    const w = rng() < 0.8 ? 'w1' : 'w2';
    if (rng() < 0.03) {
      events.push({ t, item: 'file:b.ts', kind: rng() < 0.5 ? 'delete' : 'create', amount: 0, w });
      continue;
    }
    const kind = kinds[Math.floor(rng() * kinds.length)];
    const amount = kind === 'dwell' ? Math.floor(rng() * 120) : kind === 'dismiss' ? 1 : rng() < 0.1 ? 0 : 1 + Math.floor(rng() * 3);
    events.push({ t, item: items[Math.floor(rng() * items.length)], kind, amount, w });
  }
  return events;
}

describe('old sessions aggregated', () => {
  it('training reads the same rows from the folded history: cells, weights, times and session boundaries', () => {
    for (const seed of ['a', 'b', 'c', 'd']) {
      const events = randomHistory(seed, 3000);
      const before = events[Math.floor(events.length * 0.8)].t;
      const out = aggregate(events.slice(), before);
      assert.ok(out.folded > events.length * 0.1, `folds a good share (${out.folded} of ${events.length})`);
      assert.equal(out.events.length, events.length - out.folded);
      assert.deepEqual(rows(out.events), rows(events), `seed ${seed}`);
      // What happened to files and what was dismissed stays as it was.
      const kept = (xs: FeedbackEvent[]) => xs.filter((e) => isFileChange(e.kind) || e.kind === 'dismiss').map((e) => JSON.stringify(e));
      assert.deepEqual(kept(out.events), kept(events));
      const life = (xs: FeedbackEvent[]) => ['file:a.ts', 'file:b.ts', 'file:src/c.ts'].map((i) => FileLife.of(xs).isDeleted(i));
      assert.deepEqual(life(out.events), life(events));
      for (let i = 1; i < out.events.length; i++) assert.ok(out.events[i].t >= out.events[i - 1].t, 'sorted by time');
      // Folding again changes nothing.
      const again = aggregate(out.events.slice(), before);
      assert.equal(again.folded, 0);
    }
  });

  it('keeps a zero-amount event where dropping the events between would cut a session in two', () => {
    const w = 'w';
    const events: FeedbackEvent[] = [
      { t: 0, item: 'file:a.ts', kind: 'open', amount: 1, w },
      { t: 20 * MIN, item: 'file:a.ts', kind: 'open', amount: 1, w },
      { t: 40 * MIN, item: 'file:a.ts', kind: 'open', amount: 1, w },
      { t: 41 * MIN, item: 'file:b.ts', kind: 'open', amount: 1, w },
      { t: 60 * MIN, item: 'file:b.ts', kind: 'open', amount: 1, w },
    ];
    const out = aggregate(events.slice(), 10 * GAP);
    // a's total sits at its last open (40 min), b's at 60; the events before the first kept one hold nothing together.
    assert.deepEqual(
      out.events.map((e) => `${e.t / MIN}:${e.item}:${e.amount}`),
      ['40:file:a.ts:3', '60:file:b.ts:2'],
    );
    const bridged: FeedbackEvent[] = [
      { t: 0, item: 'file:a.ts', kind: 'open', amount: 1, w },
      { t: 25 * MIN, item: 'file:b.ts', kind: 'open', amount: 1, w },
      { t: 50 * MIN, item: 'file:b.ts', kind: 'open', amount: 1, w },
    ];
    const b = aggregate(bridged.slice(), 10 * GAP);
    assert.deepEqual(
      b.events.map((e) => `${e.t / MIN}:${e.item}:${e.amount}`),
      ['0:file:a.ts:1', '25:file:b.ts:0', '50:file:b.ts:2'],
      'b at 25 min stays, weighing nothing, else a (0) and b (50) would be two sessions',
    );
    assert.deepEqual(rows(b.events), rows(bridged));
  });

  it('never makes an event larger than one may be: such a pair keeps its events', () => {
    const w = 'w';
    const half = Math.ceil(MAX_AMOUNT / 2) + 1;
    const events: FeedbackEvent[] = [
      { t: 0, item: 'file:a.ts', kind: 'dwell', amount: half, w },
      { t: MIN, item: 'file:a.ts', kind: 'dwell', amount: half, w },
      { t: 2 * MIN, item: 'file:a.ts', kind: 'open', amount: 1, w },
      { t: 3 * MIN, item: 'file:a.ts', kind: 'open', amount: 1, w },
    ];
    const out = aggregate(events.slice(), 10 * GAP);
    assert.deepEqual(out.events.map((e) => `${e.kind}:${e.amount}`), [`dwell:${half}`, `dwell:${half}`, 'open:2']);
    for (const e of out.events) checkEvent(e);
    assert.deepEqual(rows(out.events), rows(events));
  });

  it('leaves recent sessions, and one still going at the cut, as they are', () => {
    const w = 'w';
    const events: FeedbackEvent[] = [
      { t: 0, item: 'file:a.ts', kind: 'dwell', amount: 30, w },
      { t: MIN, item: 'file:a.ts', kind: 'dwell', amount: 30, w },
      { t: 2 * MIN, item: 'file:a.ts', kind: 'dwell', amount: 30, w },
      { t: 3 * MIN, item: 'file:a.ts', kind: 'dwell', amount: 30, w },
    ];
    assert.equal(aggregate(events.slice(), 2.5 * MIN).folded, 0, 'the session goes on past the cut');
    assert.equal(aggregate(events.slice(), 0).folded, 0, 'nothing is older than the cut');
    const done = aggregate(events.slice(), 4 * MIN);
    assert.equal(done.folded, 3);
    assert.deepEqual(done.events, [{ t: 3 * MIN, item: 'file:a.ts', kind: 'dwell', amount: 120, w }]);
    // Another window's events do not keep this one's session open.
    const other = aggregate([...events, { t: 3.5 * MIN, item: 'file:b.ts', kind: 'open', amount: 1, w: 'v' }], 3.2 * MIN);
    assert.equal(other.folded, 3);
  });

  describe('in the store', () => {
    const { open, dir } = useStores();

    it('compaction folds sessions older than aggregateAfterMs, on the host and in the worker alike, and training reads the same', async () => {
      const day = 24 * 3600_000;
      const now = Date.now();
      // 60 days of history ending now, then moved so that its first 40 days are older than the 30-day cut.
      const history = randomHistory('store', 4000);
      const span = history[history.length - 1].t - history[0].t;
      const events = history.map((e) => ({ ...e, t: Math.round(now - 60 * day + ((e.t - history[0].t) / span) * 59 * day) }));
      const results: FeedbackEvent[][] = [];
      // The third store keeps raw events (the default): compaction still merges its dwell ticks, as it always did.
      for (const opts of [{ aggregateAfterMs: 30 * day, workerCompactBytes: Number.POSITIVE_INFINITY }, { aggregateAfterMs: 30 * day, workerCompactBytes: 0 }, {}]) {
        const s = await open(dir(), opts);
        for (const e of events) s.append(e);
        await s.flush();
        assert.equal(await s.compact(), true);
        results.push(await s.events());
      }
      const [host, worker, raw] = results;
      assert.ok(host.length < raw.length * 0.9, `fewer events kept: ${host.length} of ${raw.length}`);
      // The store tags each event with its window (each store here has its own): compared without it.
      const strip = (xs: FeedbackEvent[]) => xs.map(({ w: _w, ...e }) => e);
      assert.deepEqual(strip(worker), strip(host), 'the worker compacts as the host does');
      const single = (xs: FeedbackEvent[]) => rows(strip(xs).map((e) => ({ ...e, w: 'w' })));
      assert.deepEqual(single(host), single(raw));
      assert.deepEqual(single(raw), single(events), 'dwell merging changes nothing training reads either');
      // Nothing of the last 29 days changed.
      const recent = (xs: FeedbackEvent[]) => strip(xs).filter((e) => e.t >= now - 29 * day);
      assert.deepEqual(recent(host), recent(raw));
    });
  });
});
