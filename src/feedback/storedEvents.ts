// Every recorded event as columns (typed arrays over an item table), as the store reads them and the host keeps them.
//
// Why columns: a million events as JS objects on the extension host made every major garbage collection there mark a
// million objects (pauses of 15-50 ms, measured), and every pass over them allocate. Typed arrays are not scanned by
// the collector; the passes the host makes (dismissals, renames, what files exist, the open session, the newest files)
// read a column or two and make objects only for the few rows they return.
import { finishSteps, type Steps } from '../core/train';
import { FileLife, type FileMove, MoveResolver } from './fileChanges';
import { dismissedOf, type FeedbackEvent, SIGNAL_KINDS, takeDismissal } from './signal';
import { STEP, rangeSteps, timeOrderSteps } from './store/steps';

const KIND_INDEX = new Map<string, number>(SIGNAL_KINDS.map((k, i) => [k, i]));
const DISMISS = KIND_INDEX.get('dismiss') as number;
const RENAME = KIND_INDEX.get('rename') as number;
const DELETE = KIND_INDEX.get('delete') as number;
const CREATE = KIND_INDEX.get('create') as number;

/** The index of `kind` in SIGNAL_KINDS (what a kind column holds); undefined for a word that is no kind. */
export function kindIndexOf(kind: string): number | undefined {
  return KIND_INDEX.get(kind);
}

/** Whether kind index `k` is what happened to a file (rename, delete, create), not activity. */
export function isFileChangeIndex(k: number): boolean {
  return k === RENAME || k === DELETE || k === CREATE;
}

export interface EventColumns {
  /** item table: the item column and the from column index it */
  items: string[];
  /** window ids; the window column indexes it, -1 = none */
  windows: string[];
  t: Float64Array;
  amount: Float64Array;
  item: Int32Array;
  window: Int32Array;
  /** index into SIGNAL_KINDS */
  kind: Uint8Array;
  /** a rename's old item, -1 = none */
  from: Int32Array;
}

/** Adds `name` to a table (once) and gives its index. */
function intern(map: Map<string, number>, table: string[], name: string): number {
  let i = map.get(name);
  if (i === undefined) {
    i = table.push(name) - 1;
    map.set(name, i);
  }
  return i;
}

function emptyColumns(n: number, items: string[] = [], windows: string[] = []): EventColumns {
  return finishSteps(emptyColumnsSteps(n, items, windows));
}

/**
 * Columns for `n` events in one buffer (each large allocation outside the JS heap can start a garbage
 * collection: one instead of six), 29 bytes an event.
 */
export function* emptyColumnsSteps(n: number, items: string[] = [], windows: string[] = []): Steps<EventColumns> {
  // Not zeroed (every caller writes every row it keeps): clearing 29 MB for a million events was a stall of its own.
  const buf = Buffer.allocUnsafeSlow(n * 29).buffer;
  yield;
  // 8-byte columns first, then 4-byte ones, then the byte column: each view aligned
  const t = new Float64Array(buf, 0, n);
  const amount = new Float64Array(buf, 8 * n, n);
  const item = new Int32Array(buf, 16 * n, n);
  const window = new Int32Array(buf, 20 * n, n);
  const from = new Int32Array(buf, 24 * n, n);
  const kind = new Uint8Array(buf, 28 * n, n);
  return { items, windows, t, amount, item, window, kind, from };
}

export class StoredEvents implements EventColumns {
  readonly items: string[];
  readonly windows: string[];
  readonly t: Float64Array;
  readonly amount: Float64Array;
  readonly item: Int32Array;
  readonly window: Int32Array;
  readonly kind: Uint8Array;
  readonly from: Int32Array;

  constructor(c: EventColumns) {
    const n = c.t.length;
    if (![c.amount, c.item, c.window, c.kind, c.from].every((a) => a.length === n)) throw new Error('event columns differ in length');
    ({ items: this.items, windows: this.windows, t: this.t, amount: this.amount, item: this.item, window: this.window, kind: this.kind, from: this.from } = c);
  }

  static readonly EMPTY = new StoredEvents(emptyColumns(0));

  get length(): number {
    return this.t.length;
  }

  /** Event `i` as an object (made on each call: for the few rows a caller returns, not for passes over all). */
  at(i: number): FeedbackEvent {
    const item = this.items[this.item[i]];
    const kind = SIGNAL_KINDS[this.kind[i]];
    const w = this.window[i] >= 0 ? this.windows[this.window[i]] : undefined;
    const e: FeedbackEvent = this.from[i] >= 0 ? { t: this.t[i], item, kind, amount: this.amount[i], from: this.items[this.from[i]] } : { t: this.t[i], item, kind, amount: this.amount[i] };
    if (w !== undefined) e.w = w;
    return e;
  }

  /** Events as columns (valid events: the caller checked them); the order is kept. */
  static *fromEventsSteps(events: readonly FeedbackEvent[]): Steps<StoredEvents> {
    const c = yield* emptyColumnsSteps(events.length);
    const items = new Map<string, number>();
    const windows = new Map<string, number>();
    yield* rangeSteps(events.length, STEP, (lo, hi) => {
      for (let i = lo; i < hi; i++) {
        const e = events[i];
        c.t[i] = e.t;
        c.amount[i] = e.amount;
        c.item[i] = intern(items, c.items, e.item);
        c.window[i] = e.w === undefined ? -1 : intern(windows, c.windows, e.w);
        c.kind[i] = KIND_INDEX.get(e.kind) ?? 0;
        c.from[i] = e.from === undefined ? -1 : intern(items, c.items, e.from);
      }
    });
    return new StoredEvents(c);
  }

  static fromEvents(events: readonly FeedbackEvent[]): StoredEvents {
    return finishSteps(StoredEvents.fromEventsSteps(events));
  }

  /** Every event as an object, in order (the worker, compaction, tests: not the host's passes). */
  *eventsSteps(): Steps<FeedbackEvent[]> {
    const out = new Array<FeedbackEvent>(this.length);
    yield* rangeSteps(out.length, STEP, (lo, hi) => {
      for (let i = lo; i < hi; i++) out[i] = this.at(i);
    });
    return out;
  }

  /** One table of several, in the order given; item and window tables merged. */
  static *concatSteps(parts: readonly StoredEvents[]): Steps<StoredEvents> {
    const nonEmpty = parts.filter((p) => p.length > 0);
    if (nonEmpty.length === 1) return nonEmpty[0];
    const c = yield* emptyColumnsSteps(nonEmpty.reduce((s, p) => s + p.length, 0));
    const items = new Map<string, number>();
    const windows = new Map<string, number>();
    let at = 0;
    for (const p of nonEmpty) {
      const itemMap = Int32Array.from(p.items, (name) => intern(items, c.items, name));
      const windowMap = Int32Array.from(p.windows, (name) => intern(windows, c.windows, name));
      c.t.set(p.t, at);
      c.amount.set(p.amount, at);
      c.kind.set(p.kind, at);
      const base = at;
      yield* rangeSteps(p.length, STEP * 8, (lo, hi) => {
        for (let i = lo; i < hi; i++) {
          c.item[base + i] = itemMap[p.item[i]];
          c.window[base + i] = p.window[i] < 0 ? -1 : windowMap[p.window[i]];
          c.from[base + i] = p.from[i] < 0 ? -1 : itemMap[p.from[i]];
        }
      });
      at += p.length;
    }
    return new StoredEvents(c);
  }

  /** The same events stably sorted by time (the store's parts are sorted runs: a merge of indices, then a gather). */
  *sortedByTimeSteps(): Steps<StoredEvents> {
    const order = yield* timeOrderSteps(this.t);
    return order ? yield* this.gatherSteps(order) : this;
  }

  /** Rows `rows` of these events, in that order, in fresh columns over the same tables. */
  private *gatherSteps(rows: ArrayLike<number>): Steps<StoredEvents> {
    const c = yield* emptyColumnsSteps(rows.length, this.items, this.windows);
    yield* rangeSteps(rows.length, STEP * 8, (lo, hi) => {
      for (let r = lo; r < hi; r++) {
        const i = rows[r];
        c.t[r] = this.t[i];
        c.amount[r] = this.amount[i];
        c.item[r] = this.item[i];
        c.window[r] = this.window[i];
        c.kind[r] = this.kind[i];
        c.from[r] = this.from[i];
      }
    });
    return new StoredEvents(c);
  }

  /** The renames, oldest first. */
  moves(): FileMove[] {
    return finishSteps(this.movesSteps());
  }

  *movesSteps(): Steps<FileMove[]> {
    const out: FileMove[] = [];
    yield* rangeSteps(this.length, STEP * 64, (lo, hi) => {
      for (let i = lo; i < hi; i++) {
        if (this.kind[i] === RENAME && this.from[i] >= 0) out.push({ t: this.t[i], from: this.items[this.from[i]], to: this.items[this.item[i]] });
      }
    });
    return out.sort((a, b) => a.t - b.t);
  }

  /**
   * Every event under its item's current name (resolveMovesSteps in fileChanges.ts, on columns): only the item column
   * changes, and the item table grows by the names renames lead to.
   */
  *resolveMovesSteps(given?: readonly FileMove[]): Steps<StoredEvents> {
    const moves = given ?? (yield* this.movesSteps());
    if (moves.length === 0) return this;
    const resolver = new MoveResolver(moves);
    const renamed = new Renamed(resolver, this.items, moves[moves.length - 1].t);
    const item = this.item.slice();
    yield;
    let changed = false;
    yield* rangeSteps(this.length, STEP * 4, (lo, hi) => {
      changed = renamed.apply(this.t, item, lo, hi) || changed;
    });
    return changed ? new StoredEvents({ ...this, items: renamed.items, item }) : this;
  }

  /** Items the user said "Not interested" to. */
  dismissed(): Set<string> {
    return finishSteps(this.dismissedSteps());
  }

  *dismissedSteps(): Steps<Set<string>> {
    const newest = new Map<string, { t: number; on: boolean }>();
    yield* rangeSteps(this.length, STEP * 64, (lo, hi) => {
      for (let i = lo; i < hi; i++) if (this.kind[i] === DISMISS) takeDismissal(newest, this.items[this.item[i]], this.t[i], this.amount[i] > 0);
    });
    return dismissedOf(newest);
  }

  /** Whether anything here can be learnt from: an event of activity (not a dismissal or a file change) with an amount. */
  hasActivity(): boolean {
    for (let i = 0; i < this.length; i++) if (this.kind[i] !== DISMISS && !isFileChangeIndex(this.kind[i]) && this.amount[i] > 0) return true;
    return false;
  }

  /** The events from index `start` on, as objects. */
  tail(start: number): FeedbackEvent[] {
    const out: FeedbackEvent[] = [];
    for (let i = Math.max(0, start); i < this.length; i++) out.push(this.at(i));
    return out;
  }

  /**
   * Where the open session starts, as openSessionEvents (sessions.ts) finds it: the run of events ending at the newest
   * with no gap above `gapMs` (and the newest within `gapMs` of `now`). Events sorted by time.
   */
  openSessionStart(gapMs: number, now: number): number {
    let next = now;
    let i = this.length;
    while (i > 0 && next - this.t[i - 1] <= gapMs) next = this.t[--i];
    return i;
  }

  /** The newest time of each item with activity or a file change (not a dismissal), by item index; -Infinity = none. */
  *latestSteps(): Steps<Float64Array> {
    const latest = new Float64Array(this.items.length).fill(Number.NEGATIVE_INFINITY);
    yield* rangeSteps(this.length, STEP * 32, (lo, hi) => {
      for (let i = lo; i < hi; i++) if (this.kind[i] !== DISMISS && this.t[i] > latest[this.item[i]]) latest[this.item[i]] = this.t[i];
    });
    return latest;
  }

  /** The events whose kind `keep` accepts (by kind index), in fresh columns over the same tables. */
  *filteredSteps(keep: (kind: number) => boolean): Steps<StoredEvents> {
    const all = new Int32Array(this.length);
    let n = 0;
    yield* rangeSteps(this.length, STEP * 16, (lo, hi) => {
      for (let i = lo; i < hi; i++) if (keep(this.kind[i])) all[n++] = i;
    });
    const rows = all.subarray(0, n);
    return yield* this.gatherSteps(rows);
  }

  /** FileLife.of (fileChanges.ts) of these events: the newest sighting and the newest end of each path, by column. */
  *fileLifeSteps(): Steps<FileLife> {
    const n = this.items.length;
    const here = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    const gone = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    yield* rangeSteps(this.length, STEP * 32, (lo, hi) => {
      for (let i = lo; i < hi; i++) {
        const k = this.kind[i];
        const t = this.t[i];
        if (k === DISMISS) continue;
        // FileLife.note's rule: a delete or rename ends a path's life, anything else (but a dismissal) shows it is there
        if (k === DELETE) gone[this.item[i]] = Math.max(gone[this.item[i]], t);
        else if (k === RENAME && this.from[i] >= 0) gone[this.from[i]] = Math.max(gone[this.from[i]], t);
        if (k !== DELETE) here[this.item[i]] = Math.max(here[this.item[i]], t);
      }
    });
    return FileLife.fromTimes(this.items, here, gone);
  }
}

/** MoveResolver on an item column: each (rename index, item index) pair is resolved once, by number. */
class Renamed {
  readonly items: string[];
  private readonly index: Map<string, number>;
  /** (rename index * names + item index) -> new item index, or -1 when unchanged */
  private readonly memo = new Map<number, number>();
  private readonly names: number;

  constructor(
    private readonly resolver: MoveResolver,
    items: readonly string[],
    private readonly last: number,
  ) {
    this.items = [...items];
    this.names = items.length;
    this.index = new Map(this.items.map((name, i) => [name, i]));
  }

  /** Renames rows [lo, hi) of `item` (times `t`) in place; whether any changed. A plain loop the engine optimizes. */
  apply(t: Float64Array, item: Int32Array, lo: number, hi: number): boolean {
    let changed = false;
    for (let i = lo; i < hi; i++) {
      if (t[i] >= this.last) continue;
      const j = this.resolver.firstAfter(t[i]);
      const key = j * this.names + item[i];
      let to = this.memo.get(key);
      if (to === undefined) {
        const name = this.resolver.nameFrom(this.items[item[i]], j);
        to = name === undefined ? -1 : intern(this.index, this.items, name);
        this.memo.set(key, to);
      }
      if (to >= 0) {
        item[i] = to;
        changed = true;
      }
    }
    return changed;
  }
}
