// worker_threads entry (bundled to dist/worker.js). Runs one training job per 'train' message; training is
// synchronous here on purpose: this thread exists so the extension host's event loop never waits for it.
import { parentPort, workerData } from 'node:worker_threads';
import { isRecord } from '../core/check';
import { lowerThreadPriority } from '../feedback/store/threadPriority';
import { parseToWorker, sharedEase, TrainingMessageError, type FromWorker } from './messages';
import { ALIVE_EVERY_MS, runTrainJob } from './job';
import { isValidationThreadData, runValidationThread, ValidationThread } from './validationThread';

// This script is also the worker's second thread (validationThread.ts), told apart by its workerData.
if (isValidationThreadData(workerData)) {
  lowerThreadPriority();
  runValidationThread(workerData);
} else if (parentPort) {
  const port = parentPort;
  lowerThreadPriority();
  port.on('message', (raw: unknown) => {
    let req;
    try {
      req = parseToWorker(raw);
      // The message as received (the event's dispatch holds it until this returns) lets go of the columns too: the
      // job lets the parsed request's go once it has sessionized them (messages.ts, takeEvents).
      if (isRecord(raw)) delete raw.events;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const rawId = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
      const id = typeof rawId === 'number' && Number.isInteger(rawId) && rawId >= 0 ? rawId : 0;
      port.postMessage({ type: 'failed', id, errorName: TrainingMessageError.name, message });
      return;
    }
    let said = Date.now();
    const validation = new ValidationThread({
      script: __filename,
      ...(req.cancelFlag ? { cancelFlag: req.cancelFlag } : {}),
      // The fit waits for the thread: the host's watchdog still hears from this one.
      onWait: () => {
        if (Date.now() - said < ALIVE_EVERY_MS) return;
        said = Date.now();
        post({ type: 'alive', id: req.id });
      },
    });
    const post = (m: FromWorker): void => {
      // A finished job says where its validation ran (only when a second thread was started for it).
      const report = m.type === 'done' ? validation.report() : undefined;
      const out = m.type === 'done' ? { ...m, ...(report ? { validation: report } : {}), ...(m.ease ? { ease: sharedEase(m.ease) } : {}) } : m;
      // The result's large array is shared with the host, not copied there (a copy would stall its event loop).
      port.postMessage(out);
    };
    try {
      runTrainJob(req, post, Date.now, validation);
    } finally {
      validation.stop();
    }
  });
}

