// The "scale" figures of `bench --json` (issue 10): each goal at the size it names. Every measurement adds its own
// keys (a figure object beside rank30k, one entry in hostStallMaxMs), so they can land one at a time.
import { measureRankLatency } from './rankLatency';

export interface LatencyFigures {
  p50Ms: number;
  p99Ms: number;
}

export interface ScaleReport {
  /** fold-in + ranking at 30,000 items (LiveRanker.refreshNow) */
  rank30k: LatencyFigures;
  /** the longest single synchronous stretch on the extension host, per operation */
  hostStallMaxMs: { rank30k: number };
}

export interface ScaleBenchOptions {
  log?(line: string): void;
}

export function runScaleBench(opts: ScaleBenchOptions = {}): ScaleReport {
  const log = opts.log ?? (() => undefined);
  const rank = measureRankLatency({ items: 30_000, seed: 'rank30k' });
  // Ranking runs as one synchronous call: its longest stretch is the slowest call, or the first one after a retrain
  // hands over a new model (that one also builds the per-model caches).
  const rankStall = Math.max(rank.maxMs, rank.modelSwapMs);
  log(
    `fold-in + ranking at ${rank.items} items: p50 ${rank.p50Ms.toFixed(2)} ms, p99 ${rank.p99Ms.toFixed(2)} ms, ` +
      `slowest ${rank.maxMs.toFixed(2)} ms, first after a new model ${rank.modelSwapMs.toFixed(2)} ms`,
  );
  return { rank30k: { p50Ms: rank.p50Ms, p99Ms: rank.p99Ms }, hostStallMaxMs: { rank30k: rankStall } };
}
