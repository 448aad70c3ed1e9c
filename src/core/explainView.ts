// Pure view-model computations for the "Inside the model" webview: the worked SGD update, PCA of the item
// factors, factor labels from their strongest items, and the per-factor split of a score. No vscode, no node:*.
import { LatentInputError } from './errors';
import { displayName, parseItemKey } from './itemKey';
import { finishSteps, type Steps } from './train';
import { requireFinite, requireIndex, requireLength, requireNonNegative, requirePositiveInt } from './validate';

/** Item k-vector i of a row-major nItems*k factor matrix, as a plain array (for JSON and display). */
export function rowOf(factors: ArrayLike<number>, k: number, i: number): number[] {
  requirePositiveInt('k', k);
  requireIndex('row', i, Math.floor(factors.length / k));
  const out = new Array<number>(k);
  for (let f = 0; f < k; f++) out[f] = factors[i * k + f];
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  requireLength('second vector', b, a.length);
  let s = 0;
  for (let f = 0; f < a.length; f++) s += a[f] * b[f];
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Worked SGD update

/** One observed cell with the parameters it touches, as the trainer sees it. */
export interface SgdCell {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  mu: number;
  bias: number;
  /** p (implicit preference) or r (explicit rating). */
  target: number;
  /** c = 1 + alpha log(1 + r/epsilon); 1 for the plain lecture loss. */
  confidence: number;
}

export interface SgdParams {
  learningRate: number;
  /** the session vector's penalty in this step */
  lambda: number;
  /**
   * The item vector's (and its bias's) penalty, when it differs from the session's: a loss that counts each vector's
   * penalty once gives each cell a share of it, 1 / (the vector's cells), and a session and an item have different counts.
   */
  lambdaItem?: number;
  /** The lecture's step has no bias, nor has the full implicit loss's trainer; the sampled trainer learns one. */
  updateBias: boolean;
}

export interface SgdStepView {
  target: number;
  confidence: number;
  mu: number;
  dot: number;
  prediction: number;
  error: number;
  /** c * e^2: this cell's weighted squared error before and after the step. */
  lossBefore: number;
  lossAfter: number;
  biasBefore: number;
  biasAfter: number;
  xBefore: number[];
  xAfter: number[];
  yBefore: number[];
  yAfter: number[];
}

/**
 * One SGD step on c (p - r_hat)^2 + lambda |x|^2 + lambda' (|y|^2 + b^2), the factor 2 folded into the learning rate
 * (lambda' = lambdaItem, else lambda):
 *   e = p - r_hat;  x' = x + eta (c e y - lambda x);  y' = y + eta (c e x - lambda' y);  b' = b + eta (c e - lambda' b).
 * Both vectors move using the values from before the step (simultaneous update), as in the lecture.
 */
export function explainSgdStep(cell: SgdCell, params: SgdParams): SgdStepView {
  const k = cell.x.length;
  if (k === 0) throw new LatentInputError('vectors must have at least one factor');
  requireLength('item vector', cell.y, k);
  for (const [name, v] of [['mu', cell.mu], ['bias', cell.bias], ['target', cell.target]] as const) requireFinite(name, v);
  requireNonNegative('confidence', cell.confidence);
  requireNonNegative('learning rate', params.learningRate);
  requireNonNegative('lambda', params.lambda);
  const lambdaItem = params.lambdaItem ?? params.lambda;
  requireNonNegative('item lambda', lambdaItem);
  const x = Array.from(cell.x);
  const y = Array.from(cell.y);
  if (!x.every(Number.isFinite) || !y.every(Number.isFinite)) throw new LatentInputError('vectors must be finite');
  const { learningRate: eta, lambda } = params;
  const d = dot(x, y);
  const prediction = cell.mu + cell.bias + d;
  const error = cell.target - prediction;
  const g = cell.confidence * error;
  const xAfter = x.map((xf, f) => xf + eta * (g * y[f] - lambda * xf));
  const yAfter = y.map((yf, f) => yf + eta * (g * x[f] - lambdaItem * yf));
  const biasAfter = params.updateBias ? cell.bias + eta * (g - lambdaItem * cell.bias) : cell.bias;
  const errorAfter = cell.target - (cell.mu + biasAfter + dot(xAfter, yAfter));
  return {
    target: cell.target,
    confidence: cell.confidence,
    mu: cell.mu,
    dot: d,
    prediction,
    error,
    lossBefore: cell.confidence * error * error,
    lossAfter: cell.confidence * errorAfter * errorAfter,
    biasBefore: cell.bias,
    biasAfter,
    xBefore: x,
    xAfter,
    yBefore: y,
    yAfter,
  };
}

/** A cell of a replay: which row and column vectors it reads, and its target and confidence. */
export interface ReplayCell {
  row: number;
  col: number;
  target: number;
  confidence: number;
}

export interface ReplayStart {
  rows: number[][];
  cols: number[][];
  colBias: number[];
  mu: number;
}

/**
 * Successive SGD steps over `cells` in order; each step sees the vectors left by the previous ones, so
 * stepping through shows the same vector being pulled by several cells.
 */
export function replaySgd(start: ReplayStart, cells: readonly ReplayCell[], params: SgdParams): SgdStepView[] {
  const rows = start.rows.map((r) => r.slice());
  const cols = start.cols.map((c) => c.slice());
  const colBias = start.colBias.slice();
  if (colBias.length !== cols.length) throw new LatentInputError('one bias per column vector is required');
  return cells.map((c) => {
    requireIndex('replay row', c.row, rows.length);
    requireIndex('replay column', c.col, cols.length);
    const step = explainSgdStep(
      { x: rows[c.row], y: cols[c.col], mu: start.mu, bias: colBias[c.col], target: c.target, confidence: c.confidence },
      params,
    );
    rows[c.row] = step.xAfter;
    cols[c.col] = step.yAfter;
    colBias[c.col] = step.biasAfter;
    return step;
  });
}

// ---------------------------------------------------------------------------------------------------------
// PCA of item factors

export interface Pca2 {
  /** x, y per input row. */
  coords: [number, number][];
  /** Unit principal axes in factor space (k entries each). */
  axes: [number[], number[]];
  /** Share of the total variance along each axis, in [0, 1]. */
  explained: [number, number];
  mean: number[];
}

/**
 * Symmetric eigen-decomposition by cyclic Jacobi rotations: exact enough for k <= 100 and deterministic,
 * which keeps the map stable between renders. Returns eigenvalues descending with their unit eigenvectors.
 */
export function symmetricEigen(a: number[][]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((row) => {
    requireLength('matrix row', row, n);
    return row.slice();
  });
  const v: number[][] = m.map((_, i) => m.map((__, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p][q] * m[p][q];
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p][q]) < 1e-300) continue;
        const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < n; r++) {
          const mrp = m[r][p];
          const mrq = m[r][q];
          m[r][p] = c * mrp - s * mrq;
          m[r][q] = s * mrp + c * mrq;
        }
        for (let r = 0; r < n; r++) {
          const mpr = m[p][r];
          const mqr = m[q][r];
          m[p][r] = c * mpr - s * mqr;
          m[q][r] = s * mpr + c * mqr;
        }
        for (let r = 0; r < n; r++) {
          const vrp = v[r][p];
          const vrq = v[r][q];
          v[r][p] = c * vrp - s * vrq;
          v[r][q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = m.map((_, i) => i).sort((i, j) => m[j][j] - m[i][i]);
  return { values: order.map((i) => m[i][i]), vectors: order.map((i) => v.map((row) => row[i])) };
}

/** First two principal components of the chosen rows of a row-major n*k matrix (all rows by default). */
export function pca2(factors: ArrayLike<number>, k: number, rows?: readonly number[]): Pca2 {
  requirePositiveInt('k', k);
  const n = Math.floor(factors.length / k);
  const idx = rows ?? Array.from({ length: n }, (_, i) => i);
  if (idx.length === 0) throw new LatentInputError('PCA needs at least one item');
  const data = idx.map((i) => rowOf(factors, k, i));
  if (!data.every((r) => r.every(Number.isFinite))) throw new LatentInputError('PCA input must be finite');
  const mean = new Array<number>(k).fill(0);
  for (const r of data) for (let f = 0; f < k; f++) mean[f] += r[f] / data.length;
  const cov = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const r of data) {
    for (let a = 0; a < k; a++) for (let b = a; b < k; b++) cov[a][b] += (r[a] - mean[a]) * (r[b] - mean[b]);
  }
  for (let a = 0; a < k; a++) for (let b = a; b < k; b++) cov[b][a] = cov[a][b];
  const p = principalAxes(cov, mean);
  return { coords: data.map((r) => projectPca(r, mean, p.axes)), ...p };
}

/**
 * pca2's axes for all n rows of Y from Y^T Y (k x k, row-major) and the rows' mean: the scatter matrix is
 * Y^T Y - n mean mean^T, so no pass over the rows' k x k products (the model keeps Y^T Y for the fold-in). Positions
 * come from projectPca, for the rows that are drawn.
 */
export function pcaAxesFromGram(gram: ArrayLike<number>, mean: readonly number[], n: number): Omit<Pca2, 'coords'> {
  const k = mean.length;
  requirePositiveInt('k', k);
  requireLength('Y^T Y', gram, k * k);
  if (!(n > 0) || !mean.every(Number.isFinite)) throw new LatentInputError('PCA needs at least one item and a finite mean');
  const cov = Array.from({ length: k }, (_, a) => Array.from({ length: k }, (__, b) => gram[a * k + b] - n * mean[a] * mean[b]));
  if (!cov.every((r) => r.every(Number.isFinite))) throw new LatentInputError('PCA input must be finite');
  return principalAxes(cov, [...mean]);
}

/** The first two eigenvectors of a scatter matrix, signed so the picture does not flip, and their shares of the variance. */
function principalAxes(cov: number[][], mean: number[]): Omit<Pca2, 'coords'> {
  const k = mean.length;
  // Only two axes are drawn: a full decomposition is O(k^3) a sweep (250 ms at k = 128, on the extension host).
  const { values, vectors } = k < 3 ? symmetricEigen(cov) : topTwoEigen(cov);
  const axes = [0, 1].map((j) => {
    const vec = vectors[j] ?? new Array<number>(k).fill(0); // k = 1: there is no second axis
    // Eigenvectors have no sign; make the largest entry positive so the picture does not flip between runs.
    let big = 0;
    for (let f = 0; f < k; f++) if (Math.abs(vec[f]) > Math.abs(vec[big])) big = f;
    return vec[big] < 0 ? vec.map((x) => -x) : vec;
  }) as [number[], number[]];
  // The variance is the trace (the sum of all eigenvalues of a scatter matrix, which has none below 0).
  let total = 0;
  for (let f = 0; f < k; f++) total += Math.max(0, cov[f][f]);
  const share = (j: number): number => (total > 0 && values[j] !== undefined ? Math.min(1, Math.max(0, values[j]) / total) : 0);
  return { axes, explained: [share(0), share(1)], mean };
}

/**
 * Iterations of topTwoEigen at most (about 10 ms at k = 128, 1 ms at 32): a residual of 1e-9 when the third eigenvalue
 * is at most 0.8 of the second. Closer, the second axis is nearly arbitrary, and a picture does not need it to 9 digits.
 */
const TOP_TWO_MAX_ITERATIONS = 100;

/**
 * The two largest eigenpairs of a symmetric positive semi-definite k x k matrix (k >= 3), largest first: subspace
 * iteration with a Rayleigh-Ritz step, O(k^2) an iteration. It converges as (third / second eigenvalue) per
 * iteration; when those are nearly equal the second axis is nearly arbitrary anyway, and the cap ends it. Deterministic:
 * it starts from the matrix's heaviest column and a fixed vector.
 */
export function topTwoEigen(a: number[][]): { values: number[]; vectors: number[][] } {
  const k = a.length;
  if (k < 3) throw new LatentInputError('topTwoEigen needs k >= 3');
  const c = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    requireLength('matrix row', a[i], k);
    for (let j = 0; j < k; j++) c[i * k + j] = a[i][j];
  }
  if (!c.every(Number.isFinite)) throw new LatentInputError('eigen input must be finite');
  // Both products in one pass over the matrix.
  const mul2 = (u: Float64Array, v: Float64Array, outU: Float64Array, outV: Float64Array): void => {
    for (let i = 0; i < k; i++) {
      let su = 0;
      let sv = 0;
      for (let j = 0, o = i * k; j < k; j++, o++) {
        su += c[o] * u[j];
        sv += c[o] * v[j];
      }
      outU[i] = su;
      outV[i] = sv;
    }
  };
  // Start: the heaviest column, and a fixed vector with a part along every direction (two columns can both miss one).
  let heaviest = 0;
  let most = -1;
  for (let j = 0; j < k; j++) {
    let n = 0;
    for (let i = 0; i < k; i++) n += c[i * k + j] * c[i * k + j];
    if (n > most) [heaviest, most] = [j, n];
  }
  const generic = (): Float64Array => Float64Array.from({ length: k }, (_, i) => Math.sin(1.7 * i + 0.3));
  let q1: Float64Array = Float64Array.from({ length: k }, (_, i) => c[i * k + heaviest]);
  let q2: Float64Array = generic();
  if (!orthonormalize(q1, q2)) {
    q1 = generic().reverse();
    q2 = generic();
    orthonormalize(q1, q2);
  }
  const w1 = new Float64Array(k);
  const w2 = new Float64Array(k);
  let values = [0, 0];
  for (let it = 0; it < TOP_TWO_MAX_ITERATIONS; it++) {
    mul2(q1, q2, w1, w2);
    // Rayleigh-Ritz on span(q1, q2): the 2 x 2 problem H = Q^T C Q, solved exactly.
    let h11 = 0;
    let h12 = 0;
    let h22 = 0;
    for (let i = 0; i < k; i++) {
      h11 += q1[i] * w1[i];
      h12 += q1[i] * w2[i];
      h22 += q2[i] * w2[i];
    }
    const half = (h11 - h22) / 2;
    const root = Math.hypot(half, h12);
    const t1 = (h11 + h22) / 2 + root;
    const t2 = (h11 + h22) / 2 - root;
    // H's eigenvector for t1: (cos, sin) of the angle that rotates (q1, q2) onto the Ritz vectors.
    const angle = root === 0 ? 0 : Math.atan2(h12, half) / 2;
    const cs = Math.cos(angle);
    const sn = Math.sin(angle);
    let residual = 0;
    for (let i = 0; i < k; i++) {
      const r1 = cs * q1[i] + sn * q2[i];
      const r2 = -sn * q1[i] + cs * q2[i];
      const z1 = cs * w1[i] + sn * w2[i];
      const z2 = -sn * w1[i] + cs * w2[i];
      q1[i] = r1;
      q2[i] = r2;
      w1[i] = z1;
      w2[i] = z2;
      residual = Math.max(residual, Math.abs(z1 - t1 * r1), Math.abs(z2 - t2 * r2));
    }
    values = [t1, t2];
    if (residual <= 1e-9 * Math.max(Math.abs(t1), 1e-300)) break;
    // The next subspace: C times this one.
    const n1 = w1.slice();
    let n2: Float64Array = w2.slice();
    if (!orthonormalize(n1, n2)) {
      // C maps the subspace onto one line (its second eigenvalue there is 0): look again beside that line.
      n2 = generic();
      if (!orthonormalize(n1, n2)) break;
    }
    q1 = n1;
    q2 = n2;
  }
  return { values, vectors: [Array.from(q1), Array.from(q2)] };
}

/** Gram-Schmidt on two vectors in place; false when they do not span two dimensions. */
function orthonormalize(a: Float64Array, b: Float64Array): boolean {
  const na = Math.hypot(...a);
  if (!(na > 0)) return false;
  for (let i = 0; i < a.length; i++) a[i] /= na;
  let d = 0;
  for (let i = 0; i < a.length; i++) d += a[i] * b[i];
  for (let i = 0; i < a.length; i++) b[i] -= d * a[i];
  const nb = Math.hypot(...b);
  if (!(nb > 1e-12 * na)) return false;
  for (let i = 0; i < b.length; i++) b[i] /= nb;
  return true;
}

/** Position of any k-vector on the PCA map (centred with the items' mean). */
export function projectPca(v: ArrayLike<number>, mean: readonly number[], axes: readonly [number[], number[]]): [number, number] {
  requireLength('vector', v, mean.length);
  let x = 0;
  let y = 0;
  for (let f = 0; f < mean.length; f++) {
    x += (v[f] - mean[f]) * axes[0][f];
    y += (v[f] - mean[f]) * axes[1][f];
  }
  return [x, y];
}

// ---------------------------------------------------------------------------------------------------------
// Factor labels

/** How many of an end's strongest items name it: the tree's why lines and the panel read the same five. */
export const LABEL_ITEMS = 5;

/**
 * How much deeper than LABEL_ITEMS an end is read, so that the files excluded now (latent.exclude, which can change
 * after the model was trained) leave five to name it from: up to this many of them among an end's strongest.
 */
export const LABEL_SPARE_ITEMS = 5;

/** An end's items as shown and named: the first LABEL_ITEMS of its strongest (strongest first) that `hidden` spares. */
export function shownEndItems<T>(items: readonly T[], keyOf: (x: T) => string, hidden?: (item: string) => boolean): T[] {
  const out: T[] = [];
  for (const x of items) {
    if (out.length === LABEL_ITEMS) break;
    if (!hidden?.(keyOf(x))) out.push(x);
  }
  return out;
}

/** Share of the strongest items a pattern must cover to name the factor ("mostly ..."). */
export const LABEL_MAJORITY = 0.6;

function parentDirs(path: string): string[] {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

function suffixOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.indexOf('.', 1); // `.test.ts` counts as one suffix; a leading dot (dotfile) does not
  return dot > 0 ? base.slice(dot) : '';
}

/** The most frequent value and its count (ties: the longest, then alphabetical, for a stable label). */
function mostCommon(values: string[]): { value: string; count: number } | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: { value: string; count: number } | undefined;
  for (const [value, count] of counts) {
    if (
      !best ||
      count > best.count ||
      (count === best.count && (value.length > best.value.length || (value.length === best.value.length && value < best.value)))
    ) {
      best = { value, count };
    }
  }
  return best;
}

/**
 * A folder or file type names a factor only if it is this many times more common among the factor's strongest files
 * than among all the model's files: "mostly src/" says nothing where half of the files are in src/.
 */
export const LABEL_LIFT = 2;
/** At most this many of a model's items are read (an even stride) to know how common a folder or a file type is. */
const LABEL_BASE_SAMPLE = 2000;

/** How common each folder and file type is among a model's files (from a sample of at most LABEL_BASE_SAMPLE). */
export interface LabelBase {
  readonly files: number;
  readonly dirs: ReadonlyMap<string, number>;
  readonly suffixes: ReadonlyMap<string, number>;
}

/** The LabelBase of a model's item keys: about 2 ms whatever their number (a stride sample). */
export function labelBase(keys: readonly string[]): LabelBase {
  const dirs = new Map<string, number>();
  const suffixes = new Map<string, number>();
  let files = 0;
  const stride = Math.max(1, Math.ceil(keys.length / LABEL_BASE_SAMPLE));
  for (let i = 0; i < keys.length; i += stride) {
    const { kind, name } = parseItemKey(keys[i]);
    if (kind !== 'file') continue;
    files++;
    for (const d of parentDirs(name)) dirs.set(d, (dirs.get(d) ?? 0) + 1);
    const suffix = suffixOf(name);
    if (suffix !== '') suffixes.set(suffix, (suffixes.get(suffix) ?? 0) + 1);
  }
  return { files, dirs, suffixes };
}

function labelFiles(paths: string[], base: LabelBase | undefined): string {
  const need = Math.ceil(LABEL_MAJORITY * paths.length);
  // Common among these files, and (with a base) much more than among all files.
  const telling = (count: number, all: ReadonlyMap<string, number> | undefined, value: string): boolean =>
    count >= need && (!base || !all || base.files === 0 || count / paths.length >= (LABEL_LIFT * (all.get(value) ?? 0)) / base.files);
  // The deepest folder holding all (or most) of the strongest files: "what area of work this factor is".
  const dirs = paths.flatMap((p) => parentDirs(p));
  const counts = new Map<string, number>();
  for (const d of dirs) counts.set(d, (counts.get(d) ?? 0) + 1);
  const depth = (d: string): number => (d === '' ? 0 : d.split('/').length);
  let best = '';
  for (const [d, c] of counts) {
    const better = depth(d) > depth(best) || (depth(d) === depth(best) && c > (counts.get(best) ?? 0));
    if (better && telling(c, base?.dirs, d)) best = d;
  }
  if (best !== '') return (counts.get(best) === paths.length ? '' : 'mostly ') + best + '/';
  const suffix = mostCommon(paths.map(suffixOf).filter((s) => s !== ''));
  if (suffix && telling(suffix.count, base?.suffixes, suffix.value)) return (suffix.count === paths.length ? '' : 'mostly ') + '*' + suffix.value + ' files';
  return 'mixed files';
}

/**
 * A short human label for a factor from its strongest items: the common folder of its files
 * ("src/views/", "mostly test/"), a common file type ("*.md files"), or the kind ("snippets", "extensions").
 */
export function labelForItems(keys: readonly string[], base?: LabelBase): string {
  if (keys.length === 0) return 'no items';
  const parsed = keys.map(parseItemKey);
  const kind = mostCommon(parsed.map((p) => p.kind));
  if (!kind || kind.count < Math.ceil(LABEL_MAJORITY * keys.length)) return 'mixed: ' + [...new Set(parsed.map((p) => p.kind + 's'))].sort().join(', ');
  const same = parsed.filter((p) => p.kind === kind.value).map((p) => p.name);
  const mostly = kind.count === keys.length ? '' : 'mostly ';
  switch (kind.value) {
    case 'file': {
      const l = labelFiles(same, base);
      return mostly && !l.startsWith('mostly ') ? mostly + l : l;
    }
    case 'snippet': {
      const src = mostCommon(same.map((n) => (n.includes('/') ? n.slice(0, n.lastIndexOf('/')) : '')));
      return mostly + (src && src.value !== '' && src.count === same.length ? `snippets from ${src.value}` : 'snippets');
    }
    case 'extension':
      return mostly + 'extensions';
    default:
      return mostly + 'other items';
  }
}

export interface FactorEnd {
  label: string;
  items: { index: number; value: number }[];
}

export interface FactorSummary {
  factor: number;
  /** Items with the largest values of this factor, and the label derived from them. */
  high: FactorEnd;
  /** Items with the most negative values: the opposite end of the same axis. */
  low: FactorEnd;
}

/** For each factor, its n strongest items at both ends and labels derived from their keys. */
export function factorSummaries(
  itemFactors: ArrayLike<number>,
  k: number,
  keys: readonly string[],
  n: number,
  candidates?: readonly number[],
): FactorSummary[] {
  return finishSteps(factorSummariesSteps(itemFactors, k, keys, n, candidates));
}

/** Factors named between yields (factorSummariesSteps, the panel's factor views). */
export const NAMED_FACTORS_PER_STEP = 8;

/** Rows of factorSummariesSteps between yields: about 1 ms at k = 32. */
const SUMMARY_ROWS_PER_STEP = 4096;

/** factorSummaries as steps, for the extension host to run in slices (finishStepsAsync). */
export function* factorSummariesSteps(
  itemFactors: ArrayLike<number>,
  k: number,
  keys: readonly string[],
  n: number,
  candidates?: readonly number[],
  base?: LabelBase,
): Steps<FactorSummary[]> {
  requirePositiveInt('k', k);
  requirePositiveInt('n', n);
  const nItems = Math.floor(itemFactors.length / k);
  if (keys.length !== nItems) throw new LatentInputError(`need one key per item: ${keys.length} keys, ${nItems} items`);
  // Items in index order, so that of equal values the lower index comes first (as a sort by value, then index).
  const idx = candidates ? [...candidates].sort((a, b) => a - b) : undefined;
  if (idx) for (const i of idx) requireIndex('candidate item', i, keys.length);
  const m = idx ? idx.length : nItems;
  // One pass over the rows, each factor keeping its n largest positive and n most negative values in small sorted
  // buffers: the panel opens on the extension host, and sorting every item's value per factor took 0.4 s at 30,000.
  const hi = ends(k, n);
  const lo = ends(k, n);
  for (let t = 0; t < m; t += SUMMARY_ROWS_PER_STEP) {
    if (t > 0) yield;
    scanEnds(itemFactors, k, n, idx, t, Math.min(m, t + SUMMARY_ROWS_PER_STEP), hi, lo);
  }
  const { vals: hiV, ids: hiI, counts: hiN } = hi;
  const { vals: loV, ids: loI, counts: loN } = lo;
  const out: FactorSummary[] = [];
  for (let f = 0; f < k; f++) {
    // Naming reads each end's paths: a pause every few factors (32 at once held a new model's panel up to 16 ms).
    if (f > 0 && f % NAMED_FACTORS_PER_STEP === 0) yield;
    const high = Array.from({ length: hiN[f] }, (_, j) => ({ index: hiI[f * n + j], value: hiV[f * n + j] }));
    const low = Array.from({ length: loN[f] }, (_, j) => ({ index: loI[f * n + j], value: -loV[f * n + j] }));
    const names = nameEnds(high.map((v) => keys[v.index]), low.map((v) => keys[v.index]), base);
    out.push({ factor: f, high: { label: names.high, items: high }, low: { label: names.low, items: low } });
  }
  return out;
}

/**
 * What factors are named from: each factor's strongest items at both ends, read LABEL_ITEMS + LABEL_SPARE_ITEMS deep
 * (factorSummariesSteps), and the label base of the model's items. The tree's why lines and the panel read the same.
 */
export interface FactorTops {
  base: LabelBase;
  summaries: FactorSummary[];
}

/** Kept per model (a model is never changed: a rename or a retrain makes a new one). */
const factorTopsByModel = new WeakMap<object, FactorTops>();

/**
 * A model's FactorTops in steps (about 1 ms each at 30,000 items): made where a new model is prepared, before it is
 * shown, since made at the first tree row's tooltip it held the extension host 9-30 ms at 30,000 items.
 */
export function* factorTopsSteps(model: { readonly items: readonly string[]; readonly mf: { readonly itemFactors: ArrayLike<number>; readonly k: number } }): Steps<FactorTops> {
  const kept = factorTopsByModel.get(model);
  if (kept) return kept;
  const base = labelBase(model.items);
  yield;
  const summaries = yield* factorSummariesSteps(model.mf.itemFactors, model.mf.k, model.items, LABEL_ITEMS + LABEL_SPARE_ITEMS, undefined, base);
  const tops = { base, summaries };
  factorTopsByModel.set(model, tops);
  return tops;
}

/** factorTopsSteps at once (what was not prepared). */
export function factorTops(model: Parameters<typeof factorTopsSteps>[0]): FactorTops {
  return factorTopsByModel.get(model) ?? finishSteps(factorTopsSteps(model));
}

/** Per factor, the n largest values seen (sorted, largest first) with their items, and the bar a value must pass. */
interface Ends {
  vals: Float64Array;
  ids: Int32Array;
  counts: Int32Array;
  bar: Float64Array;
}

function ends(k: number, n: number): Ends {
  return { vals: new Float64Array(k * n), ids: new Int32Array(k * n), counts: new Int32Array(k), bar: new Float64Array(k) };
}

/**
 * Rows [from, to) (of `idx`, else items from..to) into each factor's ends. A function of its own, not the generator's
 * loop: the generator is deoptimized whenever it meets a model of another shape or reaches its naming part for the
 * first time, and its loop then ran as bytecode: 7-11 ms a step of 4,096 rows at 30,000 items against 0.2-1 ms
 * (`--trace-deopt`: 'wrong map', 'insufficient type feedback').
 */
function scanEnds(itemFactors: ArrayLike<number>, k: number, n: number, idx: readonly number[] | undefined, from: number, to: number, hi: Ends, lo: Ends): void {
  const hiBar = hi.bar;
  const loBar = lo.bar;
  for (let t = from; t < to; t++) {
    const i = idx ? idx[t] : t;
    for (let f = 0, o = i * k; f < k; f++, o++) {
      const v = itemFactors[o];
      // The bar is 0 until a buffer is full, then its smallest: most values go no further than this test.
      if (v > hiBar[f]) keepBest(hi, f, n, i, v);
      else if (-v > loBar[f]) keepBest(lo, f, n, i, -v);
    }
  }
}

/** Puts (i, v), v above factor f's bar, among its n largest values; of equal values the earlier stays first. */
function keepBest(e: Ends, f: number, n: number, i: number, v: number): void {
  const base = f * n;
  const c = e.counts[f];
  let p = c < n ? c : n - 1;
  if (c < n) e.counts[f] = c + 1;
  for (; p > 0 && e.vals[base + p - 1] < v; p--) {
    e.vals[base + p] = e.vals[base + p - 1];
    e.ids[base + p] = e.ids[base + p - 1];
  }
  e.vals[base + p] = v;
  e.ids[base + p] = i;
  if (e.counts[f] === n) e.bar[f] = e.vals[base + n - 1];
}

/** Both ends of a factor named from their strongest items (each strongest first), as the panel and the tree show them. */
export function nameEnds(high: readonly string[], low: readonly string[], base?: LabelBase): { high: string; low: string } {
  const hi = labelForItems(high, base);
  const lo = labelForItems(low, base);
  return { high: endLabel(hi, lo, high), low: endLabel(lo, hi, low) };
}

/**
 * An end's label (labelForItems of its items, strongest first), with its strongest items named when the label alone
 * tells nothing: its items share no telling folder, type or kind ("mixed ...": then "led by a.ts and b.ts", by path
 * when the two share a name), or both ends read alike ("mostly src/core/ versus mostly src/core/": then "mostly
 * src/core/, led by a.ts"). `other` is the other end's label, when there is one.
 */
export function endLabel(label: string, other: string | undefined, items: readonly string[]): string {
  if (items.length === 0) return label;
  if (label.startsWith('mixed')) {
    const two = items.slice(0, 2);
    const names = two.map(displayName);
    return `led by ${(names.length === 2 && names[0] === names[1] ? two.map((k) => parseItemKey(k).name) : names).join(' and ')}`;
  }
  return label === other ? `${label}, led by ${displayName(items[0])}` : label;
}

// ---------------------------------------------------------------------------------------------------------
// Why this recommendation

export interface ScoreSplit {
  mu: number;
  bias: number;
  /** x_f * y_f for each factor f; they sum to `dot`. */
  perFactor: number[];
  dot: number;
  total: number;
}

/** score = mu + b_i + sum_f x_f y_f, each term kept so the UI can show where the score comes from. */
export function scoreSplit(x: ArrayLike<number>, y: ArrayLike<number>, mu: number, bias: number): ScoreSplit {
  requireLength('item vector', y, x.length);
  requireFinite('mu', mu);
  requireFinite('bias', bias);
  const perFactor = Array.from(x, (xf, f) => xf * y[f]);
  if (!perFactor.every(Number.isFinite)) throw new LatentInputError('vectors must be finite');
  const d = perFactor.reduce((s, v) => s + v, 0);
  return { mu, bias, perFactor, dot: d, total: mu + bias + d };
}

/** Cosine similarity of two item vectors (0 when either is the zero vector). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ab = dot(a, b);
  const na = Math.sqrt(dot(a, a));
  const nb = Math.sqrt(dot(b, b));
  return na > 0 && nb > 0 ? ab / (na * nb) : 0;
}

/** The session's items most like the target in factor space: "you used these, and they come with it". */
export function coUsedItems(
  itemFactors: ArrayLike<number>,
  k: number,
  target: number,
  sessionItems: readonly number[],
  n: number,
): { index: number; similarity: number }[] {
  const y = rowOf(itemFactors, k, target);
  return [...new Set(sessionItems)]
    .filter((i) => i !== target)
    .map((index) => ({ index, similarity: cosine(y, rowOf(itemFactors, k, index)) }))
    .sort((a, b) => b.similarity - a.similarity || a.index - b.index)
    .slice(0, n);
}
