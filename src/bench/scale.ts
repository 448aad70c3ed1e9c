// The "scale" figures of `bench --json` (issue 10): each goal at the size it names. Every measurement adds its own
// keys (a figure object beside rank30k, one entry in hostStallMaxMs), so they can land one at a time.
import { compactStalls, gitImportStalls, makeGitRepo, scratchDir, startupReadStalls, writeBigStore } from './hostStall';
import { pipelineRunner, trainEventsStalls } from './pipeline';
import { measureRankLatency } from './rankLatency';
import { repeated } from './stall';

export interface LatencyFigures {
  p50Ms: number;
  p99Ms: number;
}

/** The operations whose longest host stall is measured (goal: at most 10 ms each). */
export interface HostStalls {
  /** fold-in + ranking at 30,000 items: the slowest call, or the first after a new model */
  rank30k: number;
  /** FeedbackStore.open + the startup read (events()) of a store holding 1,000,000 events */
  startupRead1M: number;
  /** compaction of a store holding 1,000,000 events (plus 1,000 new ones in a journal) */
  compact1M: number;
  /** "Learn from Git History" on the host (learnFromGit) over 3,000 commits */
  gitImport: number;
  /** training from 20,000 raw events in the worker (packing, messages, reading the model back) */
  train20k: number;
}

/** Every run's figure of the repeated host-stall measurements. */
export type RunFigures = { [K in Exclude<keyof HostStalls, 'rank30k'>]: number[] };

export interface ScaleReport {
  /** fold-in + ranking at 30,000 items (LiveRanker.refreshNow) */
  rank30k: LatencyFigures;
  /** the longest single synchronous stretch on the extension host, per operation: the median of 3 runs */
  hostStallMaxMs: HostStalls;
  /** every run's figure behind hostStallMaxMs (rank30k is one run of many calls) */
  hostStallRunsMs: RunFigures;
}

export interface ScaleBenchOptions {
  log?(line: string): void;
  /** train20k's runs when the caller measured them already (the pipeline bench's stall.trainEvents20k) */
  train20kStallsMs?: number[];
  /** runs per host-stall figure, default 3 */
  reps?: number;
  /** stored events for startupRead1M and compact1M, default 1,000,000 (smaller only for quick checks) */
  storeEvents?: number;
}

const GIT_COMMITS = 3000;

export async function runScaleBench(opts: ScaleBenchOptions = {}): Promise<ScaleReport> {
  const log = opts.log ?? (() => undefined);
  const reps = opts.reps ?? 3;
  const rank = measureRankLatency({ items: 30_000, seed: 'rank30k' });
  // Ranking runs as one synchronous call: its longest stretch is the slowest call, or the first one after a retrain
  // hands over a new model (that one also builds the per-model caches).
  const rankStall = Math.max(rank.maxMs, rank.modelSwapMs);
  log(
    `fold-in + ranking at ${rank.items} items: p50 ${rank.p50Ms.toFixed(2)} ms, p99 ${rank.p99Ms.toFixed(2)} ms, ` +
      `slowest ${rank.maxMs.toFixed(2)} ms, first after a new model ${rank.modelSwapMs.toFixed(2)} ms`,
  );

  const runs: RunFigures = { startupRead1M: [], compact1M: [], gitImport: [], train20k: [] };
  const scratch = scratchDir();
  try {
    // The git import first: measured after the million-event work, it was charged for that work's garbage (the
    // collections of a heap hundreds of MB large), which a host importing git history does not carry.
    const repo = makeGitRepo(scratch.root, GIT_COMMITS);
    if (repo === undefined) throw new Error('git is needed for the git import figure');
    runs.gitImport = await gitImportStalls(repo, scratch.root, GIT_COMMITS, reps);
    const n = opts.storeEvents ?? 1_000_000;
    const t0 = performance.now();
    const big = await writeBigStore(scratch.root, n);
    log(`wrote a store of ${n} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    runs.startupRead1M = await startupReadStalls(big, reps);
    runs.compact1M = await compactStalls(big, reps);
  } finally {
    scratch.remove();
  }
  runs.train20k = opts.train20kStallsMs ?? (await trainEventsStalls(pipelineRunner(), reps));

  const hostStallMaxMs: HostStalls = { rank30k: rankStall, startupRead1M: 0, compact1M: 0, gitImport: 0, train20k: 0 };
  for (const key of Object.keys(runs) as (keyof RunFigures)[]) {
    const r = repeated(runs[key]);
    hostStallMaxMs[key] = r.median;
    log(`longest host stall, ${key}: ${r.median.toFixed(1)} ms (median of ${r.runs.length}; ${r.min.toFixed(1)}-${r.max.toFixed(1)} ms)`);
  }
  return { rank30k: { p50Ms: rank.p50Ms, p99Ms: rank.p99Ms }, hostStallMaxMs, hostStallRunsMs: runs };
}
