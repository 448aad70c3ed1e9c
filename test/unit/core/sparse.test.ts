// CsrMatrix.fromTriples: every row by column, duplicate cells summed in triple order, whichever way the triples come.
import { strict as assert } from 'node:assert';
import { makeRng } from '../../../src/core/random';
import { CsrMatrix } from '../../../src/core/sparse';

/** The matrix by definition: per row, (column, triple) order; duplicates summed in float64 in that order, rounded once. */
function reference(nRows: number, rows: number[], cols: number[], values: number[]): { indptr: number[]; indices: number[]; values: number[] } {
  const out = { indptr: [0], indices: [] as number[], values: [] as number[] };
  for (let r = 0; r < nRows; r++) {
    const ts = rows.map((_, t) => t).filter((t) => rows[t] === r).sort((a, b) => cols[a] - cols[b] || a - b);
    for (const t of ts) {
      const last = out.indices.length - 1;
      if (last >= out.indptr[r] && out.indices[last] === cols[t]) out.values[last] += values[t];
      else {
        out.indices.push(cols[t]);
        out.values.push(values[t]);
      }
    }
    out.indptr.push(out.indices.length);
  }
  out.values = Array.from(Float32Array.from(out.values));
  return out;
}

function triples(seed: string, nRows: number, nCols: number, n: number, longRow: number) {
  const rng = makeRng(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let t = 0; t < n; t++) {
    rows.push(Math.floor(rng() * nRows));
    cols.push(Math.floor(rng() * nCols));
    values.push(rng() * 10 - 1);
  }
  // One row longer than insertion sort takes, with repeated columns.
  for (let t = 0; t < longRow; t++) {
    rows.push(1);
    cols.push(Math.floor(rng() * 20));
    values.push(rng());
  }
  return { rows, cols, values };
}

describe('core: CsrMatrix.fromTriples', () => {
  for (const sortedRows of [true, false]) {
    it(`rows ${sortedRows ? 'together (each row sorted on its own)' : 'in any order (counting sorts)'}: rows by column, duplicates summed in triple order`, () => {
      const nRows = 40;
      const t = triples(`csr-${sortedRows}`, nRows, 25, 600, 90);
      // The same triples with rows together, keeping the triple order within each row.
      const order = t.rows.map((_, i) => i);
      if (sortedRows) order.sort((a, b) => t.rows[a] - t.rows[b] || a - b);
      const rows = order.map((i) => t.rows[i]);
      const cols = order.map((i) => t.cols[i]);
      const values = order.map((i) => t.values[i]);
      const m = CsrMatrix.fromTriples(nRows, 25, rows, cols, values);
      const want = reference(nRows, rows, cols, values);
      assert.ok(want.indices.length < rows.length, 'the triples repeat some cells');
      assert.deepEqual(Array.from(m.indptr), want.indptr);
      assert.deepEqual(Array.from(m.indices), want.indices);
      assert.deepEqual(Array.from(m.values), want.values);
    });
  }

  it('gives the same matrix for rows together as for the same triples shuffled when no cell repeats', () => {
    const rng = makeRng('csr-same');
    const rows: number[] = [];
    const cols: number[] = [];
    const values: number[] = [];
    for (let r = 0; r < 30; r++) {
      const used = new Set<number>();
      for (let q = 0; q < 1 + Math.floor(rng() * 50); q++) {
        const c = Math.floor(rng() * 60);
        if (used.has(c)) continue;
        used.add(c);
        rows.push(r);
        cols.push(c);
        values.push(rng());
      }
    }
    const together = CsrMatrix.fromTriples(30, 60, rows, cols, values);
    const shuffled = rows.map((_, i) => i);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const apart = CsrMatrix.fromTriples(30, 60, shuffled.map((i) => rows[i]), shuffled.map((i) => cols[i]), shuffled.map((i) => values[i]));
    assert.deepEqual(together, apart);
  });
});
