// worker_threads entry (bundled to dist/worker.js). Runs one training job per 'train' message; training is
// synchronous here on purpose: this thread exists so the extension host's event loop never waits for it.
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { parseToWorker, TrainingMessageError } from './messages';
import { runTrainJob } from './job';

if (parentPort) {
  const port = parentPort;
  lowerPriority();
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

/**
 * Training is background work: this thread runs at the lowest priority, so that on a busy machine (two cores, the
 * editor and a build) the extension host and everything else the user waits for come first. Linux only: there a
 * thread has its own nice value and setPriority(0) lowers the calling thread alone; on macOS and Windows it would
 * lower the whole process, the extension host with it. Where the OS refuses, training runs as before.
 */
function lowerPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, 19);
  } catch {
    // not permitted: nothing else changes
  }
}
