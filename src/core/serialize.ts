// Versioned JSON with base64 float32 arrays: compact, diff-free to reload, validated field by field on load.
import { encodeFloat32, decodeFloat32Steps } from './base64';
import { ModelFormatError } from './errors';
import type { MfModel } from './model';
import { finishSteps, type Steps } from './train';
import { allFinite } from './validate';

export const MODEL_FORMAT = 'latent-mf';
export const MODEL_FORMAT_VERSION = 1;

export function serializeModel(model: MfModel): string {
  return JSON.stringify({
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    kind: model.kind,
    k: model.k,
    nUsers: model.nUsers,
    nItems: model.nItems,
    mu: model.mu,
    userBias: encodeFloat32(model.userBias),
    itemBias: encodeFloat32(model.itemBias),
    userFactors: encodeFloat32(model.userFactors),
    itemFactors: encodeFloat32(model.itemFactors),
  });
}

function positiveInt(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ModelFormatError(`model field "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * A base64 Float32Array field, checked: a string, valid base64, the expected length (when given), all finite.
 * `owner` starts the error messages ("model", "recommender model") so they say which file part is wrong.
 */
export function float32Field(o: Record<string, unknown>, key: string, length: number | undefined, owner = 'model'): Float32Array {
  return finishSteps(float32FieldSteps(o, key, length, owner));
}

/** float32Field in steps: a large field decoded in slices (decodeFloat32Steps). */
export function* float32FieldSteps(o: Record<string, unknown>, key: string, length: number | undefined, owner = 'model'): Steps<Float32Array> {
  const what = `${owner} field "${key}"`;
  const v = o[key];
  if (typeof v !== 'string') throw new ModelFormatError(`${what} must be a base64 string`);
  const a = yield* decodeFloat32Steps(v, what);
  if (length !== undefined && a.length !== length) throw new ModelFormatError(`${what} has ${a.length} values, expected ${length}`);
  if (!allFinite(a)) throw new ModelFormatError(`${what} contains NaN or Infinity`);
  return a;
}

/** Parses and validates; throws ModelFormatError with the first problem found. */
export function deserializeModel(s: string): MfModel {
  let raw: unknown;
  try {
    raw = JSON.parse(s);
  } catch (e) {
    throw new ModelFormatError(`model is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ModelFormatError('model must be a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.format !== MODEL_FORMAT) throw new ModelFormatError(`not a Latent model (format ${JSON.stringify(o.format)})`);
  if (o.version !== MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(`unsupported model version ${JSON.stringify(o.version)} (this build reads ${MODEL_FORMAT_VERSION})`);
  }
  if (o.kind !== 'explicit' && o.kind !== 'implicit') throw new ModelFormatError(`model kind must be explicit or implicit, got ${JSON.stringify(o.kind)}`);
  const k = positiveInt(o, 'k');
  const nUsers = positiveInt(o, 'nUsers');
  const nItems = positiveInt(o, 'nItems');
  if (typeof o.mu !== 'number' || !Number.isFinite(o.mu)) throw new ModelFormatError(`model field "mu" must be a finite number`);
  return {
    kind: o.kind,
    k,
    nUsers,
    nItems,
    mu: o.mu,
    userBias: float32Field(o, 'userBias', nUsers),
    itemBias: float32Field(o, 'itemBias', nItems),
    userFactors: float32Field(o, 'userFactors', nUsers * k),
    itemFactors: float32Field(o, 'itemFactors', nItems * k),
  };
}
