// One training job: decode the request, run the shipped ranker's trainer, report progress and the result.
// Shared by the worker thread (worker.ts) and the in-process fallback so both behave identically.
import { DEFAULT_RECOMMENDER_CONFIG, fitRecommender, serializeRecommender } from '../core/recommender';
import { sessionize } from '../feedback/sessions';
import { decodeEvents, decodeInteractions, type FromWorker, type ToWorker } from './messages';

/** Thrown inside the trainer's shouldStop path to unwind a cancelled job. */
class Cancelled extends Error {}

export function runTrainJob(req: ToWorker, post: (m: FromWorker) => void, now: () => number = Date.now): void {
  const started = now();
  const flag = req.cancelFlag ? new Int32Array(req.cancelFlag) : undefined;
  const cancelled = (): boolean => flag !== undefined && Atomics.load(flag, 0) === 1;
  const epochs = typeof req.config.epochs === 'number' ? req.config.epochs : DEFAULT_RECOMMENDER_CONFIG.epochs;
  try {
    const data = req.type === 'train' ? decodeInteractions(req.data) : sessionize(decodeEvents(req.events), req.gapMs);
    const model = fitRecommender(data, req.config, {
      onEpoch: (e) => post({ type: 'progress', id: req.id, epoch: e.epoch, epochs, loss: e.loss, elapsedMs: e.elapsedMs }),
      shouldStop: cancelled,
    });
    // The trainer returns what it has when shouldStop fires; a cancelled job must not look like a finished one.
    if (cancelled()) throw new Cancelled();
    post({ type: 'done', id: req.id, model: serializeRecommender(model), structured: model, elapsedMs: now() - started });
  } catch (err) {
    if (err instanceof Cancelled || cancelled()) {
      post({ type: 'cancelled', id: req.id });
      return;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    post({ type: 'failed', id: req.id, errorName: e.name, message: e.message });
  }
}
