// What happened to files, applied to the history (pure: no vscode, no node:*). A rename moves a file's history to its
// new key; a delete hides the file at once and, after a retention period, lets its history go.
//
// A `file:` key also stands for a folder: a rename or delete of `file:src/util` covers `file:src/util/a.ts` and
// everything else under `src/util/`. A path is never a file and a folder at once, so the two cannot be confused.
import { itemKind } from '../core/itemKey';
import { type RecommenderModel, withRenamedItems } from '../core/recommenderModel';
import { finishSteps, type Steps } from '../core/train';
import { type FeedbackEvent, isFileChange } from './signal';
import { STEP } from './store/steps';

const SLASH = 47;

/** The key `item` has after `from` was renamed to `to` (as a file, or as a folder above it); undefined if untouched. */
export function renamedKey(item: string, from: string, to: string): string | undefined {
  if (item === from) return to;
  if (item.length > from.length && item.charCodeAt(from.length) === SLASH && item.startsWith(from)) return to + item.slice(from.length);
  return undefined;
}

/** `item` itself and each folder above it, as keys (`file:a/b/c.ts`, `file:a/b`, `file:a`), most specific first. */
export function* selfAndFolders(item: string): Generator<string> {
  yield item;
  const colon = item.indexOf(':');
  for (let i = item.lastIndexOf('/'); i > colon; i = item.lastIndexOf('/', i - 1)) yield item.slice(0, i);
}

/** A deleted and a created key that look like one file renamed (same file name elsewhere) or moved in place. */
export function looksRenamed(deleted: string, created: string): boolean {
  if (deleted === created || itemKind(deleted) === undefined || itemKind(deleted) !== itemKind(created)) return false;
  // Split at the last '/' (or the kind's ':' for a file at the top): folder part and file name.
  const cutD = Math.max(deleted.lastIndexOf('/'), deleted.indexOf(':'));
  const cutC = Math.max(created.lastIndexOf('/'), created.indexOf(':'));
  const sameName = deleted.slice(cutD + 1) === created.slice(cutC + 1);
  const sameFolder = deleted.slice(0, cutD) === created.slice(0, cutC);
  return sameName || sameFolder;
}

/** The file name of a key: after its last '/', or after the kind's ':' for a file at the top. */
function fileNameOf(key: string): string {
  return key.slice(Math.max(key.lastIndexOf('/'), key.indexOf(':')) + 1);
}

/**
 * Keys among `candidates` of the same kind and file name as `created` (itself excluded), at most `max`: the files it
 * may have been moved from when the watcher reported the create but not the delete (it was seen to miss one).
 */
export function namesakes(created: string, candidates: Iterable<string>, max: number): string[] {
  const kind = itemKind(created);
  const name = fileNameOf(created);
  const out: string[] = [];
  for (const c of candidates) {
    if (c !== created && itemKind(c) === kind && fileNameOf(c) === name && !out.includes(c)) out.push(c);
    if (out.length >= max) break;
  }
  return out;
}

/**
 * A rename done outside VS Code (`mv`, `git mv`) reaches the file watcher as a delete and a create, in either order and
 * sometimes in separate batches. Each side is remembered for `windowMs`; a delete and a create whose keys looksRenamed
 * pair up, each the only such match for the other in that window, are taken as one rename. Returns the key on the
 * other side of the pair, or undefined. Changes VS Code reported itself (`told`) are not guessed again from the
 * watcher's late echoes of them, for `echoMs`.
 */
export class RenamePairs {
  private deletes: { item: string; t: number }[] = [];
  private creates: { item: string; t: number }[] = [];
  private toldKeys: { item: string; t: number }[] = [];

  constructor(
    private readonly windowMs = 3000,
    private readonly echoMs = 30_000,
  ) {}

  /** `item` was deleted: the created key it was renamed to, if one pairs up (both sides are then forgotten). */
  deleted(item: string, now: number): string | undefined {
    if (this.isEcho(item, now)) return undefined;
    const to = this.pair(this.creates, this.deletes, item, now, (d, c) => looksRenamed(d, c), 'delete');
    if (to === undefined) this.deletes.push({ item, t: now });
    return to;
  }

  /** `item` was created: the deleted key it was renamed from, if one pairs up. */
  created(item: string, now: number): string | undefined {
    if (this.isEcho(item, now)) return undefined;
    const from = this.pair(this.deletes, this.creates, item, now, (d, c) => looksRenamed(d, c), 'create');
    if (from === undefined) this.creates.push({ item, t: now });
    return from;
  }

  /**
   * VS Code reported this rename (or create, or delete) itself: what waits under these keys is done, and the watcher's
   * late echo of exactly these keys is not another change. A folder's files are not suppressed (a real move into that
   * folder may follow at once); their echoes are harmless here as they pair only with a matching change.
   */
  told(now: number, ...items: (string | undefined)[]): void {
    const keys = items.filter((k): k is string => k !== undefined);
    const under = (o: { item: string }): boolean => keys.some((k) => renamedKey(o.item, k, k) !== undefined);
    this.deletes = this.deletes.filter((d) => !under(d));
    this.creates = this.creates.filter((c) => !under(c));
    this.toldKeys = this.toldKeys.filter((o) => Math.abs(now - o.t) < this.echoMs).concat(keys.map((item) => ({ item, t: now })));
  }

  /** Whether a delete is waiting for its create (a create then needs a look at the disk first). */
  get waiting(): boolean {
    return this.deletes.length > 0;
  }

  private isEcho(item: string, now: number): boolean {
    return this.toldKeys.some((o) => o.item === item && Math.abs(now - o.t) < this.echoMs);
  }

  private pair(
    others: { item: string; t: number }[],
    mine: { item: string; t: number }[],
    item: string,
    now: number,
    matches: (deleted: string, created: string) => boolean,
    side: 'delete' | 'create',
  ): string | undefined {
    const fits = (a: string, b: string): boolean => (side === 'delete' ? matches(a, b) : matches(b, a));
    // Times are when the watcher reported each side; they may reach here out of order.
    const live = (o: { item: string; t: number }): boolean => Math.abs(now - o.t) < this.windowMs;
    const kept = others.filter((o) => live(o) && o.item !== item);
    others.length = 0;
    others.push(...kept);
    const candidates = kept.filter((o) => fits(item, o.item));
    if (candidates.length !== 1) return undefined;
    const other = candidates[0].item;
    // Ambiguous the other way too (two creates of that file name for one delete): not a rename to guess.
    const rivals = mine.filter((m) => live(m) && m.item !== item && fits(m.item, other));
    if (rivals.length > 0) return undefined;
    others.splice(others.indexOf(candidates[0]), 1);
    return other;
  }
}

export interface FileMove {
  /** unix ms */
  t: number;
  from: string;
  to: string;
}

/** The renames among `events`, oldest first. */
export function movesOf(events: readonly FeedbackEvent[]): FileMove[] {
  return finishSteps(movesOfSteps(events));
}

/** movesOf in steps: a pass over a million stored events is too long for one stretch of the extension host. */
function* movesOfSteps(events: readonly FeedbackEvent[]): Steps<FileMove[]> {
  const out: FileMove[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.kind === 'rename' && e.from !== undefined) out.push({ t: e.t, from: e.from, to: e.item });
    if ((i & (STEP * 8 - 1)) === 0) yield;
  }
  return out.sort((a, b) => a.t - b.t);
}

/**
 * Every event under its item's current name: each rename applies to the events older than it, in the order they
 * happened (a -> b then b -> c takes a's old events to c; a file made later at a's old path keeps its own history).
 * Events are copied only where renamed; with no renames the input comes back as it is. Idempotent.
 */
export function* resolveMovesSteps(events: FeedbackEvent[], given?: readonly FileMove[]): Steps<FeedbackEvent[]> {
  const moves = given ?? (yield* movesOfSteps(events));
  if (moves.length === 0) return events;
  const resolver = new MoveResolver(moves);
  const out = new Array<FeedbackEvent>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const name = resolver.nameAfter(e.item, e.t);
    out[i] = name === undefined ? e : { ...e, item: name };
    if ((i & (STEP - 1)) === 0) yield;
  }
  return out;
}

/** What the renames (oldest first) make of a name used at a time: the one rule for events and for stored columns. */
export class MoveResolver {
  /** The name of an item after the renames from index j on, memoized per j (events come mostly in time order, so a
   * few j's are live at once). */
  private readonly memo = new Map<number, Map<string, string>>();
  private readonly last: number;

  constructor(private readonly moves: readonly FileMove[]) {
    this.last = moves.length > 0 ? moves[moves.length - 1].t : Number.NEGATIVE_INFINITY;
  }

  /** The current name of `item` as used at time `t`; undefined when no rename since changed it. */
  nameAfter(item: string, t: number): string | undefined {
    if (t >= this.last) return undefined;
    return this.nameFrom(item, this.firstAfter(t));
  }

  /**
   * The first rename strictly after `t` (moves.length when none). A rename does not apply to the events of its own
   * instant: they came first only if recorded first, and the rename event itself already names the new key.
   */
  firstAfter(t: number): number {
    const moves = this.moves;
    let lo = 0;
    let hi = moves.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (moves[mid].t > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The name `item` has after the renames from index `j` on; undefined when they do not change it. */
  nameFrom(item: string, j: number): string | undefined {
    let byItem = this.memo.get(j);
    if (!byItem) this.memo.set(j, (byItem = new Map()));
    let name = byItem.get(item);
    if (name === undefined) {
      name = item;
      for (let k = j; k < this.moves.length; k++) name = renamedKey(name, this.moves[k].from, this.moves[k].to) ?? name;
      byItem.set(item, name);
    }
    return name === item ? undefined : name;
  }
}

export function resolveMoves(events: FeedbackEvent[], moves?: readonly FileMove[]): FeedbackEvent[] {
  return finishSteps(resolveMovesSteps(events, moves));
}

/** `model` with its items renamed by `moves` (oldest first), for a model trained before them. */
/** The renames made after the model's newest interaction applied to it (older ones are in it already). */
export function renameSinceModel(model: RecommenderModel, moves: readonly FileMove[]): RecommenderModel {
  return renameInModel(model, moves.filter((m) => m.t > model.trainedAt * 1000));
}

export function renameInModel(model: RecommenderModel, moves: readonly FileMove[]): RecommenderModel {
  if (moves.length === 0) return model;
  return withRenamedItems(model, (item) => {
    let name = item;
    for (const m of moves) name = renamedKey(name, m.from, m.to) ?? name;
    return name === item ? undefined : name;
  });
}

/**
 * Which files are deleted now: a path deleted (or renamed away) later than the file, or a folder above it, was last
 * seen (used, created, renamed to). Fed events in any order; both sides keep their latest time per path.
 */
export class FileLife {
  private readonly gone = new Map<string, number>();
  private readonly here = new Map<string, number>();

  static of(events: readonly FeedbackEvent[]): FileLife {
    return finishSteps(FileLife.ofSteps(events));
  }

  /** From the newest time each item (by index in `items`) was seen and ended; -Infinity = never (storedEvents.ts). */
  static fromTimes(items: readonly string[], here: Float64Array, gone: Float64Array): FileLife {
    const life = new FileLife();
    for (let i = 0; i < items.length; i++) {
      if (here[i] > Number.NEGATIVE_INFINITY) latest(life.here, items[i], here[i]);
      if (gone[i] > Number.NEGATIVE_INFINITY) latest(life.gone, items[i], gone[i]);
    }
    return life;
  }

  /** FileLife.of in steps: a pass over a million stored events is tens of ms, too long for the host in one go. */
  static *ofSteps(events: readonly FeedbackEvent[]): Steps<FileLife> {
    const life = new FileLife();
    for (let i = 0; i < events.length; i++) {
      life.note(events[i]);
      if ((i & (STEP - 1)) === STEP - 1) yield;
    }
    return life;
  }

  /** Any recorded event: a delete or rename ends a path's life, anything else (but a dismissal) shows it is there. */
  note(e: FeedbackEvent): void {
    if (e.kind === 'dismiss') return;
    if (e.kind === 'delete') latest(this.gone, e.item, e.t);
    else if (e.kind === 'rename' && e.from !== undefined) latest(this.gone, e.from, e.t);
    if (e.kind !== 'delete') latest(this.here, e.item, e.t);
  }

  /**
   * When `item` was deleted (itself or a folder above it), if that was after it was last seen; else undefined. Only a
   * sighting at least as specific as the delete undoes it: a folder made again does not bring back a file that was
   * renamed away or deleted on its own, but the file itself (or a folder between) seen again does.
   */
  deletedAt(item: string): number | undefined {
    if (this.gone.size === 0) return undefined;
    let seen = -Infinity; // latest sighting from `item` up to the level being looked at
    let deleted: number | undefined;
    for (const p of selfAndFolders(item)) {
      seen = Math.max(seen, this.here.get(p) ?? -Infinity);
      const gone = this.gone.get(p);
      if (gone !== undefined && gone > seen && (deleted === undefined || gone > deleted)) deleted = gone;
    }
    return deleted;
  }

  isDeleted(item: string): boolean {
    return this.deletedAt(item) !== undefined;
  }

  /** Every key seen (used, created, renamed to). */
  items(): IterableIterator<string> {
    return this.here.keys();
  }

  /** True when nothing was ever deleted: every deletedAt is undefined. */
  get noneDeleted(): boolean {
    return this.gone.size === 0;
  }
}

function latest(m: Map<string, number>, key: string, t: number): void {
  if (t > (m.get(key) ?? -Infinity)) m.set(key, t);
}

/**
 * Drops the history of files deleted before `cutoff` (unix ms) and not seen since. The deletes themselves stay: they
 * keep hiding what other sources (the git import) know of the file. Returns the kept events and how many went.
 */
export function* dropDeletedHistorySteps(events: FeedbackEvent[], cutoff: number): Steps<{ kept: FeedbackEvent[]; dropped: number }> {
  const life = yield* FileLife.ofSteps(events);
  if (life.noneDeleted) return { kept: events, dropped: 0 };
  yield;
  const expired = new Map<string, boolean>();
  const kept: FeedbackEvent[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if ((i & (STEP - 1)) === 0) yield;
    if (isFileChange(e.kind)) {
      kept.push(e);
      continue;
    }
    let gone = expired.get(e.item);
    if (gone === undefined) {
      const at = life.deletedAt(e.item);
      expired.set(e.item, (gone = at !== undefined && at < cutoff));
    }
    if (!gone) kept.push(e);
  }
  return { kept, dropped: events.length - kept.length };
}
