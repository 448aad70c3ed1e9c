// One training job: decode the request, run the shipped ranker's trainer, report progress and the result.
// Shared by the worker thread (worker.ts) and the in-process fallback so both behave identically: one body of
// steps, run straight through in the worker and in slices (yielding to the event loop) in-process.
import { deserializeRecommender, resolveConfig, serializeRecommender, type RecommenderModel } from '../core/recommender';
import type { InteractionColumns } from '../core/interaction';
import { easeLiveOf } from '../core/easeLive';
import { retrainRecommenderSteps, UPDATE_EPOCHS, type RetrainMemory } from '../core/recommenderUpdate';
import { gramian } from '../core/foldIn';
import { sharedKernelMemoryOf } from '../core/sgdKernel';
import { finishStepsAsync, type Steps } from '../core/train';
import { renameSinceModel } from '../feedback/fileChanges';
import { collectGarbage } from './collectGarbage';
import { sessionizeColumns } from '../feedback/sessions';
import { eventColumnsOf, interactionColumnsOf, sharedPHome, sharedPMemory, takeEvents, type FromWorker, type ToWorker } from './messages';

/**
 * Interactions dated after `nowMs` (a clock that was ahead, a git commit with a wrong date) are moved to `toMs`:
 * ages are measured from the newest interaction, so one event dated 2100 would otherwise decay every real one to
 * nothing and the model would learn that nothing was used.
 */
export function inThePast(data: InteractionColumns, nowMs: number, toMs = nowMs): InteractionColumns {
  const now = nowMs / 1000;
  const to = Math.min(now, toMs / 1000);
  for (let i = 0; i < data.time.length; i++) if (data.time[i] > now) data.time[i] = to;
  return data;
}

/**
 * Where inThePast puts them: the newest time of the model in use (not in the future itself), else the present. A time
 * that stays put from one retrain to the next: moved to each retrain's present, they were newer than the model every
 * time, and every update learned them again as new sessions (counted once more in EASE's P and the sessions' Gramian).
 */
export function pastTimeFor(previous: RecommenderModel | undefined, nowMs: number): number {
  const at = previous ? previous.trainedAt * 1000 : NaN;
  return at <= nowMs ? at : nowMs;
}

/** The model in use, from its saved text; one that does not parse is not updated (a full fit runs instead). */
function savedModel(text: string): RecommenderModel | undefined {
  try {
    return deserializeRecommender(text);
  } catch {
    return undefined;
  }
}

/** Thrown inside the trainer's shouldStop path to unwind a cancelled job. */
class Cancelled extends Error {}

/** How often the worker says it is alive while a phase without epochs runs (well under any watchdog). */
export const ALIVE_EVERY_MS = 5_000;

/**
 * In the worker thread: the whole job at once (the thread exists so nobody waits on it), saying it is alive at the
 * steps' pause points when nothing else was sent for ALIVE_EVERY_MS, and collecting its garbage between a full fit's
 * validation and its training (FitHooks.collect).
 */
export function runTrainJob(req: ToWorker, post: (m: FromWorker) => void, now: () => number = Date.now): void {
  let last = now();
  const posting = (m: FromWorker): void => {
    last = now();
    post(m);
  };
  const steps = trainJobSteps(req, posting, now, collectGarbage);
  for (;;) {
    const r = steps.next();
    if (r.done) return;
    if (now() - last >= ALIVE_EVERY_MS) posting({ type: 'alive', id: req.id });
  }
}

/**
 * On the extension host (no worker available): the same job in slices of `sliceMs`, with a turn for the event loop
 * between them, so the editor stays responsive and a cancel request is seen at the next slice.
 */
export function runTrainJobAsync(
  req: ToWorker,
  post: (m: FromWorker) => void,
  now: () => number = Date.now,
  sliceMs?: number,
): Promise<void> {
  return finishStepsAsync(trainJobSteps(req, post, now), sliceMs);
}

function* trainJobSteps(req: ToWorker, post: (m: FromWorker) => void, now: () => number, collect?: () => void): Steps<void> {
  const started = now();
  const flag = req.cancelFlag ? new Int32Array(req.cancelFlag) : undefined;
  const cancelled = (): boolean => flag !== undefined && Atomics.load(flag, 0) === 1;
  try {
    // The settings as the trainer resolves them (a bad one fails here, as it would there, reported as 'failed').
    const { epochs, easeMaxItems } = resolveConfig(req.config);
    // An update of the model in use unless drift (or the Retrain command) calls for a full fit: recommenderUpdate.ts.
    const events = req.type === 'train-events' ? req : undefined;
    const saved = events?.previous === undefined ? undefined : savedModel(events.previous);
    // Files renamed since its newest interaction keep their vectors (and EASE rows: indices do not change) under the
    // names the history now uses, as on the host after a reload (controller.ts).
    const previous = saved && renameSinceModel(saved, events?.moves ?? []);
    const nowMs = Date.now();
    // The events are not read again once sessionized: the request lets go of them (takeEvents), so the fit does not
    // hold them (`bench --only train1M`, 3 pairs: peak 334 / 341 / 340 MB against 363 / 354 / 366 MB).
    const columns = req.type === 'train' ? interactionColumnsOf(req.data) : sessionizeColumns(eventColumnsOf(takeEvents(req)), req.gapMs);
    const data = inThePast(columns, nowMs, pastTimeFor(previous, nowMs));
    yield;
    const fits = previous && events?.ease && events.ease.kept.every((i) => i < previous.items.length);
    // A new P is made in shared memory, which the host receives without a copy, in the buffer of the one it replaces.
    const newP = sharedPMemory(events?.ease?.P, easeMaxItems);
    const memory: RetrainMemory = { ...(fits && events?.ease ? { current: { key: events.ease.key, ease: easeLiveOf(events.ease) } } : {}), newP, home: sharedPHome(easeMaxItems) };
    let total = epochs;
    const { model, plan } = yield* retrainRecommenderSteps(
      previous,
      data,
      req.config,
      {
        onPlan: (p) => (total = p.kind === 'update' ? UPDATE_EPOCHS : epochs),
        onEpoch: (e) => post({ type: 'progress', id: req.id, epoch: Math.min(e.epoch, total), epochs: total, loss: e.loss, elapsedMs: e.elapsedMs }),
        shouldStop: cancelled,
        ...(collect ? { collect } : {}),
      },
      memory,
      events?.full === true,
    );
    // The trainer returns what it has when shouldStop fires; a cancelled job must not look like a finished one.
    if (cancelled()) throw new Cancelled();
    yield;
    const gram = gramian(model.mf.itemFactors, model.mf.k);
    const kept = memory.current?.ease;
    const home = kept && sharedKernelMemoryOf(kept.P);
    const ease = memory.current && kept ? { key: memory.current.key, lambda: kept.lambda, kept: Int32Array.from(kept.kept), P: kept.P, sessionWeight: kept.sessionWeight, ...(home ? { memory: home.memory } : {}) } : undefined;
    post({ type: 'done', id: req.id, model: serializeRecommender(model), structured: model, gram, retrain: plan, ...(ease ? { ease } : {}), elapsedMs: now() - started });
  } catch (err) {
    if (err instanceof Cancelled || cancelled()) {
      post({ type: 'cancelled', id: req.id });
      return;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    post({ type: 'failed', id: req.id, errorName: e.name, message: e.message });
  }
}
