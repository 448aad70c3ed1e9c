// The Gramian SGD trainer (full implicit loss): its loss is HKV's, it descends, it is deterministic under the seed,
// and the session vectors it learns are (close to) the ones the product's fold-in solves for.
import { strict as assert } from 'node:assert';
import { LatentInputError } from '../../../src/core/errors';
import { foldIn, gramian } from '../../../src/core/foldIn';
import { hkvLoss } from '../../../src/core/losses';
import { confidences } from '../../../src/core/sgd';
import { fullLoss, trainSgdGramianSteps } from '../../../src/core/sgdGramian';
import { finishSteps, type EpochInfo } from '../../../src/core/train';
import { makeRng, normalInit } from '../../../src/core/random';
import { bitsEqual, clusteredSignal } from './helpers';


const params = { k: 6, epochs: 40, learningRate: 0.05, lambda: 1, alpha: 2, epsilon: 1, seed: 7 };

describe('trainSgdGramian (full implicit loss by SGD with the Gramian trick)', () => {
  it('its loss is the HKV objective computed over every cell', () => {
    const m = clusteredSignal();
    const model = finishSteps(trainSgdGramianSteps(m, { ...params, epochs: 3 }));
    const conf = confidences(m, params.alpha, params.epsilon, 'test');
    const pref = new Float32Array(conf.length).fill(1);
    const viaGram = fullLoss(m, conf, pref, model.userFactors, model.itemFactors, params.k, params.lambda);
    const hkv = hkvLoss(model, m, params.alpha, params.epsilon, params.lambda);
    // hkvLoss may be normalised differently: compare against a brute-force sum over all cells instead.
    let brute = 0;
    const k = params.k;
    for (let u = 0; u < m.nRows; u++) {
      const obs = new Map<number, number>();
      for (let t = m.indptr[u]; t < m.indptr[u + 1]; t++) obs.set(m.indices[t], conf[t]);
      for (let i = 0; i < m.nCols; i++) {
        let s = 0;
        for (let f = 0; f < k; f++) s += model.userFactors[u * k + f] * model.itemFactors[i * k + f];
        const c = obs.get(i);
        brute += c === undefined ? s * s : c * (1 - s) ** 2;
      }
    }
    let n2 = 0;
    for (const x of model.userFactors) n2 += x * x;
    for (const x of model.itemFactors) n2 += x * x;
    brute += params.lambda * n2;
    assert.ok(Math.abs(viaGram - brute) < 1e-6 * Math.max(1, brute), `${viaGram} vs ${brute}`);
    assert.ok(Number.isFinite(hkv));
  });

  it("a warm start given its items' Gramian runs exactly as one that computes it (and a wrong one is not ignored)", () => {
    const m = clusteredSignal();
    const k = 8;
    const base = finishSteps(trainSgdGramianSteps(m, { ...params, k, epochs: 2 }));
    const warm = (itemGram?: Float64Array) => ({
      userFactors: base.userFactors.slice(),
      itemFactors: base.itemFactors.slice(),
      outsideGram: new Float64Array(k * k),
      observed: new Float64Array(m.nCols).fill(2),
      ...(itemGram ? { itemGram } : {}),
    });
    const run = (itemGram?: Float64Array) => finishSteps(trainSgdGramianSteps(m, { ...params, k, epochs: 3 }, undefined, warm(itemGram)));
    const plain = run();
    const given = run(gramian(base.itemFactors, k));
    assert.ok(bitsEqual(plain.itemFactors, given.itemFactors) && bitsEqual(plain.userFactors, given.userFactors));
    const off = gramian(base.itemFactors, k).map((v) => v * 2);
    assert.ok(!bitsEqual(plain.itemFactors, run(off).itemFactors), 'the Gramian given is the one used');
    assert.throws(() => run(new Float64Array(k * k - 1)), LatentInputError, 'a Gramian of the wrong size is refused, as the rest of the warm start');
  });

  it("a fit hands over its sessions' Gramian made in the kernel, bit for bit the one made from the copied vectors", () => {
    const m = clusteredSignal();
    const model = finishSteps(trainSgdGramianSteps(m, { ...params, k: 8, epochs: 2 }));
    assert.ok(model.userGram, 'WebAssembly with SIMD (Node 20 has it): the kernel made it');
    assert.ok(bitsEqual(model.userGram, gramian(model.userFactors, 8)));
  });

  it("a cold start: items N(0, std^2) from the seed, sessions uniform with the same deviation from a generator seeded by it", () => {
    const m = clusteredSignal();
    const std = 0.2;
    const start = finishSteps(trainSgdGramianSteps(m, { ...params, epochs: 0, initStd: std, kernel: 'js' }));
    const items = normalInit(m.nCols * params.k, std, makeRng(params.seed));
    assert.ok(bitsEqual(start.itemFactors, items), "the items' vectors are the seed's first normal draws");
    const half = std * Math.sqrt(3);
    assert.ok(start.userFactors.every((v) => Math.abs(v) <= half), 'within +-sqrt(3) std');
    const x = Array.from(start.userFactors);
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
    assert.ok(Math.abs(mean) < 0.05 && Math.abs(sd - std) < 0.03, `mean ${mean}, deviation ${sd} (${x.length} values)`);
    assert.equal(new Set(x).size, x.length, 'no two alike');
    const other = finishSteps(trainSgdGramianSteps(m, { ...params, epochs: 0, initStd: std, kernel: 'js', seed: 8 }));
    assert.ok(!bitsEqual(other.userFactors, start.userFactors), 'another seed, other sessions');
  });

  it('the loss goes down and the run is bit-identical under the same seed', () => {
    const losses: number[] = [];
    const a = finishSteps(trainSgdGramianSteps(clusteredSignal(), params, { onEpoch: (e: EpochInfo) => void losses.push(e.loss) }));
    const b = finishSteps(trainSgdGramianSteps(clusteredSignal(), params));
    assert.ok(losses[losses.length - 1] < losses[0] * 0.8, `${losses[0]} -> ${losses[losses.length - 1]}`);
    assert.ok(bitsEqual(a.itemFactors, b.itemFactors) && bitsEqual(a.userFactors, b.userFactors));
  });

  it('learned session vectors are close to the fold-in solution of the same objective', () => {
    const m = clusteredSignal();
    const model = finishSteps(trainSgdGramianSteps(m, { ...params, epochs: 150 }));
    const conf = confidences(m, params.alpha, params.epsilon, 'test');
    let worst = 1;
    for (const u of [0, 1, 2, 30]) {
      const items = Array.from(m.indices.subarray(m.indptr[u], m.indptr[u + 1]));
      const cs = Array.from(conf.subarray(m.indptr[u], m.indptr[u + 1]));
      const x = foldIn(model.itemFactors, params.k, items, cs, params.lambda);
      const learned = model.userFactors.subarray(u * params.k, u * params.k + params.k);
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let f = 0; f < params.k; f++) {
        dot += x[f] * learned[f];
        na += x[f] * x[f];
        nb += learned[f] * learned[f];
      }
      worst = Math.min(worst, dot / Math.sqrt(na * nb));
    }
    assert.ok(worst > 0.95, `cosine(fold-in, learned) = ${worst}`);
  });
});
