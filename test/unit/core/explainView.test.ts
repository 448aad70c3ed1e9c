import * as assert from 'node:assert/strict';
import {
  coUsedItems,
  explainSgdStep,
  factorSummaries,
  endLabel,
  labelBase,
  labelForItems,
  pca2,
  pcaAxesFromGram,
  projectPca,
  replaySgd,
  scoreSplit,
  symmetricEigen,
  topTwoEigen,
} from '../../../src/core/explainView';
import { LatentInputError } from '../../../src/core/errors';
import { sgdStep } from '../../../src/core/sgd';
import { TOY_LEARNING_RATE, TOY_MOVIE_VECTORS, TOY_USER_VECTORS, toyCells } from '../../../src/core/toyExample';

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);
const closeVec = (a: readonly number[], b: readonly number[], tol = 1e-9): void => {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => close(v, b[i], tol));
};

describe('explainView: worked SGD update', () => {
  it('reproduces the lecture step: Alice rates Sholay (DESIGN.md section 2)', () => {
    const s = explainSgdStep(
      { x: [0.4, 0.2, 0.3], y: [0.95, 0.1, 0.85], mu: 0, bias: 0, target: 5, confidence: 1 },
      { learningRate: 0.01, lambda: 0, updateBias: false },
    );
    close(s.prediction, 0.655);
    close(s.error, 4.345);
    closeVec(s.xAfter, [0.4413, 0.2043, 0.3369], 5e-5);
    // h' uses the old w: 0.85 + 0.01 * 4.345 * 0.3 = 0.863035 (DESIGN.md prints 0.8631; 0.8630 when rounded)
    closeVec(s.yAfter, [0.96738, 0.10869, 0.863035], 1e-12);
    closeVec(s.xBefore, [0.4, 0.2, 0.3]);
    assert.equal(s.biasAfter, 0);
    assert.ok(s.lossAfter < s.lossBefore, 'the step lowers this cell loss');
  });

  it('agrees with the core engine\'s sgdStep when confidence is 1 and there is no bias or regularization', () => {
    const w = [0.8, -0.3, 0.5];
    const h = [0.6, 0.9, -0.2];
    const core = sgdStep(w, h, 2, 0.1);
    const mine = explainSgdStep({ x: w, y: h, mu: 0, bias: 0, target: 2, confidence: 1 }, { learningRate: 0.1, lambda: 0, updateBias: false });
    close(mine.prediction, core.prediction, 1e-12);
    close(mine.error, core.error, 1e-12);
    closeVec(mine.xAfter, core.w, 1e-12);
    closeVec(mine.yAfter, core.h, 1e-12);
  });

  it('adds confidence, regularization and the bias to the same step', () => {
    const s = explainSgdStep(
      { x: [1, 0], y: [0.5, 2], mu: 0.1, bias: 0.2, target: 1, confidence: 3 },
      { learningRate: 0.1, lambda: 0.5, updateBias: true },
    );
    close(s.prediction, 0.1 + 0.2 + 0.5);
    close(s.error, 0.2);
    // g = c e = 0.6; x' = x + 0.1 (0.6 y - 0.5 x); y' = y + 0.1 (0.6 x - 0.5 y); b' = b + 0.1 (0.6 - 0.5 b)
    closeVec(s.xAfter, [1 + 0.1 * (0.3 - 0.5), 0.1 * 1.2]);
    closeVec(s.yAfter, [0.5 + 0.1 * (0.6 - 0.25), 2 + 0.1 * (0 - 1)]);
    close(s.biasAfter, 0.2 + 0.1 * (0.6 - 0.1));
    close(s.lossBefore, 3 * 0.04);
  });

  it('puts the item\'s own penalty on y and b when it has one, the session\'s on x', () => {
    const s = explainSgdStep(
      { x: [1, 0], y: [0.5, 2], mu: 0.1, bias: 0.2, target: 1, confidence: 3 },
      { learningRate: 0.1, lambda: 0.5, lambdaItem: 0.25, updateBias: true },
    );
    closeVec(s.xAfter, [1 + 0.1 * (0.3 - 0.5), 0.1 * 1.2]);
    closeVec(s.yAfter, [0.5 + 0.1 * (0.6 - 0.125), 2 + 0.1 * (0 - 0.5)]);
    close(s.biasAfter, 0.2 + 0.1 * (0.6 - 0.05));
    assert.throws(() => explainSgdStep({ x: [1], y: [1], mu: 0, bias: 0, target: 1, confidence: 1 }, { learningRate: 0.1, lambda: 0, lambdaItem: -1, updateBias: false }), LatentInputError);
  });

  it('rejects mismatched or non-finite input with LatentInputError', () => {
    const p = { learningRate: 0.1, lambda: 0, updateBias: false };
    assert.throws(() => explainSgdStep({ x: [1, 2], y: [1], mu: 0, bias: 0, target: 1, confidence: 1 }, p), LatentInputError);
    assert.throws(() => explainSgdStep({ x: [NaN], y: [1], mu: 0, bias: 0, target: 1, confidence: 1 }, p), LatentInputError);
    assert.throws(() => explainSgdStep({ x: [1], y: [1], mu: 0, bias: 0, target: 1, confidence: -1 }, p), LatentInputError);
  });

  it('replays successive steps, each starting from the previous result', () => {
    const cells = toyCells();
    assert.deepEqual(cells[0], { user: 0, movie: 0, rating: 5 });
    const steps = replaySgd(
      { rows: TOY_USER_VECTORS.map((r) => [...r]), cols: TOY_MOVIE_VECTORS.map((r) => [...r]), colBias: [0, 0, 0, 0, 0], mu: 0 },
      cells.map((c) => ({ row: c.user, col: c.movie, target: c.rating, confidence: 1 })),
      { learningRate: TOY_LEARNING_RATE, lambda: 0, updateBias: false },
    );
    assert.equal(steps.length, 11);
    close(steps[0].prediction, 0.655);
    // Step 2 is (Alice, Swades): it starts from Alice's vector after step 1.
    closeVec(steps[1].xBefore, steps[0].xAfter);
    closeVec(steps[1].yBefore, [...TOY_MOVIE_VECTORS[1]]);
    // Bob's first cell (Swades) sees the Swades vector Alice's step moved.
    const bobFirst = cells.findIndex((c) => c.user === 1);
    closeVec(steps[bobFirst].yBefore, steps[1].yAfter);
  });
});

describe('explainView: PCA', () => {
  it('symmetricEigen recovers a known decomposition', () => {
    const { values, vectors } = symmetricEigen([
      [2, 1],
      [1, 2],
    ]);
    closeVec(values, [3, 1], 1e-12);
    close(Math.abs(vectors[0][0]), Math.SQRT1_2, 1e-12);
    close(vectors[0][0] * vectors[0][1], 0.5, 1e-12);
  });

  it('finds the axis of largest spread and projects consistently', () => {
    // Points along (1, 1, 0) with a little uncorrelated spread along (0, 0, 1).
    const pts = [
      [-2, -2, 0],
      [-1, -1, 0.1],
      [0, 0, -0.2],
      [1, 1, 0.1],
      [2, 2, 0],
    ];
    const p = pca2(pts.flat(), 3);
    closeVec(p.axes[0], [Math.SQRT1_2, Math.SQRT1_2, 0], 1e-9);
    close(Math.abs(p.axes[1][2]), 1, 1e-9);
    assert.ok(p.explained[0] > 0.99 && p.explained[0] + p.explained[1] <= 1 + 1e-12);
    close(p.coords[4][0], 2 * Math.SQRT2, 1e-9);
    close(p.coords[0][0], -2 * Math.SQRT2, 1e-9);
    // A new vector lands where its projection says.
    const [x] = projectPca([1, 1, 0], p.mean, p.axes);
    close(x, Math.SQRT2, 1e-9);
  });

  it('topTwoEigen gives the two largest eigenpairs the full decomposition gives, without its O(k^3) sweeps', () => {
    for (const k of [3, 8, 24]) {
      let x = 7;
      const r = (): number => (x = (x * 16807) % 2147483647) / 2147483647 - 0.5;
      // A scatter matrix with a clear gap after its second eigenvalue: two strong directions and noise.
      const rows = Array.from({ length: 3 * k }, (_, t) => Array.from({ length: k }, (__, f) => r() * 0.2 + (f === 0 ? (t % 3) * 2 : 0) + (f === 1 ? (t % 2) : 0)));
      const a = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (__, j) => rows.reduce((s, row) => s + row[i] * row[j], 0)));
      const exact = symmetricEigen(a);
      const top = topTwoEigen(a);
      closeVec(top.values, exact.values.slice(0, 2), 1e-9 * exact.values[0]);
      for (const j of [0, 1]) close(Math.abs(top.vectors[j].reduce((s, v, i) => s + v * exact.vectors[j][i], 0)), 1, 1e-9);
    }
    assert.throws(() => topTwoEigen([[1, 0], [0, 1]]), LatentInputError);
  });

  it('handles k = 1 and a subset of rows; refuses empty input', () => {
    const p = pca2([1, 3, 5, 100], 1, [0, 1, 2]);
    closeVec(p.coords.map((c) => c[0]), [-2, 0, 2], 1e-12);
    closeVec(p.coords.map((c) => c[1]), [0, 0, 0]);
    assert.throws(() => pca2([1, 2], 1, []), LatentInputError);
    assert.throws(() => pca2([1, NaN], 1), LatentInputError);
  });
});

describe('explainView: the panel at scale (selection, not sorting)', () => {
  // A small deterministic generator: values on a coarse grid, so that ties happen.
  const grid = (n: number, seed: number): number[] => {
    let x = seed;
    return Array.from({ length: n }, () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return Math.round(((x / 2147483648) * 2 - 1) * 8) / 8;
    });
  };

  it('factorSummaries picks each end as a full sort by value, then index, would (ties, zeros, candidates)', () => {
    const k = 4;
    const n = 60;
    const Y = grid(n * k, 7);
    const keys = Array.from({ length: n }, (_, i) => `file:d${i % 5}/f${i}.ts`);
    for (const candidates of [undefined, [50, 3, 17, 8, 42, 33, 21, 0]]) {
      const idx = candidates ?? keys.map((_, i) => i);
      const got = factorSummaries(Y, k, keys, 3, candidates);
      for (let f = 0; f < k; f++) {
        const vals = idx.map((index) => ({ index, value: Y[index * k + f] }));
        const high = vals.filter((v) => v.value > 0).sort((a, b) => b.value - a.value || a.index - b.index).slice(0, 3);
        const low = vals.filter((v) => v.value < 0).sort((a, b) => a.value - b.value || a.index - b.index).slice(0, 3);
        assert.deepEqual(got[f].high.items, high, `factor ${f} high`);
        assert.deepEqual(got[f].low.items, low, `factor ${f} low`);
      }
    }
  });

  it('pcaAxesFromGram gives pca2\'s axes and shares from Y^T Y and the mean', () => {
    const k = 5;
    const n = 40;
    const Y = grid(n * k, 11).map((v, i) => v + (i % k) * 0.3);
    const gram = new Float64Array(k * k);
    for (let i = 0; i < n; i++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) gram[a * k + b] += Y[i * k + a] * Y[i * k + b];
    const mean = Array.from({ length: k }, (_, f) => Y.filter((_, j) => j % k === f).reduce((s, v) => s + v, 0) / n);
    const fromRows = pca2(Y, k);
    const fromGram = pcaAxesFromGram(gram, mean, n);
    closeVec(fromGram.axes[0], fromRows.axes[0], 1e-9);
    closeVec(fromGram.axes[1], fromRows.axes[1], 1e-9);
    closeVec([...fromGram.explained], [...fromRows.explained], 1e-12);
    closeVec(projectPca(Y.slice(0, k), fromGram.mean, fromGram.axes), fromRows.coords[0], 1e-9);
    assert.throws(() => pcaAxesFromGram(gram, mean, 0), LatentInputError);
    assert.throws(() => pcaAxesFromGram(gram.subarray(1), mean, n), LatentInputError);
  });
});

describe('explainView: factor labels', () => {
  it('names the common folder of the strongest files', () => {
    assert.equal(labelForItems(['file:src/views/a.ts', 'file:src/views/b.ts', 'file:src/views/sub/c.ts']), 'src/views/');
    assert.equal(
      labelForItems(['file:test/unit/a.test.ts', 'file:test/unit/b.test.ts', 'file:test/e2e/c.ts', 'file:src/x.ts']),
      'mostly test/',
    );
  });

  it('falls back to a common file type, a kind, or says mixed', () => {
    assert.equal(labelForItems(['file:README.md', 'file:docs/a.md', 'file:CHANGELOG.md']), '*.md files');
    assert.equal(labelForItems(['snippet:typescript/log', 'snippet:typescript/for']), 'snippets from typescript');
    assert.equal(labelForItems(['extension:ms-python.python', 'extension:esbenp.prettier-vscode']), 'extensions');
    assert.equal(labelForItems(['file:a.ts', 'extension:x.y']), 'mixed: extensions, files');
    assert.equal(labelForItems(['file:a.ts', 'file:b/c.py', 'file:d/e.rs']), 'mixed files');
    assert.equal(labelForItems([]), 'no items');
  });

  it('with the model\'s files as a base, names no folder or type that is about as common among all files', () => {
    // Half of all files are in src/ and most are *.ts: neither tells these five apart.
    const all = [
      ...Array.from({ length: 10 }, (_, i) => `file:src/a${i}.ts`),
      ...Array.from({ length: 6 }, (_, i) => `file:src/ui/u${i}.ts`),
      ...Array.from({ length: 4 }, (_, i) => `file:src/store/s${i}.ts`),
      ...Array.from({ length: 16 }, (_, i) => `file:test/t${i}.ts`),
      ...Array.from({ length: 4 }, (_, i) => `file:docs/d${i}.md`),
    ];
    const base = labelBase(all);
    assert.equal(base.files, 40);
    assert.equal(base.dirs.get('src'), 20);
    const spread = ['file:src/a1.ts', 'file:src/ui/u1.ts', 'file:src/store/s1.ts', 'file:src/a2.ts', 'file:test/t1.ts'];
    assert.equal(labelForItems(spread), 'mostly src/', 'without a base, as before');
    assert.equal(labelForItems(spread, base), 'mixed files');
    // src/ui/ holds 15% of all files and 80% of these: it names them.
    assert.equal(labelForItems(['file:src/ui/u1.ts', 'file:src/ui/u2.ts', 'file:src/ui/u3.ts', 'file:src/ui/u4.ts', 'file:src/a1.ts'], base), 'mostly src/ui/');
    assert.equal(labelForItems(['file:docs/d1.md', 'file:docs/d2.md', 'file:src/x.md'], base), 'mostly docs/');
    assert.equal(labelForItems(['file:docs/d1.md', 'file:test/x.md', 'file:src/y.md'], base), '*.md files');
    assert.equal(labelForItems(['file:docs/d1.ts', 'file:test/x.ts', 'file:src/y.ts'], base), 'mixed files', '*.ts is everywhere');
    // A sample of at most 2,000 keys: the shares stay close on a large model.
    const big = Array.from({ length: 30_000 }, (_, i) => (i % 2 ? `file:src/f${i}.ts` : `file:lib/g${i}.js`));
    const b = labelBase(big);
    assert.ok(b.files <= 2000 && Math.abs((b.dirs.get('src') ?? 0) / b.files - 0.5) < 0.01, `${b.files} ${b.dirs.get('src')}`);
  });

  it('keeps hostile names as plain strings (escaping is the renderer\'s job, nothing is dropped)', () => {
    assert.equal(labelForItems(['file:<img src=x onerror=alert(1)>/a.ts', 'file:<img src=x onerror=alert(1)>/b.ts']), '<img src=x onerror=alert(1)>/');
  });

  it('summarises both ends of each factor with its strongest items', () => {
    const keys = ['file:ui/a.ts', 'file:ui/b.ts', 'file:build/x.mjs', 'file:build/y.mjs'];
    // factor 0 separates ui (+) from build (-); factor 1 is the opposite.
    const Y = [0.9, -0.5, 0.8, -0.4, -0.7, 0.6, -0.6, 0.9];
    const s = factorSummaries(Y, 2, keys, 2);
    assert.equal(s.length, 2);
    assert.equal(s[0].high.label, 'ui/');
    assert.deepEqual(s[0].high.items.map((v) => v.index), [0, 1]);
    assert.equal(s[0].low.label, 'build/');
    assert.deepEqual(s[1].high.items.map((v) => v.index), [3, 2]);
    assert.throws(() => factorSummaries(Y, 2, keys.slice(1), 2), LatentInputError);
  });

  it('names an end\'s strongest item when its label alone tells nothing: both ends alike, or mixed', () => {
    const keys = ['file:src/a.ts', 'file:src/b.ts', 'file:src/c.ts', 'file:src/d.ts', 'file:x/e.rs', 'file:y/f.py'];
    // factor 0: src/ at both ends; factor 1: mixed files (+) against src/ (-).
    const Y = [0.9, -0.2, 0.8, -0.3, -0.7, -0.6, -0.6, -0.5, 0.1, 0.9, 0.05, 0.8];
    const s = factorSummaries(Y, 2, keys, 2);
    assert.equal(s[0].high.label, 'src/, led by a.ts');
    assert.equal(s[0].low.label, 'src/, led by c.ts');
    assert.equal(s[1].high.label, 'led by e.rs and f.py');
    assert.equal(s[1].low.label, 'src/');
    // Two of one name go by their paths; nothing to name, nothing added.
    assert.equal(endLabel('mixed files', undefined, ['file:a/index.ts', 'file:b/index.ts', 'file:c.ts']), 'led by a/index.ts and b/index.ts');
    assert.equal(endLabel('mixed files', undefined, []), 'mixed files');
    assert.equal(endLabel('src/ui/', 'src/', ['file:src/ui/a.ts']), 'src/ui/');
  });
});

describe('explainView: why this recommendation', () => {
  it('splits the score into bias and per-factor terms that add up', () => {
    const s = scoreSplit([0.5, -1, 2], [0.2, 0.3, 0.1], 0, 0.05);
    closeVec(s.perFactor, [0.1, -0.3, 0.2], 1e-12);
    close(s.dot, 0, 1e-12);
    close(s.total, 0.05, 1e-12);
    assert.throws(() => scoreSplit([1], [1, 2], 0, 0), LatentInputError);
  });

  it('ranks the session items most similar to the target, without the target itself', () => {
    const Y = [1, 0, 0.9, 0.1, 0, 1, -1, 0];
    const co = coUsedItems(Y, 2, 0, [3, 2, 1, 0, 1], 2);
    assert.deepEqual(co.map((c) => c.index), [1, 2]);
    close(co[1].similarity, 0);
  });
});
