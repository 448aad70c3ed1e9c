// The two host facilities core/ uses (a clock, a way to give the event loop a turn), typed here so core compiles
// with lib ES2022 alone: `tsc -p src/core` (types: [], no DOM) proves nothing else from Node or the browser slips in.
// Both exist in Node, worker_threads and browsers; they are looked up on globalThis at each call, as before.
interface HostGlobals {
  readonly performance?: { now(): number };
  readonly setImmediate?: (callback: () => void) => unknown;
  readonly setTimeout: (callback: () => void, ms: number) => unknown;
}

const host = (): HostGlobals => globalThis as unknown as HostGlobals;

/** Wall clock in ms that works in Node, workers and browsers without importing node:perf_hooks. */
export function nowMs(): number {
  const { performance } = host();
  return performance !== undefined ? performance.now() : Date.now();
}

/** Gives the event loop a turn: setImmediate where there is one (Node, workers), else a zero timeout. */
export function yieldToEventLoop(): Promise<void> {
  const g = host();
  return new Promise((resolve) => (g.setImmediate ? g.setImmediate(resolve) : g.setTimeout(resolve, 0)));
}
