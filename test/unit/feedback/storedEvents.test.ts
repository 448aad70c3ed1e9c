// The store's columns (StoredEvents) against the object code they stand in for, on seeded random histories with
// renames, deletes, dismissals and several windows: same events, order, names, file lives, open session, newest files.
import { strict as assert } from 'node:assert';
import seedrandom from 'seedrandom';
import { finishSteps } from '../../../src/core/train';
import { FileLife, movesOf, resolveMoves } from '../../../src/feedback/fileChanges';
import { openSessionEvents } from '../../../src/feedback/sessions';
import { dismissedItems, type FeedbackEvent, isFileChange } from '../../../src/feedback/signal';
import { StoredEvents, isFileChangeIndex } from '../../../src/feedback/storedEvents';
import { sortByTimeSteps } from '../../../src/feedback/store/compaction';
import { encodeStoredAsync } from '../../../src/training/messages';

/** `n` events in a few out-of-order runs (as a snapshot and journals give them), with every kind of event. */
function history(seed: string, n: number): FeedbackEvent[] {
  const rand = seedrandom(seed);
  const int = (k: number) => Math.floor(rand() * k);
  const out: FeedbackEvent[] = [];
  for (let i = 0; i < n; i++) {
    const t = 1_000_000 + int(50_000) * 60_000 + (i % 7); // ties on purpose
    const file = `file:src/d${int(4)}/f${int(30)}.ts`;
    const r = rand();
    const w = int(3) === 0 ? undefined : `${int(2)}-w`;
    let e: FeedbackEvent;
    if (r < 0.04) {
      const to = `file:src/d${int(4)}/g${int(30)}.ts`;
      e = to === file ? { t, item: file, kind: 'open', amount: 1 } : { t, item: to, kind: 'rename', amount: 0, from: file };
    } else if (r < 0.07) e = { t, item: rand() < 0.5 ? file : `file:src/d${int(4)}`, kind: 'delete', amount: 0 };
    else if (r < 0.09) e = { t, item: file, kind: 'dismiss', amount: rand() < 0.4 ? 0 : 1 }; // 0: taken back
    else if (r < 0.11) e = { t, item: file, kind: 'create', amount: 0 };
    else if (r < 0.15) e = { t, item: `snippet:user/s${int(5)}`, kind: 'snippet', amount: 1 };
    else e = { t, item: file, kind: rand() < 0.5 ? 'dwell' : 'edit', amount: rand() < 0.3 ? 0 : 1 + int(30) };
    if (w !== undefined) e.w = w;
    out.push(e);
  }
  return out;
}

const sorted = (events: FeedbackEvent[]) => finishSteps(sortByTimeSteps([...events]));

describe('feedback: stored events as columns', () => {
  for (const seed of ['a', 'b', 'c']) {
    const events = history(seed, 3000);
    // three parts, as a read gets them: each sorted by itself, interleaved in time
    const parts = [events.slice(0, 1800), events.slice(1800, 2500), events.slice(2500)].map((p) => StoredEvents.fromEvents(sorted(p)));
    const all = finishSteps(StoredEvents.concatSteps(parts));
    const bySort = finishSteps(all.sortedByTimeSteps());
    const want = resolveMoves(sorted([...sorted(events.slice(0, 1800)), ...sorted(events.slice(1800, 2500)), ...sorted(events.slice(2500))]));

    it(`joins, sorts (stably) and renames as the object code does (history ${seed})`, () => {
      assert.deepEqual(finishSteps(finishSteps(bySort.resolveMovesSteps()).eventsSteps()), want);
      assert.deepEqual(finishSteps(StoredEvents.fromEvents(events).eventsSteps()), events, 'objects -> columns -> objects');
    });

    it(`answers the host's questions as the object code does (history ${seed})`, () => {
      const cols = finishSteps(bySort.resolveMovesSteps());
      assert.deepEqual(cols.dismissed(), dismissedItems(want));
      assert.deepEqual(cols.moves(), movesOf(want));
      const life = finishSteps(cols.fileLifeSteps());
      const ref = FileLife.of(want);
      assert.deepEqual([...life.items()].sort(), [...ref.items()].sort());
      for (const item of new Set(want.map((e) => e.item))) assert.equal(life.deletedAt(item), ref.deletedAt(item), item);
      const now = want[want.length - 1].t + 60_000;
      for (const gap of [60_000, 30 * 60_000, 24 * 3600_000]) {
        assert.deepEqual(openSessionEvents(cols.tail(cols.openSessionStart(gap, now)), gap, now), openSessionEvents(want, gap, now), `gap ${gap}`);
      }
      const latest = finishSteps(cols.latestSteps());
      const refLatest = new Map<string, number>();
      for (const e of want) if (e.kind !== 'dismiss') refLatest.set(e.item, Math.max(refLatest.get(e.item) ?? -Infinity, e.t));
      assert.deepEqual(new Map(cols.items.map((item, i) => [item, latest[i]] as const).filter(([, t]) => t > -Infinity)), refLatest);
      const activity = finishSteps(cols.filteredSteps((k) => !isFileChangeIndex(k)));
      assert.deepEqual(finishSteps(activity.eventsSteps()), want.filter((e) => !isFileChange(e.kind)));
      assert.equal(activity.hasActivity(), want.some((e) => !isFileChange(e.kind) && e.kind !== 'dismiss' && e.amount > 0));
    });
  }

  it('has no activity when only dismissals, file changes and zero amounts were recorded', () => {
    const none = StoredEvents.fromEvents([
      { t: 1, item: 'file:a.ts', kind: 'dismiss', amount: 1 },
      { t: 2, item: 'file:a.ts', kind: 'delete', amount: 0 },
      { t: 3, item: 'file:b.ts', kind: 'open', amount: 0 },
    ]);
    assert.equal(none.hasActivity(), false);
    assert.equal(StoredEvents.fromEvents([{ t: 4, item: 'file:b.ts', kind: 'edit', amount: 1 }]).hasActivity(), true);
  });

  it('hands the worker copies of its columns: transferring them leaves the read whole', async () => {
    const cols = StoredEvents.fromEvents(history('d', 200));
    const enc = await encodeStoredAsync(cols);
    const before = finishSteps(cols.eventsSteps());
    const { port1 } = new MessageChannel();
    port1.postMessage(enc, [enc.t.buffer, enc.amount.buffer, enc.itemIndex.buffer, enc.windowIndex.buffer, enc.kindIndex.buffer] as ArrayBuffer[]);
    port1.close();
    assert.equal(enc.t.length, 0, 'transferred');
    assert.deepEqual(finishSteps(cols.eventsSteps()), before);
  });
});
