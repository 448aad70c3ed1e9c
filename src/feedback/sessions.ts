// Cuts the event stream into working sessions (the matrix rows, DESIGN.md section 3). Pure.
import { LatentInputError } from '../core/errors';
import type { Interaction, InteractionColumns } from '../core/interaction';
import { bucketOrder } from '../core/sparse';
import { finishSteps, type Steps } from '../core/train';
import { checkEvent, FeedbackEvent, isEventAmount, isEventItem, isEventTime, SIGNAL_KINDS, SIGNAL_WEIGHTS, signalWeight } from './signal';
import type { EventColumns } from './storedEvents';

export const DEFAULT_SESSION_GAP_MS = 30 * 60 * 1000;

/**
 * A session's id, `<window>@<start ms>`. Joined, not a template: one flat string of the id's length, where a
 * template's result is a rope over the number's own string (about 90 bytes a session against 45: 8 MB of the
 * worker's heap through a retrain at 170,000 sessions).
 */
function sessionId(window: string, startMs: number): string {
  return [window || 'w', '@', startMs].join('');
}

/**
 * One Interaction per (session, item): weights summed, time = the item's last event in the session (unix s).
 * A session ends after `gapMs` without events. Windows are sessionized separately (two windows open at once are
 * two lines of work); session id = `<window>@<start ms>`. Dismissals carry no positive weight and are left out.
 */
export function sessionize(events: readonly FeedbackEvent[], gapMs: number): Interaction[] {
  checkGap(gapMs);
  const out: Interaction[] = [];
  for (const [w, list] of byWindow(events)) {
    list.sort((a, b) => a.t - b.t);
    let session = '';
    let last = -Infinity;
    let cells = new Map<string, Interaction>();
    for (const e of list) {
      if (e.t - last > gapMs) {
        session = sessionId(w, e.t);
        cells = new Map();
      }
      last = e.t;
      const weight = signalWeight(e);
      if (weight <= 0) continue;
      const cell = cells.get(e.item);
      if (cell) {
        cell.weight += weight;
        cell.time = e.t / 1000;
      } else {
        const c: Interaction = { session, item: e.item, time: e.t / 1000, weight };
        cells.set(e.item, c);
        out.push(c);
      }
    }
  }
  return out;
}

/** The columns sessionizeColumns reads (a worker message carries these, without renames' old keys). */
export type SessionColumns = Pick<EventColumns, 'items' | 'windows' | 't' | 'amount' | 'item' | 'window' | 'kind'>;

/**
 * sessionize over event columns, without an object per event or per interaction: the same interactions in the same
 * order (tested against sessionize of the same events as objects), as columns. The worker runs it on every retrain; at
 * a million events sessionize's objects and its per-event key check were about 0.9 s of an update's 2.4 s. An item
 * key is checked once per distinct item; an event that fails a check throws checkEvent's own error for it.
 */
export function sessionizeColumns(c: SessionColumns, gapMs: number): InteractionColumns {
  checkGap(gapMs);
  const n = c.t.length;
  // One canonical index per distinct item name (a table could name one twice), windows grouped by name (numbered in
  // order of first appearance) through their table entries: no name looked up per event.
  const itemOf = canonical(c.items);
  const groupNames: string[] = [];
  const groupOfName = new Map<string, number>();
  const groupOfEntry = new Int32Array(c.windows.length + 1).fill(-1); // entry w + 1; 0 for events without a window
  const groupOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const entry = c.window[i] + 1;
    let g = groupOfEntry[entry];
    if (g < 0) {
      const name = entry > 0 ? c.windows[entry - 1] : '';
      g = groupOfName.get(name) ?? -1;
      if (g < 0) {
        g = groupNames.push(name) - 1;
        groupOfName.set(name, g);
      }
      groupOfEntry[entry] = g;
    }
    groupOf[i] = g;
  }
  // The events of each window in the given order, then by time where they are not in time order already (a store
  // appends them so): ties keep the given order, as sessionize's stable sort does.
  const { ptr: from, order } = bucketOrder(groupOf, groupNames.length);
  for (let g = 0; g < groupNames.length; g++) {
    const list = order.subarray(from[g], from[g + 1]);
    let sorted = true;
    for (let q = 1; q < list.length && sorted; q++) sorted = c.t[list[q]] >= c.t[list[q - 1]];
    if (!sorted) list.sort((a, b) => c.t[a] - c.t[b] || a - b);
  }
  const itemOk = new Int8Array(c.items.length); // 0 not checked yet, 1 a valid key, -1 not
  const stamp = new Int32Array(c.items.length).fill(-1);
  const cellAt = new Int32Array(c.items.length);
  // At most one interaction per event: sized for that, cut to what was written at the end.
  const session = new Int32Array(n);
  const item = new Int32Array(n);
  const time = new Float64Array(n);
  const weight = new Float64Array(n);
  const sessions: string[] = [];
  const sessionIndex = new Map<string, number>();
  // Ids are unique within a window (sessions start at increasing times); across windows only '' and 'w' can meet.
  const mayMeet = groupOfName.has('') && groupOfName.has('w');
  let m = 0;
  let sessionNo = -1;
  let current = -1;
  for (let g = 0; g < groupNames.length; g++) {
    const name = groupNames[g];
    let last = -Infinity;
    for (let q = from[g]; q < from[g + 1]; q++) {
      const i = order[q];
      const t = c.t[i];
      if (t - last > gapMs) {
        const id = sessionId(name, t);
        // Two sessions with one id are one session to sessionize's readers, which group by id: one entry here too.
        let s = mayMeet ? sessionIndex.get(id) : undefined;
        if (s === undefined) {
          s = sessions.push(id) - 1;
          if (mayMeet) sessionIndex.set(id, s);
        }
        current = s;
        sessionNo++;
      }
      last = t;
      const it = c.item[i];
      if (itemOk[it] === 0) itemOk[it] = isEventItem(c.items[it]) ? 1 : -1;
      const kind = SIGNAL_KINDS[c.kind[i]];
      // Renames carry no old key here, which checkEvent refuses too.
      if (!isEventTime(t) || itemOk[it] < 0 || kind === undefined || !isEventAmount(c.amount[i]) || kind === 'rename') checkEvent(eventAt(c, i));
      const w = SIGNAL_WEIGHTS[kind] * c.amount[i];
      if (w <= 0) continue;
      const x = itemOf[it];
      if (stamp[x] === sessionNo) {
        weight[cellAt[x]] += w;
        time[cellAt[x]] = t / 1000;
      } else {
        stamp[x] = sessionNo;
        cellAt[x] = m;
        session[m] = current;
        item[m] = x;
        time[m] = t / 1000;
        weight[m] = w;
        m++;
      }
    }
  }
  // Cut to what was written; when every event made a cell of its own the arrays are already that long (no copy).
  const cut = <T extends Int32Array | Float64Array>(a: T): T => (m === n ? a : (a.slice(0, m) as T));
  return { sessions, items: c.items, session: cut(session), item: cut(item), time: cut(time), weight: cut(weight) };
}

/** Per table index, the first index holding the same name (a table may name one twice). */
export function canonical(table: readonly string[]): Int32Array {
  return finishSteps(canonicalSteps(table));
}

/** Names between yields: 20,000 of them took 5-8 ms in one stretch (hashing each once). */
const NAMES_PER_STEP = 4096;

/** canonical in slices, for the extension host. */
export function* canonicalSteps(table: readonly string[]): Steps<Int32Array> {
  const first = new Map<string, number>();
  const out = new Int32Array(table.length);
  for (let i = 0; i < table.length; i++) {
    if (i > 0 && i % NAMES_PER_STEP === 0) yield;
    const f = first.get(table[i]);
    if (f === undefined) first.set(table[i], i);
    out[i] = f ?? i;
  }
  return out;
}

/** Event i of the columns as an object. */
export function eventAt(c: SessionColumns, i: number): FeedbackEvent {
  const e: FeedbackEvent = { t: c.t[i], item: c.items[c.item[i]], kind: SIGNAL_KINDS[c.kind[i]], amount: c.amount[i] };
  if (c.window[i] >= 0) e.w = c.windows[c.window[i]];
  return e;
}

/** The events of each window ('' for events without a window tag), in the order given. */
export function byWindow(events: readonly FeedbackEvent[]): Map<string, FeedbackEvent[]> {
  const out = new Map<string, FeedbackEvent[]>();
  for (const e of events) {
    const w = e.w ?? '';
    let list = out.get(w);
    if (!list) out.set(w, (list = []));
    list.push(e);
  }
  return out;
}

/** Weighted items of the session that is still open at `now` (events within `gapMs` of each other and of now). */
export function openSession(events: readonly FeedbackEvent[], gapMs: number, now: number, w?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of openSessionEvents(events, gapMs, now, w)) {
    const weight = signalWeight(e);
    if (weight > 0) out.set(e.item, (out.get(e.item) ?? 0) + weight);
  }
  return out;
}

/** The events of the session still open at `now`, oldest first. */
export function openSessionEvents(events: readonly FeedbackEvent[], gapMs: number, now: number, w?: string): FeedbackEvent[] {
  const mine = events.filter((e) => w === undefined || e.w === w).sort((a, b) => b.t - a.t);
  const out: FeedbackEvent[] = [];
  let next = now;
  for (const e of mine) {
    if (next - e.t > gapMs) break;
    next = e.t;
    out.push(e);
  }
  return out.reverse();
}

interface LiveEvent {
  t: number;
  item: string;
  weight: number;
}

/** Recent events kept to place late arrivals; past this many the oldest (outside the open session first) go. */
export const LIVE_SESSION_MAX_EVENTS = 5000;

/**
 * The session still open, kept incrementally as events arrive in any order, by the rule sessionize and openSession
 * use: the run of events ending at the newest one with no gap > gapMs between consecutive events. A late event
 * (dwell stamped when its counting ended, history recorded after the fact) joins only if it falls inside that run
 * or within gapMs of its start; otherwise it belongs to an earlier session. Earlier events are kept (up to
 * LIVE_SESSION_MAX_EVENTS) so a late event that bridges a gap pulls them in, exactly as sessionize would.
 */
export class LiveSession {
  /** sorted by t; events[start..] form the open run */
  private events: LiveEvent[] = [];
  private start = 0;
  private readonly weights = new Map<string, number>();

  constructor(private gapMs: number) {
    checkGap(gapMs);
  }

  /** Time of the newest event (-Infinity when empty). */
  get last(): number {
    return this.events.length > 0 ? this.events[this.events.length - 1].t : -Infinity;
  }

  /** Adds an event; returns true when it belongs to the open session. */
  add(t: number, item: string, weight: number): boolean {
    const ev = this.events;
    // Upper bound: events with equal t keep their arrival order. Late events are usually near the end.
    let lo = 0;
    let hi = ev.length;
    if (hi > 0 && ev[hi - 1].t <= t) lo = hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ev[mid].t <= t) lo = mid + 1;
      else hi = mid;
    }
    const p = lo;
    const e: LiveEvent = { t, item, weight };
    let joined: boolean;
    if (p === ev.length) {
      ev.push(e);
      if (p > 0 && t - ev[p - 1].t > this.gapMs) {
        this.start = p; // a new session begins; the old one stays for late events to find
        this.weights.clear();
      }
      joined = true;
      this.credit(e);
    } else if (p > this.start) {
      ev.splice(p, 0, e);
      joined = true;
      this.credit(e);
    } else {
      ev.splice(p, 0, e);
      this.start++; // the run shifted right by one
      joined = ev[this.start].t - t <= this.gapMs;
      if (joined) {
        // It extends the run backwards; earlier events now within the gap come along.
        this.start = p;
        this.credit(e);
        while (this.start > 0 && ev[this.start].t - ev[this.start - 1].t <= this.gapMs) this.credit(ev[--this.start]);
      }
    }
    this.trim();
    return joined;
  }

  /** Items of the open session with summed weights, or nothing once `now` is more than gapMs past its last event. */
  items(now: number): Array<{ item: string; weight: number }> {
    if (now - this.last > this.gapMs) return [];
    const out: Array<{ item: string; weight: number }> = [];
    for (const [item, weight] of this.weights) out.push({ item, weight });
    return out;
  }

  /** A new gap setting re-cuts the open session from the kept events. */
  setGap(gapMs: number): void {
    checkGap(gapMs);
    if (gapMs === this.gapMs) return;
    this.gapMs = gapMs;
    const ev = this.events;
    this.weights.clear();
    this.start = Math.max(0, ev.length - 1);
    while (this.start > 0 && ev[this.start].t - ev[this.start - 1].t <= gapMs) this.start--;
    for (let i = this.start; i < ev.length; i++) this.credit(ev[i]);
  }

  clear(): void {
    this.events = [];
    this.start = 0;
    this.weights.clear();
  }

  private credit(e: LiveEvent): void {
    if (e.weight > 0) this.weights.set(e.item, (this.weights.get(e.item) ?? 0) + e.weight);
  }

  private trim(): void {
    const over = this.events.length - LIVE_SESSION_MAX_EVENTS;
    if (over <= 0) return;
    // Drop a batch at once (splice is O(n)). Dropped events of the open run keep their weight in the sum.
    const drop = over + (LIVE_SESSION_MAX_EVENTS >> 4);
    this.events.splice(0, drop);
    this.start = Math.max(0, this.start - drop);
  }
}

function checkGap(gapMs: number): void {
  if (!Number.isFinite(gapMs) || gapMs <= 0) throw new LatentInputError(`session gap must be > 0 ms, got ${gapMs}`);
}
