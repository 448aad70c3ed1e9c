// What the store holds, summed up for the person it is about ("Latent: Show Recorded Data"). Pure, in slices: it
// runs on the extension host over up to the store's 200,000 events.
import { itemKind, type ItemKind } from '../core/itemKey';
import { topIndices } from '../core/ranking';
import type { Steps } from '../core/train';
import { SIGNAL_KINDS, SIGNAL_WEIGHTS, type SignalKind } from './signal';
import { canonical, canonicalSteps } from './sessions';
import type { EventColumns } from './storedEvents';

/** Events, and items named, between yields: about a millisecond each on this 2-core machine. */
const EVENTS_PER_STEP = 16_384;
const ITEMS_PER_STEP = 4096;

export interface ItemUse {
  item: string;
  /** what training reads of it: the sum of its signals' weights (signal.ts), before decay */
  weight: number;
  opens: number;
  focusedSeconds: number;
  edits: number;
  /** snippet insertions, or an extension's activations and minutes in its languages */
  uses: number;
  /** ms of its newest event */
  lastMs: number;
}

export interface RecordedSummary {
  events: number;
  /** ms of the oldest and newest event (undefined without events) */
  firstMs: number | undefined;
  lastMs: number | undefined;
  /** working sessions with some use in them, cut as training cuts them (sessions.ts: per window, at a gap > gapMs) */
  sessions: number;
  /** windows that recorded something */
  windows: number;
  /** per kind of signal: how many events, and the sum of their amounts (seconds for dwell) */
  kinds: Record<SignalKind, { events: number; amount: number }>;
  /** distinct items with a signal of use (not only a rename, delete, create or dismissal), per kind */
  items: Record<ItemKind, number>;
  /** the `top` items by weight, heaviest first (of equal weight, the one first in the store's item table) */
  top: ItemUse[];
}

/** Sums up events sorted by time (FeedbackStore.read() gives them so), sessions cut as training cuts them. */
export function* summarizeRecordedSteps(c: EventColumns, gapMs: number, top: number): Steps<RecordedSummary> {
  const n = c.t.length;
  const kinds = Object.fromEntries(SIGNAL_KINDS.map((k) => [k, { events: 0, amount: 0 }])) as RecordedSummary['kinds'];
  // Indexed by table entry, each name at its first entry (a table may name one twice); events without a window
  // (index -1) are the window '' (as sessionize groups them), the entry after the table's.
  const slot = yield* canonicalSteps(c.items);
  const windowOf = canonical([...c.windows, '']);
  const names = c.items;
  const m = names.length;
  yield;
  const weight = new Float64Array(m);
  const opens = new Float64Array(m);
  const focused = new Float64Array(m);
  const edits = new Float64Array(m);
  const uses = new Float64Array(m);
  const last = new Float64Array(m).fill(-Infinity);
  const used = new Uint8Array(m);
  const windowLast = new Float64Array(c.windows.length + 1).fill(-Infinity);
  // whether the window's current session has had a use yet (a session of dismissals alone is no row of training's)
  const counted = new Uint8Array(c.windows.length + 1);
  let sessions = 0;
  for (let lo = 0; lo < n; lo += EVENTS_PER_STEP) {
    if (lo > 0) yield;
    const hi = Math.min(n, lo + EVENTS_PER_STEP);
    for (let e = lo; e < hi; e++) {
      const kind = SIGNAL_KINDS[c.kind[e]];
      if (kind === undefined) continue;
      const t = c.t[e];
      const amount = c.amount[e];
      kinds[kind].events++;
      kinds[kind].amount += amount;
      const w = windowOf[c.window[e] < 0 ? c.windows.length : c.window[e]];
      if (t - windowLast[w] > gapMs) counted[w] = 0;
      windowLast[w] = t;
      const s = slot[c.item[e]];
      if (t > last[s]) last[s] = t;
      const wt = SIGNAL_WEIGHTS[kind] * amount;
      if (wt <= 0) continue;
      if (!counted[w]) {
        counted[w] = 1;
        sessions++;
      }
      used[s] = 1;
      weight[s] += wt;
      if (kind === 'open') opens[s] += amount;
      else if (kind === 'dwell') focused[s] += amount;
      else if (kind === 'edit') edits[s] += amount;
      else uses[s] += amount;
    }
  }
  const items: Record<ItemKind, number> = { file: 0, snippet: 0, extension: 0 };
  for (let s = 0; s < m; s++) {
    if (s > 0 && s % ITEMS_PER_STEP === 0) yield;
    const k = used[s] ? itemKind(names[s]) : undefined;
    if (k) items[k]++;
  }
  yield;
  // Selected, not sorted: a store holds up to 20,000 items, and this runs on the extension host.
  const order = topIndices(weight, top, used);
  return {
    events: n,
    firstMs: n > 0 ? c.t[0] : undefined,
    lastMs: n > 0 ? c.t[n - 1] : undefined,
    sessions,
    windows: windowLast.filter((v) => v > -Infinity).length,
    kinds,
    items,
    top: Array.from(order, (s) => ({
      item: names[s],
      weight: weight[s],
      opens: opens[s],
      focusedSeconds: focused[s],
      edits: edits[s],
      uses: uses[s],
      lastMs: last[s],
    })),
  };
}
