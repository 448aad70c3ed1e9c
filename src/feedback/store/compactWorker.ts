// Worker thread entry: one compaction of a large store (compactJob.ts) off the extension host. Problems go back to the
// host as (kind, message), so each kind is still told once per window; the result is { type: 'done', ok } or
// { type: 'failed', message }. The host holds the lock and releases it when this thread is done.
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { finishSteps } from '../../core/train';
import { compactHeld, parseCompactParams } from './compactJob';
import { LOCK } from './layout';
import { CompactLock } from './lock';
import { StoreProblems } from './problems';
import { lowerThreadPriority } from './threadPriority';
import type { CompactWorkerMessage } from './compactMessages';

const post = (m: CompactWorkerMessage): void => parentPort?.postMessage(m);

/** Problems are told by the host (it knows which kinds were told already). */
class RelayedProblems extends StoreProblems {
  override report(kind: string, message: string): void {
    post({ type: 'problem', kind, message });
  }
}

async function main(): Promise<void> {
  // Compaction is background work, as training is: the host's thread comes first on a busy machine.
  lowerThreadPriority();
  try {
    const p = parseCompactParams(workerData);
    const lock = new CompactLock(path.join(p.dir, LOCK), p.windowId, p.staleLockMs);
    // Nothing else runs on this thread: no slices needed.
    const ok = await compactHeld(p, new RelayedProblems(p.dir, undefined), lock, (steps) => Promise.resolve(finishSteps(steps)));
    post({ type: 'done', ok });
  } catch (err) {
    post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
}

void main();
