// Background threads (training, a large store's compaction) run at the lowest priority, so that on a busy machine
// (two cores, the editor and a build) the extension host and everything else the user waits for come first.
import { setPriority } from 'node:os';

/**
 * Lowers the calling thread's priority. Linux only: there a thread has its own nice value and setPriority(0) lowers
 * the calling thread alone; on macOS and Windows it would lower the whole process, the extension host with it. Where
 * the OS refuses, the thread runs as before.
 */
export function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, 19);
  } catch {
    // not permitted: nothing else changes
  }
}
