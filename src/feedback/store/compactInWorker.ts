// The host side of a compaction in a worker thread (compactWorker.ts): start it, pass its problems on, await its result.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CompactParams } from './compactJob';
import { parseCompactWorkerMessage } from './compactMessages';

/** Next to this file both when compiled (out/src/feedback/store) and when bundled (dist/, an esbuild entry). */
export const COMPACT_WORKER = path.join(__dirname, 'compactWorker.js');

/**
 * One compaction in a worker thread: its result (false: the lock was lost or the snapshot changed, as in-process), or
 * undefined when no worker could be started or it failed before a word (the caller compacts in-process then). Rejects
 * with the worker's error otherwise.
 */
export function compactInWorker(p: CompactParams, report: (kind: string, message: string) => void, script = COMPACT_WORKER): Promise<boolean | undefined> {
  if (!existsSync(script)) return Promise.resolve(undefined);
  let worker: Worker;
  try {
    worker = new Worker(script, { workerData: p });
  } catch {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    let heard = false;
    const settle = (then: () => void): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      then();
    };
    worker.on('message', (raw: unknown) => {
      heard = true;
      const m = parseCompactWorkerMessage(raw);
      if (m?.type === 'problem') report(m.kind, m.message);
      else if (m?.type === 'done') settle(() => resolve(m.ok));
      else if (m?.type === 'failed') settle(() => reject(new Error(m.message)));
    });
    // Before any message this is most likely a script that could not load: compacting in-process is safe even after a
    // partial run (the snapshot is replaced atomically, and journals go only after it holds their lines).
    worker.on('error', (err) => settle(() => (heard ? reject(err) : resolve(undefined))));
    worker.on('exit', (code) => settle(() => reject(new Error(`the compaction worker stopped (exit code ${code})`))));
  });
}
