// The host-stall probe shared by the benchmarks: the longest single synchronous stretch on this event loop while some
// work runs. A monitor rather than timing slices, so whatever blocks the loop counts: un-sliced code between slices,
// JSON.parse/stringify, Buffer decoding, garbage collection pauses, I/O callbacks.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { collectGarbage } from '../training/collectGarbage';

/** Longest event-loop delay (ms) while `work` runs, sampled by the 1 ms-resolution histogram. */
export async function maxStallDuring(work: () => Promise<unknown>): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  // The histogram records a delay when its timer fires late, measured from its previous firing: a block the work
  // starts with (before any firing) or ends with (a state built right after its last await, the next firing not yet
  // come) went unseen. One firing before the work, and one after it, before stopping.
  const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));
  try {
    await tick();
    await work();
    await tick();
  } finally {
    h.disable();
  }
  // The histogram's floor is the resolution timer itself: subtract it so an idle loop reads ~0.
  return Math.max(0, h.max / 1e6 - 1);
}

/** Median and range of repeated figures (on a shared machine one run can be preempted; the median is the figure). */
export interface Repeated {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function repeated(runs: readonly number[]): Repeated {
  const s = [...runs].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)], min: s[0], max: s[s.length - 1], runs: [...runs] };
}

/**
 * A full garbage collection (so that a measurement is not charged for the garbage of the bench step before it: a
 * million synthetic interaction objects, which the extension host never holds) after a turn of the event loop:
 * buffers the steps before let go of (a worker's messages, the
 * pipeline bench's results) are released only once the loop turns, and until then V8 counts them as external memory,
 * whose pressure makes the next operation's collections full ones. After the pipeline bench: external memory 105 MB
 * right away, 34 MB after a turn and a collection (a /tmp script, `process.memoryUsage()`).
 */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  collectGarbage();
}
