// The "scale" figures of `bench --json` (issue 10): each goal at the size it names. Every measurement adds its own
// keys (a figure object beside rank30k, one entry in hostStallMaxMs), so they can land one at a time.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compactStalls, gitImportStalls, makeGitRepo, modelFileStalls, resetStalls, scratchDir, startupReadStalls, writeBigStore } from './hostStall';
import { pipelineRunner, stallEvents, trainEventsStalls } from './pipeline';
import { measurePanelLatency, type PanelLatency } from './panelLatency';
import { measureRankLatency } from './rankLatency';
import { maxStallDuring, repeated, settle, type Repeated } from './stall';
import { collectGarbage } from '../training/collectGarbage';
import { syntheticEvents, syntheticInteractions } from './synthetic';
import { StoredEvents } from '../feedback/storedEvents';
import { GIT_SESSIONS_FILE } from '../git/gitImport';
import { DEFAULT_SESSION_GAP_MS } from '../feedback/sessions';
import type { FeedbackEvent } from '../feedback/signal';

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
  /** the same once git history was imported (gitImport's 3,000 commits read from disk and joined to the events first) */
  train20kGit?: number;
  /**
   * The model of train1M's fit (1,000,000 interactions) saved after a retrain and read back as at startup, ranker
   * caches included (absent when train1M is skipped)
   */
  model1M?: number;
  /**
   * Reset All Data with 1,000,000 stored events read as at startup, train1M's model in use and a training thread kept:
   * the store's files deleted, the model and the thread let go, and a second after (absent in figures from before it)
   */
  reset1M?: number;
}

/** Every run's figure of the repeated host-stall measurements. */
export type RunFigures = { [K in Exclude<keyof HostStalls, 'rank30k' | 'model1M' | 'train20kGit' | 'reset1M'>]: number[] } & { model1M?: number[]; train20kGit?: number[]; reset1M?: number[] };

/** A full retrain in the worker at the size of a heavy year. */
export interface Train1MFigures {
  wallMs: number;
  /** the process's resident memory above what it held before (the worker shares the process), sampled every 50 ms */
  peakExtraMB: number;
  events: number;
  items: number;
}

export interface ScaleReport {
  /** a full retrain of the shipped ranker in the worker on 1,000,000 interactions over 10,000 items */
  train1M?: Train1MFigures;
  /** the same history's automatic full fit for drift, from a model validated on 79% of it (measureRefit1M) */
  refit1M?: Train1MFigures;
  /** fold-in + ranking at 30,000 items (LiveRanker.refreshNow) */
  rank30k: LatencyFigures;
  /** "Inside the model" at 30,000 items: its state built on the host for a new model, then refreshed */
  panel30k: Omit<PanelLatency, 'items'>;
  /** the longest single synchronous stretch on the extension host, per operation: the median of 3 runs */
  hostStallMaxMs: HostStalls;
  /** every run's figure behind hostStallMaxMs (rank30k is one run of many calls) */
  hostStallRunsMs: RunFigures;
  /**
   * The same probe with nothing running, IDLE_WINDOW_MS at a time (median of the runs): what the machine itself puts
   * into every figure above. On a shared 2-core VM it is several ms, so a stall near it is not the operation's.
   */
  hostStallIdleMs: number;
}

export interface ScaleBenchOptions {
  log?(line: string): void;
  /** train20k's runs when the caller measured them already (the pipeline bench's stall.trainEvents20k) */
  train20kStallsMs?: number[];
  /** runs per host-stall figure, default 3 */
  reps?: number;
  /** stored events for startupRead1M and compact1M, default 1,000,000 (smaller only for quick checks) */
  storeEvents?: number;
  /** interactions for train1M, default 1,000,000 (0 skips it) */
  trainInteractions?: number;
  /** the CLI script: train1M then runs as a process of its own (measureTrain1MInOwnProcess); else in this one */
  cli?: string;
}

const MB = 1024 * 1024;

/**
 * One full retrain in the worker, as the Retrain command runs it: `interactions` synthetic interactions over a tenth
 * as many items, held as the store holds them (columns of events, one per interaction), handed to the worker, which
 * cuts them into the same sessions and trains. Wall time and the process's peak resident memory above its level
 * before the run (the store's columns are in that level: the extension holds them anyway).
 */
export async function measureTrain1M(interactions: number, items = heavyYearItems(interactions)): Promise<{ figures: Train1MFigures; json: string }> {
  const stored = StoredEvents.fromEvents(heavyYearEvents(interactions, items));
  const { wallMs, peakExtraMB, result: r } = await measuredRun(() => pipelineRunner().runEvents(stored, DEFAULT_SESSION_GAP_MS, {}));
  if (r.mode !== 'worker') throw new Error(`train1M ran ${r.mode}, not in the worker`);
  // Sessionized as generated (an hour apart, each under the session gap): every interaction its own cell.
  if (r.model.stats.interactions !== interactions) throw new Error(`train1M trained on ${r.model.stats.interactions} interactions, not ${interactions}`);
  return { figures: { wallMs, peakExtraMB, events: interactions, items }, json: r.json };
}

/** train1M's and refit1M's items when not given: 1,000,000 interactions over 10,000 items, the heavy year. */
export function heavyYearItems(interactions: number): number {
  return Math.round(interactions / 100);
}

/** The one synthetic history train1M and refit1M both train on. */
function heavyYearEvents(interactions: number, items: number): FeedbackEvent[] {
  return syntheticEvents(syntheticInteractions({ interactions, items, seed: 'train1M' }));
}

/** The share of refit1M's history the model in use learned from: past a quarter more, the next retrain is a full fit. */
const REFIT_BASE_SHARE = 0.79;

/**
 * The full fit a heavy year gets most often: automatic, for drift (here the history grew by more than a quarter since
 * the model in use, which was fitted and validated on the first REFIT_BASE_SHARE of it), so it keeps that model's
 * validated settings (recommenderUpdate.ts, keptValidation), so it runs no validation. Timed and measured as train1M,
 * the model in use (its file and EASE's P, as the extension hands them over) in the base.
 */
export async function measureRefit1M(interactions: number, items = heavyYearItems(interactions)): Promise<Train1MFigures> {
  const events = heavyYearEvents(interactions, items);
  // The model in use from a thread that is then ended: the refit starts one of its own, as after a quiet spell (a
  // thread kept from the fit before would lend it a heap already grown, and the figure would leave that out).
  const first = pipelineRunner();
  const before = await first.runEvents(StoredEvents.fromEvents(events.slice(0, Math.floor(interactions * REFIT_BASE_SHARE))), DEFAULT_SESSION_GAP_MS, {});
  await first.dispose();
  const runner = pipelineRunner();
  const stored = StoredEvents.fromEvents(events);
  const warm = { previous: before.json, ...(before.ease ? { ease: before.ease } : {}) };
  const { wallMs, peakExtraMB, result: r } = await measuredRun(() => runner.runEvents(stored, DEFAULT_SESSION_GAP_MS, {}, {}, warm));
  if (r.mode !== 'worker') throw new Error(`refit1M ran ${r.mode}, not in the worker`);
  if (r.retrain?.kind !== 'full' || r.model.lineage?.validatedInteractions !== before.model.stats.interactions) {
    throw new Error(`refit1M: expected a full fit keeping the validated settings, got ${r.retrain?.kind ?? 'no plan'} (${r.retrain?.reason ?? ''})`);
  }
  return { wallMs, peakExtraMB, events: interactions, items };
}

/**
 * `run`'s wall time and the process's peak resident memory above its level before (sampled every 50 ms): the base
 * once the garbage made before it is collected and its pages given back (V8 returns them after the collection, on a
 * thread of its own: taken right after it, train1M's base still held 250 MB of its store's building).
 */
async function measuredRun<T>(run: () => Promise<T>): Promise<{ wallMs: number; peakExtraMB: number; result: T }> {
  await settle();
  const base = await settledRss();
  let peak = base;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  let result: T;
  try {
    result = await run();
  } finally {
    clearInterval(sample);
  }
  const wallMs = performance.now() - t0;
  peak = Math.max(peak, process.memoryUsage().rss);
  return { wallMs, peakExtraMB: (peak - base) / MB, result };
}

/**
 * measureTrain1M in a process of its own (`cli bench --only train1M`, which writes the model it trained where
 * --model-out says): its peak extra memory is then the retrain's, not shaped by what the bench ran before it. In the
 * bench's process, after the million-event store's work, the retrain's arrays came from memory those buffers had left
 * resident, and the figure read 0 MB.
 */
export function measureTrain1MInOwnProcess(cli: string, interactions: number): { figures: Train1MFigures; json: string } {
  const scratch = scratchDir();
  try {
    const modelOut = path.join(scratch.root, 'model.json');
    const figures = figuresOfOwnProcess(cli, 'train1M', interactions, ['--model-out', modelOut]);
    return { figures, json: fs.readFileSync(modelOut, 'utf8') };
  } finally {
    scratch.remove();
  }
}

/** `cli bench --only <only> --json` in a process of its own: its scale.<only> figures. */
export function figuresOfOwnProcess(cli: string, only: 'train1M' | 'refit1M', interactions: number, extra: string[] = []): Train1MFigures {
  const r = spawnSync(process.execPath, [cli, 'bench', '--only', only, '--interactions', String(interactions), ...extra, '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${only}: its process failed (status ${r.status}): ${(r.stderr ?? '').slice(-500)}`);
  return (JSON.parse(r.stdout) as { scale: Record<string, Train1MFigures> }).scale[only];
}

/** The process's resident memory once it stops falling (polled every 100 ms, at most 3 s). */
async function settledRss(): Promise<number> {
  let rss = process.memoryUsage().rss;
  for (let waited = 0; waited < 3000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = process.memoryUsage().rss;
    if (now >= rss - MB) return Math.min(rss, now);
    rss = now;
  }
  return rss;
}

const GIT_COMMITS = 3000;
/** About as long as one of the measured operations runs. */
const IDLE_WINDOW_MS = 3000;

export async function runScaleBench(opts: ScaleBenchOptions = {}): Promise<ScaleReport> {
  const log = opts.log ?? (() => undefined);
  const reps = opts.reps ?? 3;
  // Not charged for what the bench's earlier parts left behind (the extension host does not run them).
  await settle();
  const rank = measureRankLatency({ items: 30_000, seed: 'rank30k' });
  // Ranking runs as one synchronous call: its longest stretch is the slowest call, or the first one after a retrain
  // hands over a new model (that one also builds the per-model caches).
  const rankStall = Math.max(rank.maxMs, rank.modelSwapMs);
  log(
    `fold-in + ranking at ${rank.items} items: p50 ${rank.p50Ms.toFixed(2)} ms, p99 ${rank.p99Ms.toFixed(2)} ms, ` +
      `slowest ${rank.maxMs.toFixed(2)} ms, first after a new model ${rank.modelSwapMs.toFixed(2)} ms`,
  );

  const panel = await measurePanelLatency({ items: 30_000, seed: 'rank30k' });
  log(
    `"Inside the model" at ${panel.items} items: longest host stall showing a new model ${panel.newModelMs.toFixed(1)} ms, ` +
      `refreshed p50 ${panel.refreshP50Ms.toFixed(1)} ms, slowest ${panel.refreshMaxMs.toFixed(1)} ms`,
  );
  // The stall figures below are not charged for these two models' garbage.
  await settle();

  const scratch = scratchDir();
  const { runs, train1M, refit1M, idle } = await scaleRuns(opts, reps, log, scratch.root).finally(() => scratch.remove());
  const hostStallMaxMs: HostStalls = { rank30k: rankStall, startupRead1M: 0, compact1M: 0, gitImport: 0, train20k: 0 };
  for (const key of Object.keys(runs) as (keyof RunFigures)[]) {
    const r = repeated(runs[key] ?? []);
    hostStallMaxMs[key] = r.median;
    log(`longest host stall, ${key}: ${r.median.toFixed(1)} ms (median of ${r.runs.length}; ${r.min.toFixed(1)}-${r.max.toFixed(1)} ms)`);
  }
  return { ...(train1M ? { train1M } : {}), ...(refit1M ? { refit1M } : {}), rank30k: { p50Ms: rank.p50Ms, p99Ms: rank.p99Ms }, panel30k: { newModelMs: panel.newModelMs, refreshP50Ms: panel.refreshP50Ms, refreshMaxMs: panel.refreshMaxMs }, hostStallMaxMs, hostStallRunsMs: runs, hostStallIdleMs: idle.median };
}

/**
 * The repeated host-stall runs and the heavy year's fits of runScaleBench, with `root` a scratch folder they may fill
 * (the million-event store lives there until the last of them, Reset, has deleted copies of it).
 */
async function scaleRuns(
  opts: ScaleBenchOptions,
  reps: number,
  log: (line: string) => void,
  root: string,
): Promise<{ runs: RunFigures; train1M?: Train1MFigures; refit1M?: Train1MFigures; idle: Repeated }> {
  const runs: RunFigures = { startupRead1M: [], compact1M: [], gitImport: [], train20k: [] };
  // The git import first: measured after the million-event work, it was charged for that work's garbage (the
  // collections of a heap hundreds of MB large), which a host importing git history does not carry.
  const repo = makeGitRepo(root, GIT_COMMITS);
  if (repo === undefined) throw new Error('git is needed for the git import figure');
  const imported = await gitImportStalls(repo, root, GIT_COMMITS, reps);
  runs.gitImport = imported.stalls;
  // One of the imports, kept for the retrains after it (train20kGit).
  const gitImportFile = fs.readFileSync(path.join(imported.storeDir, GIT_SESSIONS_FILE), 'utf8');
  const n = opts.storeEvents ?? 1_000_000;
  const t0 = performance.now();
  const big = await writeBigStore(root, n);
  log(`wrote a store of ${n} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  runs.startupRead1M = await startupReadStalls(big, reps);
  runs.compact1M = await compactStalls(big, reps);
  // Not charged for the reads and compactions of the million-event store just before (six of them, each leaving about
  // 100 MB of columns to collect), as the model file's read below is not: a host retraining has read its store once.
  // Without this the first training run read 17-34 ms (a full collection of that garbage), the next ones 5-14 ms.
  if (!opts.train20kStallsMs) await settle();
  runs.train20k = opts.train20kStallsMs ?? (await trainEventsStalls(pipelineRunner(), reps));
  const gitScratch = scratchDir();
  try {
    fs.writeFileSync(path.join(gitScratch.root, GIT_SESSIONS_FILE), gitImportFile);
    await settle();
    runs.train20kGit = await trainEventsStalls(pipelineRunner(), reps, gitScratch.root);
  } finally {
    gitScratch.remove();
  }

  const idleRuns: number[] = [];
  for (let r = 0; r < reps; r++) idleRuns.push(await maxStallDuring(() => new Promise((done) => setTimeout(done, IDLE_WINDOW_MS))));
  const idle = repeated(idleRuns);
  log(`longest host stall with nothing running (${IDLE_WINDOW_MS / 1000} s): ${idle.median.toFixed(1)} ms (median of ${reps}; ${idle.min.toFixed(1)}-${idle.max.toFixed(1)} ms)`);

  const n1M = opts.trainInteractions ?? 1_000_000;
  let train1M: Train1MFigures | undefined;
  let refit1M: Train1MFigures | undefined;
  let json1M: string | undefined;
  if (n1M > 0) {
    const fit = opts.cli ? measureTrain1MInOwnProcess(opts.cli, n1M) : await measureTrain1M(n1M);
    train1M = fit.figures;
    json1M = fit.json;
    log(`full retrain in the worker, ${n1M} interactions over ${train1M.items} items: ${(train1M.wallMs / 1000).toFixed(1)} s, peak extra memory ${train1M.peakExtraMB.toFixed(0)} MB`);
    log(`its model file: ${(fit.json.length / MB).toFixed(1)} MB`);
    refit1M = opts.cli ? figuresOfOwnProcess(opts.cli, 'refit1M', n1M) : await measureRefit1M(n1M);
    log(`automatic full fit for drift, keeping the validated settings, ${n1M} interactions: ${(refit1M.wallMs / 1000).toFixed(1)} s, peak extra memory ${refit1M.peakExtraMB.toFixed(0)} MB`);
    const modelScratch = scratchDir();
    collectGarbage();
    try {
      runs.model1M = await modelFileStalls(modelScratch.root, fit.json, reps);
    } finally {
      modelScratch.remove();
    }
  }
  // Last: it deletes the million-event store (copies of it), with the heavy year's model when train1M ran.
  const resetRunner = pipelineRunner();
  const events20k = stallEvents();
  await settle();
  runs.reset1M = await resetStalls(big, json1M, resetRunner, () => resetRunner.runEvents(events20k, DEFAULT_SESSION_GAP_MS, {}), reps);
  return { runs, ...(train1M ? { train1M } : {}), ...(refit1M ? { refit1M } : {}), idle };
}
