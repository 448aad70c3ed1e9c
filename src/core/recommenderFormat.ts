// The recommender's file format: JSON with base64 float fields; deserialize validates everything.
import { encodeFloat32 } from './base64';
import { ModelFormatError } from './errors';
import { resolveConfig, type RecommenderConfig } from './recommenderConfig';
import { priorBasisProblem } from './livePrior';
import { HELD_OUT_K, TRAINING_ROW_CELLS, type ModelLineage, type NeighbourTable, type PriorBasis, type RecommenderModel, type RecommenderStats, type TrainingRecord, type TrainingRow } from './recommenderModel';
import { factorModelOf, type FactorModel } from './factorModel';
import { rowOf } from './explainView';
import type { MfModel } from './model';
import { deserializeModel, float32FieldSteps } from './serialize';
import { finishSteps, type Steps } from './train';

export const RECOMMENDER_FORMAT = 'latent-recommender';

function encodeInts(a: Int32Array): string {
  // Float32 holds integers exactly up to 2^24: far above any item count a workspace has.
  return encodeFloat32(Float32Array.from(a));
}

export function serializeRecommender(m: RecommenderModel): string {
  return JSON.stringify({
    format: RECOMMENDER_FORMAT,
    version: m.version,
    config: m.config,
    items: m.items,
    mf: {
      k: m.mf.k,
      nItems: m.mf.nItems,
      mu: m.mf.mu,
      itemBias: encodeFloat32(m.mf.itemBias),
      itemFactors: encodeFloat32(m.mf.itemFactors),
      nSessions: m.mf.nSessions,
      // float64 as JSON numbers: k^2 of them, exact on the way back
      sessionGram: Array.from(m.mf.sessionGram),
    },
    prior: encodeFloat32(m.prior),
    generic: encodeInts(m.generic),
    ...(m.priorBasis ? { priorBasis: { scale: m.priorBasis.scale, genericKeep: encodeFloat32(m.priorBasis.genericKeep) } } : {}),
    neighbours: {
      indptr: encodeInts(m.neighbours.indptr),
      indices: encodeInts(m.neighbours.indices),
      values: encodeFloat32(m.neighbours.values),
    },
    trainedAt: m.trainedAt,
    mode: m.mode,
    stats: m.stats,
    training: m.training,
    ...(m.lineage ? { lineage: m.lineage } : {}),
  });
}

function fail(msg: string): never {
  throw new ModelFormatError(`recommender model: ${msg}`);
}

function objectField(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = o[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`field "${key}" must be an object`);
  return v as Record<string, unknown>;
}

/** A base64 float32 field, decoded in steps (a large one in slices). */
function* floatsField(o: Record<string, unknown>, key: string, length?: number): Steps<Float32Array> {
  return yield* float32FieldSteps(o, key, length, 'recommender model');
}

function* priorBasisField(o: Record<string, unknown>, nGeneric: number): Steps<PriorBasis> {
  if (typeof o.scale !== 'number') fail('field "priorBasis.scale" must be a number');
  const basis = { scale: o.scale, genericKeep: yield* floatsField(o, 'genericKeep', nGeneric) };
  const problem = priorBasisProblem(basis);
  if (problem) fail(`field "priorBasis": ${problem}`);
  return basis;
}

function* intsField(o: Record<string, unknown>, key: string, length: number | undefined, max: number): Steps<Int32Array> {
  return indicesOf(yield* floatsField(o, key, length), key, max);
}

/** Float32 values that must be indices in [0, max] (a plain function: generators run loops slower). */
function indicesOf(f: Float32Array, key: string, max: number): Int32Array {
  const a = new Int32Array(f.length);
  for (let t = 0; t < f.length; t++) {
    if (!Number.isInteger(f[t]) || f[t] < 0 || f[t] > max) fail(`field "${key}" entry ${t} is not an index in [0, ${max}]`);
    a[t] = f[t];
  }
  return a;
}

/** Parses and validates everything; throws ModelFormatError naming the first problem. */
export function deserializeRecommender(s: string): RecommenderModel {
  return finishSteps(deserializeRecommenderSteps(s));
}

/**
 * deserializeRecommender in steps, a pause after each large field: the extension host reads the saved model at
 * startup in slices (finishStepsAsync), never in one stretch of tens of ms.
 */
export function* deserializeRecommenderSteps(s: string): Steps<RecommenderModel> {
  let raw: unknown;
  try {
    raw = JSON.parse(s);
  } catch (e) {
    fail(`not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('must be a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.format !== RECOMMENDER_FORMAT) fail(`not a Latent recommender (format ${JSON.stringify(o.format)})`);
  if (o.version !== 1 && o.version !== 2 && o.version !== 3) fail(`unsupported version ${JSON.stringify(o.version)} (this build reads 1 to 3)`);
  let config: RecommenderConfig;
  try {
    config = resolveConfig(objectField(o, 'config') as Partial<RecommenderConfig>);
  } catch (e) {
    fail(`bad config: ${(e as Error).message}`);
  }
  if (!Array.isArray(o.items) || !o.items.every((x) => typeof x === 'string')) fail('field "items" must be an array of strings');
  const items = o.items as string[];
  yield;
  // Versions 1 and 2 kept every session's vector (a nested MF model): what this version keeps is computed from it.
  const legacy = o.version === 3 ? undefined : legacyModel(o.mf);
  const mf = legacy ? factorModelOf(legacy) : yield* factorModelField(objectField(o, 'mf'), items.length);
  if (mf.nItems !== items.length) fail(`MF model has ${mf.nItems} items, the item list ${items.length}`);
  const rowVector = (row: number, x: unknown): number[] => (legacy ? rowOf(legacy.userFactors, legacy.k, row) : finiteNumbers(x, mf.k, 'training row "x"'));
  yield;
  const prior = yield* floatsField(o, 'prior', items.length);
  // Models saved before the field existed flag no item.
  const generic = o.generic === undefined ? new Int32Array(0) : yield* intsField(o, 'generic', undefined, items.length - 1);
  // Files saved before it: the prior stays as trained until the next retrain.
  const priorBasis = o.priorBasis === undefined ? undefined : yield* priorBasisField(objectField(o, 'priorBasis'), generic.length);
  yield;
  const nbRaw = objectField(o, 'neighbours');
  const indptr = yield* intsField(nbRaw, 'indptr', items.length + 1, 2 ** 24);
  for (let i = 0; i < items.length; i++) if (indptr[i + 1] < indptr[i]) fail('neighbour table offsets decrease');
  const nnz = indptr[items.length];
  yield;
  const indices = yield* intsField(nbRaw, 'indices', nnz, items.length - 1);
  yield;
  const neighbours: NeighbourTable = { indptr, indices, values: yield* floatsField(nbRaw, 'values', nnz) };
  yield;
  if (typeof o.trainedAt !== 'number' || !Number.isFinite(o.trainedAt)) fail('field "trainedAt" must be a finite number');
  if (o.mode !== 'mf' && o.mode !== 'frecency') fail(`field "mode" must be "mf" or "frecency", got ${JSON.stringify(o.mode)}`);
  const st = objectField(o, 'stats');
  const num = (key: keyof RecommenderStats): number => {
    const v = st[key];
    // finalLoss is NaN (null in JSON) when no epoch ran.
    if ((key === 'finalLoss' || key === 'blendNdcg') && v === null) return NaN;
    if (typeof v !== 'number') fail(`stats field "${key}" must be a number`);
    return v;
  };
  const stats: RecommenderStats = {
    sessions: num('sessions'),
    multiItemSessions: num('multiItemSessions'),
    interactions: num('interactions'),
    items: num('items'),
    epochs: num('epochs'),
    finalLoss: num('finalLoss'),
    fitMs: num('fitMs'),
    blendCases: num('blendCases'),
    blendNdcg: num('blendNdcg'),
  };
  // Version 1 did not record the training run: no losses (the panel shows the final loss) and no hit rate.
  const training: TrainingRecord =
    o.version === 1
      ? {
          losses: [],
          heldOut: {
            k: HELD_OUT_K,
            value: null,
            cases: 0,
            reason: 'This model was saved by an earlier version of Latent that did not record it; the next training measures it.',
          },
        }
      : trainingRecordOf(objectField(o, 'training'), stats.epochs, mf.nSessions, items.length, rowVector);
  const model: RecommenderModel = { version: 3, config, items, mf, prior, generic, ...(priorBasis ? { priorBasis } : {}), neighbours, trainedAt: o.trainedAt, mode: o.mode, stats, training };
  // Files saved before retraining could update a model have none: the next retrain is a full fit.
  return o.lineage === undefined ? model : { ...model, lineage: lineageOf(objectField(o, 'lineage')) };
}

/** Validates a serialized ModelLineage: counts that are integers >= 0, no more hits than cases. */
function lineageOf(l: Record<string, unknown>): ModelLineage {
  const count = (key: keyof ModelLineage): number => {
    const v = l[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(`lineage field "${key}" must be an integer >= 0`);
    return v;
  };
  const lineage: ModelLineage = {
    fullInteractions: count('fullInteractions'),
    fullItems: count('fullItems'),
    updates: count('updates'),
    freshHits: count('freshHits'),
    freshCases: count('freshCases'),
  };
  if (lineage.freshHits > lineage.freshCases) fail('lineage has more fresh hits than cases');
  if (l.validatedInteractions !== undefined) lineage.validatedInteractions = count('validatedInteractions');
  if (l.keptFits !== undefined) lineage.keptFits = count('keptFits');
  // Files saved while updates could move the blend also hold "blendEvidence": no longer read, left out.
  return lineage;
}

/** Validates a serialized TrainingRecord (version 2): every epoch's finite loss, a hit rate in [0, 1] or a reason. */
function trainingRecordOf(t: Record<string, unknown>, epochs: number, nSessions: number, nItems: number, rowVector: RowVector): TrainingRecord {
  const losses = finiteNumbers(t.losses, undefined, 'training field "losses"');
  if (losses.length !== epochs) fail(`training field "losses" has ${losses.length} values for ${epochs} epochs`);
  const h = objectField(t, 'heldOut');
  const { k, value, cases, reason } = h;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) fail('held-out field "k" must be a positive integer');
  if (typeof cases !== 'number' || !Number.isInteger(cases) || cases < 0) fail('held-out field "cases" must be an integer >= 0');
  if (value === null) {
    if (typeof reason !== 'string' || reason === '') fail('a held-out hit rate of null needs a "reason"');
    return withRow({ losses, heldOut: { k, value: null, cases, reason } }, trainingRowOf(t.lastRow, nSessions, nItems, rowVector));
  }
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) fail('held-out field "value" must be in [0, 1] or null');
  if (cases < 1) fail('a held-out hit rate needs at least one case');
  return withRow({ losses, heldOut: { k, value, cases } }, trainingRowOf(t.lastRow, nSessions, nItems, rowVector));
}

function withRow(record: TrainingRecord, lastRow: TrainingRow | undefined): TrainingRecord {
  return lastRow ? { ...record, lastRow } : record;
}

/** The session vector of a training row: from the row's own field (version 3) or the old file's session vectors. */
type RowVector = (row: number, x: unknown) => number[];

/** `v` as `length` finite numbers (any length when undefined); else a ModelFormatError naming `what`. */
function finiteNumbers(v: unknown, length: number | undefined, what: string): number[] {
  if (!Array.isArray(v) || (length !== undefined && v.length !== length) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    fail(`${what} must be ${length === undefined ? 'an array of' : length} finite numbers`);
  }
  return v as number[];
}

/** The nested MF model of versions 1 and 2 (a JSON string of its own). */
function legacyModel(v: unknown): MfModel {
  if (typeof v !== 'string') fail('field "mf" must be a serialized MF model');
  return deserializeModel(v);
}

/** The factor model of version 3: item vectors, the sessions' count and Gramian. */
function* factorModelField(o: Record<string, unknown>, nItems: number): Steps<FactorModel> {
  const k = o.k;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > 4096) fail('mf field "k" must be a positive integer');
  if (o.nItems !== nItems) fail(`MF model has ${JSON.stringify(o.nItems)} items, the item list ${nItems}`);
  const nSessions = o.nSessions;
  if (typeof nSessions !== 'number' || !Number.isInteger(nSessions) || nSessions < 0) fail('mf field "nSessions" must be an integer >= 0');
  if (typeof o.mu !== 'number' || !Number.isFinite(o.mu)) fail('mf field "mu" must be a finite number');
  const g = finiteNumbers(o.sessionGram, k * k, 'mf field "sessionGram"');
  const itemBias = yield* floatsField(o, 'itemBias', nItems);
  return {
    k,
    nItems,
    mu: o.mu,
    itemBias,
    itemFactors: yield* floatsField(o, 'itemFactors', nItems * k),
    nSessions,
    sessionGram: Float64Array.from(g),
  };
}

/** Validates the recorded training row against the model's dimensions (absent in older files: undefined). */
function trainingRowOf(v: unknown, nSessions: number, nItems: number, rowVector: RowVector): TrainingRow | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null) return fail('training field "lastRow" must be an object');
  const { session, row, cells, x } = v as Record<string, unknown>;
  if (typeof session !== 'string') fail('training row "session" must be a string');
  if (typeof row !== 'number' || !Number.isInteger(row) || row < 0 || row >= nSessions) fail('training row "row" must index a session of the model');
  if (!Array.isArray(cells) || cells.length > TRAINING_ROW_CELLS) fail(`training row "cells" must be an array of at most ${TRAINING_ROW_CELLS}`);
  const out: TrainingRow['cells'] = [];
  for (const c of cells as unknown[]) {
    const { item, raw } = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
    if (typeof item !== 'number' || !Number.isInteger(item) || item < 0 || item >= nItems) fail('training row cell "item" must index an item of the model');
    if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0) fail('training row cell "raw" must be a finite number >= 0');
    out.push({ item: item as number, raw: raw as number });
  }
  return { session: session as string, row: row as number, x: rowVector(row as number, x), cells: out };
}
