// EASE's dense SPD inverse on its two paths: WebAssembly SIMD (sgdKernel.wat: cholRows, invRows, prodRows) and pure
// JS (ease.ts). They take the same sums in another order, so they differ by rounding only. The tolerance stated and
// tested here: max |P_wasm - P_js| <= 1e-10 * max |P_js| (measured: at most 3e-15 on these matrices). Each path is
// deterministic, both throw the same LatentInputError on a matrix that is not positive definite, and the JS path
// takes over where WebAssembly or its SIMD is missing. No timings here (README's Performance section has them).
import { strict as assert } from 'node:assert';
import { fitEaseInverseSteps, invertSpd, invertSpdSteps, invertWorkspaceSteps, spdWorkspace, type SpdInverseKernel } from '../../../src/core/ease';
import { trainSgdGramianSteps } from '../../../src/core/sgdGramian';
import { CsrMatrix } from '../../../src/core/sparse';
import { finishSteps } from '../../../src/core/train';
import { LatentInputError } from '../../../src/core/errors';
import { makeSpdInverseWasmKernel, wasmSgdKernelAvailable } from '../../../src/core/sgdKernel';
import { webAssemblyWithoutSimd, withWebAssembly } from './helpers';

/** A small deterministic generator (LCG), so every run tests the same matrices. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
}

/** B B^T + 0.5 I with B n x (n + 3), entries uniform in [-0.5, 0.5): dense, SPD, not diagonally dominant. */
function randomSpd(n: number, seed: number): Float64Array {
  const rnd = lcg(seed);
  const m = n + 3;
  const B = Float64Array.from({ length: n * m }, () => rnd() - 0.5);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let t = 0;
      for (let k = 0; k < m; k++) t += B[i * m + k] * B[j * m + k];
      A[i * n + j] = t;
      A[j * n + i] = t;
    }
    A[i * n + i] += 0.5;
  }
  return A;
}

/** X^T X + lambda I of random binary sessions (EASE's matrix): 4n sessions of 2..9 items of n. */
function sessionGram(n: number, lambda: number, seed: number): Float64Array {
  const rnd = lcg(seed);
  const G = new Float64Array(n * n);
  for (let s = 0; s < 4 * n; s++) {
    const items = new Set<number>();
    const size = 2 + Math.floor(rnd() * 8);
    while (items.size < Math.min(size, n)) items.add(Math.floor(rnd() * n));
    for (const a of items) for (const b of items) G[a * n + b] += 1;
  }
  for (let i = 0; i < n; i++) G[i * n + i] += lambda;
  return G;
}

const inverse = (A: Float64Array, n: number, kernel: SpdInverseKernel): Float64Array => invertSpd(Float64Array.from(A), n, kernel);

function relativeGap(p: Float64Array, q: Float64Array): number {
  let d = 0;
  let scale = 0;
  for (let t = 0; t < p.length; t++) {
    d = Math.max(d, Math.abs(p[t] - q[t]));
    scale = Math.max(scale, Math.abs(q[t]));
  }
  return d / scale;
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((x, t) => Object.is(x, b[t]));
}

/** max |A P - I| over every entry. */
function residual(A: Float64Array, P: Float64Array, n: number): number {
  let r = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let t = 0;
      for (let k = 0; k < n; k++) t += A[i * n + k] * P[k * n + j];
      r = Math.max(r, Math.abs(t - (i === j ? 1 : 0)));
    }
  }
  return r;
}

function notPositiveDefinite(fn: () => unknown, pivot: number): string {
  let message = '';
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof LatentInputError);
    message = e.message;
    return new RegExp(`^invertSpd: matrix is not positive definite \\(pivot ${pivot}: `).test(e.message);
  });
  return message;
}

describe('core: EASE SPD inverse (WebAssembly SIMD and JS)', () => {
  it('the paths agree within 1e-10 relative on random SPD matrices, n = 1..70 and 300, and invert them', function () {
    this.timeout(60000);
    assert.equal(wasmSgdKernelAvailable(), true);
    const cases: Array<[number, Float64Array]> = [];
    for (let n = 1; n <= 70; n++) cases.push([n, randomSpd(n, n)]);
    cases.push([300, randomSpd(300, 300)], [300, sessionGram(300, 10, 7)]);
    for (const [n, A] of cases) {
      const wasm = inverse(A, n, 'auto');
      const js = inverse(A, n, 'js');
      assert.ok(relativeGap(wasm, js) <= 1e-10, `n=${n}: ${relativeGap(wasm, js)}`);
      assert.ok(residual(A, wasm, n) < 1e-9, `n=${n}: |A P - I| ${residual(A, wasm, n)}`);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.ok(Object.is(wasm[i * n + j], wasm[j * n + i]), `n=${n}: symmetric`);
    }
  });

  it('each path is deterministic, and the WebAssembly one really runs (its bits differ from the JS path here)', () => {
    const A = randomSpd(70, 70);
    for (const kernel of ['auto', 'js'] as const) assert.ok(sameBits(inverse(A, 70, kernel), inverse(A, 70, kernel)), kernel);
    assert.ok(!sameBits(inverse(A, 70, 'auto'), inverse(A, 70, 'js')));
  });

  it('returns the matrix it was given, overwritten with P, on both paths', () => {
    const A = randomSpd(9, 1);
    for (const kernel of ['auto', 'js'] as const) {
      const copy = Float64Array.from(A);
      assert.equal(invertSpd(copy, 9, kernel), copy);
    }
  });

  it('a workspace inverts from the lower triangle alone (what EASE writes), as invertSpd the whole matrix, on both paths, twice in a row', () => {
    for (const kernel of ['auto', 'js'] as const) {
      for (const n of [1, 7, 40]) {
        const ws = spdWorkspace(n, kernel);
        assert.equal(ws.wasm !== undefined, kernel === 'auto' && wasmSgdKernelAvailable());
        // The same workspace takes a second matrix after the first, as the ridge choice does for each lambda.
        for (const seed of [n, n + 100]) {
          const A = sessionGram(n, 2, seed);
          // Garbage above the diagonal: only the lower triangle and the diagonal may be read.
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ws.A[i * ws.stride + j] = j <= i ? A[i * n + j] : NaN;
          const P = finishSteps(invertWorkspaceSteps(ws));
          assert.ok(sameBits(Float64Array.from(P), inverse(A, n, kernel)), `${kernel} n=${n}`);
        }
      }
    }
  });

  it('both paths throw the same LatentInputError on a matrix that is not positive definite', () => {
    // [[1, 2], [2, 1]]: pivot 1 is 1 - 4 = -3
    const small = Float64Array.from([1, 2, 2, 1]);
    const m1 = notPositiveDefinite(() => inverse(small, 2, 'auto'), 1);
    assert.equal(notPositiveDefinite(() => inverse(small, 2, 'js'), 1), m1);
    assert.match(m1, /pivot 1: -3\)$/);
    // identity of 20 with a zero and a negative diagonal entry: pivot 9 (in the second pause's rows) fails first
    const I = new Float64Array(400);
    for (let i = 0; i < 20; i++) I[i * 21] = 1;
    I[9 * 21] = 0;
    I[15 * 21] = -1;
    const m2 = notPositiveDefinite(() => inverse(I, 20, 'auto'), 9);
    assert.equal(notPositiveDefinite(() => inverse(I, 20, 'js'), 9), m2);
    // NaN is not positive either
    const nan = Float64Array.from([NaN]);
    assert.equal(notPositiveDefinite(() => inverse(nan, 1, 'auto'), 0), notPositiveDefinite(() => inverse(nan, 1, 'js'), 0));
    // and the wrong length, before either path starts
    assert.throws(() => invertSpd(new Float64Array(3), 2), LatentInputError);
  });

  it('pauses as often on both paths: one step per 8 rows of each of the three phases', () => {
    for (const n of [1, 8, 9, 100]) {
      for (const kernel of ['auto', 'js'] as const) {
        const steps = invertSpdSteps(randomSpd(n, n), n, kernel);
        let pauses = 0;
        while (steps.next().done !== true) pauses++;
        assert.equal(pauses, 3 * Math.ceil(n / 8), `${kernel} n=${n}`);
      }
    }
  });

  it('leaves to the JS path an empty matrix and one whose kernel memory would pass 2 GiB (n > 16,381)', () => {
    assert.equal(makeSpdInverseWasmKernel(0), undefined);
    // checked before anything is allocated
    assert.equal(makeSpdInverseWasmKernel(16382), undefined);
    assert.notEqual(makeSpdInverseWasmKernel(2), undefined);
    for (const kernel of ['auto', 'js'] as const) assert.equal(invertSpd(new Float64Array(0), 0, kernel).length, 0);
  });

  it('without WebAssembly, or without its SIMD, invertSpd runs the JS path and gives its exact result', () => {
    const A = randomSpd(70, 3);
    const js = inverse(A, 70, 'js');
    for (const replacement of [undefined, webAssemblyWithoutSimd()]) {
      withWebAssembly(replacement, () => {
        assert.equal(wasmSgdKernelAvailable(), false);
        assert.ok(sameBits(inverse(A, 70, 'auto'), js));
        assert.equal(notPositiveDefinite(() => inverse(Float64Array.from([1, 2, 2, 1]), 2, 'auto'), 1), 'invertSpd: matrix is not positive definite (pivot 1: -3)');
      });
    }
    assert.ok(!sameBits(inverse(A, 70, 'auto'), js));
  });
});

describe('core: EASE in memory a fit hands on (EaseReuse)', () => {
  /** 60 sessions of 2-6 items over 40 items, deterministic. */
  function sessions(): number[][] {
    const rnd = lcg(11);
    return Array.from({ length: 60 }, () => [...new Set(Array.from({ length: 2 + Math.floor(rnd() * 5) }, () => Math.floor(rnd() * 40)))]);
  }

  it("works in a finished SGD kernel's memory (dirty, zeroed first) and copies P into the array given: the same P to the bit", () => {
    assert.ok(wasmSgdKernelAvailable(), 'Node 20 runs the WebAssembly kernels');
    const plain = finishSteps(fitEaseInverseSteps(sessions(), 40, 5, 40));
    // A Gramian SGD kernel's memory after training (its vectors in it), larger than EASE's workspace over 40 items.
    const R = 200;
    const rows = Int32Array.from({ length: 3 * R }, (_, t) => Math.floor(t / 3));
    const cols = Int32Array.from({ length: 3 * R }, (_, t) => (7 * t) % 50);
    const m = CsrMatrix.fromTriples(R, 50, rows, cols, new Float64Array(3 * R).fill(2));
    const trained = finishSteps(trainSgdGramianSteps(m, { k: 8, epochs: 2, learningRate: 0.05, lambda: 1, alpha: 10, epsilon: 1, seed: 1, viewsOut: true }));
    const memory = trained.kernelMemory;
    assert.ok(memory, 'the kernel hands its memory on');
    assert.ok(memory.memory.buffer.byteLength >= 8 * 40 * 41);
    const into = new Float64Array(40 * 40).fill(7);
    const before = new Uint8Array(memory.memory.buffer.slice(0, 8 * 40 * 41));
    const reused = finishSteps(fitEaseInverseSteps(sessions(), 40, 5, 40, {}, true, { memory, into }));
    assert.notDeepEqual(new Uint8Array(memory.memory.buffer.slice(0, 8 * 40 * 41)), before, 'EASE worked in that memory');
    assert.equal(reused.P, into, 'P copied into the array given');
    assert.deepEqual(Array.from(reused.P), Array.from(plain.P));
    // An array of another size is not used; nor is a memory too small (a new one is taken).
    const other = finishSteps(fitEaseInverseSteps(sessions(), 40, 5, 40, {}, true, { into: new Float64Array(3) }));
    assert.deepEqual(Array.from(other.P), Array.from(plain.P));
    // Then P goes where newP makes it (the worker's shared memory), asked once for P's size.
    const asked: number[] = [];
    const made = new Float64Array(new SharedArrayBuffer(8 * 40 * 40));
    const placed = finishSteps(fitEaseInverseSteps(sessions(), 40, 5, 40, {}, true, { into: new Float64Array(3), newP: (n) => (asked.push(n), made) }));
    assert.deepEqual(asked, [40 * 40]);
    assert.equal(placed.P, made);
    assert.deepEqual(Array.from(placed.P), Array.from(plain.P));
    const small = { memory: { buffer: new ArrayBuffer(64) } } as unknown as typeof memory;
    assert.deepEqual(Array.from(finishSteps(fitEaseInverseSteps(sessions(), 40, 5, 40, {}, true, { memory: small })).P), Array.from(plain.P));
  });
});
