// worker_threads entry (bundled to dist/worker.js). Runs one training job per 'train' message; training is
// synchronous here on purpose: this thread exists so the extension host's event loop never waits for it.
import { parentPort } from 'node:worker_threads';
import { parseToWorker, TrainingMessageError } from './messages';
import { runTrainJob } from './job';

if (parentPort) {
  const port = parentPort;
  port.on('message', (raw: unknown) => {
    let req;
    try {
      req = parseToWorker(raw);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const rawId = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
      const id = typeof rawId === 'number' && Number.isInteger(rawId) && rawId >= 0 ? rawId : 0;
      port.postMessage({ type: 'failed', id, errorName: TrainingMessageError.name, message });
      return;
    }
    // The result's large arrays move to the host instead of being copied there (a copy would stall its event loop).
    runTrainJob(req, (m) => port.postMessage(m, m.type === 'done' && m.ease ? [m.ease.P.buffer as ArrayBuffer] : []));
  });
}
