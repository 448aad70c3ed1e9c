// The SGD kernels' two paths: WebAssembly SIMD (float32 arithmetic) and pure JS (float64 arithmetic, float32
// storage), for the explicit SGD and for the Gramian SGD alike; each is deterministic for a seed and they agree within
// stated tolerances. The JS path takes over where WebAssembly or its SIMD is missing. No timings here (the ML-100K
// bench and eval/scale.ts measure speed).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { predict, type MfModel } from '../../../src/core/model';
import { rmse } from '../../../src/core/metrics';
import { explicitSgdKernel, trainSgd, type SgdParams } from '../../../src/core/sgd';
import { gramianSgdKernel, trainSgdGramianSteps, type GramianSgdParams, type GramianWarmStart } from '../../../src/core/sgdGramian';
import { makeGramianWasmKernel, makeItemArraysWasmKernel, mappedFloat32Array, mappedFloat64Array, rowDotsWasmKernelSteps, wasmGram, wasmSgdKernelAvailable } from '../../../src/core/sgdKernel';
import { ScoreBuffers } from '../../../src/core/scoreBuffers';
import { foldIn, foldInRowsSteps, gramian } from '../../../src/core/foldIn';
import { rowDots } from '../../../src/core/linalg';
import { makeRng } from '../../../src/core/random';
import { fitRecommender, scoreItems } from '../../../src/core/recommender';
import { crossGram, finishSteps, type Steps } from '../../../src/core/train';
import { bitsEqual, plantedLowRank, randomSparse, webAssemblyWithoutSimd, withWebAssembly } from './helpers';

const root = join(__dirname, '..', '..', '..', '..');

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let t = 0; t < a.length; t++) d = Math.max(d, Math.abs(a[t] - b[t]));
  return d;
}

function heldOutRmse(model: MfModel, test: { u: number[]; i: number[]; v: number[] }): number {
  return rmse(test.u.map((u, t) => predict(model, u, test.i[t])), test.v);
}

describe('core: explicit SGD kernel (WebAssembly SIMD and JS)', () => {
  it('Node 20 runs the WebAssembly SIMD kernel by default; kernel "js" and adaptive run the JS one', () => {
    assert.equal(wasmSgdKernelAvailable(), true);
    assert.equal(explicitSgdKernel({}), 'wasm-simd');
    assert.equal(explicitSgdKernel({ kernel: 'auto' }), 'wasm-simd');
    assert.equal(explicitSgdKernel({ kernel: 'js' }), 'js');
    assert.equal(explicitSgdKernel({ adaptive: true }), 'js');
  });

  it('the committed module is sgdKernel.wat assembled (scripts/gen-sgd-kernel.mjs --check)', function () {
    this.timeout(60000);
    execFileSync(process.execPath, [join(root, 'scripts', 'gen-sgd-kernel.mjs'), '--check'], { stdio: 'pipe' });
  });

  it('each kernel gives bit-identical factors and biases for a seed, and others for another seed', () => {
    const x = randomSparse(40, 30, 0.3, 'kdet');
    for (const kernel of ['auto', 'js'] as const) {
      for (const k of [3, 8]) {
        const run = (seed: number): MfModel => trainSgd(x, { k, epochs: 8, learningRate: 0.02, lambda: 0.1, seed, kernel });
        const a = run(5);
        const b = run(5);
        const c = run(6);
        const what = `${kernel} k=${k}`;
        assert.ok(bitsEqual(a.userFactors, b.userFactors) && bitsEqual(a.itemFactors, b.itemFactors), what);
        assert.ok(bitsEqual(a.userBias, b.userBias) && bitsEqual(a.itemBias, b.itemBias), what);
        assert.ok(!bitsEqual(a.itemFactors, c.itemFactors), what);
      }
    }
  });

  // The tolerance that holds between the paths: they differ only in rounding (float32 vs float64 intermediates), so
  // on this problem (60 x 50, 150 epochs) the factors stay within 1e-3 of each other and the held-out RMSE within
  // 1e-4; measured at most 3e-5 and 2e-5. k = 3 and 5 exercise the WebAssembly path's zero padding to 4 and 8 floats.
  it('the WebAssembly and JS kernels agree: factors within 1e-3, held-out RMSE within 1e-4 (k = 3, 5, 8, 32, 128)', () => {
    for (const k of [3, 5, 8, 32, 128]) {
      for (const useBias of [true, false]) {
        // without biases, a matrix without an offset
        const { train, test } = plantedLowRank(60, 50, 3, 0.5, 'kagree', useBias ? 3 : 0);
        const p: SgdParams = { k, epochs: 150, learningRate: 0.02, lambda: 0.01, seed: 9, useBias, initStd: 0.1 };
        const wasm = trainSgd(train, { ...p, kernel: 'auto' });
        const js = trainSgd(train, { ...p, kernel: 'js' });
        const what = `k=${k} useBias=${useBias}`;
        assert.ok(!bitsEqual(wasm.userFactors, js.userFactors), `${what}: the two paths ran the same code`);
        assert.ok(maxAbsDiff(wasm.userFactors, js.userFactors) < 1e-3, `${what}: user factors`);
        assert.ok(maxAbsDiff(wasm.itemFactors, js.itemFactors) < 1e-3, `${what}: item factors`);
        assert.ok(maxAbsDiff(wasm.userBias, js.userBias) < 1e-3 && maxAbsDiff(wasm.itemBias, js.itemBias) < 1e-3, `${what}: biases`);
        const e = heldOutRmse(wasm, test);
        assert.ok(Math.abs(e - heldOutRmse(js, test)) < 1e-4, `${what}: held-out RMSE ${e} vs ${heldOutRmse(js, test)}`);
        assert.ok(e < 0.3, `${what}: held-out RMSE ${e}`);
      }
    }
  });

  it('many blocks, a learning-rate schedule and shouldStop between block groups: the same on both paths', () => {
    // 300 x 400 at density 0.7: 84,000 cells, 329 blocks, so an epoch polls shouldStop once in its middle.
    const x = randomSparse(300, 400, 0.7, 'kbig');
    const p: SgdParams = { k: 8, epochs: 3, learningRate: 0.02, lambda: 0.05, seed: 2, schedule: { kind: 'exponential', gamma: 0.9 } };
    const losses: Record<string, number[]> = { auto: [], js: [] };
    for (const kernel of ['auto', 'js'] as const) trainSgd(x, { ...p, kernel }, { onEpoch: (e) => losses[kernel].push(e.loss) });
    assert.equal(losses.auto.length, 3);
    for (let t = 0; t < 3; t++) assert.ok(Math.abs(losses.auto[t] - losses.js[t]) < 1e-4 * losses.js[t], `epoch ${t + 1}`);
    // one poll in the middle of each epoch and one after it, on both paths; a true answer mid-epoch ends training
    // after that epoch's report
    for (const kernel of ['auto', 'js'] as const) {
      let polls = 0;
      trainSgd(x, { ...p, kernel }, { shouldStop: () => (++polls, false) });
      assert.equal(polls, 6, kernel);
      const seen: number[] = [];
      polls = 0;
      trainSgd(x, { ...p, kernel, epochs: 10 }, { onEpoch: (e) => seen.push(e.epoch), shouldStop: () => ++polls >= 1 });
      assert.deepEqual([seen, polls], [[1], 1], kernel);
    }
  });

  it('without WebAssembly, or without its SIMD, trainSgd runs the JS kernel and gives its exact result', () => {
    const x = randomSparse(40, 30, 0.3, 'kfallback');
    const p: SgdParams = { k: 8, epochs: 5, learningRate: 0.02, lambda: 0.1, seed: 3 };
    const js = trainSgd(x, { ...p, kernel: 'js' });
    const wasm = trainSgd(x, p);
    assert.ok(!bitsEqual(js.userFactors, wasm.userFactors));
    for (const replacement of [undefined, webAssemblyWithoutSimd()]) {
      withWebAssembly(replacement, () => {
        assert.equal(wasmSgdKernelAvailable(), false);
        assert.equal(explicitSgdKernel(p), 'js');
        const m = trainSgd(x, p);
        assert.ok(bitsEqual(m.userFactors, js.userFactors) && bitsEqual(m.itemFactors, js.itemFactors));
        assert.ok(bitsEqual(m.userBias, js.userBias) && bitsEqual(m.itemBias, js.itemBias));
      });
    }
    // and with the real one back, the WebAssembly kernel again
    assert.equal(explicitSgdKernel(p), 'wasm-simd');
    assert.ok(bitsEqual(trainSgd(x, p).userFactors, wasm.userFactors));
  });
});

describe('core: Gramian SGD kernel (WebAssembly in float32, JS in float64)', () => {
  const signal = randomSparse(90, 40, 0.15, 'gk', 0, 6);
  const base: GramianSgdParams = { k: 8, epochs: 6, learningRate: 0.05, lambda: 2, alpha: 3, epsilon: 1, seed: 4 };

  function sameModel(a: MfModel, b: MfModel, what: string): void {
    assert.ok(bitsEqual(a.userFactors, b.userFactors), `${what}: user factors`);
    assert.ok(bitsEqual(a.itemFactors, b.itemFactors), `${what}: item factors`);
  }

  // The paths differ in rounding only (float32 sums and Gramians in the kernel, float64 in JS): on this problem the
  // factors stay within 1e-5 of each other and each epoch's loss within 1e-6 of the JS one, relatively (measured at
  // most 5e-7 and 3e-8 for k = 4 to 64). A step computed differently (a term left out, a Gramian not following the
  // rows) moves them by 1e-3 or more.
  function closeModel(a: MfModel, b: MfModel, what: string): void {
    assert.ok(!bitsEqual(a.userFactors, b.userFactors), `${what}: the two paths ran the same code`);
    assert.ok(maxAbsDiff(a.userFactors, b.userFactors) < 1e-5, `${what}: user factors ${maxAbsDiff(a.userFactors, b.userFactors)}`);
    assert.ok(maxAbsDiff(a.itemFactors, b.itemFactors) < 1e-5, `${what}: item factors ${maxAbsDiff(a.itemFactors, b.itemFactors)}`);
  }

  /** Runs the steps to the end, counting the pauses. */
  function run(steps: Steps<MfModel>): { model: MfModel; pauses: number } {
    let pauses = 0;
    for (;;) {
      const r = steps.next();
      if (r.done) return { model: r.value, pauses };
      pauses++;
    }
  }

  it('runs in WebAssembly for k a multiple of 4, in JS otherwise or with kernel "js"', () => {
    assert.equal(gramianSgdKernel({ k: 32 }), 'wasm-simd');
    assert.equal(gramianSgdKernel({ k: 8, kernel: 'auto' }), 'wasm-simd');
    assert.equal(gramianSgdKernel({ k: 6 }), 'js');
    assert.equal(gramianSgdKernel({ k: 32, kernel: 'js' }), 'js');
  });

  it('each path gives bit-identical factors for a seed, and others for another seed', () => {
    for (const kernel of ['auto', 'js'] as const) {
      const fit = (seed: number): MfModel => finishSteps(trainSgdGramianSteps(signal, { ...base, k: 32, seed, kernel }));
      const a = fit(4);
      sameModel(a, fit(4), kernel);
      assert.ok(!bitsEqual(a.itemFactors, fit(5).itemFactors), `${kernel}: another seed`);
    }
  });

  it('both paths agree: factors within 1e-5, losses within 1e-6, the same pauses (k = 4, 8, 32, 64; cold and warm start)', () => {
    for (const k of [4, 8, 32, 64]) {
      const p = { ...base, k };
      const losses: Record<string, number[]> = { auto: [], js: [] };
      const wasm = run(trainSgdGramianSteps(signal, p, { onEpoch: (e) => void losses.auto.push(e.loss) }));
      const js = run(trainSgdGramianSteps(signal, { ...p, kernel: 'js' }, { onEpoch: (e) => void losses.js.push(e.loss) }));
      closeModel(wasm.model, js.model, `k=${k}`);
      assert.equal(losses.auto.length, p.epochs, `k=${k}: losses`);
      losses.js.forEach((l, t) => assert.ok(Math.abs(losses.auto[t] - l) <= 1e-6 * l, `k=${k}: loss of epoch ${t + 1}`));
      assert.ok(losses.js[p.epochs - 1] < losses.js[0], `k=${k}: the loss goes down`);
      assert.equal(wasm.pauses, js.pauses, `k=${k}: pauses`);
      for (const a of [wasm.model.userFactors, wasm.model.itemFactors]) {
        assert.equal(a.buffer.byteLength, a.byteLength, `k=${k}: the model's factors are arrays of their own, not views`);
      }
      const warm: GramianWarmStart = {
        userFactors: js.model.userFactors,
        itemFactors: js.model.itemFactors,
        outsideGram: new Float64Array(k * k).fill(0.01),
        observed: new Float64Array(signal.nCols).fill(3),
      };
      const warmWasm = finishSteps(trainSgdGramianSteps(signal, { ...p, epochs: 2 }, undefined, warm));
      const warmJs = finishSteps(trainSgdGramianSteps(signal, { ...p, epochs: 2, kernel: 'js' }, undefined, warm));
      closeModel(warmWasm, warmJs, `k=${k} warm`);
      // the warm start's outside Gramian is read: without it the steps differ by far more than rounding
      const cold = finishSteps(trainSgdGramianSteps(signal, { ...p, epochs: 2 }, undefined, { ...warm, outsideGram: new Float64Array(k * k) }));
      assert.ok(maxAbsDiff(cold.itemFactors, warmWasm.itemFactors) > 1e-4, `k=${k}: outside Gramian read`);
    }
  });

  it('foldIn.gramian (the kernel when it loads) equals the JS crossGram bit for bit, any k, 0 to 9 rows', () => {
    for (const k of [1, 3, 4, 6, 32]) {
      for (let n = 0; n <= 9; n++) {
        const rng = makeRng(`gramian${k}:${n}`);
        const A = Float32Array.from({ length: n * k }, () => rng() - 0.5);
        const viaKernel = wasmGram(A, k);
        assert.ok(viaKernel, 'WebAssembly SIMD is available on Node 20');
        assert.ok(bitsEqual(viaKernel, crossGram(A, A, k)), `k=${k} n=${n}`);
        assert.ok(bitsEqual(gramian(A, k), viaKernel), `k=${k} n=${n}: gramian uses it`);
        assert.ok(bitsEqual(withWebAssembly(undefined, () => gramian(A, k)), viaKernel), `k=${k} n=${n}: without WebAssembly`);
      }
    }
  });

  it("the kernel's Gramians equal foldIn.gramian bit for bit (0 to 9 rows: every tail of the four-row groups)", () => {
    for (const k of [4, 32]) {
      for (let n = 0; n <= 9; n++) {
        const rng = makeRng(`gram${k}:${n}`);
        const X = Float32Array.from({ length: n * k }, () => rng() - 0.5);
        const Y = Float32Array.from({ length: 5 * k }, () => rng() - 0.5);
        const kernel = makeGramianWasmKernel({
          X, Y, conf: new Float32Array(0), pref: new Float32Array(0), cells: 0, indptr: new Int32Array(n + 1), indices: new Int32Array(0),
          nObs: new Float64Array(5), order: new Int32Array(n), k, lambda: 1, learningRate: 0.1,
        });
        assert.ok(kernel, 'WebAssembly SIMD is available on Node 20');
        assert.ok(bitsEqual(kernel.gram('X'), gramian(X, k)), `k=${k} n=${n}: X`);
        assert.ok(bitsEqual(kernel.gram('Y'), gramian(Y, k)), `k=${k} n=${n}: Y`);
        if (n > 0) assert.ok(kernel.gram('X').some((v) => v !== 0), `k=${k} n=${n}: not all zero`);
      }
    }
  });

  it('shouldStop ends both paths at the same row (90 rows: the first poll is after row 64 of epoch 1)', () => {
    const stoppedBy = (kernel: 'auto' | 'js'): MfModel => {
      let polls = 0;
      return finishSteps(trainSgdGramianSteps(signal, { ...base, kernel }, { shouldStop: () => ++polls >= 1 }));
    };
    const stopped = stoppedBy('auto');
    assert.ok(maxAbsDiff(stopped.userFactors, finishSteps(trainSgdGramianSteps(signal, base)).userFactors) > 1e-4, 'stopped early');
    closeModel(stopped, stoppedBy('js'), 'stopped');
  });

  it('without WebAssembly the JS path runs, with its exact result', () => {
    const js = finishSteps(trainSgdGramianSteps(signal, { ...base, kernel: 'js' }));
    withWebAssembly(undefined, () => {
      assert.equal(gramianSgdKernel(base), 'js');
      sameModel(finishSteps(trainSgdGramianSteps(signal, base)), js, 'no WebAssembly');
    });
  });
});


describe('core: batched fold-in (WebAssembly and JS, bit for bit with foldIn)', () => {
  /** foldIn of each row, one at a time, as the update did before the batched path. */
  function oneByOne(Y: Float32Array, k: number, m: { indptr: Int32Array; indices: Int32Array }, conf: Float64Array, lambda: number): Float32Array {
    const nRows = m.indptr.length - 1;
    const out = new Float32Array(nRows * k);
    const gram = gramian(Y, k);
    for (let r = 0; r < nRows; r++) {
      const cols: number[] = [];
      const cs: number[] = [];
      for (let q = m.indptr[r]; q < m.indptr[r + 1]; q++) {
        cols.push(m.indices[q]);
        cs.push(conf[q]);
      }
      out.set(foldIn(Y, k, cols, cs, lambda, { gram }), r * k);
    }
    return out;
  }

  it('every row equals foldIn of that row exactly, with and without WebAssembly (600 rows: several pauses; k = 4, 32)', () => {
    for (const k of [4, 32]) {
      const m = randomSparse(600, 50, 0.1, `fold${k}`, 0, 4);
      const rng = makeRng(`foldY${k}`);
      const Y = Float32Array.from({ length: 50 * k }, () => rng() - 0.5);
      // confidences of 1 (no change to A: the kernel's dw = 0 branch) and others
      const conf = Float64Array.from(m.values, (v, q) => (q % 5 === 0 ? 1 : 1 + 3 * Math.log1p(v)));
      const want = oneByOne(Y, k, m, conf, 2);
      let pauses = 0;
      const steps = foldInRowsSteps(Y, k, m, conf, 2, gramian(Y, k));
      let r = steps.next();
      for (; !r.done; r = steps.next()) pauses++;
      assert.ok(bitsEqual(r.value, want), `k=${k}: WebAssembly`);
      assert.equal(pauses, 2, `k=${k}: a pause after rows 256 and 512`);
      const js = withWebAssembly(undefined, () => finishSteps(foldInRowsSteps(Y, k, m, conf, 2, gramian(Y, k))));
      assert.ok(bitsEqual(js, want), `k=${k}: JS`);
      assert.ok(want.some((v) => v !== 0));
    }
  });

  it('a row whose Cholesky pivot fails is solved as foldIn solves it (elimination), the rows after it by the kernel', () => {
    // A tiny Y and ridge: Cholesky refuses a pivot <= 1e-12, elimination only one small against the matrix's largest
    // entry. Rows 0 and 2 have strong cells on every item (A about 0.1 I: Cholesky passes); row 1 has one weak cell
    // (A about 1e-13 I: Cholesky fails, elimination solves).
    const k = 4;
    const Y = new Float32Array(k * k);
    for (let i = 0; i < k; i++) Y[i * k + i] = 1e-7;
    const m = { indptr: Int32Array.from([0, 4, 5, 9]), indices: Int32Array.from([0, 1, 2, 3, 0, 0, 1, 2, 3]) };
    const conf = Float64Array.from([1e13, 1e13, 1e13, 1e13, 2, 1e13, 1e13, 1e13, 1e13]);
    const want = oneByOne(Y, k, m, conf, 1e-13);
    assert.ok(bitsEqual(finishSteps(foldInRowsSteps(Y, k, m, conf, 1e-13, gramian(Y, k))), want));
    assert.ok(want.every(Number.isFinite) && want[k] > 1e5, 'row 1 solved by elimination');
    // No ridge and a single weak cell: singular, refused with foldIn's own error.
    const one = { indptr: Int32Array.from([0, 1]), indices: Int32Array.from([0]) };
    const Y2 = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0]);
    assert.throws(() => finishSteps(foldInRowsSteps(Y2, k, one, Float64Array.from([2]), 0, gramian(Y2, k))), /singular/);
  });
});

describe('core: ranking product (WebAssembly SIMD and JS, bit for bit)', () => {
  function problem(n: number, k: number, seed: string): { Q: Float32Array; bias: Float32Array; x: Float32Array } {
    const rng = makeRng(seed);
    const r = (): number => rng() * 2 - 1;
    return { Q: Float32Array.from({ length: n * k }, r), bias: Float32Array.from({ length: n }, r), x: Float32Array.from({ length: k }, r) };
  }

  it('every item score equals linalg.rowDots exactly (n a multiple of 16 or not, the blocks padded; k = 1, 3, 5, 32, 128)', () => {
    for (const [n, k] of [[1, 1], [7, 3], [8, 32], [16, 3], [24, 5], [1001, 32], [2050, 128], [333, 5]]) {
      const { Q, bias, x } = problem(n, k, `dots${n}x${k}`);
      const js = new Float64Array(n);
      rowDots(Q, k, x, bias, js);
      const kernel = finishSteps(rowDotsWasmKernelSteps(Q, k, bias));
      assert.ok(kernel, 'Node 20 has WebAssembly SIMD');
      const wasm = new Float64Array(n).fill(NaN);
      kernel.dots(x, wasm);
      assert.deepEqual(Array.from(wasm), Array.from(js), `n=${n} k=${k}`);
      // a second context on the same kernel: nothing of the first stays
      const y = x.map((v) => -v / 3);
      rowDots(Q, k, y, bias, js);
      kernel.dots(y, wasm);
      assert.deepEqual(Array.from(wasm), Array.from(js), `n=${n} k=${k}, second call`);
    }
  });

  it('scoreItems gives the same scores with it and without WebAssembly (a model of 600 items)', () => {
    const rows = Array.from({ length: 300 }, (_, s) => Array.from({ length: 4 }, (_, t) => ({ session: `s${s}`, item: `file:f${(s * 7 + t * 13) % 600}`, time: 1_700_000_000 + s * 60, weight: 1 })));
    const model = fitRecommender(rows.flat(), { factors: 8, epochs: 3, autoBlend: false, minSessions: 0 });
    assert.ok(model.items.length >= 512, `${model.items.length} items: enough for the WebAssembly path`);
    const context = [{ item: 'file:f3', weight: 1 }, { item: 'file:f50', weight: 2 }];
    const withKernel = Array.from(scoreItems(model, context).score);
    // A copy of the model's MF part (the kernel is cached per model) scored with WebAssembly gone.
    const copy = { ...model, mf: { ...model.mf } };
    const without = withWebAssembly(undefined, () => Array.from(scoreItems(copy, context).score));
    assert.deepEqual(without, withKernel);
    // with reused buffers (the live ranker's and the evaluation's way): the scales and the blend in WebAssembly
    const buffers = new ScoreBuffers();
    for (const ctx of [context, [{ item: 'file:f9', weight: 1 }], []]) {
      const plain = scoreItems(model, ctx);
      const reused = scoreItems(model, ctx, {}, buffers);
      assert.ok(buffers.wasm, 'Node 20 has WebAssembly SIMD');
      assert.deepEqual(Array.from(reused.score), Array.from(plain.score));
      assert.deepEqual(reused.scales, plain.scales);
    }
  });

  it('ScoreBuffers hand out disjoint arrays of the size asked, reset, as they grow and shrink, with and without WebAssembly', () => {
    for (const wasm of [true, false]) {
      const buffers = wasm ? new ScoreBuffers() : withWebAssembly(undefined, () => new ScoreBuffers());
      for (const n of [5, 12, 3, 13, 40]) {
        const a = wasm ? buffers.take(n) : withWebAssembly(undefined, () => buffers.take(n));
        assert.equal(buffers.wasm !== undefined, wasm);
        const parts = [a.mf, a.cooc, a.prior, a.score, a.candidate, a.inContext];
        for (const p of parts) assert.equal(p.length, n);
        assert.ok(a.cooc.every((x) => x === 0) && a.inContext.every((x) => x === 0) && a.candidate.every((x) => x === 1));
        // each part written with its own mark: none overlaps another
        parts.forEach((p, t) => p.fill(t + 2));
        parts.forEach((p, t) => assert.ok(p.every((x) => x === t + 2), `n=${n}, part ${t}, wasm ${wasm}`));
      }
    }
  });

  it("the ranking's scales and blend in WebAssembly equal the JS passes bit for bit (NaN, infinities, ties, masks)", () => {
    const rng = makeRng('blend');
    const value = (): number => {
      const r = rng();
      if (r < 0.03) return NaN;
      if (r < 0.05) return rng() < 0.5 ? Infinity : -Infinity;
      if (r < 0.3) return Math.floor(rng() * 4);
      return rng() * 6 - 3;
    };
    for (let trial = 0; trial < 200; trial++) {
      const n = trial < 4 ? trial : 1 + Math.floor(rng() * 90);
      const kernel = makeItemArraysWasmKernel(n + Math.floor(rng() * 3));
      assert.ok(kernel);
      const { mf, cooc, prior, candidate, inContext } = kernel;
      for (let i = 0; i < n; i++) {
        mf[i] = value();
        cooc[i] = value();
        prior[i] = rng();
        candidate[i] = rng() < 0.8 ? 1 : 0;
        inContext[i] = rng() < 0.2 ? 1 : 0;
      }
      for (const outside of [false, true]) {
        // partScales' rule: a value counts when below the smallest so far (above the largest), so NaN never does
        const want = [Infinity, -Infinity, Infinity, -Infinity];
        for (let i = 0; i < n; i++) {
          if (candidate[i] !== 1 || (outside && inContext[i] !== 0)) continue;
          if (mf[i] < want[0]) want[0] = mf[i];
          if (mf[i] > want[1]) want[1] = mf[i];
          if (cooc[i] < want[2]) want[2] = cooc[i];
          if (cooc[i] > want[3]) want[3] = cooc[i];
        }
        const got = kernel.partScales(n, outside);
        want.forEach((w, t) => assert.ok(Object.is(got[t], w), `trial ${trial}, outside ${outside}, extreme ${t}: ${got[t]} vs ${w}`));
      }
      const [wm, wc, wp] = [rng(), rng(), rng()];
      for (const [mSpan, cSpan] of [[1 + rng(), 0.5 + rng()], [0, 2], [3, 0], [0, 0]]) {
        const [mLo, cLo] = [rng() - 0.5, rng() - 0.5];
        kernel.blend(n, mLo, mSpan, cLo, cSpan, wm, wc, wp);
        for (let i = 0; i < n; i++) {
          const nm = mSpan > 0 ? (mf[i] - mLo) / mSpan : 0;
          const nc = cSpan > 0 ? (cooc[i] - cLo) / cSpan : 0;
          assert.ok(Object.is(kernel.score[i], wm * nm + wc * nc + wp * prior[i]), `trial ${trial}, item ${i}, spans ${mSpan} ${cSpan}`);
        }
      }
    }
  });
});


describe('core: arrays in memories of their own (mappedFloat64Array, mappedFloat32Array)', () => {
  it('are zeroed arrays of the length asked, in a WebAssembly memory where the host has one and ordinary ones without', () => {
    for (const [name, host] of [['WebAssembly', (globalThis as { WebAssembly?: unknown }).WebAssembly], ['none', undefined]] as const) {
      withWebAssembly(host, () => {
        const a = mappedFloat64Array(200_003);
        const b = mappedFloat32Array(7);
        assert.equal(a.length, 200_003, name);
        assert.equal(b.length, 7, name);
        assert.ok(a.every((x) => x === 0) && b.every((x) => x === 0), `${name}: zeroed`);
        a[200_002] = 1.5;
        b[6] = 2.5;
        assert.deepEqual([a[200_002], b[6]], [1.5, 2.5]);
        // A WebAssembly memory's buffer is page-sized; an ordinary one is exactly the array.
        assert.equal(a.buffer.byteLength > a.byteLength, host !== undefined, `${name}: where the array lives`);
      });
    }
    assert.equal(mappedFloat64Array(0).length, 0);
    // Below 1 MiB an ordinary array.
    assert.equal(mappedFloat64Array(1000).buffer.byteLength, 8000);
  });
});
