// Old sessions kept as what training reads of them, not as every raw event (issue: a year of work must stay cheap).
//
// A session (sessions.ts: a window's events with no gap longer than gapMs) that ended before `beforeMs` keeps one event
// per (item, kind): the amounts summed (every signal's weight is linear in its amount, signal.ts), at the time of that
// pair's last event. Training then sees the same rows: sessionize() sums weights per (session, item) and dates a cell
// by the item's last event, both unchanged. Dropping the events in between could open a gap longer than gapMs inside
// the session and cut it in two, so where one would open, an event that was there is kept with amount 0: it weighs
// nothing, is no later than its item's kept event, and holds the session together. What happened to files (rename,
// delete, create) and dismissals are kept as they are; they also count as the timeline they always were.
import type { Steps } from '../../core/train';
import { MAX_AMOUNT, isFileChange, type FeedbackEvent } from '../signal';
import { sortByTimeSteps } from './compaction';
import { STEP } from './steps';

export interface Aggregated {
  events: FeedbackEvent[];
  /** raw events folded into others (or into zero-amount bridges) */
  folded: number;
}

/** What events are folded together by, within a session. */
function pairKey(e: FeedbackEvent): string {
  return `${e.kind}\u0000${e.item}`;
}

/** Positive-signal events are the ones folded; the rest of the timeline stays. */
function folds(e: FeedbackEvent): boolean {
  return e.kind !== 'dismiss' && !isFileChange(e.kind);
}

/** `events` sorted by time (as compaction has them); returns them sorted by time. */
export function* aggregateOldSessionsSteps(events: FeedbackEvent[], beforeMs: number, gapMs: number): Steps<Aggregated> {
  // Sessions are cut per window over the events sessionize() sees: everything but file changes.
  const byWindow = new Map<string, number[]>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.t >= beforeMs || isFileChange(e.kind)) continue;
    const w = e.w ?? '';
    let list = byWindow.get(w);
    if (!list) byWindow.set(w, (list = []));
    list.push(i);
    if ((i & (STEP - 1)) === 0) yield;
  }
  // Per event index: undefined = keep as is, null = drop, an event = replace with it.
  const replace = new Map<number, FeedbackEvent | null>();
  let work = 0;
  for (const list of byWindow.values()) {
    let start = 0;
    while (start < list.length) {
      let end = start + 1;
      while (end < list.length && events[list[end]].t - events[list[end - 1]].t <= gapMs) end++;
      // A session still going at beforeMs (its next event comes within the gap, past the cut) is left whole.
      const next = end < list.length ? undefined : nextInWindowAfter(events, list[end - 1], gapMs);
      if (next === undefined) foldSession(events, list, start, end, gapMs, replace);
      work += end - start;
      if (work >= STEP) {
        work = 0;
        yield;
      }
      start = end;
    }
  }
  if (replace.size === 0) return { events, folded: 0 };
  const out: FeedbackEvent[] = [];
  let folded = 0;
  for (let i = 0; i < events.length; i++) {
    const r = replace.get(i);
    if (r === undefined) out.push(events[i]);
    else if (r === null) folded++;
    else out.push(r);
    if ((i & (STEP - 1)) === 0) yield;
  }
  // Folded events sit at their pair's last time, which may be after others of the session: restore the order.
  return { events: yield* sortByTimeSteps(out), folded };
}

/**
 * An event of the same window (not a file change) at or after beforeMs within gapMs of the event at `last`: the
 * session goes on past the cut. `events` is sorted by time, so the search stops at the first event beyond the gap.
 */
function nextInWindowAfter(events: readonly FeedbackEvent[], last: number, gapMs: number): number | undefined {
  const w = events[last].w ?? '';
  const limit = events[last].t + gapMs;
  for (let j = last + 1; j < events.length && events[j].t <= limit; j++) {
    if ((events[j].w ?? '') === w && !isFileChange(events[j].kind)) return j;
  }
  return undefined;
}

function foldSession(
  events: readonly FeedbackEvent[],
  list: readonly number[],
  start: number,
  end: number,
  gapMs: number,
  replace: Map<number, FeedbackEvent | null>,
): void {
  // The last event of each (item, kind) that carries weight (sessionize dates a cell by those) takes the pair's total.
  const lastOf = new Map<string, { index: number; amount: number }>();
  for (let k = start; k < end; k++) {
    const e = events[list[k]];
    if (!folds(e)) continue;
    const key = pairKey(e);
    const seen = lastOf.get(key);
    if (!seen) lastOf.set(key, { index: list[k], amount: e.amount });
    else {
      if (e.amount > 0 || events[seen.index].amount === 0) seen.index = list[k];
      seen.amount += e.amount;
    }
  }
  const kept = new Set<number>();
  // A pair whose total would pass what one event may carry (MAX_AMOUNT: a year of dwell) keeps its events as they are.
  const raw = new Set<string>();
  for (const [key, { index, amount }] of lastOf) {
    if (amount > MAX_AMOUNT) {
      raw.add(key);
      continue;
    }
    kept.add(index);
    if (amount !== events[index].amount) replace.set(index, { ...events[index], amount });
  }
  // Walk the session in time order: an event is dropped unless it is kept, is not foldable, or the next event would
  // otherwise be more than gapMs after the last one left (then this one stays as a zero-amount bridge).
  let lastLeft: number | undefined;
  for (let k = start; k < end; k++) {
    const i = list[k];
    const e = events[i];
    const stays = kept.has(i) || !folds(e) || (raw.size > 0 && raw.has(pairKey(e)));
    const nextT = k + 1 < end ? events[list[k + 1]].t : undefined;
    if (stays) {
      lastLeft = e.t;
      continue;
    }
    if (lastLeft !== undefined && nextT !== undefined && nextT - lastLeft > gapMs) {
      replace.set(i, { ...e, amount: 0 });
      lastLeft = e.t;
      continue;
    }
    replace.set(i, null);
  }
}
