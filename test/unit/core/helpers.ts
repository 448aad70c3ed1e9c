// Small shared fixtures for the core tests.
import type { MfModel } from '../../../src/core/model';
import { makeRng } from '../../../src/core/random';
import { serializeRecommender, type RecommenderModel } from '../../../src/core/recommender';
import { serializeModel } from '../../../src/core/serialize';
import { CsrMatrix } from '../../../src/core/sparse';

/** A rank-r matrix U V^T + offset, with a random fraction `density` of cells observed, split into train/test. */
export function plantedLowRank(
  nRows: number,
  nCols: number,
  r: number,
  density: number,
  seed: string,
  offset = 3,
): { train: CsrMatrix; test: { u: number[]; i: number[]; v: number[] } } {
  const rng = makeRng(seed);
  const U = Array.from({ length: nRows * r }, () => rng() * 2 - 1);
  const V = Array.from({ length: nCols * r }, () => rng() * 2 - 1);
  const tr = { u: [] as number[], i: [] as number[], v: [] as number[] };
  const te = { u: [] as number[], i: [] as number[], v: [] as number[] };
  for (let a = 0; a < nRows; a++) {
    for (let b = 0; b < nCols; b++) {
      const x = rng();
      if (x >= density) continue;
      let v = offset;
      for (let f = 0; f < r; f++) v += U[a * r + f] * V[b * r + f];
      const dst = x < density * 0.85 ? tr : te;
      dst.u.push(a);
      dst.i.push(b);
      dst.v.push(v);
    }
  }
  return { train: CsrMatrix.fromTriples(nRows, nCols, tr.u, tr.i, tr.v), test: te };
}

/** Random sparse matrix with values in [lo, hi). */
export function randomSparse(nRows: number, nCols: number, density: number, seed: string, lo = 1, hi = 5): CsrMatrix {
  const rng = makeRng(seed);
  const u: number[] = [];
  const i: number[] = [];
  const v: number[] = [];
  for (let a = 0; a < nRows; a++) {
    for (let b = 0; b < nCols; b++) {
      if (rng() < density) {
        u.push(a);
        i.push(b);
        v.push(lo + (hi - lo) * rng());
      }
    }
  }
  return CsrMatrix.fromTriples(nRows, nCols, u, i, v);
}

export function bitsEqual(a: Float32Array | Float64Array, b: Float32Array | Float64Array): boolean {
  if (a.length !== b.length || a.BYTES_PER_ELEMENT !== b.BYTES_PER_ELEMENT) return false;
  const words = a.byteLength / 4;
  const x = new Uint32Array(a.buffer, a.byteOffset, words);
  const y = new Uint32Array(b.buffer, b.byteOffset, words);
  for (let t = 0; t < x.length; t++) if (x[t] !== y[t]) return false;
  return true;
}

/** 60 sessions in 3 areas of 10 items each; a session touches 6 of its area's 10 items (signal 1 to 3). */
export function clusteredSignal(): CsrMatrix {
  const u: number[] = [];
  const i: number[] = [];
  const v: number[] = [];
  for (let s = 0; s < 60; s++) {
    const area = s % 3;
    for (let j = 0; j < 6; j++) {
      u.push(s);
      i.push(area * 10 + ((s + j * 3) % 10));
      v.push(1 + (j % 3));
    }
  }
  return CsrMatrix.fromTriples(60, 30, u, i, v);
}

/** Runs fn with globalThis.WebAssembly replaced (undefined: removed), then puts the real one back. */
export function withWebAssembly<T>(replacement: unknown, fn: () => T): T {
  const g = globalThis as { WebAssembly?: unknown };
  const saved = Object.getOwnPropertyDescriptor(g, 'WebAssembly');
  Object.defineProperty(g, 'WebAssembly', { value: replacement, configurable: true, writable: true });
  try {
    return fn();
  } finally {
    if (saved) Object.defineProperty(g, 'WebAssembly', saved);
    else delete g.WebAssembly;
  }
}

/** The real WebAssembly API but a host without SIMD: it validates no module and compiles none. */
export function webAssemblyWithoutSimd(): object {
  return {
    ...(globalThis as unknown as { WebAssembly: object }).WebAssembly,
    validate: () => false,
    Module: function () {
      throw new Error('no SIMD');
    },
  };
}

/**
 * `model` as a file of format version 2 (or 1, without the training record) wrote it: the factor model nested as a
 * serialized MfModel holding every session's vector, here `sessions` (nSessions x k, row-major). The training row
 * points at its row of them and carries no vector of its own.
 */
export function legacyModelFile(model: RecommenderModel, sessions: Float32Array, version: 1 | 2): string {
  const { k, nItems, mu, itemBias, itemFactors } = model.mf;
  const nUsers = sessions.length / k;
  const mf: MfModel = { kind: 'implicit', k, nUsers, nItems, mu, userBias: new Float32Array(nUsers), itemBias, userFactors: sessions, itemFactors };
  const o = JSON.parse(serializeRecommender(model)) as Record<string, unknown>;
  o.version = version;
  o.mf = serializeModel(mf);
  const row = model.training.lastRow;
  if (version === 1) delete o.training;
  else o.training = { ...model.training, ...(row ? { lastRow: { session: row.session, row: Math.min(row.row, nUsers - 1), cells: row.cells } } : {}) };
  return JSON.stringify(o);
}
