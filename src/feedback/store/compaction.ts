// What compaction does to the events, as pure sliced steps: sort by time, merge dwell ticks, apply the caps.
//
// Caps (eviction, applied at compaction): at most maxItems distinct items (items whose latest event is oldest go
// first, with all their events) and at most maxEvents events (oldest first). Consecutive dwell events of one item in
// one window less than a minute apart are merged (amounts summed), which keeps dwell ticks from filling the cap.
import { finishSteps, type Steps } from '../../core/train';
import type { FeedbackEvent } from '../signal';
import { rangeSteps, STEP, timeOrderSteps } from './steps';

const DWELL_MERGE_MS = 60_000;

/** Stable sort by time (timeOrderSteps): the same array when it is sorted already. */
export function* sortByTimeSteps(events: FeedbackEvent[]): Steps<FeedbackEvent[]> {
  const t = new Float64Array(events.length);
  yield* rangeSteps(events.length, STEP * 32, (lo, hi) => {
    for (let i = lo; i < hi; i++) t[i] = events[i].t;
  });
  const order = yield* timeOrderSteps(t);
  if (!order) return events;
  const out = new Array<FeedbackEvent>(events.length);
  yield* rangeSteps(events.length, STEP * 32, (lo, hi) => {
    for (let i = lo; i < hi; i++) out[i] = events[order[i]];
  });
  return out;
}

/** Merges a window's back-to-back dwell ticks on one item (< 1 min apart): same total, fewer events. */
export function mergeDwell(events: FeedbackEvent[]): FeedbackEvent[] {
  return finishSteps(mergeDwellSteps(events));
}

/** `owned`: the events are this caller's to change (fresh from disk), so merged ticks are updated in place instead
 * of copied; at compaction that halves the objects the host's GC has to move. */
export function* mergeDwellSteps(events: FeedbackEvent[], owned = false): Steps<FeedbackEvent[]> {
  const sorted = yield* sortByTimeSteps(events);
  const out: FeedbackEvent[] = [];
  const lastOfWindow = new Map<string, FeedbackEvent>();
  let moved = false;
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i];
    if ((i & (STEP - 1)) === 0) yield;
    const w = e.w ?? '';
    const prev = lastOfWindow.get(w);
    if (prev && prev.kind === 'dwell' && e.kind === 'dwell' && prev.item === e.item && e.t - prev.t < DWELL_MERGE_MS) {
      prev.amount += e.amount;
      prev.t = e.t;
      moved = true;
      continue;
    }
    const copy: FeedbackEvent = owned ? e : { ...e };
    out.push(copy);
    lastOfWindow.set(w, copy);
  }
  // A merged tick moved later, possibly past other events: restore the order (few short runs, cheap).
  return moved ? yield* sortByTimeSteps(out) : out;
}

/** Applies the item cap (least recently used items evicted whole) then the event cap (oldest first), in slices. */
export function* applyCapsSteps(
  events: FeedbackEvent[],
  maxItems: number,
  maxEvents: number,
  evicted: { events: number; items: number },
): Steps<FeedbackEvent[]> {
  let out = events;
  const last = new Map<string, number>();
  for (let i = 0; i < out.length; i++) {
    const e = out[i];
    last.set(e.item, Math.max(last.get(e.item) ?? -Infinity, e.t));
    if ((i & (STEP - 1)) === 0) yield;
  }
  if (last.size > maxItems) {
    const drop = new Set([...last.entries()].sort((a, b) => a[1] - b[1]).slice(0, last.size - maxItems).map(([item]) => item));
    yield;
    const kept: FeedbackEvent[] = [];
    for (let i = 0; i < out.length; i++) {
      if (!drop.has(out[i].item)) kept.push(out[i]);
      if ((i & (STEP - 1)) === 0) yield;
    }
    evicted.items += drop.size;
    evicted.events += out.length - kept.length;
    out = kept;
  }
  if (out.length > maxEvents) {
    evicted.events += out.length - maxEvents;
    out = out.slice(out.length - maxEvents);
  }
  return out;
}
