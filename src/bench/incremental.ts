// scale.incremental50 of `bench --json` (issue 10): what an automatic retrain costs after 50 new events on a large
// history, now that it updates the model in use (core/recommenderUpdate.ts), and what updating instead of refitting
// costs in quality on the replay protocol.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { groupSessions } from '../core/evalProtocol';
import { nowMs } from '../core/host';
import { asColumns, type Interaction } from '../core/interaction';
import { latentMethod } from '../core/recommenderMethods';
import { retrainRecommenderSteps, type RetrainMemory } from '../core/recommenderUpdate';
import type { RecommenderModel } from '../core/recommenderModel';
import { refittedReplayMethod, runReplay } from '../core/replay';
import { finishSteps } from '../core/train';
import { StoredEvents } from '../feedback/storedEvents';
import { DEFAULT_SESSION_GAP_MS } from '../feedback/sessions';
import { WORKER_YOUNG_GENERATION_MB } from '../training/runner';
import { sharedPMemory } from '../training/messages';
import { DEFAULT_RECOMMENDER_CONFIG } from '../core/recommenderConfig';
import { percentile } from './percentile';
import { pipelineRunner } from './pipeline';
import { syntheticEvents, syntheticInteractions } from './synthetic';

export interface IncrementalFigures {
  /** median wall time of an update after 50 new events (the worker's work once the events are sessionized) */
  wallMs: number;
  /** slowest of the timed updates */
  maxWallMs: number;
  /** the full fit the updates start from */
  fullFitMs: number;
  interactions: number;
  items: number;
  /** NDCG@10 of updating minus refitting at every retrain, replay protocol (NaN without a history to replay) */
  ndcgDelta: number;
  ndcgUpdating?: number;
  ndcgRefitting?: number;
  /** the history and cadence the delta was measured on */
  replay?: string;
}

/** Interactions of the sessions before `cut` (by time). */
function before(data: readonly Interaction[], sessionIds: readonly string[], cut: number): Interaction[] {
  const keep = new Set(sessionIds.slice(0, cut));
  return data.filter((x) => keep.has(x.session));
}

/**
 * Times `updates` successive updates, each after about 50 new events, of a model fitted on `interactions` synthetic
 * interactions over `items` items: the same core steps the worker runs, EASE memory carried as the extension does.
 */
export function measureIncrementalUpdate(opts: { interactions: number; items: number; updates?: number; seed?: string }): Omit<IncrementalFigures, 'ndcgDelta'> {
  const updates = opts.updates ?? 5;
  const all = syntheticInteractions({ interactions: opts.interactions + 60 * (updates + 1), items: opts.items, seed: opts.seed ?? 'incremental' });
  const ids = groupSessions(all).map((s) => s.id);
  const perSession = new Map<string, number>();
  for (const x of all) perSession.set(x.session, (perSession.get(x.session) ?? 0) + 1);
  // events[c]: interactions in the first c sessions
  const events = [0];
  for (const id of ids) events.push(events[events.length - 1] + (perSession.get(id) as number));
  let cut = events.findIndex((n) => n >= opts.interactions);
  if (cut < 0) cut = ids.length;
  // P kept where the worker keeps it (job.ts): in shared memory, where an update's EASE kernel works on it in place.
  const memory: RetrainMemory = { newP: sharedPMemory(undefined, DEFAULT_RECOMMENDER_CONFIG.easeMaxItems) };
  let t0 = nowMs();
  let model: RecommenderModel = finishSteps(retrainRecommenderSteps(undefined, before(all, ids, cut), {}, undefined, memory)).model;
  const fullFitMs = nowMs() - t0;
  const times: number[] = [];
  for (let u = 0; u < updates; u++) {
    // the next sessions until 50 more events arrived, as latent.retrainAfterEvents counts them
    let next = cut;
    while (next < ids.length && events[next] - events[cut] < 50) next++;
    // As the worker has them once sessionized: columns (sessionizeColumns writes them).
    const data = asColumns(before(all, ids, next));
    t0 = nowMs();
    const r = finishSteps(retrainRecommenderSteps(model, data, {}, undefined, memory));
    times.push(nowMs() - t0);
    if (r.plan.kind !== 'update') throw new Error(`incremental bench: expected an update, got a full fit (${r.plan.reason})`);
    model = r.model;
    cut = next;
  }
  const sorted = times.slice().sort((a, b) => a - b);
  return { wallMs: percentile(sorted, 0.5), maxWallMs: Math.max(...times), fullFitMs, interactions: opts.interactions, items: model.items.length };
}

type IncrementalOptions = Parameters<typeof measureIncrementalUpdate>[0];
type IncrementalTiming = ReturnType<typeof measureIncrementalUpdate>;

/** workerData.job of the thread measureIncrementalUpdateInWorker starts. */
const INCREMENTAL_JOB = 'latent-bench-incremental';

/**
 * measureIncrementalUpdate in a worker thread, as the extension runs its updates (the training worker's heap limits):
 * on a heap of the job's own. On the bench's main thread, after the benchmarks before it, the heap they leave made
 * every collection the update triggers dearer: with 230 MB of other objects on the main thread, median 401-410 ms
 * there against 209-212 ms in a worker (2 runs each). `script` is the bundled cli (dist/cli.js), whose entry hands
 * such a thread to runIncrementalBenchJob.
 */
export function measureIncrementalUpdateInWorker(script: string, opts: IncrementalOptions): Promise<IncrementalTiming> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: { job: INCREMENTAL_JOB, opts }, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    let result: IncrementalTiming | undefined;
    worker.once('message', (m: IncrementalTiming) => (result = m));
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolve(result) : reject(new Error(`incremental bench: the worker exited (code ${code}) without figures`))));
  });
}

/** In a thread started by measureIncrementalUpdateInWorker: runs it and posts the figures. False in any other thread. */
export function runIncrementalBenchJob(): boolean {
  const data = workerData as { job?: unknown; opts?: IncrementalOptions } | null;
  if (isMainThread || !parentPort || data?.job !== INCREMENTAL_JOB || !data.opts) return false;
  parentPort.postMessage(measureIncrementalUpdate(data.opts));
  return true;
}

/** NDCG@10 of the shipped ranker on the replay protocol, updating vs refitting at every retrain (`retrainEvery` events). */
export function measureUpdateQuality(data: readonly Interaction[], retrainEvery: number): { updating: number; refitting: number } {
  const run = (retrain: 'full' | 'incremental'): number => {
    const report = runReplay(data, (items) => [refittedReplayMethod(latentMethod({}, { retrain }), items, (events) => events >= retrainEvery)], { retrainEvery });
    return report.methods[0].ndcg10;
  };
  return { updating: run('incremental'), refitting: run('full') };
}

/** The extension's automatic update at the size of a heavy year, timed from the host (scale.update1M). */
export interface StoredUpdateFigures {
  /** median of the updates, from the host's call to the model back on the host (packing and messages included) */
  wallMs: number;
  /** the same updates as the worker timed them (sessionizing included) */
  workerMs: number;
  maxWallMs: number;
  /** the full fit (Retrain) the updates start from */
  fullFitMs: number;
  events: number;
}

/**
 * Automatic updates after 50 new events on `events` stored events, by the extension's path: the store's columns
 * packed on the host, sessionized and updated in the worker (EASE memory handed back and forth), the model read back.
 * The synthetic history (one open per interaction, its weight as the amount) ends a day before now: a history dated
 * in the future would be moved to the present by the worker (job.ts) and each update would take it as new.
 */
export async function measureStoredUpdate(opts: { events: number; updates?: number }): Promise<StoredUpdateFigures> {
  const updates = opts.updates ?? 3;
  const all = syntheticInteractions({ interactions: opts.events + 50 * updates, items: Math.round(opts.events / 100), seed: 'update1M' });
  const events = syntheticEvents(all);
  const runner = pipelineRunner();
  let t0 = nowMs();
  let r = await runner.runEvents(StoredEvents.fromEvents(events.slice(0, opts.events)), DEFAULT_SESSION_GAP_MS, {});
  const fullFitMs = nowMs() - t0;
  const wall: number[] = [];
  const worker: number[] = [];
  for (let u = 1; u <= updates; u++) {
    const stored = StoredEvents.fromEvents(events.slice(0, opts.events + 50 * u));
    t0 = nowMs();
    r = await runner.runEvents(stored, DEFAULT_SESSION_GAP_MS, {}, {}, { previous: r.json, ease: r.ease });
    wall.push(nowMs() - t0);
    worker.push(r.elapsedMs);
    if (r.retrain?.kind !== 'update') throw new Error(`update1M: expected an update, got ${r.retrain?.kind ?? 'no plan'} (${r.retrain?.reason ?? ''})`);
  }
  const med = (xs: number[]): number => percentile(xs.slice().sort((a, b) => a - b), 0.5);
  return { wallMs: med(wall), workerMs: med(worker), maxWallMs: Math.max(...wall), fullFitMs, events: opts.events };
}
