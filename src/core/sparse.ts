// Compressed sparse row matrix over typed arrays. Only observed cells are stored: the loss sums over these
// (P_Omega), never over implicit zeros.
import { LatentInputError } from './errors';
import { requirePositiveInt } from './validate';

/**
 * Positions 0 .. keys.length - 1 grouped by key (each an integer in [0, nKeys)), each group in position order (a
 * stable counting sort): group k is order[ptr[k] .. ptr[k + 1]).
 */
export function bucketOrder(keys: ArrayLike<number>, nKeys: number): { ptr: Int32Array; order: Int32Array } {
  const n = keys.length;
  const ptr = new Int32Array(nKeys + 1);
  for (let t = 0; t < n; t++) ptr[keys[t] + 1]++;
  for (let k = 0; k < nKeys; k++) ptr[k + 1] += ptr[k];
  const next = ptr.slice(0, nKeys);
  const order = new Int32Array(n);
  for (let t = 0; t < n; t++) order[next[keys[t]]++] = t;
  return { ptr, order };
}

export interface SparseRow {
  indices: Int32Array;
  values: Float32Array;
}

/** Longer rows are sorted by the engine's sort in fromTriples, shorter ones by insertion. */
const INSERTION_SORT_MAX = 32;

export class CsrMatrix {
  constructor(
    readonly nRows: number,
    readonly nCols: number,
    readonly indptr: Int32Array,
    readonly indices: Int32Array,
    readonly values: Float32Array,
  ) {}

  get nnz(): number {
    return this.indices.length;
  }

  /**
   * Builds a matrix from (row, col, value) triples. Duplicate cells are summed; column indices within a row
   * come out sorted. Throws LatentInputError on out-of-range or non-integer indices and non-finite values.
   */
  static fromTriples(
    nRows: number,
    nCols: number,
    rows: ArrayLike<number>,
    cols: ArrayLike<number>,
    values: ArrayLike<number>,
  ): CsrMatrix {
    requirePositiveInt('nRows', nRows);
    requirePositiveInt('nCols', nCols);
    const n = rows.length;
    if (cols.length !== n || values.length !== n) {
      throw new LatentInputError(`rows, cols and values must have equal lengths (${n}, ${cols.length}, ${values.length})`);
    }
    let rowsInOrder = true;
    for (let t = 0; t < n; t++) {
      const r = rows[t];
      const c = cols[t];
      const v = values[t];
      if (!Number.isInteger(r) || r < 0 || r >= nRows) {
        throw new LatentInputError(`triple ${t}: row index ${r} is out of range [0, ${nRows})`);
      }
      if (!Number.isInteger(c) || c < 0 || c >= nCols) {
        throw new LatentInputError(`triple ${t}: column index ${c} is out of range [0, ${nCols})`);
      }
      if (!Number.isFinite(v)) throw new LatentInputError(`triple ${t}: value must be finite, got ${v}`);
      if (t > 0 && r < rows[t - 1]) rowsInOrder = false;
    }
    // Each row's entries by column, duplicate cells summed in triple order (in float64, rounded once): the order
    // every reader's sums follow, whichever way the triples came.
    const indptr = new Int32Array(nRows + 1);
    const outCols = new Int32Array(n);
    const outVals = new Float32Array(n);
    let m = 0;
    /** Appends row r: the triples idx[from .. to), given in (column, triple) order. */
    const putRow = (r: number, idx: Int32Array, from: number, to: number): void => {
      let last = -1;
      let sum = 0;
      for (let q = from; q < to; q++) {
        const t = idx[q];
        const c = cols[t];
        if (c === last) sum += values[t];
        else {
          if (last >= 0) outVals[m - 1] = sum;
          outCols[m++] = c;
          sum = values[t];
          last = c;
        }
      }
      if (last >= 0) outVals[m - 1] = sum;
      indptr[r + 1] = m;
    };
    if (rowsInOrder) {
      // Rows already together (a sessionized history's are): each row put in order on its own, without the two
      // n-long counting sorts below and their n-long arrays (12 MB at a million triples, in the worker's fit).
      let scratch = new Int32Array(16);
      let t = 0;
      for (let r = 0; r < nRows; r++) {
        const from = t;
        while (t < n && rows[t] === r) t++;
        const len = t - from;
        if (len > scratch.length) scratch = new Int32Array(Math.max(len, 2 * scratch.length));
        if (len > INSERTION_SORT_MAX) {
          const row = scratch.subarray(0, len);
          for (let q = 0; q < len; q++) row[q] = from + q;
          row.sort((a, b) => cols[a] - cols[b] || a - b);
          putRow(r, scratch, 0, len);
          continue;
        }
        // Insertion sort by (column, triple): rows are short, and often in order already.
        for (let q = 0; q < len; q++) {
          const x = from + q;
          const c = cols[x];
          let p = q;
          while (p > 0 && cols[scratch[p - 1]] > c) {
            scratch[p] = scratch[p - 1];
            p--;
          }
          scratch[p] = x;
        }
        putRow(r, scratch, 0, len);
      }
    } else {
      // Two stable counting sorts, by column and then by row, leave each row's entries by column and duplicate cells
      // in triple order (as sorting each row by column, then position, would).
      const byCol = bucketOrder(cols, nCols).order;
      const perm = new Int32Array(n);
      for (let q = 0; q < n; q++) perm[q] = rows[byCol[q]];
      const { ptr, order } = bucketOrder(perm, nRows);
      for (let q = 0; q < n; q++) perm[q] = byCol[order[q]];
      for (let r = 0; r < nRows; r++) putRow(r, perm, ptr[r], ptr[r + 1]);
    }
    return new CsrMatrix(nRows, nCols, indptr, m === n ? outCols : outCols.slice(0, m), m === n ? outVals : outVals.slice(0, m));
  }

  /** Views (no copy) of row i's column indices and values. */
  row(i: number): SparseRow {
    if (!Number.isInteger(i) || i < 0 || i >= this.nRows) {
      throw new LatentInputError(`row ${i} is out of range [0, ${this.nRows})`);
    }
    const a = this.indptr[i];
    const b = this.indptr[i + 1];
    return { indices: this.indices.subarray(a, b), values: this.values.subarray(a, b) };
  }

  /** Column view = row of the transpose; computes the transpose (cache it if you call this often). */
  transpose(): CsrMatrix {
    const { nRows, nCols, indices, values } = this;
    const nnz = indices.length;
    // Entries are stored row by row, so each column's entries come out by row: every output row sorted.
    const { ptr: tptr, order } = bucketOrder(indices, nCols);
    const rowOf = this.rowOfEntry();
    const tind = new Int32Array(nnz);
    const tval = new Float32Array(nnz);
    for (let q = 0; q < nnz; q++) {
      tind[q] = rowOf[order[q]];
      tval[q] = values[order[q]];
    }
    return new CsrMatrix(nCols, nRows, tptr, tind, tval);
  }

  /** Row index of every stored entry (COO row array), for entry-wise trainers. */
  rowOfEntry(): Int32Array {
    const out = new Int32Array(this.nnz);
    for (let r = 0; r < this.nRows; r++) out.fill(r, this.indptr[r], this.indptr[r + 1]);
    return out;
  }

  /** Value at (i, j) or undefined when the cell is not stored (binary search in the row). */
  get(i: number, j: number): number | undefined {
    let lo = this.indptr[i];
    let hi = this.indptr[i + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.indices[mid];
      if (c === j) return this.values[mid];
      if (c < j) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}
