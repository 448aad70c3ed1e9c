// "Show Recorded Data"'s numbers: hand-counted on a small store, and sessions as training cuts them on random ones.
import { strict as assert } from 'node:assert';
import { makeRng } from '../../../src/core/random';
import { finishSteps } from '../../../src/core/train';
import { summarizeRecordedSteps } from '../../../src/feedback/recordedSummary';
import { sessionizeColumns } from '../../../src/feedback/sessions';
import type { FeedbackEvent } from '../../../src/feedback/signal';
import { StoredEvents } from '../../../src/feedback/storedEvents';

const MIN = 60_000;
const GAP = 30 * MIN;
const ev = (t: number, item: string, kind: FeedbackEvent['kind'], amount: number, w: string): FeedbackEvent => ({ t, item, kind, amount, w });
const sortedColumns = (events: FeedbackEvent[]): StoredEvents => finishSteps(StoredEvents.fromEvents(events).sortedByTimeSteps());

describe('feedback: the recorded data summed up', () => {
  it('counts each signal, the sessions with use in them, the items used, and orders them by weight', () => {
    const events = [
      // window A, session 1: a.ts opened, read 2 minutes, edited twice; a snippet
      ev(0, 'file:src/a.ts', 'open', 1, 'A'),
      ev(1 * MIN, 'file:src/a.ts', 'dwell', 120, 'A'),
      ev(2 * MIN, 'file:src/a.ts', 'edit', 2, 'A'),
      ev(3 * MIN, 'snippet:user/log', 'snippet', 1, 'A'),
      // window B, at the same time: its own session; an extension's use
      ev(1 * MIN, 'file:src/b.ts', 'open', 1, 'B'),
      ev(2 * MIN, 'extension:x.y', 'extension', 3, 'B'),
      // window A after a gap: a session of a dismissal alone is no session of training's
      ev(3 * MIN + GAP + 1, 'file:src/c.ts', 'dismiss', 1, 'A'),
      // ... and one more after another gap, with b.ts opened and renamed
      ev(6 * MIN + 2 * GAP, 'file:src/b.ts', 'open', 1, 'A'),
      ev(7 * MIN + 2 * GAP, 'file:src/b2.ts', 'rename', 1, 'A'),
    ];
    const s = finishSteps(summarizeRecordedSteps(sortedColumns(events), GAP, 10));
    assert.equal(s.events, 9);
    assert.equal(s.firstMs, 0);
    assert.equal(s.lastMs, 7 * MIN + 2 * GAP);
    assert.equal(s.sessions, 3, 'A twice (not the dismissal alone), B once');
    assert.equal(s.windows, 2);
    assert.deepEqual(s.kinds.open, { events: 3, amount: 3 });
    assert.deepEqual(s.kinds.dwell, { events: 1, amount: 120 });
    assert.deepEqual(s.kinds.dismiss, { events: 1, amount: 1 });
    assert.deepEqual(s.items, { file: 2, snippet: 1, extension: 1 }, 'c.ts only dismissed, b2.ts only renamed: not used');
    // a.ts: 1 + 0.5 * 2 + 0.7 * 2 = 3.4; b.ts 2 opens; the snippet 1; the extension 0.9
    assert.deepEqual(
      s.top.map((u) => [u.item, Number(u.weight.toFixed(6))]),
      [['file:src/a.ts', 3.4], ['file:src/b.ts', 2], ['snippet:user/log', 1], ['extension:x.y', 0.9]],
    );
    assert.deepEqual(s.top[0], { item: 'file:src/a.ts', weight: s.top[0].weight, opens: 1, focusedSeconds: 120, edits: 2, uses: 0, lastMs: 2 * MIN });
    assert.equal(s.top[1].lastMs, 7 * MIN + 2 * GAP - MIN, 'b.ts last used at its open in the third session');
    assert.equal(finishSteps(summarizeRecordedSteps(sortedColumns(events), GAP, 2)).top.length, 2);
    const empty = finishSteps(summarizeRecordedSteps(sortedColumns([]), GAP, 10));
    assert.deepEqual([empty.events, empty.sessions, empty.firstMs, empty.top.length], [0, 0, undefined, 0]);
  });

  it('has as many sessions as training has rows, on random stores with gaps at the threshold and windows that repeat', () => {
    const rng = makeRng('recorded-summary');
    const items = ['file:a.ts', 'file:b.ts', 'snippet:user/x', 'extension:p.q', 'file:a.ts'];
    const kinds: FeedbackEvent['kind'][] = ['open', 'dwell', 'edit', 'dismiss', 'snippet', 'extension', 'delete'];
    for (let run = 0; run < 30; run++) {
      const events: FeedbackEvent[] = [];
      let clock = 0;
      for (let i = 0; i < 120; i++) {
        clock += rng() < 0.2 ? GAP + (rng() < 0.5 ? 0 : 1) : Math.floor(rng() * 3) * MIN;
        events.push(ev(clock, items[Math.floor(rng() * items.length)], kinds[Math.floor(rng() * kinds.length)], 1 + Math.floor(rng() * 5), ['w1', 'w2', ''][Math.floor(rng() * 3)]));
      }
      const stored = sortedColumns(events);
      const rows = sessionizeColumns(stored, GAP);
      const s = finishSteps(summarizeRecordedSteps(stored, GAP, 3));
      assert.equal(s.sessions, new Set(rows.session).size, `run ${run}`);
      assert.equal(s.events, events.length);
      const total = Object.values(s.kinds).reduce((a, k) => a + k.events, 0);
      assert.equal(total, events.length, `run ${run}: every event counted under its kind`);
    }
  });
});
