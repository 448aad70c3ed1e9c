// The quality protocol of DESIGN.md section 4, exactly: sessions ordered by time, first 80% train, last 20% test;
// test items must have been seen in training and test sessions need >= 2 such items; each such item is left out in
// turn with the rest of the session as context; all training items except the context are ranked (full ranking).
import { indexOfKeys } from './idMap';
import { LatentInputError } from './errors';
import { nowMs } from './host';
import { indexHistory, sessionGroups, sessionOf } from './historyIndex';
import { isColumns, keepRows, keepSessions, withUsedNames, type History, type Interaction, type InteractionColumns } from './interaction';
import { itemListsOf, type ItemLists } from './itemLists';
import { expectedRankMetrics } from './metrics';
import { makeCountWasmKernel, type CountWasmKernel } from './sgdKernel';

export interface Session {
  id: string;
  /** earliest interaction of the session, unix seconds */
  time: number;
  /** distinct items in order of first appearance */
  items: string[];
}

export interface EvalCase {
  /** index into ProtocolSplit.test */
  session: number;
  context: string[];
  target: string;
  /** the test session's time: "now" for recency-based methods */
  time: number;
}

export interface ProtocolSplit<H extends History = readonly Interaction[]> {
  train: Session[];
  test: Session[];
  /** every interaction of the training sessions, as recorded (objects or columns, as the history was given) */
  trainInteractions: H;
  /** distinct training items in order of first appearance (by session time): the candidate set */
  items: string[];
  cases: EvalCase[];
  /** test sessions kept (>= 2 items seen in training) */
  testSessionsUsed: number;
  /** items never recommended (latent.neverRecommend): never candidates, never targets; they stay in contexts */
  neverRecommend?: ReadonlySet<string>;
}

/**
 * The split with `isNever` items taken out of the ranking, as the extension does (latent.neverRecommend): cases
 * whose target is one are dropped, and they are no candidate for the others. Contexts keep them: they were worked on.
 */
export function withoutNeverRecommended(split: ProtocolSplit, isNever: (item: string) => boolean): ProtocolSplit {
  const never = new Set(split.items.filter(isNever));
  return { ...split, cases: split.cases.filter((c) => !never.has(c.target)), neverRecommend: never };
}

/** Each session's items as their indices in `index` (every item must be in it). */
export function sessionItemIndices(sessions: readonly Session[], index: ReadonlyMap<string, number>): number[][] {
  return sessions.map((s) => s.items.map((it) => index.get(it) as number));
}

/** Groups interactions into sessions ordered by start time; ties keep the order of first appearance in the input. */
export function groupSessions(history: History): Session[] {
  if (isColumns(history)) {
    const h = indexHistory([], history);
    return Array.from(h.start, (_, s) => sessionOf(h, history, s));
  }
  const data = history;
  const byId = new Map<string, { s: Session; order: number; seen?: Set<string> }>();
  for (let order = 0; order < data.length; order++) {
    const x = data[order];
    let g = byId.get(x.session);
    if (!g) {
      g = { s: { id: x.session, time: x.time, items: [] }, order };
      byId.set(x.session, g);
    }
    if (x.time < g.s.time) g.s.time = x.time;
    const items = g.s.items;
    // A session holds a few distinct items: a scan of them is cheaper than a Set per session (170,000 Sets at a
    // million interactions); a Set takes over for a long one.
    if (g.seen) {
      if (g.seen.has(x.item)) continue;
      g.seen.add(x.item);
    } else {
      if (items.includes(x.item)) continue;
      if (items.length >= SCAN_ITEMS) g.seen = new Set(items).add(x.item);
    }
    items.push(x.item);
  }
  return [...byId.values()].sort((a, b) => a.s.time - b.s.time || a.order - b.order).map((g) => g.s);
}

/** Distinct items a session's dedup scans before it keeps a Set. */
const SCAN_ITEMS = 16;

export const TRAIN_FRACTION = 0.8;

/**
 * The history's newest `max` sessions (groupSessions' order: by start, ties by first appearance), as a history of the
 * same kind; the history itself when it has no more. Columns come back with their tables cut to what the kept rows
 * use, so a copy of them (to another thread) carries no name of a session left out.
 */
export function newestSessions<H extends History>(data: H, max: number): H {
  if (!isColumns(data)) {
    if (new Set(data.map((x) => x.session)).size <= max) return data;
    const sessions = groupSessions(data);
    const keep = new Set(sessions.slice(-max).map((s) => s.id));
    return keepSessions(data, (id) => keep.has(id));
  }
  // Entries of the session table bound the sessions from above: no index needed below it.
  if (data.sessions.length <= max) return data;
  const { table } = sessionGroups(data);
  if (table.length <= max) return data;
  const keep = new Uint8Array(data.sessions.length);
  for (let s = table.length - max; s < table.length; s++) keep[table[s]] = 1;
  const window: InteractionColumns = withUsedNames(keepRows(data, keep));
  return window as H;
}

/**
 * A cold start from the newest `n` training sessions (a first model from the newest commits, say): the split fitted
 * on those alone, its candidates what they know; a case whose target they never saw is left out, and `share` (the
 * cases kept over all) scales the metrics so that it counts as a miss, since nothing learned from them could name it.
 */
export function newestTrainingSplit(split: ProtocolSplit, n: number): { split: ProtocolSplit; share: number } {
  if (!Number.isInteger(n) || n <= 0) throw new LatentInputError(`need a positive number of sessions, got ${n}`);
  if (split.train.length <= n) return { split, share: 1 };
  const trainInteractions = newestSessions(split.trainInteractions, n);
  const known = new Set(trainInteractions.map((x) => x.item));
  const cases = split.cases.filter((c) => known.has(c.target));
  return {
    split: { ...split, train: split.train.slice(-n), trainInteractions, items: split.items.filter((it) => known.has(it)), cases },
    share: split.cases.length > 0 ? cases.length / split.cases.length : 1,
  };
}

/**
 * The protocol's split. `maxCases` keeps only the newest cases (exactly `cases.slice(-maxCases)` of the full split,
 * without building the others: a heavy year has 200,000 of them, tens of MB, where the validation reads 2,000).
 */
export function splitProtocol<H extends History>(data: H, trainFraction = TRAIN_FRACTION, maxCases = Infinity): ProtocolSplit<H> {
  checkTrainFraction(trainFraction);
  const sessions = groupSessions(data);
  const nTrain = Math.floor(sessions.length * trainFraction);
  if (nTrain === 0 || nTrain === sessions.length) throw bothSides(sessions.length);
  const train = sessions.slice(0, nTrain);
  const test = sessions.slice(nTrain);
  const trainIds = new Set(train.map((s) => s.id));
  const trainInteractions = keepSessions(data, (id) => trainIds.has(id));
  const itemSet = new Set<string>();
  for (const s of train) for (const it of s.items) itemSet.add(it);
  const items = [...itemSet];
  // Newest session first, its cases in order; reversed at the end.
  const newestFirst: EvalCase[][] = [];
  let kept = 0;
  let testSessionsUsed = 0;
  for (let si = test.length - 1; si >= 0; si--) {
    const s = test[si];
    const known = s.items.filter((it) => itemSet.has(it));
    if (known.length < 2) continue;
    testSessionsUsed++;
    if (kept >= maxCases) continue;
    newestFirst.push(known.map((target) => ({ session: si, context: known.filter((it) => it !== target), target, time: s.time })));
    kept += known.length;
  }
  const cases = newestFirst.reverse().flat();
  return { train, test, trainInteractions, items, cases: cases.length > maxCases ? cases.slice(cases.length - maxCases) : cases, testSessionsUsed };
}

/**
 * What a fit's validation reads of the protocol's split (recommenderFit.ts): the training sessions' interactions,
 * their distinct items as lists over `items` (EASE's ridge reads them) and the newest cases, each as splitProtocol
 * gives it. From columns it is made from the sessions' item lists (indexHistory), without an object per session: at a
 * heavy year those objects were most of the validation's heap (55 MB, on a thread of its own then) and garbage once the ridge was chosen.
 */
export interface ValidationSplit<H extends History = History> {
  trainInteractions: H;
  items: string[];
  /** training session s's distinct items (indices into `items`), sessions in groupSessions' order */
  trainLists: ItemLists;
  cases: EvalCase[];
}

export function validationSplit<H extends History>(data: H, trainFraction = TRAIN_FRACTION, maxCases = Infinity): ValidationSplit<H> {
  if (isColumns(data)) return validationSplitOfColumns(data, trainFraction, maxCases) as ValidationSplit<H>;
  const split = splitProtocol(data, trainFraction, maxCases);
  const index = indexOfKeys(split.items);
  return { trainInteractions: split.trainInteractions, items: split.items, trainLists: itemListsOf(sessionItemIndices(split.train, index)), cases: split.cases };
}

/** validationSplit of columns: splitProtocol's items, cases and training rows, from the sessions' lists. */
function validationSplitOfColumns(data: InteractionColumns, trainFraction: number, maxCases: number): ValidationSplit<InteractionColumns> {
  checkTrainFraction(trainFraction);
  const h = indexHistory([], data);
  const nSessions = h.table.length;
  const nTrain = Math.floor(nSessions * trainFraction);
  if (nTrain === 0 || nTrain === nSessions) throw bothSides(nSessions);
  // Training items numbered by first appearance, sessions in time order (splitProtocol's items).
  const col = new Int32Array(h.items.length).fill(-1);
  const items: string[] = [];
  const end = h.lists.ptr[nTrain];
  const trainItems = new Int32Array(end);
  for (let q = 0; q < end; q++) {
    const c = h.lists.items[q];
    if (col[c] < 0) col[c] = items.push(h.items[c]) - 1;
    trainItems[q] = col[c];
  }
  const keep = new Uint8Array(data.sessions.length);
  for (let s = 0; s < nTrain; s++) keep[h.table[s]] = 1;
  // Newest test session first, its cases in order; reversed at the end (as splitProtocol).
  const newestFirst: EvalCase[][] = [];
  let kept = 0;
  for (let s = nSessions - 1; s >= nTrain && kept < maxCases; s--) {
    const known: string[] = [];
    for (let q = h.lists.ptr[s]; q < h.lists.ptr[s + 1]; q++) if (col[h.lists.items[q]] >= 0) known.push(h.items[h.lists.items[q]]);
    if (known.length < 2) continue;
    const time = h.start[s];
    newestFirst.push(known.map((target) => ({ session: s - nTrain, context: known.filter((it) => it !== target), target, time })));
    kept += known.length;
  }
  const cases = newestFirst.reverse().flat();
  return {
    trainInteractions: keepRows(data, keep),
    items,
    trainLists: { ptr: h.lists.ptr.slice(0, nTrain + 1), items: trainItems },
    cases: cases.length > maxCases ? cases.slice(cases.length - maxCases) : cases,
  };
}

function checkTrainFraction(trainFraction: number): void {
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new LatentInputError(`trainFraction must be in (0, 1), got ${trainFraction}`);
  }
}

function bothSides(sessions: number): LatentInputError {
  return new LatentInputError(`need sessions on both sides of the split, got ${sessions} session(s)`);
}

/**
 * A model's scores (`s`, in its own item order) as the candidates' (`out[j] = s[map[j]]`), a candidate the model never
 * saw (map[j] < 0) scoring below every item it knows. The floor is looked for only when there is such a candidate.
 */
export function candidateScores(s: ArrayLike<number>, n: number, map: Int32Array, out: Float64Array): Float64Array {
  let unknown = false;
  for (let j = 0; j < out.length; j++) {
    const m = map[j];
    if (m >= 0) out[j] = s[m];
    else unknown = true;
  }
  if (!unknown) return out;
  let lo = Infinity;
  for (let i = 0; i < n; i++) if (s[i] < lo) lo = s[i];
  const floor = Number.isFinite(lo) ? lo - 1 : 0;
  for (let j = 0; j < out.length; j++) if (map[j] < 0) out[j] = floor;
  return out;
}

/** A fitted method: scores for every candidate, aligned with ProtocolSplit.items. */
export interface Ranker {
  /** The returned array may be a buffer that the next call overwrites: read it before scoring again. */
  score(context: readonly string[], now: number): ArrayLike<number>;
  /**
   * A session recorded after the fit (the replay protocol, between refits): what the extension's live ranking knows
   * of the sessions since its model was trained.
   */
  observe?(session: readonly Interaction[]): void;
  /**
   * True when score() gives the same values whatever the context and the time (popularity, MRU): evaluateMethod
   * then scores once, sorts once, and finds each target's place by binary search, O(log items + |context|) a case.
   */
  constant?: boolean;
  /** what the method wants said about its fit in the report (e.g. EASE's chosen lambda, items kept) */
  details?: Record<string, number | string | boolean>;
}

export interface EvalMethod {
  name: string;
  fit(train: readonly Interaction[], items: readonly string[]): Ranker;
}

export interface MethodResult {
  method: string;
  hr1: number;
  hr3: number;
  hr10: number;
  ndcg10: number;
  mrr: number;
  fitSeconds: number;
  evalSeconds: number;
  details?: Record<string, number | string | boolean>;
}

export const EVAL_K = 10;

/**
 * 0-based rank of `target` among candidates (everything not excluded). Higher score ranks first; equal scores
 * are ordered by candidate index, as the shown list would be, so ties neither help nor hurt by chance.
 */
export function rankOf(scores: ArrayLike<number>, target: number, exclude: ReadonlySet<number>): number {
  const st = scores[target];
  if (!Number.isFinite(st)) throw new LatentInputError(`score of candidate ${target} is not finite (${st})`);
  let rank = 0;
  for (let j = 0; j < scores.length; j++) {
    if (j === target || exclude.has(j)) continue;
    const sj = scores[j];
    if (sj > st || (sj === st && j < target)) rank++;
  }
  return rank;
}

/**
 * How many candidates (everything not excluded, the target aside) score above the target, and how many tie with it:
 * the input of expectedRankMetrics (ties in random order, DESIGN.md section 4).
 */
export function tiesOf(scores: ArrayLike<number>, target: number, exclude: ReadonlySet<number>): { above: number; ties: number } {
  const st = scores[target];
  if (!Number.isFinite(st)) throw new LatentInputError(`score of candidate ${target} is not finite (${st})`);
  let above = 0;
  let ties = 0;
  for (let j = 0; j < scores.length; j++) {
    if (j === target || exclude.has(j)) continue;
    const sj = scores[j];
    if (sj > st) above++;
    else if (sj === st) ties++;
  }
  return { above, ties };
}

/** Sums of per-case metrics, averaged at the end. */
export class MetricTotals {
  n = 0;
  hr1 = 0;
  hr3 = 0;
  hr10 = 0;
  ndcg10 = 0;
  rr = 0;
  add(above: number, ties: number): void {
    const m = expectedRankMetrics(above, ties);
    this.n++;
    this.hr1 += m.hr1;
    this.hr3 += m.hr3;
    this.hr10 += m.hr10;
    this.ndcg10 += m.ndcg10;
    this.rr += m.rr;
  }
  mean(): { hr1: number; hr3: number; hr10: number; ndcg10: number; mrr: number } {
    const n = Math.max(1, this.n);
    return { hr1: this.hr1 / n, hr3: this.hr3 / n, hr10: this.hr10 / n, ndcg10: this.ndcg10 / n, mrr: this.rr / n };
  }
}

export interface CaseMetrics {
  hit: number;
  ndcg: number;
  rr: number;
}

/** HR@K, NDCG@K (one relevant item: 1/log2(rank+2)) and reciprocal rank from a 0-based rank. */
export function metricsFromRank(rank: number, k = EVAL_K): CaseMetrics {
  const inTop = rank < k;
  return { hit: inTop ? 1 : 0, ndcg: inTop ? 1 / Math.log2(rank + 2) : 0, rr: 1 / (rank + 1) };
}

/** [how many scores are > st, how many === st] over all of them (NaN neither): the kernel's count in JS. */
function countAboveTies(scores: ArrayLike<number>, st: number): [number, number] {
  let above = 0;
  let ties = 0;
  for (let j = 0; j < scores.length; j++) {
    const sj = scores[j];
    above += +(sj > st);
    ties += +(sj === st);
  }
  return [above, ties];
}

/**
 * tiesOf for the evaluation's cases: every item counted in one pass (the WebAssembly SIMD kernel where the host has
 * it, 5x a JS loop at 25,000 items), then the few candidates left out taken back out, rather than a test per item.
 */
export class TiesCounter {
  private readonly seen: Uint8Array;
  private readonly neverList: number[] = [];
  // A memory of the counter's own (8 bytes an item), freed with it; none below 256 items, where JS is as quick.
  private readonly kernel: CountWasmKernel | undefined;

  /** `never[j]` non-zero: j is never a candidate (latent.neverRecommend); n items. */
  constructor(n: number, never?: Uint8Array) {
    this.seen = new Uint8Array(n);
    this.kernel = n >= 256 ? makeCountWasmKernel(n) : undefined;
    if (never) for (let j = 0; j < n; j++) if (never[j] !== 0) this.neverList.push(j);
  }

  /**
   * tiesOf(scores, target, never + `exclude`): `exclude` may repeat indices and hold the target or never items. The
   * target is never its own competitor, excluded or not.
   */
  tiesOf(scores: ArrayLike<number>, target: number, exclude: readonly number[]): { above: number; ties: number } {
    const st = finiteTargetScore(scores[target], target);
    const [above, ties] = this.kernel && scores instanceof Float64Array && scores.length === this.seen.length ? this.kernel.count(scores, st) : countAboveTies(scores, st);
    return this.takingOut(above, ties, (j) => scores[j], st, target, exclude);
  }

  /**
   * tiesOf for scores that are exactly 0 but for the items `position` places (position[j] >= 0: j's score is
   * `placed[position[j]]`): the same counts, the others counted at once instead of one by one (EASE's, which scores
   * only the items it keeps: easeKeptScores).
   */
  tiesOfPlaced(placed: Float64Array, position: Int32Array, target: number, exclude: readonly number[]): { above: number; ties: number } {
    const scoreOf = (j: number): number => {
      const p = j < position.length ? position[j] : -1;
      return p < 0 ? 0 : placed[p];
    };
    const st = finiteTargetScore(scoreOf(target), target);
    let [above, ties] = countAboveTies(placed, st);
    const outside = this.seen.length - placed.length;
    if (0 > st) above += outside;
    else if (0 === st) ties += outside;
    return this.takingOut(above, ties, scoreOf, st, target, exclude);
  }

  /** Counts above and tied with `st` less the target itself, the never items and `exclude` (each once). */
  private takingOut(above: number, ties: number, scoreOf: (j: number) => number, st: number, target: number, exclude: readonly number[]): { above: number; ties: number } {
    ties--; // the target's tie with itself
    const seen = this.seen;
    seen[target] = 1;
    const takeOut = (j: number): void => {
      if (seen[j] !== 0) return;
      seen[j] = 1;
      const sj = scoreOf(j);
      if (sj > st) above--;
      else if (sj === st) ties--;
    };
    for (const j of this.neverList) takeOut(j);
    for (const j of exclude) takeOut(j);
    seen[target] = 0;
    for (const j of this.neverList) seen[j] = 0;
    for (const j of exclude) seen[j] = 0;
    return { above, ties };
  }
}

function finiteTargetScore(st: number, target: number): number {
  if (!Number.isFinite(st)) throw new LatentInputError(`score of candidate ${target} is not finite (${st})`);
  return st;
}

/**
 * Scores that do not change from case to case, sorted once: tiesOf's counts by binary search plus a pass over the
 * excluded items that are not always excluded (the context). Same counts as tiesOf, ties included; NaN scores
 * count neither above nor tied there, and are left out here.
 */
export class SortedScores {
  private readonly sorted: Float64Array;

  /** `alwaysExcluded[j]` non-zero: j is never a candidate (latent.neverRecommend). */
  constructor(
    readonly scores: ArrayLike<number>,
    private readonly alwaysExcluded?: Uint8Array,
  ) {
    const kept: number[] = [];
    for (let j = 0; j < scores.length; j++) {
      const v = scores[j];
      if (!Number.isNaN(v) && !(alwaysExcluded && alwaysExcluded[j] !== 0)) kept.push(v);
    }
    this.sorted = Float64Array.from(kept).sort();
  }

  /**
   * tiesOf(scores, target, always-excluded + `exclude`): `exclude` lists further excluded indices (duplicates,
   * the target itself and always-excluded ones are allowed); `seen` is an all-zero scratch mask of scores.length,
   * left all-zero.
   */
  tiesOf(target: number, exclude: readonly number[], seen: Uint8Array): { above: number; ties: number } {
    const st = this.scores[target];
    if (!Number.isFinite(st)) throw new LatentInputError(`score of candidate ${target} is not finite (${st})`);
    const a = this.sorted;
    // first index with a[i] >= st, first with a[i] > st
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < st) lo = mid + 1;
      else hi = mid;
    }
    const firstEqual = lo;
    hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] > st) hi = mid;
      else lo = mid + 1;
    }
    let above = a.length - lo;
    let ties = lo - firstEqual;
    const never = this.alwaysExcluded;
    const targetKept = !(never && never[target] !== 0);
    if (targetKept) ties--;
    for (const j of exclude) {
      if (j === target || seen[j] !== 0 || (never && never[j] !== 0)) continue;
      seen[j] = 1;
      const sj = this.scores[j];
      if (sj > st) above--;
      else if (sj === st) ties--;
    }
    for (const j of exclude) seen[j] = 0;
    return { above, ties };
  }
}

export function evaluateMethod(split: ProtocolSplit, method: EvalMethod): MethodResult {
  if (split.cases.length === 0) {
    throw new LatentInputError('no test cases: no test session has 2 or more items seen in training');
  }
  const t0 = nowMs();
  const ranker = method.fit(split.trainInteractions, split.items);
  const t1 = nowMs();
  const index = indexOfKeys(split.items);
  const nItems = split.items.length;
  // Candidates left out: latent.neverRecommend's items always, each case's context for that case.
  const never = new Uint8Array(nItems);
  for (const it of split.neverRecommend ?? []) never[index.get(it) as number] = 1;
  const checkLength = (scores: ArrayLike<number>): void => {
    if (scores.length !== nItems) throw new LatentInputError(`${method.name} returned ${scores.length} scores for ${nItems} items`);
  };
  const totals = new MetricTotals();
  const ctx: number[] = [];
  if (ranker.constant) {
    const fixed = ranker.score([], split.cases[0].time);
    checkLength(fixed);
    const sorted = new SortedScores(Float64Array.from(fixed), never);
    const seen = new Uint8Array(nItems);
    for (const c of split.cases) {
      ctx.length = 0;
      for (const it of c.context) ctx.push(index.get(it) as number);
      const t = sorted.tiesOf(index.get(c.target) as number, ctx, seen);
      totals.add(t.above, t.ties);
    }
  } else {
    const counter = new TiesCounter(nItems, never);
    for (const c of split.cases) {
      const scores = ranker.score(c.context, c.time);
      checkLength(scores);
      ctx.length = 0;
      for (const it of c.context) ctx.push(index.get(it) as number);
      const t = counter.tiesOf(scores, index.get(c.target) as number, ctx);
      totals.add(t.above, t.ties);
    }
  }
  const t2 = nowMs();
  return {
    method: method.name,
    ...totals.mean(),
    fitSeconds: (t1 - t0) / 1000,
    evalSeconds: (t2 - t1) / 1000,
    ...(ranker.details ? { details: ranker.details } : {}),
  };
}
