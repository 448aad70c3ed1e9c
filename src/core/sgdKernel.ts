// The SGD kernels, the batched fold-in, EASE's SPD inverse and its Sherman-Morrison updates, the ranking product and
// the evaluation's count of items above a target in WebAssembly SIMD (sgdKernel.wat, assembled into sgdKernelBytes.ts):
// loading, the memory layouts, and the check that WebAssembly with SIMD is there; also arrays in memories of their own
// (mappedFloat64Array). Where it is not (or the problem does not fit a 32-bit memory), each caller runs its pure-JS
// code instead. The fold-in, the Sherman-Morrison updates, the ranking's product, scales and blend and the count give
// bit-identical results on both paths.
//
// The two SGD kernels (explicit and Gramian) and their JS twins are deterministic for a seed; they differ in rounding
// (these compute in float32, the JS ones in float64 with float32 storage), so the same seed gives slightly different
// factors on the two paths (the unit tests bound the difference). The SPD inverse's two paths differ by rounding too
// (easeInverse.test).
import { decodeBase64 } from './base64';
import { SGD_KERNEL_SHARED_WASM_BASE64, SGD_KERNEL_WASM_BASE64 } from './sgdKernelBytes';

/** The part of the WebAssembly JS API used here: core compiles with lib ES2022 alone, which does not type it. */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

type ExplicitFn = (
  blocks: number, b0: number, b1: number, n: number, us: number, is: number, rs: number,
  P: number, Q: number, bu: number, bi: number, rowBytes: number,
  mu: number, lr: number, shrink: number, biasOn: number,
) => number;

/**
 * A kernel's memory handed on by a caller done with that kernel and every view into it (a full fit's SGD, once it has
 * copied the vectors it keeps), for the next kernel to work in (the fit's EASE): that kernel then takes no memory of
 * its own while the finished one waits to be collected. At a million interactions the SGD's memory (36 MB) holds
 * EASE's 2,000-item workspace (32 MB).
 */
export interface KernelMemory {
  readonly memory: WasmMemory;
}

/** Looked up at each call, so a host (or a test) without WebAssembly gets the JS kernel. */
function wasmApi(): WasmApi | undefined {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return typeof api === 'object' && api !== null && typeof api.Module === 'function' ? api : undefined;
}

// The compiled modules per API object (each compiled once, when first needed; null when this host rejects it, e.g. no
// SIMD): the kernels over a memory of their own, and the same kernels over a shared memory (sharedKernelMemory).
let compiled: { api: WasmApi; module: object | null } | undefined;
let compiledShared: { api: WasmApi; module: object | null } | undefined;

function compile(api: WasmApi, base64: string): object | null {
  try {
    const bytes = decodeBase64(base64, 'sgd kernel');
    // Synchronous compile: Latent runs it in Node only (extension host, its worker, the CLI). The module is over the
    // 4 KB that browsers allow on their main thread, where it would fall to the catch below and so to the JS paths.
    return api.validate(bytes) ? new api.Module(bytes) : null;
  } catch {
    return null;
  }
}

function kernelModule(api: WasmApi): object | null {
  if (compiled?.api !== api) compiled = { api, module: compile(api, SGD_KERNEL_WASM_BASE64) };
  return compiled.module;
}

function sharedKernelModule(api: WasmApi): object | null {
  if (compiledShared?.api !== api) compiledShared = { api, module: kernelModule(api) && compile(api, SGD_KERNEL_SHARED_WASM_BASE64) };
  return compiledShared.module;
}

/** True when this host runs the WebAssembly SIMD kernel (WebAssembly present, SIMD validated and compiled). */
export function wasmSgdKernelAvailable(): boolean {
  const api = wasmApi();
  return api !== undefined && kernelModule(api) !== null;
}

const PAGE = 65536;
/** Largest memory asked for: 2 GiB keeps every address a non-negative int32 on the JS side. */
const MAX_BYTES = 2 ** 31;

/** Byte offsets of 16-byte aligned regions laid out one after another in a kernel's memory. */
class Layout {
  size = 0;

  /** A region of `bytes` bytes: its offset. */
  take(bytes: number): number {
    const at = this.size;
    this.size += Math.ceil(bytes / 16) * 16;
    return at;
  }
}

/**
 * The kernel module instantiated over a new memory of at least `bytes` bytes (or over `reuse`, zeroed, when that is
 * large enough); undefined when WebAssembly (with SIMD) is unavailable, `bytes` is over MAX_BYTES, or this host cannot
 * give that much (the JS paths work then).
 */
function instantiate(bytes: number, reuse?: KernelMemory): { memory: WasmMemory; exports: Record<string, unknown> } | undefined {
  const api = wasmApi();
  const module = api && kernelModule(api);
  if (!api || !module || bytes > MAX_BYTES) return undefined;
  try {
    if (reuse && reuse.memory.buffer.byteLength >= bytes) {
      // Zeroed as a new memory is: its pages are resident already, so this costs no memory. A shared memory takes
      // the module's twin that imports one.
      const over = isShared(reuse.memory) ? sharedKernelModule(api) : module;
      if (over) {
        new Uint8Array(reuse.memory.buffer, 0, bytes).fill(0);
        return { memory: reuse.memory, exports: new api.Instance(over, { env: { memory: reuse.memory } }).exports };
      }
    }
    const pages = Math.max(1, Math.ceil(bytes / PAGE));
    const memory = new api.Memory({ initial: pages, maximum: pages });
    return { memory, exports: new api.Instance(module, { env: { memory } }).exports };
  } catch {
    return undefined;
  }
}

/**
 * Zeroed arrays in a WebAssembly memory of their own where the host has WebAssembly (an ordinary array otherwise, and
 * below 1 MiB), for large arrays a fit drops long before it ends. glibc keeps what a thread frees of its heap resident for that
 * thread's next allocations, so a transient array of a few MB goes on counting in the process's memory through the
 * fit's later peak; a mapping is given back to the system once collected. EASE's ridge choice, whose X^T X and B
 * (8 and 4 MB at 1,000 items) the validation drops before it trains its model (then on a thread of its own): `bench --only train1M`, 12
 * rounds alternating, median peak 198 MB against 207 MB as ordinary arrays. They cannot be transferred to another
 * thread.
 */
export function mappedFloat64Array(n: number): Float64Array<ArrayBuffer> {
  return new Float64Array(mappedBuffer(8 * n), 0, n);
}

/** mappedFloat64Array's float32 twin. */
export function mappedFloat32Array(n: number): Float32Array<ArrayBuffer> {
  return new Float32Array(mappedBuffer(4 * n), 0, n);
}

/** Smaller arrays are ordinary ones: a mapping per small array would cost more than the heap keeps of it. */
const MAPPED_MIN_BYTES = 1 << 20;

function mappedBuffer(bytes: number): ArrayBuffer {
  const api = wasmApi();
  if (api && bytes >= MAPPED_MIN_BYTES && bytes <= MAX_BYTES) {
    try {
      const pages = Math.ceil(bytes / PAGE);
      return new api.Memory({ initial: pages, maximum: pages }).buffer;
    } catch {
      // No memory of that size here: an ordinary array below.
    }
  }
  return new ArrayBuffer(bytes);
}

/** One training run's WebAssembly instance: the cells, the block order and the model live in its memory. */
export interface ExplicitWasmKernel {
  /** The block order, in the kernel's memory: shuffle it in place between epochs. */
  readonly blocks: Int32Array;
  /** Runs the cells of blocks[b0 .. b1) at learning rate lr; returns the sum of e^2. */
  run(b0: number, b1: number, lr: number): number;
  /** Copies the factors and biases back into the arrays given to makeExplicitWasmKernel. */
  syncOut(): void;
}

export interface ExplicitKernelInput {
  us: Int32Array;
  is: Int32Array;
  rs: Float32Array;
  blocks: Int32Array;
  P: Float32Array;
  Q: Float32Array;
  bu: Float32Array;
  bi: Float32Array;
  k: number;
  mu: number;
  lambda: number;
  biasOn: number;
}

/**
 * Copies the problem into a new WebAssembly memory and returns the kernel over it; undefined when WebAssembly (with
 * SIMD) is unavailable or the problem needs more than MAX_BYTES. Rows are padded to a multiple of 4 floats.
 */
export function makeExplicitWasmKernel(input: ExplicitKernelInput): ExplicitWasmKernel | undefined {
  const { us, is, rs, blocks, P, Q, bu, bi, k, mu, lambda, biasOn } = input;
  const n = rs.length;
  const nRows = bu.length;
  const nCols = bi.length;
  const kp = Math.ceil(k / 4) * 4;
  const layout = new Layout();
  const oUs = layout.take(n * 4);
  const oIs = layout.take(n * 4);
  const oRs = layout.take(n * 4);
  const oBlocks = layout.take(blocks.length * 4);
  const oP = layout.take(nRows * kp * 4);
  const oQ = layout.take(nCols * kp * 4);
  const oBu = layout.take(nRows * 4);
  const oBi = layout.take(nCols * 4);
  const instance = instantiate(layout.size);
  if (!instance) return undefined;
  const { memory } = instance;
  const explicit = instance.exports.explicit as ExplicitFn;
  const buf = memory.buffer;
  new Int32Array(buf, oUs, n).set(us);
  new Int32Array(buf, oIs, n).set(is);
  new Float32Array(buf, oRs, n).set(rs);
  const wBlocks = new Int32Array(buf, oBlocks, blocks.length);
  wBlocks.set(blocks);
  const wP = new Float32Array(buf, oP, nRows * kp);
  const wQ = new Float32Array(buf, oQ, nCols * kp);
  const wBu = new Float32Array(buf, oBu, nRows);
  const wBi = new Float32Array(buf, oBi, nCols);
  copyRows(P, k, wP, kp, nRows);
  copyRows(Q, k, wQ, kp, nCols);
  wBu.set(bu);
  wBi.set(bi);
  const rowBytes = kp * 4;
  return {
    blocks: wBlocks,
    run: (b0, b1, lr) => explicit(oBlocks, b0, b1, n, oUs, oIs, oRs, oP, oQ, oBu, oBi, rowBytes, mu, lr, 1 - lr * lambda, biasOn),
    syncOut: () => {
      copyRows(wP, kp, P, k, nRows);
      copyRows(wQ, kp, Q, k, nCols);
      bu.set(wBu);
      bi.set(wBi);
    },
  };
}

/** Copies nRows rows of `width` floats between strides (the padding of the wider side is left as it is). */
function copyRows(from: Float32Array, fromStride: number, to: Float32Array, toStride: number, nRows: number): void {
  if (fromStride === toStride) {
    to.set(from.subarray(0, nRows * fromStride));
    return;
  }
  const width = Math.min(fromStride, toStride);
  for (let r = 0; r < nRows; r++) to.set(from.subarray(r * fromStride, r * fromStride + width), r * toStride);
}

type GramianInitFn = (
  X: number, Y: number, GX: number, GY: number, conf: number, pref: number, indptr: number, indices: number,
  nObs: number, accX: number, accY: number, order: number, gx: number, gy: number, old: number,
  k: number, lambda: number, lr0: number,
) => void;

/** One Gramian SGD run's WebAssembly instance; X, Y, conf, pref and order are views into its memory, used by the trainer as is. */
export interface GramianWasmKernel {
  readonly X: Float32Array;
  readonly Y: Float32Array;
  readonly conf: Float32Array;
  readonly pref: Float32Array;
  /** The row order, shuffled in place by the trainer before each epoch. */
  readonly order: Int32Array;
  /** Sets the epoch's Gramians (k x k each, rounded to float32; the kernel updates its copy of X^T X as rows move). */
  setGrams(GX: Float64Array, GY: Float64Array): void;
  /** stepRow(order[r]) for r in [r0, r1). */
  rows(r0: number, r1: number): void;
  /** X^T X or Y^T Y of the kernel's rows now, bit-identical to foldIn.gramian (a new array). */
  gram(of: 'X' | 'Y'): Float64Array;
  /** sgdGramian.observedLoss of the kernel's X and Y, bit-identical. */
  cellLoss(): number;
  /** its memory, for a caller that is done with it and with every view into it (KernelMemory) */
  readonly memory: KernelMemory;
}

export interface GramianKernelInput {
  /**
   * The starting vectors and each cell's confidence and preference, copied in; any left out stays 0 for the caller
   * to write into the kernel's views before the first step (a cold start draws its vectors there: no copy of its own).
   */
  X?: Float32Array;
  Y?: Float32Array;
  conf?: Float32Array;
  pref?: Float32Array;
  /** observed cells (conf and pref's length) */
  cells: number;
  indptr: Int32Array;
  indices: Int32Array;
  nObs: Float64Array;
  order: Int32Array;
  k: number;
  lambda: number;
  learningRate: number;
}

/**
 * Copies the Gramian SGD problem into a new WebAssembly memory (or the one `workIn` gives for its size, when that is
 * large enough); undefined when WebAssembly (with SIMD) is unavailable, k is not a multiple of 4, or the problem needs
 * more than MAX_BYTES. The AdaGrad sums start at 0, as the trainer's.
 */
export function makeGramianWasmKernel(input: GramianKernelInput, workIn?: (bytes: number) => KernelMemory | undefined): GramianWasmKernel | undefined {
  const { X, Y, conf, pref, indptr, indices, nObs, order, k } = input;
  if (k % 4 !== 0) return undefined;
  const nRows = order.length;
  const nCols = nObs.length;
  const nnz = input.cells;
  const layout = new Layout();
  const oX = layout.take(nRows * k * 4);
  const oY = layout.take(nCols * k * 4);
  const oGX = layout.take(k * k * 4);
  const oGY = layout.take(k * k * 4);
  const oConf = layout.take(nnz * 4);
  const oPref = layout.take(nnz * 4);
  const oIndptr = layout.take((nRows + 1) * 4);
  const oIndices = layout.take(nnz * 4);
  const oNObs = layout.take(nCols * 8);
  const oAccX = layout.take(nRows * 8);
  const oAccY = layout.take(nCols * 8);
  const oOrder = layout.take(nRows * 4);
  const oGx = layout.take(k * 4);
  const oGy = layout.take(k * 4);
  const oOld = layout.take(k * 4);
  const oGram = layout.take(k * k * 8);
  const instance = instantiate(layout.size, workIn?.(layout.size));
  if (!instance) return undefined;
  const { memory, exports } = instance;
  const buf = memory.buffer;
  const wX = new Float32Array(buf, oX, nRows * k);
  const wY = new Float32Array(buf, oY, nCols * k);
  // The epoch's Gramians as the row steps read them: float32 (set rounds each entry to nearest).
  const wGX = new Float32Array(buf, oGX, k * k);
  const wGY = new Float32Array(buf, oGY, k * k);
  const wOrder = new Int32Array(buf, oOrder, nRows);
  const wConf = new Float32Array(buf, oConf, nnz);
  const wPref = new Float32Array(buf, oPref, nnz);
  if (X) wX.set(X);
  if (Y) wY.set(Y);
  if (conf) wConf.set(conf);
  if (pref) wPref.set(pref);
  new Int32Array(buf, oIndptr, nRows + 1).set(indptr);
  new Int32Array(buf, oIndices, nnz).set(indices.subarray(0, nnz));
  new Float64Array(buf, oNObs, nCols).set(nObs);
  wOrder.set(order);
  (exports.gramianInit as GramianInitFn)(
    oX, oY, oGX, oGY, oConf, oPref, oIndptr, oIndices, oNObs, oAccX, oAccY, oOrder, oGx, oGy, oOld,
    k, input.lambda, input.learningRate,
  );
  const rows = exports.gramianRows as (r0: number, r1: number) => void;
  const gram = exports.gram as (a: number, n: number, g: number) => void;
  const cellLoss = exports.gramianCellLoss as (n: number) => number;
  return {
    X: wX,
    Y: wY,
    conf: wConf,
    pref: wPref,
    order: wOrder,
    setGrams: (GX, GY) => {
      wGX.set(GX);
      wGY.set(GY);
    },
    rows,
    gram: (of) => {
      if (of === 'X') gram(oX, nRows, oGram);
      else gram(oY, nCols, oGram);
      return new Float64Array(buf, oGram, k * k).slice();
    },
    cellLoss: () => cellLoss(nRows),
    memory: { memory },
  };
}

/**
 * A^T A (k x k, float64) for the n float32 rows of k in A, by the kernel's `gram`: train.crossGram(A, A, k) bit for
 * bit (tested), in under half its time (k = 32: 1.3-1.9 against 3.0-3.8 ms at 10,000 rows, 22-26 against 51-53 ms at
 * 170,000, copying A in included). Undefined when WebAssembly (with SIMD) is unavailable.
 */
export function wasmGram(A: Float32Array, k: number): Float64Array | undefined {
  const layout = new Layout();
  const oA = layout.take(A.length * 4);
  const oG = layout.take(k * k * 8);
  const instance = instantiate(layout.size);
  if (!instance) return undefined;
  new Float32Array(instance.memory.buffer, oA, A.length).set(A);
  // gram reads k from the kernel's globals, which gramianInit sets (the other addresses are not read here).
  (instance.exports.gramianInit as GramianInitFn)(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, k, 0, 0);
  (instance.exports.gram as (a: number, n: number, g: number) => void)(oA, A.length / k, oG);
  return new Float64Array(instance.memory.buffer, oG, k * k).slice();
}

/** Batched fold-in (foldInRows in sgdKernel.wat): rows' vectors solved in WebAssembly, bit-identical to foldIn's. */
export interface FoldInWasmKernel {
  /** The rows' vectors (rows x k), written by `rows`. */
  readonly X: Float32Array;
  /** Solves rows [r0, r1): -1, or the first row whose Cholesky pivot failed (not written; the caller solves it). */
  rows(r0: number, r1: number): number;
}

export interface FoldInKernelInput {
  Y: Float32Array;
  gram: Float64Array;
  indptr: Int32Array;
  indices: Int32Array;
  /** one confidence per cell */
  conf: Float64Array;
  k: number;
  lambda: number;
}

/** Copies the rows and Y into a new WebAssembly memory; undefined when WebAssembly (with SIMD) is unavailable. */
export function makeFoldInWasmKernel(input: FoldInKernelInput): FoldInWasmKernel | undefined {
  const { Y, gram, indptr, indices, conf, k } = input;
  const nRows = indptr.length - 1;
  const nnz = indptr[nRows];
  const layout = new Layout();
  const oY = layout.take(Y.length * 4);
  const oG = layout.take(k * k * 8);
  const oIndptr = layout.take(indptr.length * 4);
  const oIndices = layout.take(nnz * 4);
  const oConf = layout.take(nnz * 8);
  const oX = layout.take(nRows * k * 4);
  const oA = layout.take(k * k * 8);
  const oL = layout.take(k * k * 8);
  const oB = layout.take(k * 8);
  const oSol = layout.take(k * 8);
  const instance = instantiate(layout.size);
  if (!instance) return undefined;
  const buf = instance.memory.buffer;
  new Float32Array(buf, oY, Y.length).set(Y);
  new Float64Array(buf, oG, k * k).set(gram);
  new Int32Array(buf, oIndptr, indptr.length).set(indptr);
  new Int32Array(buf, oIndices, nnz).set(indices.subarray(0, nnz));
  new Float64Array(buf, oConf, nnz).set(conf.subarray(0, nnz));
  type FoldInRowsFn = (
    r0: number, r1: number, Y: number, G: number, indptr: number, indices: number, conf: number, X: number,
    A: number, L: number, b: number, x: number, k: number, lambda: number,
  ) => number;
  const run = instance.exports.foldInRows as FoldInRowsFn;
  return {
    X: new Float32Array(buf, oX, nRows * k),
    rows: (r0, r1) => run(r0, r1, oY, oG, oIndptr, oIndices, oConf, oX, oA, oL, oB, oSol, k, input.lambda),
  };
}

/** EASE's P kept live in WebAssembly for a run of Sherman-Morrison updates (easeRankMany in sgdKernel.wat). */
export interface EaseLiveWasmKernel {
  /** P (m x m) in the kernel's memory */
  readonly P: Float64Array;
  /** P is the caller's own (at the start of a shared memory), not a copy: nothing to copy back */
  readonly inPlace: boolean;
  /** up to `batch` update vectors u_t, row t of this view (m each), filled by the caller */
  readonly U: Float64Array;
  readonly batch: number;
  /** P += f[t] u_t u_t^T for t < f.length in order, on rows [a0, a1); row a skipped for the t where u_t[a] f[t] is 0 */
  rankMany(f: readonly number[], a0: number, a1: number): void;
  /** P's diagonal, set by the caller before weightCands */
  readonly D: Float64Array;
  /** weightCands' row of weights (m, float32) */
  readonly W: Float32Array;
  /** weightCands' candidates (m) */
  readonly C: Int32Array;
  /**
   * The j != c of row c whose EASE weight w = float32(-P[c, j] / D[j]) has |w| >= bound, into C in order, with w at
   * W[j] (no other entry of W written); returns how many (easeWeightCands).
   */
  weightCands(c: number, bound: number): number;
}

/** Sherman-Morrison updates applied in one pass over P (easeRankMany): at most this many. */
export const EASE_UPDATE_BATCH = 8;

/**
 * Shared WebAssembly memories made or received in this thread, by their buffer: EASE's P lives at the start of one
 * (sharedKernelMemory), and the live kernel works on it there (makeEaseLiveWasmKernel) instead of copying 32 MB in and
 * out at each update (20-25 ms of an update's 240 at 100,000 interactions, and 32 MB of fresh pages each time).
 */
const sharedHomes = new WeakMap<object, WasmMemory>();

/** Byte offsets of the live kernel's scratch (U, F, D, W, C). */
interface EaseLiveScratch {
  oU: number;
  oF: number;
  oD: number;
  oW: number;
  oC: number;
}

/** The live kernel's scratch for m kept items laid out from `at`, and its size. */
function easeLiveScratch(m: number, at = 0): EaseLiveScratch & { size: number } {
  const layout = new Layout();
  const oU = layout.take(EASE_UPDATE_BATCH * m * 8);
  const oF = layout.take(EASE_UPDATE_BATCH * 8);
  const oD = layout.take(m * 8);
  const oW = layout.take(m * 4);
  const oC = layout.take(m * 4);
  return { size: layout.size, oU: at + oU, oF: at + oF, oD: at + oD, oW: at + oW, oC: at + oC };
}

/**
 * A new shared WebAssembly memory for a P of up to `maxItems` x `maxItems` from its start, with room at its end for
 * the live kernel's scratch; its buffer is a SharedArrayBuffer (it crosses threads without a copy, as the memory itself
 * does), and at least `atLeast` bytes (a full fit's SGD works in it first: recommenderFit.ts). Undefined where
 * WebAssembly with SIMD or shared memories are unavailable (a plain SharedArrayBuffer then).
 */
export function sharedKernelMemory(maxItems: number, atLeast = 0): KernelMemory | undefined {
  const api = wasmApi();
  if (!api || !sharedKernelModule(api) || typeof SharedArrayBuffer !== 'function') return undefined;
  const bytes = Math.max(atLeast, sharedKernelMemoryBytes(maxItems));
  if (bytes > MAX_BYTES) return undefined;
  try {
    const pages = Math.max(1, Math.ceil(bytes / PAGE));
    const memory = new api.Memory({ initial: pages, maximum: pages, shared: true });
    sharedHomes.set(memory.buffer, memory);
    return { memory };
  } catch {
    return undefined;
  }
}

/** The bytes of sharedKernelMemory(maxItems): P and the live kernel's scratch. */
export function sharedKernelMemoryBytes(maxItems: number): number {
  return maxItems * maxItems * 8 + easeLiveScratch(maxItems).size + 16;
}

function isShared(memory: WasmMemory): boolean {
  return typeof SharedArrayBuffer === 'function' && (memory.buffer as unknown) instanceof SharedArrayBuffer;
}

/**
 * A shared memory received from another thread (a message's structured clone), taken as a home for P as
 * sharedKernelMemory's are: its buffer, or undefined when `memory` is not a shared WebAssembly memory.
 */
export function adoptSharedKernelMemory(memory: unknown): SharedArrayBuffer | undefined {
  const api = wasmApi();
  if (!api || typeof SharedArrayBuffer !== 'function' || !(memory instanceof api.Memory)) return undefined;
  const buffer: unknown = memory.buffer;
  if (!(buffer instanceof SharedArrayBuffer)) return undefined;
  sharedHomes.set(buffer, memory);
  return buffer;
}

/** The shared memory `P` starts (sharedKernelMemory, adoptSharedKernelMemory), if it starts one. */
export function sharedKernelMemoryOf(P: Float64Array): KernelMemory | undefined {
  const memory = P.byteOffset === 0 ? sharedHomes.get(P.buffer) : undefined;
  return memory ? { memory } : undefined;
}

/** The live kernel over P where it lies, at the start of a shared memory with room for the scratch at its end. */
function easeLiveInPlace(P: Float64Array, m: number): EaseLiveWasmKernel | undefined {
  const memory = sharedKernelMemoryOf(P)?.memory;
  const api = wasmApi();
  const module = api && sharedKernelModule(api);
  if (!memory || !api || !module) return undefined;
  // The scratch at the end, past any P of the memory's capacity (P grows in place from the start: easeAddItems).
  const at = Math.floor((memory.buffer.byteLength - easeLiveScratch(m).size) / 16) * 16;
  if (at < m * m * 8) return undefined;
  try {
    return easeLiveKernel(memory.buffer, new api.Instance(module, { env: { memory } }).exports, m, 0, easeLiveScratch(m, at), true);
  } catch {
    return undefined;
  }
}

/**
 * The live kernel for P (m x m): over P where it lies when that is at the start of a shared memory of this module's
 * (sharedKernelMemory), else over a copy of P in a new WebAssembly memory; undefined when WebAssembly (with SIMD) is
 * unavailable or m is 0.
 */
export function makeEaseLiveWasmKernel(P: Float64Array, m: number): EaseLiveWasmKernel | undefined {
  if (m === 0) return undefined;
  const inPlace = easeLiveInPlace(P, m);
  if (inPlace) return inPlace;
  const layout = new Layout();
  const oP = layout.take(m * m * 8);
  const scratch = easeLiveScratch(m, layout.take(easeLiveScratch(m).size));
  const instance = instantiate(layout.size);
  if (!instance) return undefined;
  const kernel = easeLiveKernel(instance.memory.buffer, instance.exports, m, oP, scratch, false);
  kernel.P.set(P.subarray(0, m * m));
  return kernel;
}

function easeLiveKernel(
  buf: ArrayBufferLike,
  fns: Record<string, unknown>,
  m: number,
  oP: number,
  { oU, oF, oD, oW, oC }: EaseLiveScratch,
  inPlace: boolean,
): EaseLiveWasmKernel {
  const wP = new Float64Array(buf, oP, m * m);
  const F = new Float64Array(buf, oF, EASE_UPDATE_BATCH);
  const rankMany = fns.easeRankMany as (P: number, m: number, U: number, F: number, r: number, a0: number, a1: number) => void;
  const cands = fns.easeWeightCands as (P: number, m: number, c: number, D: number, W: number, bound: number, C: number) => number;
  return {
    inPlace,
    D: new Float64Array(buf, oD, m),
    W: new Float32Array(buf, oW, m),
    C: new Int32Array(buf, oC, m),
    weightCands: (c, bound) => cands(oP, m, c, oD, oW, bound, oC),
    P: wP,
    U: new Float64Array(buf, oU, EASE_UPDATE_BATCH * m),
    batch: EASE_UPDATE_BATCH,
    rankMany: (f, a0, a1) => {
      F.set(f);
      rankMany(oP, m, oU, oF, f.length, a0, a1);
    },
  };
}

/** EASE's SPD inverse in WebAssembly (cholRows, invRows, prodRows in sgdKernel.wat); see invertSpdSteps in ease.ts. */
export interface SpdInverseWasmKernel {
  /**
   * The matrix to invert, in the kernel's memory: entry (i, j) at A[i * stride + j], j < n (stride n + 1). The caller
   * writes A's lower triangle and diagonal (or all of it) before chol; the rest of a row is the kernel's to use.
   */
  readonly A: Float64Array;
  readonly stride: number;
  /** Cholesky columns [j0, j1): -1, or the first column whose pivot is not > 0 (then `pivot(j)` gives it). */
  chol(j0: number, j1: number): number;
  /** The pivot value a failed chol left at A[j, j]. */
  pivot(j: number): number;
  /** Rows [j0, j1) of U = L^-T (after chol of every column), right of L's diagonal. */
  inv(j0: number, j1: number): void;
  /** Zeroes L (after inv of every row): prodRows reads U's zeros below its diagonal there. */
  clearL(): void;
  /** Rows [a0, a1) of P = U^T U and their mirror (after clearL), over U and L's place. */
  prod(a0: number, a1: number): void;
  /**
   * P (after prod of every row) as an n x n row-major view of the kernel's memory, its rows moved together in place:
   * no copy of the matrix. A is the kernel's again once the caller is done with the view (`A` then holds P's rows).
   */
  packed(): Float64Array;
}

/**
 * A new WebAssembly memory of one matrix (8 n (n + 1) bytes plus 4 rows of scratch: 72 MB at n = 3,000), where A,
 * L, then U and then P take each other's place; undefined when WebAssembly (with SIMD) is unavailable, n is 0, or it
 * needs more than MAX_BYTES (n > 16,381). The caller writes A in place (no copy of the matrix elsewhere needed) and
 * may invert several matrices of this size in turn (EASE's lambda choice). Nothing keeps the memory but the kernel:
 * once the caller drops it, the garbage collector frees it (a WebAssembly memory cannot shrink, so one kept for
 * reuse across calls would hold the largest inverse's size for the life of the process).
 */
export function makeSpdInverseWasmKernel(n: number, reuse?: KernelMemory): SpdInverseWasmKernel | undefined {
  // Rows of n + 1 entries: L on and below the diagonal, U[r, c] at [r, c + 1] (invRows), P over both (prodRows).
  const w = n + 1;
  const layout = new Layout();
  const oA = layout.take(8 * n * w);
  const oScratch = layout.take(8 * 4 * n);
  // No memory this large here (or none at all): the JS path works on A as it is.
  const instance = n === 0 ? undefined : instantiate(layout.size, reuse);
  if (!instance) return undefined;
  const { memory, exports } = instance;
  const wA = new Float64Array(memory.buffer, oA, n * w);
  const nb = 8 * w;
  const chol = exports.cholRows as (a: number, n: number, nb: number, j0: number, j1: number) => number;
  const inv = exports.invRows as (a: number, n: number, nb: number, s: number, j0: number, j1: number) => void;
  const prod = exports.prodRows as (u: number, p: number, n: number, nb: number, a0: number, a1: number) => void;
  return {
    A: wA,
    stride: w,
    chol: (j0, j1) => chol(oA, n, nb, j0, j1),
    pivot: (j) => wA[j * w + j],
    inv: (j0, j1) => inv(oA, n, nb, oScratch, j0, j1),
    clearL: () => {
      for (let i = 0; i < n; i++) wA.fill(0, i * w, i * w + i + 1);
    },
    prod: (a0, a1) => prod(oA + 8, oA, n, nb, a0, a1),
    packed: () => {
      // Row i moves from i w down to i n: below where every later row starts, so no row is overwritten unread.
      for (let i = 1; i < n; i++) wA.copyWithin(i * n, i * w, i * w + n);
      return wA.subarray(0, n * n);
    },
  };
}

/** The evaluation's count of scores above and equal to a target's (countAboveTies), over one memory reused per size. */
export interface CountWasmKernel {
  /** how many scores this kernel's memory holds */
  readonly capacity: number;
  /** [how many of `scores` are > st, how many are === st]; NaN counts as neither (scores.length <= capacity) */
  count(scores: Float64Array, st: number): [number, number];
}

/**
 * A memory for `capacity` scores and the two counts; undefined when WebAssembly (with SIMD) is unavailable or it
 * needs more than MAX_BYTES. The scores are copied in at each count: a copy and the SIMD pass cost about a fifth of a
 * scalar JS pass at 25,000 items.
 */
export function makeCountWasmKernel(capacity: number): CountWasmKernel | undefined {
  const layout = new Layout();
  const oOut = layout.take(8);
  const oScores = layout.take(8 * capacity);
  const instance = instantiate(layout.size);
  if (!instance) return undefined;
  const { memory, exports } = instance;
  const out = new Int32Array(memory.buffer, oOut, 2);
  const wScores = new Float64Array(memory.buffer, oScores, capacity);
  const run = exports.countAboveTies as (s: number, n: number, st: number, out: number) => void;
  return {
    capacity,
    count(scores, st) {
      wScores.set(scores);
      run(oScores, scores.length, st, oOut);
      return [out[0], out[1]];
    },
  };
}

/**
 * A ranking's per-item arrays (scoreBuffers.ts) in a WebAssembly memory of their own, with the passes over them that
 * scoreItems makes at every ranking: the parts' scales (partScales) and the blend (blendScores), bit-identical to the
 * JS loops.
 */
export interface ItemArraysWasmKernel {
  /** items the arrays hold */
  readonly capacity: number;
  readonly mf: Float64Array;
  readonly cooc: Float64Array;
  readonly prior: Float64Array;
  readonly score: Float64Array;
  readonly candidate: Uint8Array;
  readonly inContext: Uint8Array;
  /** [lo, hi] of mf, then of cooc, over the first n items that are candidates (and outside the context if `outside`) */
  partScales(n: number, outside: boolean): [number, number, number, number];
  /** score = wm (mf - mLo) / mSpan + wc (cooc - cLo) / cSpan + wp prior over the first n items, a part 0 where its span is not > 0 */
  blend(n: number, mLo: number, mSpan: number, cLo: number, cSpan: number, wm: number, wc: number, wp: number): void;
}

/** Arrays for `capacity` items (34 bytes an item); undefined when WebAssembly (with SIMD) is unavailable. */
export function makeItemArraysWasmKernel(capacity: number): ItemArraysWasmKernel | undefined {
  const layout = new Layout();
  const oOut = layout.take(32);
  const oMf = layout.take(8 * capacity);
  const oCooc = layout.take(8 * capacity);
  const oPrior = layout.take(8 * capacity);
  const oScore = layout.take(8 * capacity);
  const oCand = layout.take(capacity);
  const oCtx = layout.take(capacity);
  const instance = instantiate(layout.size);
  if (!instance) return undefined;
  const { memory, exports } = instance;
  const buf = memory.buffer;
  const out = new Float64Array(buf, oOut, 4);
  const scales = exports.partScales as (a: number, b: number, cand: number, mask: number, want: number, n: number, out: number) => void;
  type BlendFn = (
    mf: number, cooc: number, prior: number, score: number, n: number,
    mLo: number, mSpan: number, cLo: number, cSpan: number, wm: number, wc: number, wp: number, mOn: number, cOn: number,
  ) => void;
  const blend = exports.blendScores as BlendFn;
  return {
    capacity,
    mf: new Float64Array(buf, oMf, capacity),
    cooc: new Float64Array(buf, oCooc, capacity),
    prior: new Float64Array(buf, oPrior, capacity),
    score: new Float64Array(buf, oScore, capacity),
    candidate: new Uint8Array(buf, oCand, capacity),
    inContext: new Uint8Array(buf, oCtx, capacity),
    partScales(n, outside) {
      // As scoring.ts partScales: the context mask must be 0, or (no context to skip) the candidate mask 1 again.
      scales(oMf, oCooc, oCand, outside ? oCtx : oCand, outside ? 0 : 1, n, oOut);
      return [out[0], out[1], out[2], out[3]];
    },
    blend: (n, mLo, mSpan, cLo, cSpan, wm, wc, wp) => blend(oMf, oCooc, oPrior, oScore, n, mLo, mSpan, cLo, cSpan, wm, wc, wp, +(mSpan > 0), +(cSpan > 0)),
  };
}

/** Ranking's item scores over one model's factors (rowDotsT): the factors are copied in once, in blocks of 16 items. */
export interface RowDotsWasmKernel {
  /** out[i] = init[i] + x . Q[i] for the model's items, bit-identical to linalg.rowDots. */
  dots(x: ArrayLike<number>, out: Float64Array): void;
}

/** Items per block of rowDotsT's layout. */
const DOTS_BLOCK = 16;

/**
 * Copies Q (n x k, row-major) into a new WebAssembly memory in blocks of 16 items (each block's k x 16 values one run
 * of memory, which the kernel reads in order: factor-major, with its k rows read side by side n apart, a call took
 * 280 us at 25,600 items and k = 32 against 180 in blocks), with `init` (one per row), n padded to a multiple of 16; undefined
 * when WebAssembly (with SIMD) is unavailable or it needs more than MAX_BYTES. About 4 n k + 16 n bytes: 3.7 MB at
 * 25,000 items and k = 32, kept as long as the caller keeps the kernel (one per model). In steps of 2,048 items (the
 * extension host builds it before it switches to a new model).
 */
export function* rowDotsWasmKernelSteps(Q: Float32Array, k: number, init: ArrayLike<number>): Generator<void, RowDotsWasmKernel | undefined, void> {
  const n = init.length;
  if (n === 0 || k === 0 || Q.length !== n * k) return undefined;
  const padded = Math.ceil(n / DOTS_BLOCK) * DOTS_BLOCK;
  const layout = new Layout();
  const oQ = layout.take(4 * padded * k);
  const oX = layout.take(8 * k);
  const oInit = layout.take(8 * padded);
  const oOut = layout.take(8 * padded);
  const instance = instantiate(layout.size);
  if (!instance) return undefined;
  yield;
  const { memory, exports } = instance;
  const qt = new Float32Array(memory.buffer, oQ, padded * k);
  const wInit = new Float64Array(memory.buffer, oInit, n);
  for (let i0 = 0; i0 < n; i0 += 2048) {
    blockRows(Q, k, i0, Math.min(n, i0 + 2048), qt, init, wInit);
    yield;
  }
  const wX = new Float64Array(memory.buffer, oX, k);
  const wOut = new Float64Array(memory.buffer, oOut, n);
  const run = exports.rowDotsT as (qt: number, n: number, k: number, x: number, init: number, out: number) => void;
  return {
    dots(x, out) {
      for (let f = 0; f < k; f++) wX[f] = x[f];
      run(oQ, padded, k, oX, oInit, oOut);
      out.set(wOut);
    },
  };
}

/** Rows [i0, i1) of Q into qt in blocks of DOTS_BLOCK items, and their init values (a plain function: see rangeSteps). */
function blockRows(Q: Float32Array, k: number, i0: number, i1: number, qt: Float32Array, init: ArrayLike<number>, wInit: Float64Array): void {
  for (let i = i0; i < i1; i++) {
    const at = (i - (i % DOTS_BLOCK)) * k + (i % DOTS_BLOCK);
    for (let f = 0; f < k; f++) qt[at + f * DOTS_BLOCK] = Q[i * k + f];
    wInit[i] = init[i];
  }
}
