// The host facilities core/ uses (a clock, a way to give the event loop a turn, a text decoder), typed here so core
// compiles with lib ES2022 alone: `tsc -p src/core` (types: [], no DOM) proves nothing else from Node or the browser
// slips in. All exist in Node, worker_threads and browsers; they are looked up on globalThis, as before.
interface HostGlobals {
  readonly performance?: { now(): number };
  readonly setImmediate?: (callback: () => void) => unknown;
  readonly setTimeout: (callback: () => void, ms: number) => unknown;
  readonly TextDecoder?: new () => { decode(bytes: Uint8Array): string };
}

const host = (): HostGlobals => globalThis as unknown as HostGlobals;

/** Wall clock in ms that works in Node, workers and browsers without importing node:perf_hooks. */
export function nowMs(): number {
  const { performance } = host();
  return performance !== undefined ? performance.now() : Date.now();
}

/** The text of ASCII bytes in one string, by a UTF-8 TextDecoder (Node, workers and browsers have one). */
export function asciiText(): (bytes: Uint8Array) => string {
  const Decoder = host().TextDecoder;
  if (!Decoder) throw new Error('this JavaScript host has no TextDecoder');
  const decoder = new Decoder();
  return (bytes) => decoder.decode(bytes);
}

/** Gives the event loop a turn: setImmediate where there is one (Node, workers), else a zero timeout. */
export function yieldToEventLoop(): Promise<void> {
  const g = host();
  return new Promise((resolve) => (g.setImmediate ? g.setImmediate(resolve) : g.setTimeout(resolve, 0)));
}
