// Live ranking: the trained model plus the current session (folded in by rankItems()), recomputed shortly after
// every new signal. No vscode here, so latency and exclusion are tested in plain Node.
import { itemKind, type ItemKind } from '../core/itemKey';
import type { ContextItem, RecentSession, Recommendation, RecommenderModel } from '../core/recommender';
import { ScoreBuffers } from '../core/scoreBuffers';
import { itemDotsSteps, itemIndexOf, itemIndexSteps, rankItems, recommendationAt, sourceOf } from '../core/scoring';
import { factorTopsSteps } from '../core/explainView';
import { finishStepsAsync } from '../core/train';

export interface LiveSources {
  /** Items of the current session with their raw weights (tracker.currentSession()). */
  context(): ContextItem[];
  /** Items already open in an editor: never recommended. */
  openItems(): ReadonlySet<string>;
  /** Files opened or created lately (newest first); those the model does not know are ranked by their neighbours. */
  recentItems?(): readonly string[];
  /** True for items never to suggest (latent.neverRecommend: lockfiles, build output); they still count as context. */
  neverRecommend?(item: string): boolean;
  /** Sessions that ended since `sinceSec` (the model's newest interaction): the recent-use prior counts them. */
  recentSessions?(sinceSec: number): readonly RecentSession[];
}

/**
 * The last few distinct file items seen (opened, edited, created), newest first; forgotten when deleted. Bounded on
 * purpose: each unknown one is scored from its folder's items on every re-rank, and the ranker is tuned for few.
 */
export class RecentItems {
  static readonly DEFAULT_MAX = 20;
  private readonly order: string[] = [];

  constructor(private readonly max = RecentItems.DEFAULT_MAX) {}

  add(item: string): void {
    const at = this.order.indexOf(item);
    if (at >= 0) this.order.splice(at, 1);
    this.order.unshift(item);
    if (this.order.length > this.max) this.order.length = this.max;
  }

  /** Returns whether it was there. */
  delete(item: string): boolean {
    const at = this.order.indexOf(item);
    if (at >= 0) this.order.splice(at, 1);
    return at >= 0;
  }

  clear(): void {
    this.order.length = 0;
  }

  items(): readonly string[] {
    return this.order;
  }
}

export interface LiveRankerOptions {
  /** Recommendations kept per kind (Files, Snippets, Extensions). */
  perKind: number;
  /** Signals arriving within this window are coalesced into one recompute. */
  delayMs?: number;
  /** At most this many files the model does not know yet (ranked from their neighbours: a guess); default 3. */
  maxNew?: number;
}

export interface Disposable {
  dispose(): void;
}

export class LiveRanker implements Disposable {
  private model: RecommenderModel | undefined;
  private readonly dismissed = new Set<string>();
  private current: Recommendation[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();
  /** Reused by every ranking: what a ranking returned is only read while it is built (recommendations copy theirs). */
  private readonly buffers = new ScoreBuffers();
  /** Wall time of the last recompute (fold-in + ranking), for the benchmark and the test API. */
  lastComputeMs = 0;

  constructor(
    private readonly sources: LiveSources,
    private readonly opts: LiveRankerOptions,
  ) {}

  get hasModel(): boolean {
    return this.model !== undefined;
  }

  getModel(): RecommenderModel | undefined {
    return this.model;
  }

  /**
   * Builds a model's per-model caches (its key index, its ranking product) in slices of a few ms, before setModel switches to it: at
   * 30,000 items building them inside the first ranking held the extension host for over 10 ms.
   */
  async prepare(model: RecommenderModel): Promise<void> {
    await finishStepsAsync(itemIndexSteps(model.items));
    await finishStepsAsync(itemDotsSteps(model.mf));
    // What the rows' "why" names factors from (views/recommendations/whyText.ts): made at the first row's tooltip it
    // held the host 9-30 ms at 30,000 items.
    await finishStepsAsync(factorTopsSteps(model));
  }

  setModel(model: RecommenderModel | undefined): void {
    this.model = model;
    this.refreshNow();
  }

  setPerKind(n: number): void {
    this.opts.perKind = n;
    this.refreshNow();
  }

  /** "Not interested": excluded from now on (the caller records the dismiss event). */
  dismiss(item: string): void {
    this.dismissed.add(item);
    this.refreshNow();
  }

  /** "Not interested" taken back: ranked again from now on (the caller records it). */
  restore(item: string): void {
    if (this.dismissed.delete(item)) this.refreshNow();
  }

  /** What "Not interested" hides now, for the Restore command. */
  dismissedItems(): string[] {
    return [...this.dismissed];
  }

  setDismissed(items: Iterable<string>): void {
    this.dismissed.clear();
    for (const i of items) this.dismissed.add(i);
    this.refreshNow();
  }

  isDismissed(item: string): boolean {
    return this.dismissed.has(item);
  }

  /** A new signal arrived (or editors changed): recompute soon, coalescing bursts. */
  invalidate(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refreshNow();
    }, this.opts.delayMs ?? 20);
  }

  recommendations(): Recommendation[] {
    return this.current;
  }

  byKind(kind: ItemKind): Recommendation[] {
    return this.current.filter((r) => itemKind(r.item) === kind);
  }

  refreshNow(): Recommendation[] {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const started = performance.now();
    this.current = this.model ? this.rank(this.model) : [];
    this.lastComputeMs = performance.now() - started;
    for (const l of this.listeners) l();
    return this.current;
  }

  onDidChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.listeners.clear();
  }

  private rank(model: RecommenderModel): Recommendation[] {
    const exclude = new Set<string>(this.dismissed);
    for (const i of this.sources.openItems()) exclude.add(i);
    // New files: recent ones the model has never seen get a prior from their neighbours (same folder/extension).
    const known = itemIndexOf(model.items);
    const candidates = (this.sources.recentItems?.() ?? []).filter((i) => itemKind(i) === 'file' && !known.has(i) && !exclude.has(i));
    // Ask for enough candidates that the rarer kinds (snippets, extensions) still get their share.
    const n = Math.min(model.items.length + candidates.length, Math.max(200, this.opts.perKind * 20));
    const recentSessions = this.sources.recentSessions?.(model.trainedAt);
    const { scored, order } = rankItems(model, this.sources.context(), { n, exclude, candidates, ...(recentSessions ? { recentSessions } : {}) }, this.buffers);
    const counts: Record<ItemKind, number> = { file: 0, snippet: 0, extension: 0 };
    // New files score right behind their best neighbour, so many at once would crowd out what was learned.
    let newLeft = this.opts.maxNew ?? 3;
    const out: Recommendation[] = [];
    // Walks the ranked indices; only the recommendations kept are built (with their explanations).
    for (const i of order) {
      const item = scored.keys[i];
      const kind = itemKind(item);
      if (!kind || exclude.has(item) || counts[kind] >= this.opts.perKind || this.sources.neverRecommend?.(item)) continue;
      if (sourceOf(model, scored, i) === 'new' && newLeft-- <= 0) continue;
      counts[kind]++;
      out.push(recommendationAt(model, scored, i));
    }
    return out;
  }
}
