// Per-item buffers for scoreItems that a caller ranking again and again keeps: the live ranker re-ranks on every
// editor change, and fresh arrays each time (about 1 MB at 30,000 items) made the collector pause it every few dozen
// rankings.
import { makeItemArraysWasmKernel, type ItemArraysWasmKernel } from './sgdKernel';

export interface ItemArrays {
  mf: Float64Array;
  cooc: Float64Array;
  prior: Float64Array;
  score: Float64Array;
  candidate: Uint8Array;
  inContext: Uint8Array;
}

/** Fresh arrays for n items, as scoreItems expects them: zeros, every item a candidate. */
export function freshItemArrays(n: number): ItemArrays {
  return {
    mf: new Float64Array(n),
    cooc: new Float64Array(n),
    prior: new Float64Array(n),
    score: new Float64Array(n),
    candidate: new Uint8Array(n).fill(1),
    inContext: new Uint8Array(n),
  };
}

/**
 * Reused arrays, grown when a ranking needs more items. Each take() overwrites what the previous ranking returned:
 * only a caller that is done with that ranking's arrays may hold one (recommendations copy what they keep). Where
 * the host has WebAssembly they live in its memory, and `wasm` makes scoreItems' passes over them there.
 */
export class ScoreBuffers {
  private f64 = new Float64Array(0);
  private u8 = new Uint8Array(0);
  private capacity = 0;
  private kernel: ItemArraysWasmKernel | undefined;

  /** The WebAssembly passes over the arrays the last take() gave (undefined without WebAssembly). */
  get wasm(): ItemArraysWasmKernel | undefined {
    return this.kernel;
  }

  take(n: number): ItemArrays {
    if (this.capacity < n) {
      // By half again at least: a workspace gains files one by one, and each growth is a new memory.
      const capacity = Math.max(n, Math.ceil(this.capacity * 1.5));
      this.capacity = capacity;
      this.kernel = makeItemArraysWasmKernel(capacity);
      if (!this.kernel) {
        this.f64 = new Float64Array(4 * capacity);
        this.u8 = new Uint8Array(2 * capacity);
      }
    }
    const w = this.kernel;
    const c = this.capacity;
    const arrays: ItemArrays = w
      ? {
          mf: w.mf.subarray(0, n),
          cooc: w.cooc.subarray(0, n),
          prior: w.prior.subarray(0, n),
          score: w.score.subarray(0, n),
          candidate: w.candidate.subarray(0, n),
          inContext: w.inContext.subarray(0, n),
        }
      : {
          mf: this.f64.subarray(0, n),
          cooc: this.f64.subarray(c, c + n),
          prior: this.f64.subarray(2 * c, 2 * c + n),
          score: this.f64.subarray(3 * c, 3 * c + n),
          candidate: this.u8.subarray(0, n),
          inContext: this.u8.subarray(c, c + n),
        };
    // mf, prior and score are written in full by scoreItems; co-use and the context mask accumulate.
    arrays.cooc.fill(0);
    arrays.candidate.fill(1);
    arrays.inContext.fill(0);
    return arrays;
  }
}
