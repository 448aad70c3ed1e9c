// worker_threads entry (bundled to dist/worker.js). Runs one training job per 'train' message; training is
// synchronous here on purpose: this thread exists so the extension host's event loop never waits for it.
import { parentPort } from 'node:worker_threads';
import { isRecord } from '../core/check';
import { lowerThreadPriority } from '../feedback/store/threadPriority';
import { parseToWorker, sharedEase, TrainingMessageError, type FromWorker } from './messages';
import { runTrainJob } from './job';

if (parentPort) {
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
    const post = (m: FromWorker): void => {
      // The result's large array is shared with the host, not copied there (a copy would stall its event loop).
      port.postMessage(m.type === 'done' && m.ease ? { ...m, ease: sharedEase(m.ease) } : m);
    };
    runTrainJob(req, post);
  });
}

