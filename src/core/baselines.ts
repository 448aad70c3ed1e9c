// The baselines of DESIGN.md section 4: popularity, most-recently-used, frecency and item co-occurrence (cosine).
// Each is an EvalMethod: fitted on training interactions, it scores every candidate item for a context and a time.
import { indexOfKeys } from './idMap';
import { groupSessions, sessionItemIndices, type EvalMethod, type Ranker } from './evalProtocol';
import { FrecencyTracker } from './frecency';
import type { Interaction } from './interaction';

/** Number of distinct training sessions that touched each item. Ignores context and time. */
export const popularityMethod: EvalMethod = {
  name: 'popularity',
  fit(train, items): Ranker {
    const idx = indexOfKeys(items);
    const counts = new Float64Array(items.length);
    for (const s of groupSessions(train)) for (const it of s.items) counts[idx.get(it) as number]++;
    return { score: () => counts, constant: true };
  },
};

/** Latest time each item was used in training: most recent first. */
export const mruMethod: EvalMethod = {
  name: 'mru',
  fit(train, items): Ranker {
    const idx = indexOfKeys(items);
    const last = new Float64Array(items.length).fill(-Infinity);
    for (const x of train) {
      const i = idx.get(x.item) as number;
      if (x.time > last[i]) last[i] = x.time;
    }
    return { score: () => last, constant: true };
  },
};

/** One visit per session that touched the item, at the session's time; scored at the test session's time. */
export const frecencyMethod: EvalMethod = {
  name: 'frecency',
  fit(train, items): Ranker {
    const idx = indexOfKeys(items);
    const tracker = new FrecencyTracker();
    for (const s of groupSessions(train)) for (const it of s.items) tracker.add(idx.get(it) as number, s.time);
    // The cases of a test session share its time, and test sessions come in time order: the tracker's scorer
    // scores again only what changed since the previous time.
    const scoresAt = tracker.scorer(items.length);
    return { score: (_context, now) => scoresAt(now) };
  },
};

/** Item-item cosine over the binary session x item matrix: co(i,j) / sqrt(n_i n_j). */
export class CooccurrenceIndex {
  readonly counts: Float64Array;
  private readonly co: Array<Map<number, number>>;

  constructor(sessions: ReadonlyArray<readonly number[]>, nItems: number) {
    this.counts = new Float64Array(nItems);
    this.co = Array.from({ length: nItems }, () => new Map<number, number>());
    for (const s of sessions) this.addSession(s);
  }

  /** Counts one more session (distinct item indices < nItems): the replay protocol's live update. */
  addSession(s: readonly number[]): void {
    for (const i of s) this.counts[i]++;
    for (let a = 0; a < s.length; a++) {
      const ma = this.co[s[a]];
      for (let b = 0; b < s.length; b++) if (a !== b) ma.set(s[b], (ma.get(s[b]) ?? 0) + 1);
    }
  }

  static fromInteractions(train: readonly Interaction[], items: readonly string[]): CooccurrenceIndex {
    const idx = indexOfKeys(items);
    const sessions = sessionItemIndices(groupSessions(train), idx);
    return new CooccurrenceIndex(sessions, items.length);
  }

  cosine(i: number, j: number): number {
    const c = this.co[i].get(j) ?? 0;
    return c === 0 ? 0 : c / Math.sqrt(this.counts[i] * this.counts[j]);
  }

  /** Adds sum over context items of cosine(context, j) into `out` (scaled by `scale`). */
  accumulate(context: readonly number[], out: Float64Array, scale = 1): void {
    for (const c of context) {
      const nc = this.counts[c];
      for (const [j, v] of this.co[c]) out[j] += (scale * v) / Math.sqrt(nc * this.counts[j]);
    }
  }

  /** Co-used neighbours of one item, best first. */
  neighbours(i: number, n: number): Array<{ index: number; score: number }> {
    const out: Array<{ index: number; score: number }> = [];
    for (const j of this.co[i].keys()) out.push({ index: j, score: this.cosine(i, j) });
    out.sort((a, b) => b.score - a.score || a.index - b.index);
    return out.slice(0, n);
  }
}

/** Sum of cosine similarities to the context items; context items unknown to training add nothing. */
export const cooccurrenceMethod: EvalMethod = {
  name: 'cooccurrence',
  fit(train, items): Ranker {
    const idx = indexOfKeys(items);
    const cooc = CooccurrenceIndex.fromInteractions(train, items);
    const buffer = new Float64Array(items.length);
    return {
      // One buffer for every case (Ranker.score's result is read before the next call).
      score(context) {
        const out = buffer;
        out.fill(0);
        const ctx: number[] = [];
        for (const it of context) {
          const i = idx.get(it);
          if (i !== undefined) ctx.push(i);
        }
        cooc.accumulate(ctx, out);
        return out;
      },
    };
  },
};

export const BASELINES: readonly EvalMethod[] = [popularityMethod, mruMethod, frecencyMethod, cooccurrenceMethod];
