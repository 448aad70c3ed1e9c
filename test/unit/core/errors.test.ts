// Bad input gives a typed error with a clear message; training never returns NaN factors.
import { strict as assert } from 'node:assert';
import { trainAls, trainAlsImplicit } from '../../../src/core/als';
import { encodeFloat32 } from '../../../src/core/base64';
import { trainBatchGd } from '../../../src/core/reference/batchGd';
import { confidence } from '../../../src/core/confidence';
import { LatentInputError, ModelFormatError, TrainingDivergedError } from '../../../src/core/errors';
import { foldIn } from '../../../src/core/foldIn';
import { deserializeModel, serializeModel } from '../../../src/core/serialize';
import { trainSgd, trainSgdImplicit } from '../../../src/core/sgd';
import { CsrMatrix } from '../../../src/core/sparse';
import { topN } from '../../../src/core/ranking';
import { randomSparse } from './helpers';

const P = { k: 2, epochs: 3, learningRate: 0.01, lambda: 0.1, seed: 1 };
const IMP = { ...P, alpha: 1, epsilon: 1, negatives: 1 };

function throwsMatching(fn: () => unknown, type: new (m: string) => Error, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof type && re.test((e as Error).message));
}

describe('core: bad input', () => {
  it('NaN / Infinity values and out-of-range or fractional indices in triples', () => {
    throwsMatching(() => CsrMatrix.fromTriples(2, 2, [0], [0], [NaN]), LatentInputError, /finite/);
    throwsMatching(() => CsrMatrix.fromTriples(2, 2, [0], [0], [Infinity]), LatentInputError, /finite/);
    throwsMatching(() => CsrMatrix.fromTriples(2, 2, [2], [0], [1]), LatentInputError, /row index 2 is out of range/);
    throwsMatching(() => CsrMatrix.fromTriples(2, 2, [0], [-1], [1]), LatentInputError, /column index -1/);
    throwsMatching(() => CsrMatrix.fromTriples(2, 2, [0.5], [0], [1]), LatentInputError, /row index 0.5/);
    throwsMatching(() => CsrMatrix.fromTriples(2, 2, [0, 1], [0], [1]), LatentInputError, /equal lengths/);
    // A matrix built by hand bypasses fromTriples; the trainers still check values.
    const bad = new CsrMatrix(1, 1, Int32Array.from([0, 1]), Int32Array.from([0]), Float32Array.from([NaN]));
    throwsMatching(() => trainSgd(bad, P), LatentInputError, /not finite/);
    throwsMatching(() => trainAls(bad, P), LatentInputError, /not finite/);
  });

  it('empty matrix and k = 0', () => {
    const empty = CsrMatrix.fromTriples(3, 3, [], [], []);
    for (const train of [() => trainSgd(empty, P), () => trainBatchGd(empty, P), () => trainAls(empty, P), () => trainSgdImplicit(empty, IMP), () => trainAlsImplicit(empty, IMP)]) {
      throwsMatching(train, LatentInputError, /empty/);
    }
    const x = randomSparse(4, 4, 0.5, 'e');
    throwsMatching(() => trainSgd(x, { ...P, k: 0 }), LatentInputError, /k must be a positive integer/);
    throwsMatching(() => trainAls(x, { ...P, k: 0 }), LatentInputError, /k must be/);
    throwsMatching(() => trainSgd(x, { ...P, learningRate: -1 }), LatentInputError, /learningRate/);
    throwsMatching(() => trainSgd(x, { ...P, lambda: NaN }), LatentInputError, /lambda/);
    throwsMatching(() => CsrMatrix.fromTriples(0, 3, [], [], []), LatentInputError, /nRows/);
  });

  it('negative confidence / raw signal', () => {
    const x = CsrMatrix.fromTriples(2, 2, [0, 1], [0, 1], [1, -2]);
    throwsMatching(() => trainSgdImplicit(x, IMP), LatentInputError, /negative/);
    throwsMatching(() => trainAlsImplicit(x, IMP), LatentInputError, /negative/);
    throwsMatching(() => confidence(-1, 1, 1), LatentInputError, />= 0/);
    throwsMatching(() => foldIn(new Float32Array(4), 2, [0], [-1], 0.1), LatentInputError, /confidence/);
    throwsMatching(() => foldIn(new Float32Array(4), 2, [5], [1], 0.1), LatentInputError, /out of range/);
    throwsMatching(() => topN([1, NaN], 1), LatentInputError, /NaN/);
  });

  it('a diverging learning rate raises TrainingDivergedError, never NaN factors', () => {
    const x = randomSparse(20, 20, 0.5, 'div');
    throwsMatching(() => trainSgd(x, { ...P, epochs: 50, learningRate: 5 }), TrainingDivergedError, /diverged|non-finite/);
    throwsMatching(() => trainBatchGd(x, { ...P, epochs: 50, learningRate: 5 }), TrainingDivergedError, /diverged|non-finite/);
    const sig = randomSparse(20, 20, 0.3, 'div2', 1, 1000);
    throwsMatching(
      () => trainSgdImplicit(sig, { ...IMP, epochs: 30, alpha: 40, learningRate: 0.5, damped: false }),
      TrainingDivergedError,
      /diverged|non-finite/,
    );
    // The default damped step survives the same settings.
    const m = trainSgdImplicit(sig, { ...IMP, epochs: 30, alpha: 40, learningRate: 0.5 });
    assert.ok(m.itemFactors.every(Number.isFinite));
  });

  it('malformed serialized models raise ModelFormatError', () => {
    const good = JSON.parse(serializeModel(trainSgd(randomSparse(3, 3, 0.6, 's'), P))) as Record<string, unknown>;
    const variants: Array<[unknown, RegExp]> = [
      ['not json', /not valid JSON/],
      [[1, 2], /JSON object/],
      [{ ...good, format: 'other' }, /not a Latent model/],
      [{ ...good, version: 99 }, /unsupported model version 99/],
      [{ ...good, k: 0 }, /"k" must be a positive integer/],
      [{ ...good, kind: 'weird' }, /kind/],
      [{ ...good, itemFactors: 'AAAAAA==' }, /has 1 values, expected/],
      [{ ...good, itemFactors: 'AAAA' }, /not a whole number of float32/],
      [{ ...good, userBias: '!!!!!!==' }, /invalid base64/],
      [{ ...good, mu: 'x' }, /mu/],
    ];
    for (const [v, re] of variants) {
      const s = typeof v === 'string' ? v : JSON.stringify(v);
      throwsMatching(() => deserializeModel(s), ModelFormatError, re);
    }
    const nanBias = encodeFloat32(Float32Array.from([NaN, 0, 0]));
    throwsMatching(() => deserializeModel(JSON.stringify({ ...good, itemBias: nanBias })), ModelFormatError, /NaN or Infinity/);
  });
});
