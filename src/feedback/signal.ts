// Implicit feedback events and how much each one says about interest (pure: no vscode, no node:*).
import { LatentInputError } from '../core/errors';
import { isItemKey, itemKind } from '../core/itemKey';

/**
 * What people do ('open' ... 'dismiss'), and what happened to files ('rename', 'delete', 'create'): the latter carry
 * no interest; they keep the history under a file's current name and let a deleted file's history go (fileMoves.ts).
 */
export type SignalKind = 'open' | 'dwell' | 'edit' | 'snippet' | 'extension' | 'dismiss' | 'rename' | 'delete' | 'create';

/** Append only: snapshots and worker messages store a kind as its index here. */
export const SIGNAL_KINDS: readonly SignalKind[] = ['open', 'dwell', 'edit', 'snippet', 'extension', 'dismiss', 'rename', 'delete', 'create'];

/** Kinds that say what happened to a file, not what the user did with it. */
export type FileChangeKind = 'rename' | 'delete' | 'create';

export function isFileChange(kind: SignalKind): kind is FileChangeKind {
  return kind === 'rename' || kind === 'delete' || kind === 'create';
}

export interface FeedbackEvent {
  /** unix ms */
  t: number;
  item: string;
  kind: SignalKind;
  /** dwell: seconds; edit: coalesced edits; extension: activations or minutes of dwell in its languages; else 1 */
  amount: number;
  /** window that recorded it; filled in by the store from the journal name, used to keep windows' sessions apart */
  w?: string;
  /**
   * 'rename' only: the key before the rename (`item` is the key after). A file key also stands for a folder: every
   * key under `from/` moves to the same place under `item/`. 'delete' and 'create' name a file or a folder the same way.
   */
  from?: string;
}

/**
 * Weights in the spirit of Mylyn's degree-of-interest (selection 1, edit 0.7): an open is a selection, an edit
 * burst counts 0.7, a focused minute counts 0.5 (so two minutes of reading weigh about one open), a snippet
 * insertion is a deliberate choice (1), an extension use unit (activation, or a minute in one of its languages)
 * is weaker evidence (0.3). A dismissal carries no positive signal: it is kept apart (see dismissedItems).
 */
export const SIGNAL_WEIGHTS: Readonly<Record<SignalKind, number>> = {
  open: 1,
  edit: 0.7,
  dwell: 0.5 / 60, // per second
  snippet: 1,
  extension: 0.3,
  dismiss: 0,
  rename: 0,
  delete: 0,
  create: 0,
};

const KIND_SET: ReadonlySet<string> = new Set(SIGNAL_KINDS);

export function isSignalKind(x: unknown): x is SignalKind {
  return typeof x === 'string' && KIND_SET.has(x);
}

/**
 * Largest amount one event may carry (seconds of dwell: a year): anything larger is a bug or damage, and would
 * overflow the float32 matrix (1e39 became Infinity there and failed every retrain).
 */
export const MAX_AMOUNT = 365 * 24 * 3600;

/** An event's time: unix ms >= 0. */
export function isEventTime(t: unknown): t is number {
  return typeof t === 'number' && Number.isFinite(t) && t >= 0;
}

/** An event's item (or a rename's old key): an item key of at most 4096 characters. */
export function isEventItem(item: unknown): item is string {
  return typeof item === 'string' && isItemKey(item) && item.length <= 4096;
}

/** An event's amount: a number from 0 to MAX_AMOUNT. */
export function isEventAmount(amount: unknown): amount is number {
  return typeof amount === 'number' && Number.isFinite(amount) && amount >= 0 && amount <= MAX_AMOUNT;
}

/** What a rename may come from: a valid key of the same kind, other than the new one. */
export function isRenameSource(from: unknown, item: string): from is string {
  return isEventItem(from) && itemKind(from) === itemKind(item) && from !== item;
}

/** Throws LatentInputError naming what is wrong; the hot path (append) calls this, so it allocates nothing. */
export function checkEvent(e: FeedbackEvent): void {
  if (typeof e !== 'object' || e === null) throw new LatentInputError('feedback event must be an object');
  if (!isEventTime(e.t)) {
    throw new LatentInputError(`feedback event time must be unix ms >= 0, got ${String(e.t)}`);
  }
  if (!isEventItem(e.item)) {
    throw new LatentInputError(`feedback item must look like file:<path inside the workspace>|snippet:|extension:<name>, got ${JSON.stringify(e.item)}`);
  }
  if (!isSignalKind(e.kind)) throw new LatentInputError(`unknown feedback kind ${JSON.stringify(e.kind)}`);
  if (!isEventAmount(e.amount)) {
    throw new LatentInputError(`feedback amount must be a number from 0 to ${MAX_AMOUNT}, got ${String(e.amount)}`);
  }
  if (e.kind === 'rename') {
    if (!isRenameSource(e.from, e.item)) {
      throw new LatentInputError(`a rename needs the key it renames from (same kind, another name), got ${JSON.stringify(e.from)}`);
    }
  } else if (e.from !== undefined) {
    throw new LatentInputError(`only a rename names a key it renames from, not ${e.kind}`);
  }
}

/** Parses an untrusted value (a journal line) into an event, or returns undefined when it is not one. */
export function toEvent(x: unknown, w?: string): FeedbackEvent | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  const ow = typeof o.w === 'string' ? o.w : w;
  // Made whole rather than extended: a property added to a literal lives in a backing store of its own, one more
  // object per event for the host's GC to copy (a million of them when a full store is read).
  const e = (
    o.from !== undefined
      ? { t: o.t, item: o.item, kind: o.kind, amount: o.amount, from: o.from } // checked below
      : ow !== undefined
        ? { t: o.t, item: o.item, kind: o.kind, amount: o.amount, w: ow }
        : { t: o.t, item: o.item, kind: o.kind, amount: o.amount }
  ) as FeedbackEvent;
  try {
    checkEvent(e);
  } catch {
    return undefined;
  }
  if (o.from !== undefined && ow !== undefined) e.w = ow; // renames are few
  return e;
}

/** Raw signal r of one event (before confidence and time decay, which the recommender applies). */
export function signalWeight(e: FeedbackEvent): number {
  checkEvent(e);
  return SIGNAL_WEIGHTS[e.kind] * e.amount;
}

/**
 * Items the user said "Not interested" to and did not take it back: a dismiss event's amount is 1 when said and 0
 * when taken back (Undo, or the Restore command), and an item's newest one decides (by time, then by order). A
 * later positive signal does not undo a dismissal. Amount 0 rather than a kind of its own: stores written by earlier
 * versions read the same, and an earlier version reading a newer store keeps the item hidden instead of refusing it.
 */
export function dismissedItems(events: readonly FeedbackEvent[]): Set<string> {
  const newest = new Map<string, { t: number; on: boolean }>();
  for (const e of events) if (e.kind === 'dismiss') takeDismissal(newest, e.item, e.t, e.amount > 0);
  return dismissedOf(newest);
}

/** dismissedItems' rule for one dismiss event, shared with the columnar store (StoredEvents.dismissedSteps). */
export function takeDismissal(newest: Map<string, { t: number; on: boolean }>, item: string, t: number, on: boolean): void {
  const seen = newest.get(item);
  if (!seen || t >= seen.t) newest.set(item, { t, on });
}

export function dismissedOf(newest: ReadonlyMap<string, { t: number; on: boolean }>): Set<string> {
  const out = new Set<string>();
  for (const [item, d] of newest) if (d.on) out.add(item);
  return out;
}
